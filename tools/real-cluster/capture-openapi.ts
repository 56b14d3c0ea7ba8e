/**
 * `npm run capture:kubernetes-openapi`: start the real kube-apiserver (docs/real-cluster.md; built
 * first if the cache is cold), download its OpenAPI v3 documents (`/openapi/v3` and every
 * group-version it lists), save them raw under the real-cluster cache, and compact them into
 * `packages/kubernetes-spec/data/` (packages/kubernetes-spec/FORMAT.md).
 *
 *   capture-openapi.ts [--raw <dir>]     capture, then compact
 *   capture-openapi.ts --compact-only <dir>   compact raw documents captured earlier
 *
 * The raw documents are not committed (about 10 MB); the compact data is, with the Kubernetes
 * version it came from.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { request } from "node:https";
import { buildRealCluster, defaultCacheDir, describeBuildEvent, loadOrCreateCa, REAL_KUBERNETES_VERSION, startRealCluster } from "@iac/emulator";
import { compactOpenApi } from "../../packages/kubernetes-spec/gen/compact.js";

interface Kubeconfig {
  readonly clusters: readonly { readonly cluster: { readonly server: string; readonly "certificate-authority-data": string } }[];
  readonly users: readonly { readonly user: { readonly token: string } }[];
}

/** GET one JSON document with the cluster's CA and the admin's bearer token. */
function getJson<T>(o: { server: string; ca: string; token: string }, path: string): Promise<T> {
  return new Promise((done, fail) => {
    const req = request(new URL(path, o.server), { headers: { authorization: `Bearer ${o.token}`, accept: "application/json" }, ca: o.ca, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) fail(new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
        else done(JSON.parse(text) as T);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on("error", fail);
    req.end();
  });
}

async function capture(rawDir: string): Promise<void> {
  const built = await buildRealCluster({ onEvent: (e) => console.log(describeBuildEvent(e)), only: ["etcd", "kube", "kwok"] });
  const dataDir = mkdtempSync(join(tmpdir(), "iac-openapi-"));
  try {
    const cluster = await startRealCluster({ dataDir, ca: loadOrCreateCa(dataDir), binaries: built.binaries, files: built.files, log: (m) => console.log(m) });
    try {
      const kc = parse(cluster.kubeconfig) as Kubeconfig;
      const access = {
        server: cluster.server,
        ca: Buffer.from(kc.clusters[0]!.cluster["certificate-authority-data"], "base64").toString("utf8"),
        token: kc.users[0]!.user.token,
      };
      const index = await getJson<{ paths: Record<string, { serverRelativeURL: string }> }>(access, "/openapi/v3");
      mkdirSync(rawDir, { recursive: true });
      writeFileSync(join(rawDir, "index.json"), JSON.stringify(index, null, 1));
      const version = await getJson<{ gitVersion: string }>(access, "/version");
      writeFileSync(join(rawDir, "server-version.json"), JSON.stringify(version, null, 1));
      for (const [path, { serverRelativeURL }] of Object.entries(index.paths).sort(([a], [b]) => a.localeCompare(b))) {
        const doc = await getJson<unknown>(access, serverRelativeURL);
        writeFileSync(join(rawDir, path.replace(/\//g, "_") + ".json"), JSON.stringify(doc));
        console.log(`captured ${path}`);
      }
    } finally {
      await cluster.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const outDir = resolve(import.meta.dirname, "../../packages/kubernetes-spec/data");
  const compactOnly = argv.indexOf("--compact-only");
  let rawDir: string;
  if (compactOnly >= 0) {
    rawDir = resolve(argv[compactOnly + 1] ?? "");
  } else {
    const r = argv.indexOf("--raw");
    rawDir = r >= 0 ? resolve(argv[r + 1]!) : join(defaultCacheDir(), `openapi-${REAL_KUBERNETES_VERSION}`);
    await capture(rawDir);
  }
  const written = compactOpenApi({ rawDir, outDir, read: (f) => readFileSync(f, "utf8") });
  console.log(`raw documents: ${rawDir}\nwrote ${written.files} files, ${written.kinds} kinds to ${outDir}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).stack ?? String(err));
    process.exit(1);
  },
);

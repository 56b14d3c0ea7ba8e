/**
 * Typed kinds as a user meets them, through the real `iac` binary in a fresh project:
 * - `iac gen crd` on a CRD file writes modules that a program type-checks against (tsc with
 *   skipLibCheck off, so the generated declarations are checked too) and that misspelt fields fail;
 * - a program of typed built-in kinds (Namespace, Deployment, Service, ConfigMap, Secret) and typed
 *   Flux kinds (GitRepository, Kustomization) goes through preview, up and destroy on the local
 *   cloud, and a misspelt field is refused at preview with the field and the nearest name.
 */
import assert from "node:assert/strict";
import { execFile, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../src/client.js";
import { resolveSettings } from "../src/settings.js";
import { iacProject, ROOT, show, spawnIac, type IacProject } from "../../../test/iac-run.js";

const exec = promisify(execFile);
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const FIXTURE = join(ROOT, "packages", "kubernetes", "test", "fixtures", "crontab-crd.yaml");
const FLUX = join(ROOT, "..", "shared", "reference", "flux", "install-v2.9.4.yaml");
const TSCONFIG = JSON.stringify({
  compilerOptions: { target: "ES2023", lib: ["ES2023"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: false, noEmit: true, types: ["node"], allowJs: false },
  files: ["index.ts", "all-modules.ts"],
});

/** A file importing every typed module of @iac/kubernetes, so that tsc checks all their declarations. */
async function allModules(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, "packages", "kubernetes", "package.json"), "utf8")) as { exports: Record<string, unknown> };
  const mods = Object.entries(pkg.exports).filter(([k, v]) => typeof v === "object" && k !== "./types").map(([k]) => k.slice(2));
  return mods.map((m, i) => `import * as m${i} from "@iac/kubernetes/${m}";\nexport { m${i} };\n`).join("") + `import type * as types from "@iac/kubernetes/types";\nexport type { types };\n`;
}

/** A fresh project `name` under test/.tmp with these files besides iac.yaml and package.json. */
function typedProject(name: string, files: Readonly<Record<string, string>>, env?: Readonly<Record<string, string | undefined>>): Promise<IacProject> {
  const manifest = { "iac.yaml": `name: ${name}\nmain: index.ts\n`, "package.json": JSON.stringify({ name, private: true, type: "module" }) + "\n" };
  return iacProject({ under: join(ROOT, "packages", "kubernetes", "test", ".tmp"), prefix: name, files: { ...manifest, ...files }, ...(env ? { env } : {}) });
}

describe("iac gen crd", () => {
  let project: IacProject;
  before(async () => {
    project = await typedProject("crontabs", {
        "tsconfig.json": TSCONFIG,
        "all-modules.ts": await allModules(),
        "index.ts": `import { CronTab } from "./crds/stable.example.com/v1.js";
import { CronTab as CronTabBeta } from "./crds/stable.example.com/v1beta1.js";
const tab = new CronTab("nightly", { metadata: { name: "nightly" }, spec: { cronSpec: "0 3 * * *", image: "backup:1", concurrencyPolicy: "Forbid", env: [{ name: "A", value: "b" }] } });
export const schedule = tab.spec.apply((s) => s?.cronSpec);
new CronTabBeta("old", { spec: { cronSpec: "* * * * *" } });
`,
    });
  });
  after(async () => {
    await project?.remove();
  });

  it("writes one module per served version, prints the imports, and the program type-checks", async () => {
    const r = await project.iac(["gen", "crd", FIXTURE]);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'import { CronTab } from "./crds/stable.example.com/v1.js";\nimport { CronTab } from "./crds/stable.example.com/v1beta1.js";\n');
    const data = JSON.parse(await readFile(join(project.dir, "crds", "stable.example.com", "v1.json"), "utf8")) as { kinds: Record<string, { token: string }> };
    assert.equal(data.kinds.CronTab!.token, "kubernetes:stable.example.com/v1:CronTab");
    const tsc = await exec(process.execPath, [TSC, "-p", "."], { cwd: project.dir }).then(
      () => "",
      (e: { stdout: string }) => e.stdout,
    );
    assert.equal(tsc, "", "the program, its generated declarations and every typed module of @iac/kubernetes type-check");
  });

  it("gives a misspelt field and a wrong enum value as type errors", async () => {
    await writeFile(join(project.dir, "index.ts"), `import { CronTab } from "./crds/stable.example.com/v1.js";\nnew CronTab("x", { spec: { cronSpec: "* * * * *", image: "x", concurrencyPolicy: "Sometimes" } });\nnew CronTab("y", { spec: { cronSpec: "* * * * *", imag: "x" } });\n`);
    const tsc = await exec(process.execPath, [TSC, "-p", "."], { cwd: project.dir }).then(
      () => "",
      (e: { stdout: string }) => e.stdout,
    );
    assert.match(tsc, /index\.ts\(2,[0-9]+\): error TS2322: Type '"Sometimes"' is not assignable/);
    assert.match(tsc, /index\.ts\(3,[0-9]+\): error TS2[0-9]+: .*'imag'/);
  });

  it("downloads the CRDs from an http URL", async () => {
    const text = await readFile(FIXTURE, "utf8");
    const server = createServer((req, res) => {
      if (req.url === "/crontab.yaml") res.writeHead(200, { "content-type": "application/yaml" }).end(text);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await project.iac(["gen", "crd", `${base}/crontab.yaml`, "--out", "from-url"]);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /from "\.\/from-url\/stable\.example\.com\/v1\.js"/);
      assert.match(await readFile(join(project.dir, "from-url", "stable.example.com", "v1.d.ts"), "utf8"), /export declare class CronTab/);
      const missing = await project.iac(["gen", "crd", `${base}/nothere.yaml`]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /HTTP 404/);
    } finally {
      server.close();
    }
  });

  it("refuses a file without CRDs and a missing file, saying what to give", async () => {
    await writeFile(join(project.dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n");
    const none = await project.iac(["gen", "crd", "cm.yaml"]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /holds no CustomResourceDefinition/);
    const missing = await project.iac(["gen", "crd", "nothere.yaml"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not read nothere\.yaml: no such file/);
  });
});

describe("typed built-in and Flux kinds through preview, up and destroy on the local cloud", () => {
  let project: IacProject;
  let server: ChildProcess | undefined;
  const program = (replicasField = "replicas") => `import { ConfigFile } from "@iac/kubernetes";
import { Deployment } from "@iac/kubernetes/apps/v1";
import { ConfigMap, Namespace, Secret, Service } from "@iac/kubernetes/core/v1";
import { GitRepository } from "@iac/kubernetes/flux/source/v1";
import { Kustomization } from "@iac/kubernetes/flux/kustomize/v1";

const ns = new Namespace("web", { metadata: { name: "typed-web" } });
const namespace = ns.metadata.apply((m) => m.name!);
const labels = { app: "web" };
new ConfigMap("settings", { metadata: { name: "settings", namespace }, data: { LOG_LEVEL: "info" } });
new Secret("creds", { metadata: { name: "creds", namespace }, stringData: { password: "hunter2" } });
const web = new Deployment("web", {
  metadata: { name: "web", namespace },
  spec: {
    ${replicasField}: 2,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80, name: "http" }] }] } },
  },
} as any);
new Service("web", { metadata: { name: "web", namespace }, spec: { selector: labels, ports: [{ port: 80, targetPort: "http" }] } });

// Flux's CRDs (as an install would have applied them), then typed Flux objects.
const crds = new ConfigFile("flux-crds", { file: "flux-crds.yaml" });
const repo = new GitRepository("app", { metadata: { name: "app" }, spec: { url: "https://git.example.com/app.git", interval: "5m", ref: { branch: "main" } }, waitForReady: false }, { dependsOn: [crds] });
new Kustomization("app", { metadata: { name: "app" }, spec: { interval: "5m", path: "./deploy", prune: true, sourceRef: { kind: "GitRepository", name: "app" } }, waitForReady: false }, { dependsOn: [crds, repo] });

export const available = web.status.apply((s) => s?.availableReplicas ?? 0);
`;

  before(async () => {
    // flux-system and the CRDs of the source and kustomize controllers, from Flux v2.9.4's install.yaml.
    const docs = parseAllDocuments(await readFile(FLUX, "utf8"))
      .map((d) => d.toJSON() as Record<string, any>)
      .filter((d) => (d?.kind === "Namespace" && d.metadata.name === "flux-system") || (d?.kind === "CustomResourceDefinition" && /^(gitrepositories|kustomizations)\./.test(d.metadata.name)));
    project = await typedProject(
      "typed",
      { "index.ts": program(), "flux-crds.yaml": docs.map((d) => JSON.stringify(d)).join("\n---\n") + "\n" },
      { IAC_CONFIG_PASSPHRASE: "typed-e2e", KUBECONFIG: undefined },
    );
    // The local cloud as a server, so the test can look at the cluster between commands.
    server = spawnIac(["local", "serve", "--port", "0"], { cwd: project.dir, stdin: "ignore" });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const seen = (d: string) => {
        out += d;
        if (out.includes("Press Ctrl-C")) resolve();
      };
      server!.stdout!.setEncoding("utf8").on("data", seen);
      server!.stderr!.setEncoding("utf8").on("data", seen);
      server!.on("exit", (code) => reject(new Error(`iac local serve exited (${code}):\n${out}`)));
    });
  });
  after(async () => {
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGINT");
      await exited;
    }
    await project?.remove();
  });

  const cluster = () => new KubeClient(resolveSettings({ config: {}, env: { IAC_LOCAL_ENDPOINTS: join(project.dir, ".iac", "local", "endpoints.json") } }));

  it("previews, creates what the program declares, and the cluster holds it", async () => {
    const preview = await project.iac(["preview", "--local"]);
    assert.equal(preview.code, 0, show(preview));
    assert.match(preview.stdout + preview.stderr, /kubernetes:apps\/v1:Deployment/);
    const up = await project.iac(["up", "--local", "--yes"]);
    assert.equal(up.code, 0, show(up));
    const c = cluster();
    const dep = await c.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "typed-web", name: "web" });
    assert.equal((dep?.spec as { replicas?: number }).replicas, 2);
    const svc = await c.get({ apiVersion: "v1", kind: "Service", namespace: "typed-web", name: "web" });
    assert.equal((svc?.spec as { ports: { targetPort: unknown }[] }).ports[0]!.targetPort, "http");
    const ks = await c.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "app" });
    assert.equal((ks?.spec as { path?: string }).path, "./deploy");
    assert.equal(ks?.["waitForReady"], undefined, "iac's own input is not sent");
    const state = (await project.iac(["state", "export"])).stdout;
    assert.doesNotMatch(state, /hunter2/, "the Secret's stringData is encrypted in state");
    const again = await project.iac(["preview", "--local", "--expect-no-changes"]);
    assert.equal(again.code, 0, show(again));
  });

  it("refuses a misspelt field at preview, naming it and the nearest known field", async () => {
    await writeFile(join(project.dir, "index.ts"), program("replicaz"));
    const r = await project.iac(["preview", "--local"]);
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stdout + r.stderr, /spec\.replicaz/);
    assert.match(r.stdout + r.stderr, /did you mean "replicas"/);
    await writeFile(join(project.dir, "index.ts"), program());
  });

  it("destroys everything", async () => {
    const r = await project.iac(["destroy", "--local", "--yes"]);
    assert.equal(r.code, 0, show(r));
    const c = cluster();
    assert.equal(await c.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "typed-web", name: "web" }), undefined);
    assert.equal(await c.get({ apiVersion: "v1", kind: "Namespace", name: "typed-web" }), undefined);
    assert.equal(await c.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "app" }), undefined);
  });
});

/**
 * Conformance scenario `kubernetes-validation`: what the apiserver refuses, as kubectl shows it.
 * Built-in objects with a value of the wrong type, an enum value the type does not know, ports out
 * of range, containers without a name or image, each through client-side `kubectl apply` (create
 * with fieldValidation=Strict) and `kubectl apply --server-side`; `kubectl explain` of built-in
 * kinds; the CEL rules (`x-kubernetes-validations`) of Flux's HelmRelease CRD; a GitRepository
 * without `secretRef` on the local git host, which requires credentials; a list and a get asked
 * for metadata only (PartialObjectMetadataList / PartialObjectMetadata, what the kubernetes://
 * state backend asks for the history). The observations are
 * kubectl's own output and Flux's condition, so the two targets must say the same.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { it } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { show } from "../iac-run.js";
import { condition, waitUntil } from "./harness.js";
import { FLUX_MANIFESTS, scenario } from "./scenario.js";

const deployment = (name: string, container: string, extra = "") =>
  [
    "apiVersion: apps/v1",
    "kind: Deployment",
    `metadata: { name: ${name}, namespace: kv }`,
    "spec:",
    extra,
    `  selector: { matchLabels: { app: ${name} } }`,
    "  template:",
    `    metadata: { labels: { app: ${name} } }`,
    "    spec:",
    "      containers:",
    container,
    "",
  ].filter((l) => l !== "").join("\n");

/** Objects a real apiserver refuses, by observation key. */
const REFUSED: Readonly<Record<string, string>> = {
  wrongType: deployment("wrong-type", "      - { name: app, image: nginx }", "  replicas: two"),
  wrongTypeNested: deployment("wrong-nested", "      - { name: app, image: nginx, ports: [{ containerPort: \"80\" }] }"),
  enum: deployment("enum", "      - { name: app, image: nginx, imagePullPolicy: Sometimes }"),
  portRange: deployment("port-range", "      - { name: app, image: nginx, ports: [{ containerPort: 70000 }] }"),
  noName: deployment("no-name", "      - { image: nginx }"),
  badName: deployment("bad-name", "      - { name: Web_App, image: nginx }"),
  noImage: deployment("no-image", "      - { name: app }"),
  quantity: deployment("quantity", "      - { name: app, image: nginx, resources: { limits: { cpu: lots } } }"),
  intOrString: deployment("int-or-string", "      - { name: app, image: nginx }", "  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: true } }"),
  percent: deployment("percent", "      - { name: app, image: nginx }", "  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: abc } }"),
  requestAboveLimit: deployment("request", "      - { name: app, image: nginx, resources: { limits: { memory: 512Mi }, requests: { memory: 1Gi } } }"),
  negativeReplicas: deployment("negative", "      - { name: app, image: nginx }", "  replicas: -1"),
  servicePort: "apiVersion: v1\nkind: Service\nmetadata: { name: svc, namespace: kv }\nspec:\n  type: Sideways\n  ports: [{ port: 70000, targetPort: 8080 }]\n",
};

/** HelmRelease objects Flux's CRD refuses by its CEL rules (and one it accepts). */
const HELM_RELEASES: Readonly<Record<string, string>> = {
  neither: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: neither, namespace: kv }\nspec:\n  interval: 5m\n",
  both: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: both, namespace: kv }\nspec:\n  interval: 5m\n  chart: { spec: { chart: app, sourceRef: { kind: HelmRepository, name: repo } } }\n  chartRef: { kind: OCIRepository, name: app }\n",
  retryOnRemediate: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: retry, namespace: kv }\nspec:\n  interval: 5m\n  chartRef: { kind: OCIRepository, name: app }\n  install: { strategy: { name: RemediateOnFailure, retryInterval: 1m } }\n",
  valid: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: valid, namespace: kv }\nspec:\n  interval: 5m\n  chartRef: { kind: OCIRepository, name: app }\n",
};

scenario("kubernetes-validation", { program: "kubernetes-validation" }, (run) => {
  const { o } = run;
  const kubectl = (args: string[], input = "") => {
    const dir = run.project.dir;
    return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      const child = execFile("kubectl", ["--kubeconfig", join(dir, ".iac", "local", "kubeconfig"), ...args], { env: { ...process.env, HOME: dir } }, (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
      );
      child.stdin?.end(input);
    });
  };

  it("creates the namespace the requests write into", async () => {
    const r = await run.up();
    assert.equal(r.code, 0, run.explain(r));
  });

  it("answers metadata-only asks (PartialObjectMetadataList, PartialObjectMetadata) as the kubernetes:// backend's history listing sends them", async () => {
    const created = await kubectl(["create", "secret", "generic", "meta-only", "-n", "kv", "--from-literal=key=value"]);
    assert.equal(created.code, 0, created.stderr);
    const config = parseAllDocuments(await readFile(join(run.project.dir, ".iac", "local", "kubeconfig"), "utf8"))[0]!.toJS() as {
      clusters: { cluster: { server: string; "certificate-authority-data"?: string; "certificate-authority"?: string } }[];
      users: { user: { token?: string } }[];
    };
    const cluster = config.clusters[0]!.cluster;
    const ca = cluster["certificate-authority-data"] ? Buffer.from(cluster["certificate-authority-data"], "base64") : await readFile(cluster["certificate-authority"]!);
    const get = (path: string, accept: string) => new Promise<{ kind: string; items?: unknown[] } & Record<string, unknown>>((resolve, reject) => {
      const req = httpsRequest(new URL(path, cluster.server), { ca, headers: { accept, authorization: `Bearer ${config.users[0]!.user.token}` } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        // A refusal is observed as its status and message (the Status object's).
        res.on("end", () => resolve((res.statusCode === 200 ? JSON.parse(body) : { kind: `refused ${res.statusCode}`, message: (JSON.parse(body) as { message?: string }).message }) as never));
      });
      req.on("error", reject);
      req.end();
    });
    const LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
    const ONE = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
    const shape = (x: { kind: string; apiVersion?: unknown; items?: unknown[] } & Record<string, unknown>) => x.kind.startsWith("refused") ? { kind: x.kind, message: x["message"] } : ({
      kind: x.kind,
      apiVersion: x.apiVersion,
      data: "data" in x,
      ...(x.items ? { items: (x.items as Record<string, unknown>[]).map((i) => `${String(i["kind"] ?? "(no kind)")} ${String((i["metadata"] as { name: string }).name)}${"data" in i ? " with data" : ""}`) } : {}),
    });
    o["metadataOnly.list"] = shape(await get("/api/v1/namespaces/kv/secrets?fieldSelector=metadata.name%3Dmeta-only", LIST));
    o["metadataOnly.get"] = shape(await get("/api/v1/namespaces/kv/secrets/meta-only", ONE));
    o["metadataOnly.listAskedAsOne"] = shape(await get("/api/v1/namespaces/kv/secrets?fieldSelector=metadata.name%3Dmeta-only", ONE));
    o["metadataOnly.getAskedAsList"] = shape(await get("/api/v1/namespaces/kv/secrets/meta-only", LIST));
    assert.deepEqual(o["metadataOnly.list"], { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", data: false, items: ["PartialObjectMetadata meta-only"] });
  });

  it("built-in objects with wrong types, unknown enum values, bad ports, names and images are refused as the apiserver refuses them", async () => {
    for (const [key, yaml] of Object.entries(REFUSED)) {
      const csa = await kubectl(["apply", "-f", "-"], yaml);
      o[`refused.${key}.clientSide`] = `exit ${csa.code}: ${csa.stderr.trim()}`;
      const ssa = await kubectl(["apply", "--server-side", "-f", "-"], yaml);
      o[`refused.${key}.serverSide`] = `exit ${ssa.code}: ${ssa.stderr.trim()}`;
      if (run.real) {
        assert.notEqual(csa.code, 0, `${key} (client-side) was accepted: ${csa.stdout}`);
        assert.notEqual(ssa.code, 0, `${key} (server-side) was accepted: ${ssa.stdout}`);
      }
    }
  });

  it("kubectl explain describes built-in kinds from the OpenAPI", async () => {
    const replicas = await kubectl(["explain", "deployment.spec.replicas"]);
    o["explain.deployment.spec.replicas"] = `exit ${replicas.code}: ${replicas.stdout.trim()}${replicas.stderr.trim()}`;
    // Field lists only: the emulation's descriptions are the first paragraphs (docs/local-cloud.md).
    const fields = async (path: string) => {
      const r = await kubectl(["explain", path]);
      return r.code === 0 ? [...r.stdout.matchAll(/^ {2}(\S+)\t<([^>]+)>( -required-)?/gm)].map((m) => `${m[1]} <${m[2]}>${m[3] ?? ""}`) : `exit ${r.code}: ${r.stderr.trim()}`;
    };
    o["explain.deployment.spec.fields"] = await fields("deployment.spec");
    o["explain.pod.spec.containers.fields"] = await fields("pod.spec.containers");
    o["explain.service.spec.type.enum"] = ((await kubectl(["explain", "service.spec.type"])).stdout.match(/^ENUM:[\s\S]*?(?=\n\n|$)/m) ?? ["absent"])[0]!.replace(/\s+/g, " ").trim();
    assert.equal(replicas.code, 0, replicas.stderr);
  });

  it("installs Flux's CRDs and its source-controller (from Flux's manifests)", async () => {
    const docs = parseAllDocuments(await readFile(FLUX_MANIFESTS, "utf8")).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null);
    // Only the source-controller runs: the GitRepository below needs it, nothing else does.
    const install = docs.filter((d) => d !== null && (d.kind !== "Deployment" || d.metadata?.name === "source-controller"));
    const file = join(run.project.dir, "flux-install.yaml");
    await writeFile(file, install.map((d) => stringify(d)).join("---\n"));
    const applied = await kubectl(["apply", "--server-side", "-f", file]);
    assert.equal(applied.code, 0, applied.stderr);
    await waitUntil("Flux's CRDs to be served", async () => ((await kubectl(["get", "helmreleases,gitrepositories", "-n", "kv"])).code === 0 ? true : undefined), run.timeout(60_000));
  });

  it("Flux's HelmRelease CRD refuses what its CEL rules refuse", async () => {
    for (const [key, yaml] of Object.entries(HELM_RELEASES)) {
      const r = await kubectl(["apply", "--server-side", "-f", "-"], yaml);
      o[`cel.helmRelease.${key}`] = `exit ${r.code}: ${(r.code === 0 ? r.stdout : r.stderr).trim()}`;
    }
    if (run.real) {
      assert.match(String(o["cel.helmRelease.neither"]), /either chart or chartRef must be set/);
      assert.match(String(o["cel.helmRelease.valid"]), /^exit 0/);
    }
  });

  it("a GitRepository without secretRef fails as Flux fails against a git host that requires credentials", async () => {
    const url = `${run.stack.git}/iac/private.git`;
    const repo = `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: { name: anonymous, namespace: kv }\nspec:\n  url: ${url}\n  interval: 1m0s\n  ref: { branch: main }\n`;
    const applied = await kubectl(["apply", "--server-side", "-f", "-"], repo);
    assert.equal(applied.code, 0, applied.stderr);
    const ready = await waitUntil("the GitRepository's Ready condition", async () => {
      const obj = await run.stack.client.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "kv", name: "anonymous" });
      const c = condition(obj, "Ready");
      return c?.status === "False" ? c : undefined;
    }, run.timeout(120_000)).catch(() => undefined);
    o["gitRepository.anonymous.ready"] = ready ? `${ready.status}/${ready.reason}: ${String(ready.message).replaceAll(url, "<url>")}` : "absent";
    assert.match(String(o["gitRepository.anonymous.ready"]), /authentication required/);
  });

  it("destroy removes the namespace", async () => {
    const r = await run.destroy();
    o["destroy.exitCode"] = r.code;
    assert.equal(r.code, 0, show(r));
  });
});

/**
 * The typed classes' check before apply: built-in kinds against the captured OpenAPI, Flux kinds
 * against the v2.9.4 CRDs, custom kinds against the schemas of the module `iac gen crd` wrote. No
 * cluster: check never calls it.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { UNKNOWN, type CheckFailure, type PropertyMap } from "@iac/sdk/provider";
import { createProviderSet } from "../src/provider-module.js";
import { generateCrdModules } from "../src/codegen/crd.js";
import { context } from "./local-cloud.js";

const providers = createProviderSet({ kubeconfig: "", source: "test (never used: check does not call the cluster)" });

async function check(type: string, inputs: PropertyMap): Promise<{ inputs: PropertyMap; failures: readonly CheckFailure[] }> {
  const p = providers.provider(type);
  assert.ok(p, `a provider for ${type}`);
  return p.check(inputs, undefined, context({ type, name: "x" }));
}

const deployment = (spec: PropertyMap = {}): PropertyMap => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } }, ...spec },
});

describe("typed kinds are checked before apply", () => {
  it("accepts a well-formed Deployment, also with values unknown at preview", async () => {
    assert.deepEqual((await check("kubernetes:apps/v1:Deployment", deployment({ replicas: 2 }))).failures, []);
    assert.deepEqual((await check("kubernetes:apps/v1:Deployment", deployment({ replicas: UNKNOWN }))).failures, []);
  });

  it("refuses a misspelt Deployment field, naming it and the nearest known field", async () => {
    const { failures } = await check("kubernetes:apps/v1:Deployment", deployment({ replicaz: 2 }));
    assert.deepEqual(failures, [{ property: "spec.replicaz", reason: 'spec has no field "replicaz": did you mean "replicas"?' }]);
  });

  it("refuses wrong types and enum values in a Service", async () => {
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "Loadbalancer", ports: [{ port: "80" }] } };
    const failures = (await check("kubernetes:core/v1:Service", svc)).failures.map((f) => f.property).sort();
    assert.deepEqual(failures, ["spec.ports[0].port", "spec.type"]);
  });

  it("fills apiVersion and kind from the token for cluster-scoped kinds the fixed table does not list", async () => {
    const r = await check("kubernetes:networking/v1:IPAddress", { metadata: { name: "10.0.0.1", namespace: "x" }, spec: { parentRef: { resource: "services", name: "s" } } });
    assert.equal(r.inputs.apiVersion, "networking.k8s.io/v1");
    assert.deepEqual(r.failures.map((f) => f.property), ["metadata.namespace"], "IPAddress is cluster-scoped (from the captured data)");
  });

  it("checks the generated Flux kinds and the hand-written Flux classes' tokens against the CRDs", async () => {
    const ks = { metadata: { name: "apps" }, spec: { interval: "1m", prune: true, sourceRef: { kind: "GitRepository", name: "app" }, healtChecks: [] } };
    const { failures } = await check("flux:kustomize/v1:Kustomization", ks);
    assert.deepEqual(failures, [{ property: "spec.healtChecks", reason: 'spec has no field "healtChecks": did you mean "healthChecks"?' }]);
    const missing = await check("flux:kustomize/v1:Kustomization", { metadata: { name: "apps" }, spec: { interval: "1m", sourceRef: { kind: "Git", name: "app" } } });
    assert.deepEqual(missing.failures.map((f) => f.property).sort(), ["spec.prune", "spec.sourceRef.kind"]);
    const alert = await check("flux:notification/v1beta3:Alert", { spec: { providerRef: { name: "slack" }, eventSources: [{ kind: "GitRepository", name: "*" }], eventSeverity: "warn" } });
    assert.deepEqual(alert.failures.map((f) => f.property), ["spec.eventSeverity"]);
    assert.equal((alert.inputs.metadata as PropertyMap).namespace, "flux-system", "Flux objects default to flux-system");
  });

  it("reports a field Flux removed once, with what replaced it, not also as unknown", async () => {
    const ks = { metadata: { name: "apps" }, spec: { interval: "1m", prune: true, sourceRef: { kind: "GitRepository", name: "app" }, validation: "client" } };
    const { failures } = await check("flux:kustomize/v1:Kustomization", ks);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.property, "spec.validation");
    assert.match(failures[0]!.reason, /was removed in kustomize.toolkit.fluxcd.io\/v1/);
  });

  it("does not treat waitForReady (iac's own input) as a field of the object", async () => {
    const repo = { metadata: { name: "app" }, spec: { url: "https://example.com/app.git", interval: "1m" }, waitForReady: false };
    assert.deepEqual((await check("flux:source/v1:GitRepository", repo)).failures, []);
  });

  describe("custom kinds from iac gen crd", () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), ".tmp", `crd-${randomBytes(4).toString("hex")}`);
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("are registered when the generated module is imported, and checked by their schema", async () => {
      const text = readFileSync(new URL("./fixtures/crontab-crd.yaml", import.meta.url), "utf8");
      for (const m of generateCrdModules({ text, from: "crontab-crd.yaml" })) {
        for (const [p, t] of Object.entries(m.files)) {
          mkdirSync(dirname(join(dir, p)), { recursive: true });
          writeFileSync(join(dir, p), t);
        }
      }
      const type = "kubernetes:stable.example.com/v1:CronTab";
      assert.equal(providers.provider(type), undefined, "unknown before the module is loaded");
      const mod = (await import(join(dir, "stable.example.com", "v1.js"))) as { CronTab: new (...a: unknown[]) => unknown };
      assert.equal(mod.CronTab.name, "CronTab");
      const ok = await check(type, { metadata: { name: "c" }, spec: { cronSpec: "*/5 * * * *", image: "busybox", replicas: 2, env: [{ name: "A" }], extra: { any: { thing: 1 } } } });
      assert.deepEqual(ok.failures, []);
      assert.equal(ok.inputs.apiVersion, "stable.example.com/v1");
      const bad = await check(type, { metadata: { name: "c" }, spec: { cronSpec: "often", imag: "busybox", replicas: 11, concurrencyPolicy: "Sometimes" } });
      assert.deepEqual(bad.failures.map((f) => f.property).sort(), ["spec.concurrencyPolicy", "spec.cronSpec", "spec.image", "spec.imag", "spec.replicas"].sort());
      assert.match(bad.failures.find((f) => f.property === "spec.imag")!.reason, /did you mean "image"/);
    });
  });
});

describe("the hand-written Namespace", () => {
  it("shares core/v1's token and is checked against its schema too", async () => {
    const { failures } = await check("kubernetes:core/v1:Namespace", { metadata: { name: "web" }, spec: { finalizer: ["kubernetes"] } });
    assert.deepEqual(failures, [{ property: "spec.finalizer", reason: 'spec has no field "finalizer": did you mean "finalizers"?' }]);
  });
});

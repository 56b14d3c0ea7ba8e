/**
 * Conformance scenario `helm-release`: a HelmRepository of a local chart repository (a chart of
 * our own, served on loopback) and a HelmRelease of it with values; then destroy, which uninstalls
 * the release. One iac program, run against each target; the real cluster must install the chart.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { condition, serveHelmRepository, waitUntil, type HelmRepositoryServer, type Observation, type Stack } from "./harness.js";
import { FLUX_MANIFESTS, HERE, scenario } from "./scenario.js";

async function observe(stack: Stack): Promise<Observation> {
  const c = stack.client;
  const repo = await c.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", namespace: "flux-system", name: "local-charts" });
  const release = await c.get({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: "flux-system", name: "hello" });
  const ready = (o: Record<string, unknown> | undefined) => `${condition(o, "Ready")?.status ?? "absent"}/${condition(o, "Ready")?.reason ?? ""}`;
  const deployment = await c.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "hello", name: "hello" });
  const configMap = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "hello", name: "hello-config" });
  const spec = deployment?.["spec"] as { replicas?: number; template: { spec: { containers: { image: string }[] } } } | undefined;
  return {
    "helmRepository.ready": ready(repo),
    "helmRelease.ready": ready(release),
    "helmRelease.lastAttemptedRevision": (release?.["status"] as { lastAttemptedRevision?: string } | undefined)?.lastAttemptedRevision ?? "absent",
    "release.deployment": spec ? { replicas: spec.replicas, images: spec.template.spec.containers.map((x) => x.image), available: condition(deployment, "Available")?.status ?? "absent" } : "absent",
    "release.configMap.data": configMap?.["data"] ?? "absent",
  };
}

let charts: HelmRepositoryServer | undefined;

scenario("helm-release", {
  program: "helm-release",
  async setup(run) {
    charts = await serveHelmRepository(join(HERE, "fixtures", "charts"), run.project.dir);
    return { manifests: FLUX_MANIFESTS, chartRepo: charts.url };
  },
  teardown: async () => charts?.close(),
}, (run) => {
  it("iac up --local installs the chart with the release's values", async () => {
    const r = await run.up();
    assert.equal(r.code, 0, run.explain(r));
    // HelmRelease is not waited for by iac (waitForReady defaults to false): wait here, briefly on
    // the emulation, which is known not to reconcile it (see docs/local-cloud-conformance.md).
    await waitUntil("the HelmRelease to be Ready", async () => ((await observe(run.stack))["helmRelease.ready"] === "True/InstallSucceeded" ? true : undefined), run.real ? 240_000 : 20_000).catch(() => undefined);
    const o = await observe(run.stack);
    Object.assign(run.o, o);
    if (run.real) {
      assert.equal(o["helmRepository.ready"], "True/Succeeded");
      assert.equal(o["helmRelease.ready"], "True/InstallSucceeded");
      assert.deepEqual(o["release.deployment"], { replicas: 2, images: ["nginx:1.27"], available: "True" });
      assert.deepEqual(o["release.configMap.data"], { GREETING: "hello from values" });
    }
  });

  it("iac destroy --local uninstalls the release and Flux", async () => {
    const r = await run.destroy();
    const d = await run.stack.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "hello", name: "hello" });
    run.o["destroy.exitCode"] = r.code;
    run.o["destroy.releaseDeployment"] = d === undefined ? "gone" : "left";
    assert.equal(r.code, 0, run.explain(r));
    assert.equal(d, undefined, "the release's Deployment is uninstalled with the HelmRelease");
  });
});

/**
 * Conformance scenario `helm-infrastructure` (issue 15 §5): Helm in the layout of Flux's example
 * repositories. The infrastructure repository in git holds a HelmRepository (the suite's chart,
 * served on loopback) under `infrastructure/sources` and a HelmRelease under
 * `infrastructure/controllers`; two Kustomizations apply them in order, the second with
 * `wait: true`. On the real cluster the chart is installed with the release's values and the
 * Kustomization waits for it; destroy removes it all.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { it } from "node:test";
import { condition, pushHistory, serveHelmRepository, waitUntil, type HelmRepositoryServer, type Observation, type Stack } from "./harness.js";
import { FLUX_MANIFESTS, HERE, scenario } from "./scenario.js";

const ready = (o: Record<string, unknown> | undefined) => `${condition(o, "Ready")?.status ?? "absent"}/${condition(o, "Ready")?.reason ?? ""}`;

async function observe(stack: Stack): Promise<Observation> {
  const c = stack.client;
  const ks = (name: string) => c.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name });
  const repo = await c.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", namespace: "flux-system", name: "local-charts" });
  const release = await c.get({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: "hello", name: "hello" });
  const deployment = await c.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "hello", name: "hello" });
  const configMap = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "hello", name: "hello-config" });
  const spec = deployment?.["spec"] as { replicas?: number; template: { spec: { containers: { image: string }[] } } } | undefined;
  return {
    "infraSources.ready": ready(await ks("infra-sources")),
    "infraControllers.ready": ready(await ks("infra-controllers")),
    "helmRepository.ready": ready(repo),
    "helmRelease.ready": ready(release),
    "helmRelease.lastAttemptedRevision": (release?.["status"] as { lastAttemptedRevision?: string } | undefined)?.lastAttemptedRevision ?? "absent",
    "release.deployment": spec ? { replicas: spec.replicas, images: spec.template.spec.containers.map((x) => x.image), available: condition(deployment, "Available")?.status ?? "absent" } : "absent",
    "release.configMap.data": configMap?.["data"] ?? "absent",
  };
}

/** The fixture repository with the chart repository's URL filled in. */
async function infraFiles(chartsUrl: string): Promise<Record<string, string>> {
  const root = join(HERE, "fixtures", "infra-repo");
  const files: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else files[relative(root, p)] = (await readFile(p, "utf8")).split("${CHARTS}").join(chartsUrl);
    }
  };
  await walk(root);
  return files;
}

let charts: HelmRepositoryServer | undefined;

scenario("helm-infrastructure", {
  program: "helm-infrastructure",
  async setup(run) {
    charts = await serveHelmRepository(join(HERE, "fixtures", "charts"), run.project.dir);
    await pushHistory(run.stack.git, "iac/infrastructure.git", await mkdtemp(join(run.project.dir, "infra-")), [{ files: await infraFiles(charts.url) }]);
    return { manifests: FLUX_MANIFESTS };
  },
  teardown: async () => charts?.close(),
}, (run) => {
  it("iac up --local: the infrastructure layer installs the chart from git, and the Kustomization waits for it", async () => {
    const r = await run.up();
    assert.equal(r.code, 0, run.explain(r));
    await waitUntil("the infrastructure to settle", async () => {
      const o = await observe(run.stack);
      const settled = (v: unknown) => /^True\/|^False\/(?!Progressing|DependencyNotReady)/.test(String(v));
      return settled(o["infraControllers.ready"]) && settled(o["helmRelease.ready"]) ? true : undefined;
    }, run.timeout(300_000, 30_000)).catch(() => undefined);
    const o = await observe(run.stack);
    Object.assign(run.o, o);
    if (run.real) {
      assert.equal(o["infraSources.ready"], "True/ReconciliationSucceeded");
      assert.equal(o["helmRepository.ready"], "True/Succeeded");
      assert.equal(o["helmRelease.ready"], "True/InstallSucceeded");
      assert.equal(o["infraControllers.ready"], "True/ReconciliationSucceeded");
      assert.deepEqual(o["release.deployment"], { replicas: 2, images: ["nginx:1.27"], available: "True" });
      assert.deepEqual(o["release.configMap.data"], { GREETING: "hello from the infrastructure layer" });
    }
  });

  it("iac destroy --local removes the infrastructure layer, the release and Flux", async () => {
    const r = await run.destroy();
    assert.equal(r.code, 0, run.explain(r));
    const crds = await run.stack.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
    run.o["destroy.fluxCrds"] = crds.map((x) => x.metadata.name ?? "").filter((n) => n.endsWith(".toolkit.fluxcd.io")).sort();
    assert.deepEqual(run.o["destroy.fluxCrds"], []);
  });
});

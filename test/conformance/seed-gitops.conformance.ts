/**
 * Conformance scenario `seed-gitops`: FluxBootstrap on an empty cluster, then the seed's layout
 * (deploy/bases/realtimeapp + deploy/overlays/{dev,prod} with namespace, nameSuffix/namePrefix,
 * images, patches and a configMapGenerator) through two Kustomizations with healthChecks and a
 * timeout; then destroy (flux uninstall's order). One iac program, run against each target.
 *
 * On the real cluster every expectation below must hold. The emulated cloud's observation is
 * compared with the real one; each difference must be listed in docs/local-cloud-conformance.md.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { condition, pushRepo, waitUntil, type Observation, type Stack } from "./harness.js";
import { FLUX_MANIFESTS, HERE, scenario } from "./scenario.js";

const CONTROLLERS = ["helm-controller", "kustomize-controller", "notification-controller", "source-controller"];
const APP = {
  dev: { ns: "realtime-dev", realtime: "realtime-dev", redis: "redis-dev", service: "redis-dev" },
  prod: { ns: "realtime-prod", realtime: "prod-realtime", redis: "prod-redis", service: "prod-redis" },
} as const;


async function observeApplied(stack: Stack, heads: { fleet: string; app: string }): Promise<Observation> {
  const c = stack.client;
  const o: Observation = {};
  for (const name of CONTROLLERS) {
    const d = await c.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "flux-system", name });
    o[`controllers.${name}.available`] = condition(d, "Available")?.status ?? "absent";
  }
  const revision = (v: unknown, head: string) => (v === `main@sha1:${head}` ? "HEAD" : v ?? "absent");
  const repo = await c.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "flux-system", name: "flux-system" });
  o["sync.gitRepository.ready"] = condition(repo, "Ready")?.status ?? "absent";
  o["sync.gitRepository.revision"] = revision((repo?.["status"] as { artifact?: { revision?: string } } | undefined)?.artifact?.revision, heads.fleet);
  const ks = await c.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "flux-system" });
  o["sync.kustomization.ready"] = condition(ks, "Ready")?.status ?? "absent";
  o["sync.kustomization.lastAppliedRevision"] = revision((ks?.["status"] as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision, heads.fleet);
  for (const env of ["dev", "prod"] as const) {
    const k = await c.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: `realtimeapp-${env}` });
    const ready = condition(k, "Ready");
    o[`app.${env}.kustomization.ready`] = `${ready?.status ?? "absent"}/${ready?.reason ?? ""}`;
    o[`app.${env}.kustomization.lastAppliedRevision`] = revision((k?.["status"] as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision, heads.app);
    const ns = APP[env].ns;
    const deployments = await c.list("apps/v1", "Deployment", { namespace: ns });
    o[`app.${env}.deployments`] = deployments
      .map((d) => {
        const spec = d["spec"] as { replicas?: number; template: { spec: { containers: { image: string; envFrom?: { configMapRef?: { name: string } }[] }[] } } };
        return {
          name: d.metadata.name,
          replicas: spec.replicas,
          images: spec.template.spec.containers.map((x) => x.image),
          // Generated names end in a content hash: compare the name's shape, not the hash.
          envFrom: spec.template.spec.containers.flatMap((x) => x.envFrom ?? []).map((e) => e.configMapRef?.name.replace(/-[a-z0-9]{10}$/, "-<hash>")),
          available: condition(d, "Available")?.status ?? "absent",
        };
      })
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    // kube-root-ca.crt is published into every namespace by the real controller-manager; it is not the app's.
    const configMaps = await c.list("v1", "ConfigMap", { namespace: ns });
    o[`app.${env}.configMaps`] = configMaps.map((m) => m.metadata.name ?? "").filter((n) => n !== "kube-root-ca.crt").map((n) => n.replace(/-[a-z0-9]{10}$/, "-<hash>")).sort();
    const generated = configMaps.find((m) => (m.metadata.name ?? "").includes("realtime-config"));
    o[`app.${env}.configMap.data`] = generated?.["data"] ?? "absent";
    const services = await c.list("v1", "Service", { namespace: ns });
    o[`app.${env}.services`] = services.map((s) => s.metadata.name).sort();
  }
  return o;
}

async function observeDestroyed(stack: Stack): Promise<Observation> {
  const c = stack.client;
  const crds = await c.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
  const namespaces = await c.list("v1", "Namespace", {});
  return {
    "destroy.fluxCrds": crds.map((x) => x.metadata.name ?? "").filter((n) => n.endsWith(".toolkit.fluxcd.io")).sort(),
    "destroy.namespaces": namespaces.map((n) => n.metadata.name ?? "").filter((n) => n === "flux-system" || n.startsWith("realtime-")).sort(),
  };
}

/** Wait for the app's Kustomizations to settle (Ready True, or False for a reason other than progress). */
async function settle(stack: Stack, timeoutMs: number): Promise<void> {
  await waitUntil("the app's Kustomizations to settle", async () => {
    for (const env of ["dev", "prod"]) {
      const k = await stack.client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: `realtimeapp-${env}` });
      const ready = condition(k, "Ready");
      if (ready?.status !== "True" && !(ready?.status === "False" && ready.reason !== "Progressing" && ready.reason !== "DependencyNotReady")) return undefined;
    }
    return true;
  }, timeoutMs).catch(() => undefined); // the observation records what it reached
}

const heads = { fleet: "", app: "" };

scenario("seed-gitops", {
  program: "seed-gitops",
  async setup(run) {
    heads.app = await pushRepo(run.stack.git, "iac/realtimeapp-infra.git", join(HERE, "fixtures", "seed-repo"), run.project.dir);
    return { manifests: FLUX_MANIFESTS };
  },
}, (run) => {
  it("iac up --local bootstraps Flux and applies both overlays", async () => {
    const r = await run.up();
    // The emulation may fail where the real cluster does not: that is an observation too.
    assert.equal(r.code, 0, run.explain(r));
    Object.assign(run.o, { "up.exitCode": r.code, "up.failedResources": [...(r.stdout.matchAll(/^\+\s+\S+ (\S+) create failed/gm))].map((m) => m[1]).sort() });
    const out = await run.iac(["stack", "output", "fluxRevision"]);
    heads.fleet = /main@sha1:([0-9a-f]{40})/.exec(out.stdout)?.[1] ?? "";
    assert.ok(heads.fleet, run.explain(out));
    await settle(run.stack, run.real ? 180_000 : 60_000);
    const o = await observeApplied(run.stack, heads);
    Object.assign(run.o, o);
    if (run.real) {
      // The oracle must pass the scenario itself, or the comparison means nothing.
      for (const name of CONTROLLERS) assert.equal(o[`controllers.${name}.available`], "True", name);
      assert.equal(o["sync.gitRepository.revision"], "HEAD");
      assert.equal(o["sync.kustomization.lastAppliedRevision"], "HEAD");
      assert.equal(o["app.dev.kustomization.ready"], "True/ReconciliationSucceeded");
      assert.equal(o["app.prod.kustomization.ready"], "True/ReconciliationSucceeded");
      assert.deepEqual(o["app.dev.deployments"], [
        { name: "realtime-dev", replicas: 2, images: ["ghcr.io/example/realtime-go:1a2b3c4"], envFrom: ["realtime-config-dev-<hash>"], available: "True" },
        { name: "redis-dev", replicas: 1, images: ["redis:7-alpine"], envFrom: [], available: "True" },
      ]);
      assert.deepEqual(o["app.prod.deployments"], [
        { name: "prod-realtime", replicas: 3, images: ["registry.example.com/realtime-go:v1.4.0"], envFrom: ["prod-realtime-config-<hash>"], available: "True" },
        { name: "prod-redis", replicas: 1, images: ["redis:7-alpine"], envFrom: [], available: "True" },
      ]);
      assert.deepEqual(o["app.dev.configMap.data"], { LOG_LEVEL: "debug", REDIS_ADDR: "redis:6379" });
    }
  });

  it("iac destroy --local uninstalls Flux and the app's namespaces", async () => {
    const r = await run.destroy();
    assert.equal(r.code, 0, run.explain(r));
    const o = await observeDestroyed(run.stack);
    Object.assign(run.o, o);
    if (run.real) {
      assert.deepEqual(o["destroy.fluxCrds"], []);
      // Namespace deletion waits for its content (finalizers included): allow it to finish.
      await waitUntil("the namespaces to go", async () => ((await observeDestroyed(run.stack))["destroy.namespaces"] as string[]).length === 0 || undefined, 120_000);
      run.o["destroy.namespaces"] = [];
    }
  });
});

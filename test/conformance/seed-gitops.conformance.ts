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
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { iacProject, show, type IacProject } from "../iac-run.js";
import { condition, diverging, listedDivergences, pushRepo, ROOT, startStack, targets, waitUntil, type Observation, type Stack, type Target } from "./harness.js";

const SCENARIO = "seed-gitops";
const HERE = join(ROOT, "test", "conformance");
const MANIFESTS = join(ROOT, "..", "shared", "reference", "flux", "gotk-components-v2.9.4.yaml");
const CONTROLLERS = ["helm-controller", "kustomize-controller", "notification-controller", "source-controller"];
const APP = {
  dev: { ns: "realtime-dev", realtime: "realtime-dev", redis: "redis-dev", service: "redis-dev" },
  prod: { ns: "realtime-prod", realtime: "prod-realtime", redis: "prod-redis", service: "prod-redis" },
} as const;

type Live = Record<string, unknown>;
const observations = new Map<Target, Observation>();

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

const projects: IacProject[] = [];
after(async () => {
  for (const p of projects) await p.remove();
});

for (const target of targets()) {
  describe(`${SCENARIO} on the ${target} Kubernetes`, () => {
    let project: IacProject;
    let stack: Stack | undefined;
    const heads = { fleet: "", app: "" };

    after(async () => {
      // What this target observed, for reading next to the other one (test/conformance/.tmp/).
      await writeFile(join(HERE, ".tmp", `${SCENARIO}-${target}.json`), JSON.stringify(observations.get(target) ?? {}, null, 2) + "\n").catch(() => {});
      await stack?.stop();
    });

    it("serves the local cloud and pushes the app's repository", async () => {
      project = await iacProject({
        under: join(HERE, ".tmp"),
        prefix: target,
        copy: { from: join(ROOT, "examples", "flux-gitops"), files: ["package.json"] },
        files: { "iac.yaml": "name: conformance-seed-gitops\nmain: index.ts\n" },
        env: { IAC_CONFIG_PASSPHRASE: "conformance" },
      });
      projects.push(project);
      const { copyFile } = await import("node:fs/promises");
      await copyFile(join(HERE, "programs", "seed-gitops.ts"), join(project.dir, "index.ts"));
      stack = await startStack(project.dir, target);
      heads.app = await pushRepo(stack.git, "iac/realtimeapp-infra.git", join(HERE, "fixtures", "seed-repo"), project.dir);
      const set = await project.iac(["config", "set", "manifests", MANIFESTS]);
      assert.equal(set.code, 0, show(set));
    });

    it("iac up --local bootstraps Flux and applies both overlays", async () => {
      const r = await project.iac(["up", "--local", "--yes"]);
      // The emulation may fail where the real cluster does not: that is an observation too.
      if (target === "real") assert.equal(r.code, 0, show(r) + `\n--- iac local serve:\n${stack!.log()}`);
      observations.set(target, { "up.exitCode": r.code, "up.failedResources": [...(r.stdout.matchAll(/^\+\s+\S+ (\S+) create failed/gm))].map((m) => m[1]).sort() });
      const out = await project.iac(["stack", "output", "fluxRevision"]);
      heads.fleet = /main@sha1:([0-9a-f]{40})/.exec(out.stdout)?.[1] ?? "";
      assert.ok(heads.fleet, show(out));
      await settle(stack!, target === "real" ? 180_000 : 60_000);
      const o = await observeApplied(stack!, heads);
      observations.set(target, { ...(observations.get(target) ?? {}), ...o });
      if (target === "real") {
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
      const r = await project.iac(["destroy", "--local", "--yes"]);
      assert.equal(r.code, 0, show(r) + `\n--- iac local serve:\n${stack!.log()}`);
      const o = await observeDestroyed(stack!);
      observations.set(target, { ...(observations.get(target) ?? {}), ...o });
      if (target === "real") {
        assert.deepEqual(o["destroy.fluxCrds"], []);
        // Namespace deletion waits for its content (finalizers included): allow it to finish.
        await waitUntil("the namespaces to go", async () => ((await observeDestroyed(stack!))["destroy.namespaces"] as string[]).length === 0 || undefined, 120_000);
        observations.get(target)!["destroy.namespaces"] = [];
      }
    });
  });
}

describe(`${SCENARIO}: the emulation against the real cluster`, () => {
  it("diverges only where docs/local-cloud-conformance.md says, and everywhere it says", async (t) => {
    const emulated = observations.get("emulated");
    const real = observations.get("real");
    if (!targets().includes("emulated") || !targets().includes("real")) {
      t.skip(`IAC_CONFORMANCE_TARGETS=${targets().join(",")}: comparing needs both targets`);
      return;
    }
    assert.ok(emulated && real, "both targets must have run their scenario (see the failures above)");
    const found = diverging(SCENARIO, emulated, real);
    const listed = [...(await listedDivergences())].filter((id) => id.startsWith(`${SCENARIO}/`));
    const unlisted = found.filter((d) => !listed.includes(d.id));
    const gone = listed.filter((id) => !found.some((d) => d.id === id));
    assert.deepEqual(unlisted.map((d) => `${d.id}: emulated ${JSON.stringify(d.emulated)}, real ${JSON.stringify(d.real)}`), [], "divergences not listed in docs/local-cloud-conformance.md");
    assert.deepEqual(gone, [], "listed divergences that no longer diverge: remove them from docs/local-cloud-conformance.md");
  });
});

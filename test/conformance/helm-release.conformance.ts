/**
 * Conformance scenario `helm-release`: a HelmRepository of a local chart repository (a chart of
 * our own, served on loopback) and a HelmRelease of it with values; then destroy, which uninstalls
 * the release. One iac program, run against each target; the real cluster must install the chart.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { iacProject, show, type IacProject } from "../iac-run.js";
import { condition, diverging, listedDivergences, ROOT, serveHelmRepository, startStack, targets, waitUntil, type HelmRepositoryServer, type Observation, type Stack, type Target } from "./harness.js";

const SCENARIO = "helm-release";
const HERE = join(ROOT, "test", "conformance");
const MANIFESTS = join(ROOT, "..", "shared", "reference", "flux", "gotk-components-v2.9.4.yaml");
const observations = new Map<Target, Observation>();

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

const projects: IacProject[] = [];
after(async () => {
  for (const p of projects) await p.remove();
});

for (const target of targets()) {
  describe(`${SCENARIO} on the ${target} Kubernetes`, () => {
    let project: IacProject;
    let stack: Stack | undefined;
    let charts: HelmRepositoryServer | undefined;

    after(async () => {
      await mkdir(join(HERE, ".tmp"), { recursive: true });
      await writeFile(join(HERE, ".tmp", `${SCENARIO}-${target}.json`), JSON.stringify(observations.get(target) ?? {}, null, 2) + "\n").catch(() => {});
      await stack?.stop();
      await charts?.close();
    });

    it("serves the local cloud and a Helm repository with the chart", async () => {
      project = await iacProject({
        under: join(HERE, ".tmp"),
        prefix: `helm-${target}`,
        copy: { from: join(ROOT, "examples", "flux-gitops"), files: ["package.json"] },
        files: { "iac.yaml": "name: conformance-helm-release\nmain: index.ts\n" },
        env: { IAC_CONFIG_PASSPHRASE: "conformance" },
      });
      projects.push(project);
      await copyFile(join(HERE, "programs", "helm-release.ts"), join(project.dir, "index.ts"));
      charts = await serveHelmRepository(join(HERE, "fixtures", "charts"), project.dir);
      stack = await startStack(project.dir, target);
      for (const [k, v] of [["manifests", MANIFESTS], ["chartRepo", charts.url]] as const) {
        const set = await project.iac(["config", "set", k, v]);
        assert.equal(set.code, 0, show(set));
      }
    });

    it("iac up --local installs the chart with the release's values", async () => {
      const r = await project.iac(["up", "--local", "--yes"]);
      assert.equal(r.code, 0, show(r) + `\n--- iac local serve:\n${stack!.log()}`);
      // HelmRelease is not waited for by iac (waitForReady defaults to false): wait here, briefly on
      // the emulation, which is known not to reconcile it (see docs/local-cloud-conformance.md).
      await waitUntil("the HelmRelease to be Ready", async () => ((await observe(stack!))["helmRelease.ready"] === "True/InstallSucceeded" ? true : undefined), target === "real" ? 240_000 : 20_000).catch(() => undefined);
      const o = await observe(stack!);
      observations.set(target, o);
      if (target === "real") {
        assert.equal(o["helmRepository.ready"], "True/Succeeded");
        assert.equal(o["helmRelease.ready"], "True/InstallSucceeded");
        assert.deepEqual(o["release.deployment"], { replicas: 2, images: ["nginx:1.27"], available: "True" });
        assert.deepEqual(o["release.configMap.data"], { GREETING: "hello from values" });
      }
    });

    it("iac destroy --local uninstalls the release and Flux", async () => {
      const r = await project.iac(["destroy", "--local", "--yes"]);
      const d = await stack!.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "hello", name: "hello" });
      observations.get(target)!["destroy.exitCode"] = r.code;
      observations.get(target)!["destroy.releaseDeployment"] = d === undefined ? "gone" : "left";
      assert.equal(r.code, 0, show(r) + `\n--- iac local serve:\n${stack!.log()}`);
      if (target === "real") assert.equal(d, undefined, "the release's Deployment is uninstalled with the HelmRelease");
    });
  });
}

describe(`${SCENARIO}: the emulation against the real cluster`, () => {
  it("diverges only where docs/local-cloud-conformance.md says, and everywhere it says", async (t) => {
    if (!targets().includes("emulated") || !targets().includes("real")) {
      t.skip(`IAC_CONFORMANCE_TARGETS=${targets().join(",")}: comparing needs both targets`);
      return;
    }
    const emulated = observations.get("emulated");
    const real = observations.get("real");
    assert.ok(emulated && real, "both targets must have run their scenario (see the failures above)");
    const found = diverging(SCENARIO, emulated, real);
    const listed = [...(await listedDivergences())].filter((id) => id.startsWith(`${SCENARIO}/`));
    assert.deepEqual(found.filter((d) => !listed.includes(d.id)).map((d) => `${d.id}: emulated ${JSON.stringify(d.emulated)}, real ${JSON.stringify(d.real)}`), [], "divergences not listed in docs/local-cloud-conformance.md");
    assert.deepEqual(listed.filter((id) => !found.some((d) => d.id === id)), [], "listed divergences that no longer diverge: remove them from docs/local-cloud-conformance.md");
  });
});

/**
 * Conformance scenario `kubernetes-basics`: `@iac/kubernetes` itself on each target. A CRD and a
 * custom resource of it in one program; a Deployment waited for until available; an immutable
 * field change that replaces; a key removed from the program is removed from the object; a value
 * the CRD's schema refuses; destroy removes the namespace (waiting for its content) and the CRD.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { iacProject, show, type IacProject } from "../iac-run.js";
import { condition, diverging, listedDivergences, ROOT, startStack, targets, waitUntil, type Observation, type Stack, type Target } from "./harness.js";

const SCENARIO = "kubernetes-basics";
const HERE = join(ROOT, "test", "conformance");
const observations = new Map<Target, Observation>();

const projects: IacProject[] = [];
after(async () => {
  for (const p of projects) await p.remove();
});

for (const target of targets()) {
  describe(`${SCENARIO} on the ${target} Kubernetes`, () => {
    let project: IacProject;
    let stack: Stack | undefined;
    const o: Observation = {};
    let firstUid = "";

    after(async () => {
      observations.set(target, o);
      await mkdir(join(HERE, ".tmp"), { recursive: true });
      await writeFile(join(HERE, ".tmp", `${SCENARIO}-${target}.json`), JSON.stringify(o, null, 2) + "\n").catch(() => {});
      await stack?.stop();
    });

    const up = async (phase: number) => {
      const set = await project.iac(["config", "set", "phase", String(phase)]);
      assert.equal(set.code, 0, show(set));
      return project.iac(["up", "--local", "--yes"]);
    };
    const get = (apiVersion: string, kind: string, name: string, namespace?: string) => stack!.client.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) });

    it("phase 1: a CRD and its custom resource in one program, a Deployment until available", async () => {
      project = await iacProject({
        under: join(HERE, ".tmp"),
        prefix: `kb-${target}`,
        copy: { from: join(ROOT, "examples", "flux-gitops"), files: ["package.json"] },
        files: { "iac.yaml": "name: conformance-kubernetes-basics\nmain: index.ts\n" },
        env: { IAC_CONFIG_PASSPHRASE: "conformance" },
      });
      projects.push(project);
      await copyFile(join(HERE, "programs", "kubernetes-basics.ts"), join(project.dir, "index.ts"));
      stack = await startStack(project.dir, target);
      const r = await up(1);
      o["phase1.up.exitCode"] = r.code;
      if (target === "real") assert.equal(r.code, 0, show(r));
      const widget = await get("example.com/v1", "Widget", "w1", "kb");
      o["phase1.widget.spec"] = widget?.["spec"] ?? "absent";
      const web = await get("apps/v1", "Deployment", "web", "kb");
      firstUid = String(web?.metadata.uid ?? "");
      o["phase1.deployment.available"] = condition(web, "Available")?.status ?? "absent";
      o["phase1.deployment.readyReplicas"] = (web?.["status"] as { readyReplicas?: number } | undefined)?.readyReplicas ?? "absent";
      o["phase1.configMap.data"] = (await get("v1", "ConfigMap", "settings", "kb"))?.["data"] ?? "absent";
      if (target === "real") {
        assert.deepEqual(o["phase1.widget.spec"], { size: 3 });
        assert.equal(o["phase1.deployment.available"], "True");
      }
    });

    it("phase 2: an immutable selector change replaces the Deployment; a dropped key leaves the ConfigMap", async () => {
      const r = await up(2);
      o["phase2.up.exitCode"] = r.code;
      if (target === "real") assert.equal(r.code, 0, show(r));
      const web = await get("apps/v1", "Deployment", "web", "kb");
      o["phase2.deployment.replaced"] = web ? String(web.metadata.uid) !== firstUid : "absent";
      o["phase2.deployment.selector"] = (web?.["spec"] as { selector?: unknown } | undefined)?.selector ?? "absent";
      o["phase2.configMap.data"] = (await get("v1", "ConfigMap", "settings", "kb"))?.["data"] ?? "absent";
      if (target === "real") {
        assert.equal(o["phase2.deployment.replaced"], true);
        assert.deepEqual(o["phase2.configMap.data"], { LOG_LEVEL: "info" });
      }
    });

    it("phase 3: a custom resource its CRD's schema refuses", async () => {
      const r = await up(3);
      o["phase3.up.exitCode"] = r.code;
      o["phase3.up.refusedBySchema"] = /spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/.test(r.stdout + r.stderr);
      o["phase3.widget.spec"] = (await get("example.com/v1", "Widget", "w1", "kb"))?.["spec"] ?? "absent";
      if (target === "real") {
        assert.equal(r.code, 1, show(r));
        assert.equal(o["phase3.up.refusedBySchema"], true, show(r));
      }
      // Back to a valid program, so that destroy starts from a clean state.
      const back = await up(2);
      assert.equal(back.code, target === "real" ? 0 : back.code, show(back));
    });

    it("destroy removes the namespace, waiting for its content, and the CRD", async () => {
      const r = await project.iac(["destroy", "--local", "--yes"]);
      o["destroy.exitCode"] = r.code;
      if (target === "real") assert.equal(r.code, 0, show(r));
      const gone = await waitUntil("the namespace and CRD to go", async () => ((await get("v1", "Namespace", "kb")) === undefined && (await get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com")) === undefined ? true : undefined), target === "real" ? 120_000 : 20_000).catch(() => false);
      o["destroy.allGone"] = gone;
      if (target === "real") assert.equal(gone, true);
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

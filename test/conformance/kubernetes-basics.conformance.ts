/**
 * Conformance scenario `kubernetes-basics`: `@iac/kubernetes` itself on each target. A CRD and a
 * custom resource of it in one program; a Deployment waited for until available; an immutable
 * field change that replaces; a key removed from the program is removed from the object; a value
 * the CRD's schema refuses; destroy removes the namespace (waiting for its content) and the CRD.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { show } from "../iac-run.js";
import { condition, waitUntil } from "./harness.js";
import { scenario } from "./scenario.js";

scenario("kubernetes-basics", { program: "kubernetes-basics" }, (run) => {
  const { o } = run;
  let firstUid = "";
  const up = async (phase: number) => {
    await run.config({ phase: String(phase) });
    return run.up();
  };
  const get = (apiVersion: string, kind: string, name: string, namespace?: string) => run.stack.client.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) });

  it("phase 1: a CRD and its custom resource in one program, a Deployment until available", async () => {
    const r = await up(1);
    o["phase1.up.exitCode"] = r.code;
    if (run.real) assert.equal(r.code, 0, run.explain(r));
    const widget = await get("example.com/v1", "Widget", "w1", "kb");
    o["phase1.widget.spec"] = widget?.["spec"] ?? "absent";
    const web = await get("apps/v1", "Deployment", "web", "kb");
    firstUid = String(web?.metadata.uid ?? "");
    o["phase1.deployment.available"] = condition(web, "Available")?.status ?? "absent";
    o["phase1.deployment.readyReplicas"] = (web?.["status"] as { readyReplicas?: number } | undefined)?.readyReplicas ?? "absent";
    o["phase1.configMap.data"] = (await get("v1", "ConfigMap", "settings", "kb"))?.["data"] ?? "absent";
    if (run.real) {
      assert.deepEqual(o["phase1.widget.spec"], { size: 3 });
      assert.equal(o["phase1.deployment.available"], "True");
    }
  });

  it("phase 2: an immutable selector change replaces the Deployment; a dropped key leaves the ConfigMap", async () => {
    const r = await up(2);
    o["phase2.up.exitCode"] = r.code;
    if (run.real) assert.equal(r.code, 0, run.explain(r));
    const web = await get("apps/v1", "Deployment", "web", "kb");
    o["phase2.deployment.replaced"] = web ? String(web.metadata.uid) !== firstUid : "absent";
    o["phase2.deployment.selector"] = (web?.["spec"] as { selector?: unknown } | undefined)?.selector ?? "absent";
    o["phase2.configMap.data"] = (await get("v1", "ConfigMap", "settings", "kb"))?.["data"] ?? "absent";
    if (run.real) {
      assert.equal(o["phase2.deployment.replaced"], true);
      assert.deepEqual(o["phase2.configMap.data"], { LOG_LEVEL: "info" });
    }
  });

  it("phase 3: a custom resource its CRD's schema refuses", async () => {
    const r = await up(3);
    o["phase3.up.exitCode"] = r.code;
    o["phase3.up.refusedBySchema"] = /spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/.test(r.stdout + r.stderr);
    o["phase3.widget.spec"] = (await get("example.com/v1", "Widget", "w1", "kb"))?.["spec"] ?? "absent";
    if (run.real) {
      assert.equal(r.code, 1, run.explain(r));
      assert.equal(o["phase3.up.refusedBySchema"], true, run.explain(r));
    }
    // Back to a valid program, so that destroy starts from a clean state.
    const back = await up(2);
    assert.equal(back.code, run.real ? 0 : back.code, show(back));
  });

  it("destroy removes the namespace, waiting for its content, and the CRD", async () => {
    const r = await run.destroy();
    o["destroy.exitCode"] = r.code;
    if (run.real) assert.equal(r.code, 0, run.explain(r));
    const gone = await waitUntil("the namespace and CRD to go", async () => ((await get("v1", "Namespace", "kb")) === undefined && (await get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com")) === undefined ? true : undefined), run.timeout(120_000)).catch(() => false);
    o["destroy.allGone"] = gone;
    if (run.real) assert.equal(gone, true);
  });
});

/**
 * Conformance scenario `kubernetes-basics`: `@iac/kubernetes` itself on each target. A CRD and a
 * custom resource of it in one program; a Deployment waited for until available; server-side apply
 * conflicts with another field manager, and iac's `force` taking its fields back; an immutable
 * field change that replaces; a key removed from the program is removed from the object, an object
 * removed from the program is deleted; values the
 * CRD's schema refuses (out of range, wrong type); a readiness wait that fails on a Deployment
 * whose image never starts; destroy removes the namespace (waiting for its content and for a
 * finalizer someone else holds) and the CRD.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
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
  const kubectl = (args: string[], input: string) => {
    const dir = run.project.dir;
    return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      const child = execFile("kubectl", ["--kubeconfig", join(dir, ".iac", "local", "kubeconfig"), ...args], { env: { ...process.env, HOME: dir } }, (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
      );
      child.stdin?.end(input);
    });
  };
  const get = (apiVersion: string, kind: string, name: string, namespace?: string) => run.stack.client.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) });

  it("phase 1: a CRD and its custom resource in one program, a Deployment until available", async () => {
    const r = await up(1);
    o["phase1.up.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
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

  it("server-side apply: another field manager conflicts with iac's fields unless it forces, and keeps its own", async () => {
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: kb }\ndata: { LOG_LEVEL: debug, OWNER: ops }\n";
    const plain = await kubectl(["apply", "--server-side", "--field-manager=ops", "-f", "-"], cm);
    o["ssa.conflict"] = plain.code !== 0 && /conflict with "iac"/.test(plain.stderr) ? "refused: conflict with iac" : `exit ${plain.code}`;
    const forced = await kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=ops", "-f", "-"], cm);
    o["ssa.forced.exitCode"] = forced.code;
    o["ssa.forced.data"] = (await get("v1", "ConfigMap", "settings", "kb"))?.["data"] ?? "absent";
    if (run.real) {
      assert.equal(o["ssa.conflict"], "refused: conflict with iac", plain.stderr);
      assert.deepEqual(o["ssa.forced.data"], { LOG_LEVEL: "debug", FEATURE: "on", OWNER: "ops" });
    }
  });

  it("phase 2: an immutable selector change replaces the Deployment; a dropped key leaves the ConfigMap", async () => {
    const r = await up(2);
    o["phase2.up.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    const web = await get("apps/v1", "Deployment", "web", "kb");
    o["phase2.deployment.replaced"] = web ? String(web.metadata.uid) !== firstUid : "absent";
    o["phase2.deployment.selector"] = (web?.["spec"] as { selector?: unknown } | undefined)?.selector ?? "absent";
    const settings = await get("v1", "ConfigMap", "settings", "kb");
    o["phase2.configMap.data"] = settings?.["data"] ?? "absent";
    o["phase2.configMap.managers"] = ((settings?.metadata.managedFields ?? []) as { manager?: string; operation?: string }[]).map((m) => `${m.manager}/${m.operation}`).sort();
    if (run.real) {
      assert.equal(o["phase2.deployment.replaced"], true);
      // iac applies with force: LOG_LEVEL is iac's again, FEATURE (iac's, dropped) goes, OWNER (ops's) stays.
      assert.deepEqual(o["phase2.configMap.data"], { LOG_LEVEL: "info", OWNER: "ops" });
    }
  });

  it("phase 3: a custom resource its CRD's schema refuses", async () => {
    const r = await up(3);
    o["phase3.up.exitCode"] = r.code;
    o["phase3.up.refusedBySchema"] = /spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/.test(r.stdout + r.stderr);
    o["phase3.widget.spec"] = (await get("example.com/v1", "Widget", "w1", "kb"))?.["spec"] ?? "absent";
    assert.equal(r.code, 1, run.explain(r));
    if (run.real) {
      assert.equal(o["phase3.up.refusedBySchema"], true, run.explain(r));
    }
    // Back to a valid program, so that destroy starts from a clean state.
    const back = await up(2);
    assert.equal(back.code, 0, show(back));
  });

  it("phase 4: a custom resource field of the wrong type is refused, and iac names the field", async () => {
    const r = await up(4);
    const out = r.stdout + r.stderr;
    o["phase4.up.exitCode"] = r.code;
    // A real apiserver answers HTTP 500 without a reason; iac reports the field (errors.ts typedPatchFailure).
    o["phase4.up.namesTheField"] = /spec\.size: expected numeric \(int or float\), got string/.test(out);
    o["phase4.widget.spec"] = (await get("example.com/v1", "Widget", "w1", "kb"))?.["spec"] ?? "absent";
    assert.equal(r.code, 1, run.explain(r));
    if (run.real) {
      assert.equal(o["phase4.up.namesTheField"], true, run.explain(r));
      assert.doesNotMatch(out, /Http500/, run.explain(r));
      assert.match(out, /CRD's openAPIV3Schema/, run.explain(r));
    }
    const back = await up(2);
    assert.equal(back.code, 0, show(back));
  });

  it("phase 5: iac's readiness wait fails on a Deployment whose image never starts (its progress deadline passes); removed from the program, it is deleted", async () => {
    const r = await up(5);
    const out = r.stdout + r.stderr;
    o["phase5.up.exitCode"] = r.code;
    o["phase5.up.saysProgressDeadline"] = /stuck.*progress deadline|progress deadline/s.test(out);
    const stuck = await get("apps/v1", "Deployment", "stuck", "kb");
    o["phase5.deployment.progressing"] = stuck ? `${condition(stuck, "Progressing")?.status ?? "absent"}/${condition(stuck, "Progressing")?.reason ?? ""}` : "absent";
    assert.equal(r.code, 1, run.explain(r));
    if (run.real) {
      assert.equal(o["phase5.up.saysProgressDeadline"], true, run.explain(r));
      assert.equal(o["phase5.deployment.progressing"], "False/ProgressDeadlineExceeded");
    }
    // The Deployment leaves the program: iac deletes the object it created (and recorded, though it never became ready).
    const back = await up(2);
    o["phase5.removed.up.exitCode"] = back.code;
    o["phase5.removed.deploymentGone"] = (await get("apps/v1", "Deployment", "stuck", "kb")) === undefined;
    if (run.real) {
      assert.equal(back.code, 0, run.explain(back));
      assert.equal(o["phase5.removed.deploymentGone"], true);
    }
  });

  it("destroy removes the namespace, waiting for its content and a finalizer on it, and the CRD", async () => {
    // An object whose finalizer someone else owns holds the namespace in Terminating until it is removed.
    await run.stack.client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", namespace: "kb", finalizers: ["example.com/hold"] }, data: { HELD: "yes" } } as never, { fieldManager: "ops" });
    let settled = false;
    const destroying = run.destroy().finally(() => (settled = true));
    const terminating = await waitUntil("the namespace to be Terminating", async () => (((await get("v1", "Namespace", "kb"))?.["status"] as { phase?: string } | undefined)?.phase === "Terminating" ? true : undefined), run.timeout(60_000)).catch(() => false);
    await new Promise((r) => setTimeout(r, 5000));
    o["destroy.namespaceHeldByFinalizer"] = terminating && !settled && (await get("v1", "ConfigMap", "held", "kb")) !== undefined;
    await run.stack.client.mergePatch({ apiVersion: "v1", kind: "ConfigMap", namespace: "kb", name: "held" }, { metadata: { finalizers: null } });
    const r = await destroying;
    o["destroy.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    const gone = await waitUntil("the namespace and CRD to go", async () => ((await get("v1", "Namespace", "kb")) === undefined && (await get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com")) === undefined ? true : undefined), run.timeout(120_000)).catch(() => false);
    o["destroy.allGone"] = gone;
    if (run.real) {
      assert.equal(o["destroy.namespaceHeldByFinalizer"], true, "destroy waits while a finalizer holds the namespace");
      assert.equal(gone, true);
    }
  });
});

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

describe("engine: failures", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("a failed step skips only its dependents; independent work goes on and is recorded", async () => {
    h.cloud.failures = [{ op: "create", name: "a" }];
    await h.program(
      `const a = new Thing("a", {});\nconst b = new Thing("b", { value: a.arn });\nnew Thing("c", {}, { dependsOn: [b] });\nnew Thing("d", {});\n`,
    );
    const r = await h.run("up");
    assert.ok(r.failed > 0);
    assert.deepEqual(h.steps("step-failed"), ["create a"]);
    // b never registers (its input is a's failed output); c depends on b only through dependsOn.
    assert.ok(!h.cloud.callsOf("create").includes("b"));
    assert.ok(!h.cloud.callsOf("create").includes("c"));
    assert.deepEqual(h.cloud.callsOf("create").sort(), ["a", "d"]);
    const s = await h.state();
    assert.deepEqual(s.resources.map((x) => x.urn.split("::").pop()), ["d"]);
  });

  test("a dependsOn dependency that failed skips the dependent with the reason", async () => {
    h.cloud.failures = [{ op: "create", name: "a" }];
    await h.program(`const a = new Thing("a", {});\nnew Thing("b", {}, { dependsOn: [a] });\n`);
    const r = await h.run("up");
    assert.ok(r.failed > 0);
    const skipped = h.events.find((e) => e.kind === "step-skipped");
    assert.ok(skipped?.kind === "step-skipped");
    assert.equal(skipped.step.name, "b");
    assert.match(skipped.reason, /depends on .*::a, which failed/);
  });

  test("a failed run deletes nothing the program did not declare", async () => {
    await h.program(`new Thing("a", {});\nnew Thing("old", {});\n`);
    await h.run("up");
    h.cloud.failures = [{ op: "update", name: "a" }];
    await h.program(`new Thing("a", { value: 2 });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    assert.deepEqual(h.cloud.callsOf("delete"), []);
    assert.equal((await h.state()).resources.length, 2);
  });

  test("a check failure fails the step naming resource, property and rule, in preview too", async () => {
    await h.program(`new Thing("a", { value: "invalid" });\n`);
    for (const op of ["preview", "up"] as const) {
      const r = await h.run(op);
      assert.equal(r.failed, 1);
      const failed = h.events.find((e) => e.kind === "step-failed");
      assert.ok(failed?.kind === "step-failed");
      assert.equal(failed.error.code, "CheckFailed");
      assert.match(failed.error.message, /::a has invalid inputs: property value: must not be "invalid"/);
    }
    assert.equal(h.cloud.objects.size, 0);
  });

  test("up plans everything first: one resource failing its check stops it before any cloud call", async () => {
    await h.program(`const a = new Thing("a", {});\nnew Thing("b", { value: a.name.apply((n) => n.length > 0 ? "invalid" : "ok") });\nnew Thing("c", {});\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    assert.deepEqual(h.cloud.calls, [], "nothing was sent to the cloud");
    assert.deepEqual(h.steps("step-failed"), ["create b"]);
    const failed = h.events.find((e) => e.kind === "step-failed");
    assert.ok(failed?.kind === "step-failed");
    assert.equal(failed.error.code, "CheckFailed");
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && e.severity === "error" && /changed nothing in the cloud/.test(e.message)));
    assert.ok(!h.events.some((e) => e.kind === "step-start"));
    assert.deepEqual((await h.state()).resources, []);
  });

  test("up with changes to existing resources and one invalid new one changes nothing", async () => {
    await h.program(`new Thing("a", { value: 1 });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: 2 });\nnew Thing("b", { value: "invalid" });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    assert.deepEqual(h.cloud.calls, []);
    assert.equal((await h.state()).resources[0]!.inputs.value, 1);
  });

  test("a program that throws during planning stops up before any cloud call", async () => {
    await h.program(`new Thing("a", {});\nthrow new Error("boom");\n`);
    await assert.rejects(h.run("up"), (e: Error & { code?: string }) => e.code === "ProgramError");
    assert.deepEqual(h.cloud.calls, []);
  });

  test("a create that fails after the cloud made something records the partial id", async () => {
    h.cloud.failures = [{ op: "create", name: "a", mode: "partial" }];
    await h.program(`new Thing("a", { value: 1 });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    const s = await h.state();
    assert.equal(s.resources.length, 1);
    assert.equal(s.resources[0]!.id, [...h.cloud.objects.keys()][0]);
    assert.deepEqual(s.pendingOperations, []);
  });

  test("a program that throws is a ProgramError naming file and line, and state is closed and unlocked", async () => {
    await h.program(`new Thing("a", {});\nfunction boom(): never {\n  throw new Error("kaboom");\n}\nboom();\n`);
    await assert.rejects(h.run("up"), (e: Error & { code?: string }) => {
      assert.equal(e.code, "ProgramError");
      assert.match(e.message, /index\.ts:5:\d+: kaboom/);
      return true;
    });
    // The lock was released: another up can run.
    await h.program(`new Thing("a", {});\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 0);
  });

  test("a program that does not compile is a ProgramError naming file and line", async () => {
    await h.program(`const x = ;\n`);
    await assert.rejects(h.run("preview"), (e: Error & { code?: string }) => {
      assert.equal(e.code, "ProgramError");
      assert.match(e.message, /index\.ts:3/);
      return true;
    });
  });

  test("two resources with one URN are refused", async () => {
    await h.program(`new Thing("a", {});\nnew Thing("a", {});\n`);
    await assert.rejects(h.run("preview"), /Two resources have the URN urn:iac:dev::testproj::test:index:Thing::a/);
  });

  test("an unknown provider type fails the step with what to do", async () => {
    await h.program(
      `class Nope extends iac.CustomResource { constructor(n: string) { super("test:index:Nope", n, {}, {}, { module: ${JSON.stringify(new URL("./fixtures/test-provider.ts", import.meta.url).pathname)} }); } }\nnew Nope("n");\n`,
    );
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    const failed = h.events.find((e) => e.kind === "step-failed");
    assert.ok(failed?.kind === "step-failed");
    assert.equal(failed.error.code, "ProviderLoad");
    assert.match(failed.error.message, /does not know the type test:index:Nope/);
  });

  test("an aborted signal starts no new steps and says the run was interrupted", async () => {
    const ac = new AbortController();
    ac.abort();
    await h.program(`new Thing("a", {});\n`);
    const r = await h.run("up", { signal: ac.signal });
    assert.equal(r.interrupted, true);
    assert.equal(h.cloud.objects.size, 0);
    assert.deepEqual(h.steps("step-skipped"), ["create a"]);
  });
});

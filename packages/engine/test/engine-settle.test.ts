import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

describe("engine: the end of a program is counted, not guessed", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("every resource downstream of a failed one is reported skipped, naming what it waited for; only the failure counts", async () => {
    h.cloud.failures = [{ op: "create", name: "a" }];
    await h.program(
      `const a = new Thing("a", {});\nconst b = new Thing("b", { value: a.arn });\nconst c = new Thing("c", { value: b.arn });\nnew Thing("d", {}, { dependsOn: [c] });\nnew Thing("e", {});\n`,
    );
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    const skipped = new Map(h.events.flatMap((e) => (e.kind === "step-skipped" ? [[e.step.name, e.reason] as const] : [])));
    assert.deepEqual([...skipped.keys()].sort(), ["b", "c", "d"]);
    assert.match(skipped.get("b")!, /depends on .*::a, which failed/);
    assert.match(skipped.get("c")!, /depends on .*::b, which was not deployed/);
    assert.match(skipped.get("d")!, /depends on .*::c, which was not deployed/);
    assert.deepEqual(h.cloud.callsOf("create").sort(), ["a", "e"]);
  });

  test("a resource whose input is a slow promise of the program's own is still deployed after another failed", async () => {
    h.cloud.failures = [{ op: "create", name: "a" }];
    await h.program(
      `new Thing("a", {});\nconst later = new Promise<string>((resolve) => setTimeout(() => resolve("late"), 150));\nnew Thing("slow", { value: later });\n`,
    );
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    assert.deepEqual(h.cloud.callsOf("create").sort(), ["a", "slow"]);
    assert.equal(h.cloud.byName((await h.state()).resources.find((x) => x.urn.endsWith("::slow"))!.outputs.name as string)?.inputs.value, "late");
  });

  test("a resource whose constructor throws after its URN was reserved does not keep the run waiting", async () => {
    await h.program(
      `new Thing("a", {});\ntry {\n  new Thing("bad", {}, { provider: {} as never });\n} catch {\n  // the program goes on without it\n}\n`,
    );
    const r = await h.run("up");
    assert.equal(r.failed, 0);
    assert.deepEqual(h.cloud.callsOf("create"), ["a"]);
    const skipped = h.events.find((e) => e.kind === "step-skipped");
    assert.ok(skipped?.kind === "step-skipped");
    assert.equal(skipped.step.name, "bad");
  });
});

describe("engine: a program that throws", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("still emits a summary with failed > 0, records what it created, and deletes nothing undeclared", async () => {
    await h.program(`new Thing("keep", {});\nnew Thing("old", {});\n`);
    await h.run("up");
    h.cloud.latencyMs = 20;
    // Thrown only once the program runs for real (up plans first, and a plan that throws changes nothing).
    await h.program(`import { tryGetMonitor } from "@iac/sdk/runtime";\nnew Thing("keep", {});\nnew Thing("fresh", {});\nif (!tryGetMonitor()!.preview) throw new Error("kaboom");\n`);
    await assert.rejects(h.run("up"), (e: Error & { code?: string }) => e.code === "ProgramError" && /kaboom/.test(e.message));
    const summary = h.events.find((e) => e.kind === "summary");
    assert.ok(summary?.kind === "summary");
    assert.ok(summary.failed > 0);
    assert.equal(summary.counts.create, 1);
    assert.deepEqual(h.cloud.callsOf("delete"), []);
    const s = await h.state();
    assert.deepEqual(s.resources.map((x) => x.urn.split("::").pop()).sort(), ["fresh", "keep", "old"]);
    assert.deepEqual(s.pendingOperations, []);
    assert.equal(h.cloud.objects.size, 3);
  });
});

/**
 * `iac up` after a confirmed preview: the preview is the plan, so the program is not run a second
 * time to plan, as long as the state under the up's lock is the one the preview planned against.
 * The plan-first guarantee (an up whose plan fails changes nothing) is in engine-failures.test.ts.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

/** A program that counts its own runs (the engine runs it in this process). */
const COUNTING = `(globalThis as unknown as Record<string, number>).programRuns = ((globalThis as unknown as Record<string, number>).programRuns ?? 0) + 1;\n`;
const runs = (): number => (globalThis as unknown as Record<string, number>).programRuns ?? 0;

describe("engine: the confirmed preview is the up's plan", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    (globalThis as unknown as Record<string, number>).programRuns = 0;
  });
  afterEach(() => h.cleanup());

  test("an up given the preview's plan runs the program once, not twice, and does what the preview showed", async () => {
    await h.program(`${COUNTING}const a = new Thing("a", { value: 1 });\nnew Thing("b", { value: a.id });\n`);
    const preview = await h.run("preview");
    assert.ok(preview.plan, "a preview without failures gives its plan");
    assert.equal(runs(), 1);
    const up = await h.run("up", { plan: preview.plan });
    assert.equal(up.failed, 0);
    assert.equal(runs(), 2, "the up ran the program once");
    assert.deepEqual(h.steps("step-done").sort(), ["create a", "create b"]);
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && /confirmed preview is the plan/.test(e.message)));
    // Without a plan, the up plans first: two more runs.
    const again = await h.run("up");
    assert.equal(again.failed, 0);
    assert.equal(runs(), 4);
  });

  test("when the state changed after the preview (another run), the up plans again and a failing plan still changes nothing", async () => {
    await h.program(`${COUNTING}new Thing("a", { value: 1 });\n`);
    const preview = await h.run("preview");
    assert.ok(preview.plan);
    // Someone else's up changes the stack between the preview and the answer.
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`${COUNTING}new Thing("a", { value: 2 });\nnew Thing("b", { value: "invalid" });\n`);
    const before = runs();
    const up = await h.run("up", { plan: preview.plan });
    assert.equal(runs() - before, 1, "the plan pass ran and stopped the up");
    assert.equal(up.failed, 1);
    assert.deepEqual(h.cloud.calls, [], "nothing was sent to the cloud");
    assert.equal((await h.state()).resources[0]!.inputs.value, 1);
  });

  test("a different config, or a preview with failures, gives no plan to reuse", async () => {
    await h.program(`${COUNTING}new Thing("a", { value: 1 });\n`);
    const preview = await h.run("preview");
    const before = runs();
    await h.run("up", { plan: preview.plan, config: { "test:cloud": h.cloud.key, "testproj:extra": "changed" } });
    assert.equal(runs() - before, 2, "planned again: the config is not the one previewed");
    await h.program(`${COUNTING}new Thing("c", { value: "invalid" });\n`);
    const failed = await h.run("preview");
    assert.equal(failed.failed, 1);
    assert.equal(failed.plan, undefined);
  });
});

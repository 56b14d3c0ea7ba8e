import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

describe("engine: preview", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("plans creates with unknown outputs, calls no create/update/delete, and writes no state", async () => {
    await h.program(
      `const a = new Thing("a", { value: 1 });\nconst b = new Thing("b", { value: a.arn });\nexport const arn = b.arn;\nexport const derived = a.arn.apply((x) => "seen:" + x);\n`,
    );
    const r = await h.run("preview");
    assert.deepEqual(r.counts, { create: 2 });
    assert.equal(r.changes, true);
    assert.deepEqual(h.cloud.calls, []);
    const b = h.events.find((e) => e.kind === "step-planned" && e.step.name === "b");
    assert.ok(b?.kind === "step-planned");
    assert.equal(b.step.news?.value, "(known after apply)");
    const outputs = h.events.find((e) => e.kind === "outputs");
    assert.ok(outputs?.kind === "outputs");
    assert.deepEqual(outputs.outputs, { arn: "(known after apply)", derived: "(known after apply)" });
    assert.equal(h.events.some((e) => e.kind === "step-start"), false);
    assert.deepEqual((await h.state()).resources, []);
  });

  test("an unknown input makes a dependent 'may change' (update) in preview, and up then converges", async () => {
    await h.program(`const a = new Thing("a", { value: 1 });\nnew Thing("b", { value: a.arn });\n`);
    await h.run("up");
    await h.program(`const a = new Thing("a", { value: 2 });\nnew Thing("b", { value: a.arn });\n`);
    const r = await h.run("preview");
    assert.deepEqual(r.counts, { update: 2 });
    assert.deepEqual(h.cloud.callsOf("update"), []);
    const up = await h.run("up");
    // arn does not change with value: b's real diff is empty.
    assert.deepEqual(up.counts, { update: 1, same: 1 });
  });

  test("a no-op preview plans only same steps and reports no changes", async () => {
    await h.program(`const a = new Thing("a", { value: 1 });\nnew Thing("b", { value: a.arn });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    const r = await h.run("preview");
    assert.deepEqual(r.counts, { same: 2 });
    assert.equal(r.changes, false);
    assert.deepEqual(h.cloud.calls, []);
  });

  test("a preview of removed resources plans their deletes without deleting", async () => {
    await h.program(`new Thing("a", {});\n`);
    await h.run("up");
    await h.program(``);
    const r = await h.run("preview");
    assert.deepEqual(r.counts, { delete: 1 });
    assert.equal(h.cloud.objects.size, 1);
  });

  test("a replace in preview is planned with its reason and nothing is created", async () => {
    await h.program(`new Thing("a", { key: "1" });\n`);
    await h.run("up");
    await h.program(`new Thing("a", { key: "2" });\n`);
    const r = await h.run("preview");
    assert.deepEqual(r.counts, { replace: 1 });
    const step = h.events.find((e) => e.kind === "step-planned");
    assert.ok(step?.kind === "step-planned");
    assert.deepEqual(step.step.diffs, [{ path: "key", kind: "update", replace: true, reason: "key cannot change in place" }]);
    assert.equal(step.step.deleteBeforeReplace, false);
    assert.deepEqual(h.cloud.callsOf("create"), ["a"]);
  });
});

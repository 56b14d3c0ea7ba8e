/**
 * A refresh in preview (`iac refresh --preview-only`, and what `iac refresh` shows before it
 * asks): it reads the cloud and reports the drift as a refresh would, and writes nothing. Counts
 * add up to the stack's resources, in a refresh and under `--refresh` alike.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

const GROUP = `
class Group extends iac.ComponentResource {
  constructor(name) {
    super("test:index:Group", name);
    new Thing("a", { value: 1 }, { parent: this });
    this.registerOutputs({});
  }
}
new Group("g");
new Thing("b", { value: 2 });
`;

describe("engine: refresh preview and refresh counts", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("a refresh with previewOnly reports the drift and what is gone, and writes nothing", async () => {
    await h.program(GROUP);
    await h.run("up");
    const before = await h.state();
    h.cloud.named("a")[0]!.inputs.value = 9;
    h.cloud.objects.delete(h.cloud.named("b")[0]!.id);
    const r = await h.run("refresh", { previewOnly: true });
    assert.deepEqual(r.counts, { refresh: 2, same: 1 });
    assert.equal(r.changes, true);
    const prelude = h.events.find((e) => e.kind === "prelude");
    assert.ok(prelude?.kind === "prelude" && prelude.preview, "the run says it is a preview");
    assert.ok(h.events.some((e) => e.kind === "step-planned" && e.step.kind === "refresh" && e.step.name === "a"));
    assert.ok(!h.events.some((e) => e.kind === "step-done"), "nothing was done");
    assert.deepEqual(await h.state(), before);
  });

  test("refresh counts every resource once (the component unchanged), and --refresh does not count the unchanged twice", async () => {
    await h.program(GROUP);
    await h.run("up");
    assert.deepEqual((await h.run("refresh")).counts, { same: 3 });
    assert.deepEqual((await h.run("preview", { refresh: true })).counts, { same: 3 });
    assert.deepEqual((await h.run("up", { refresh: true })).counts, { same: 3 });
  });
});

/**
 * Replacements and autonames (Pulumi's step generator): a replacement is checked again without the
 * old inputs, so an autonamed resource gets a fresh name and is created next to the old one
 * (create-before-delete, no downtime); a name the user set stays, and the provider's second diff
 * asks for delete-before-replace. The test provider's names are unique in its cloud, as on Azure.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { EngineEvent } from "../src/api.js";
import { harness, type Harness } from "./helpers/harness.js";

function planned(events: readonly EngineEvent[], name: string) {
  const e = events.find((x) => x.kind === "step-planned" && x.step.name === name);
  assert.ok(e?.kind === "step-planned", `no step-planned for ${name}`);
  return e.step;
}

describe("engine: replacements get fresh autonames", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("an autonamed resource is replaced create-before-delete under a new name, and the reasons shown are the real cause", async () => {
    await h.program(`new Thing("a", { key: "k1" });\n`);
    await h.run("up");
    const [old] = [...h.cloud.objects.values()];
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { key: "k2" });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 0);
    assert.deepEqual(r.counts, { replace: 1 });
    assert.deepEqual(h.cloud.calls, ["create:a", "delete:a"]);
    const [now] = [...h.cloud.objects.values()];
    assert.equal(h.cloud.objects.size, 1);
    assert.match(String(now!.inputs.name), /^a-/);
    assert.notEqual(now!.inputs.name, old!.inputs.name);
    const step = planned(h.events, "a");
    assert.equal(step.kind, "replace");
    assert.equal(step.deleteBeforeReplace, false);
    assert.deepEqual(step.diffs?.map((d) => d.path), ["key"]);
    assert.deepEqual(step.news, { key: "k2" });
    const s = await h.state();
    assert.equal(s.resources.length, 1);
    assert.equal(s.resources[0]!.inputs.name, now!.inputs.name);
    assert.equal(s.resources[0]!.outputs.name, now!.inputs.name);
  });

  test("a name the user set stays the same, so the provider's second diff asks for delete-before-replace", async () => {
    await h.program(`new Thing("a", { name: "fixed", key: "k1" });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { name: "fixed", key: "k2" });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 0);
    assert.deepEqual(h.cloud.calls, ["delete:a", "create:a"]);
    assert.equal(h.cloud.byName("fixed")?.inputs.key, "k2");
    const step = planned(h.events, "a");
    assert.equal(step.deleteBeforeReplace, true);
    assert.deepEqual(step.diffs?.map((d) => d.path), ["key"]);
  });

  test("the old name is kept where nothing is replaced: an update keeps it", async () => {
    await h.program(`new Thing("a", { value: 1 });\n`);
    await h.run("up");
    const name = [...h.cloud.objects.values()][0]!.inputs.name;
    await h.program(`new Thing("a", { value: 2 });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { update: 1 });
    assert.equal([...h.cloud.objects.values()][0]!.inputs.name, name);
  });

  test("preview plans the autonamed replacement create-before-delete and calls nothing that changes the cloud", async () => {
    await h.program(`new Thing("a", { key: "k1" });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { key: "k2" });\n`);
    const r = await h.run("preview");
    assert.deepEqual(r.counts, { replace: 1 });
    assert.deepEqual(h.cloud.calls, []);
    const step = planned(h.events, "a");
    assert.equal(step.deleteBeforeReplace, false);
    assert.deepEqual(step.diffs?.map((d) => d.path), ["key"]);
  });

  test("a create of a name that already exists fails in the test cloud (the collision the fresh autoname avoids)", async () => {
    await h.program(`new Thing("a", { name: "taken" });\nnew Thing("b", { name: "taken" }, { dependsOn: [] });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    const failed = h.events.find((e) => e.kind === "step-failed");
    assert.ok(failed?.kind === "step-failed");
    assert.match(failed.error.message, /named taken already exists/);
  });
});

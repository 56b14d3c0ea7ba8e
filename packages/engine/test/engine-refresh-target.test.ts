import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

const URN = (name: string) => `urn:iac:dev::testproj::test:index:Thing::${name}`;

describe("engine: refresh", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("refresh records drift with its diff and removes what is gone, without changing the cloud", async () => {
    await h.program(`new Thing("a", { value: 1 });\nnew Thing("b", {});\nnew Thing("c", {});\n`);
    await h.run("up");
    const a = h.cloud.named("a")[0]!;
    a.inputs.value = 99;
    a.outputs = { ...a.outputs, value: 99 };
    h.cloud.objects.delete(h.cloud.named("b")[0]!.id);
    h.cloud.calls.length = 0;
    const r = await h.run("refresh");
    assert.deepEqual(r.counts, { refresh: 2, same: 1 });
    assert.deepEqual(h.cloud.calls.filter((c) => !c.startsWith("read:")), []);
    const drift = h.events.find((e) => e.kind === "step-done" && e.step.name === "a");
    assert.ok(drift?.kind === "step-done");
    assert.deepEqual(drift.step.diffs?.map((d) => d.path), ["value"]);
    assert.deepEqual(drift.step.olds, { value: 1 });
    assert.deepEqual(drift.step.news, { value: 99 });
    const s = await h.state();
    assert.deepEqual(s.resources.map((x) => x.urn).sort(), [URN("a"), URN("c")]);
    assert.equal(s.resources.find((x) => x.urn === URN("a"))!.inputs.value, 99);
  });

  test("up --refresh sees drift first, so the program's value is put back", async () => {
    await h.program(`new Thing("a", { value: 1 });\n`);
    await h.run("up");
    h.cloud.named("a")[0]!.inputs.value = 5;
    const plain = await h.run("up");
    assert.deepEqual(plain.counts, { same: 1 }, "without refresh the drift is invisible");
    const r = await h.run("up", { refresh: true });
    assert.deepEqual(r.counts, { refresh: 1, update: 1 });
    assert.equal(h.cloud.named("a")[0]!.inputs.value, 1);
  });

  test("preview --refresh reports drift but writes nothing", async () => {
    await h.program(`new Thing("a", { value: 1 });\n`);
    await h.run("up");
    h.cloud.objects.clear();
    const r = await h.run("preview", { refresh: true });
    assert.deepEqual(r.counts, { refresh: 1, create: 1 });
    assert.equal((await h.state()).resources.length, 1);
  });
});

describe("engine: --target", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("only targeted resources change; the others keep their old state untouched", async () => {
    await h.program(`new Thing("a", { value: 1 });\nnew Thing("b", { value: 1 });\n`);
    await h.run("up");
    await h.program(`new Thing("a", { value: 2 });\nnew Thing("b", { value: 2 });\n`);
    const r = await h.run("up", { targets: [URN("a")] });
    assert.deepEqual(r.counts, { update: 1, same: 1 });
    assert.deepEqual(h.cloud.callsOf("update"), ["a"]);
    const s = await h.state();
    assert.equal(s.resources.find((x) => x.urn === URN("b"))!.inputs.value, 1);
  });

  test("a targeted create also creates the new resources it depends on, and says so", async () => {
    await h.program(`const a = new Thing("a", {});\nnew Thing("b", { value: a.arn });\nnew Thing("c", {});\n`);
    const r = await h.run("up", { targets: [URN("b")] });
    assert.equal(r.failed, 0);
    assert.deepEqual(h.cloud.callsOf("create").sort(), ["a", "b"]);
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && /also includes 1 resource.*::a/.test(e.message)));
    assert.deepEqual(h.steps("step-skipped"), ["create c"]);
  });

  test("untargeted removed resources are not deleted; a targeted destroy deletes only the target", async () => {
    await h.program(`new Thing("a", {});\nnew Thing("b", {});\n`);
    await h.run("up");
    await h.program(``);
    await h.run("up", { targets: [URN("a")] });
    assert.deepEqual(h.cloud.callsOf("delete"), ["a"]);
    await h.program(`new Thing("b", {});\n`);
    const d = await h.run("destroy", { targets: [URN("b")] });
    assert.deepEqual(d.counts, { delete: 1 });
    assert.equal(h.cloud.objects.size, 0);
  });
});

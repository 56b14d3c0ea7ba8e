import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

const URN = (name: string, type = "test:index:Thing") => `urn:iac:dev::testproj::${type}::${name}`;

describe("engine: the resource lifecycle", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("creates new resources, then finds them the same with no cloud call and no state change", async () => {
    await h.program(`const a = new Thing("a", { value: 1 });\nexport const arn = a.arn;\n`);
    const first = await h.run("up");
    assert.deepEqual(first.counts, { create: 1 });
    assert.equal(first.failed, 0);
    assert.equal(h.cloud.objects.size, 1);
    assert.match(String(first.outputs.arn), /^arn:test:index:Thing:id-/);
    const before = await h.state();

    h.cloud.calls.length = 0;
    const second = await h.run("up");
    assert.deepEqual(second.counts, { same: 1 });
    assert.equal(second.changes, false);
    assert.deepEqual(h.cloud.calls, []);
    const after = await h.state();
    assert.deepEqual(after.resources, before.resources);
    assert.deepEqual(after.outputs, { arn: first.outputs.arn });
  });

  test("updates in place when a property that does not force replacement changes", async () => {
    await h.program(`new Thing("a", { value: 1 });\n`);
    await h.run("up");
    await h.program(`new Thing("a", { value: 2 });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { update: 1 });
    assert.deepEqual(h.cloud.callsOf("update"), ["a"]);
    const [obj] = h.cloud.objects.values();
    assert.equal(obj!.inputs.value, 2);
    const planned = h.events.find((e) => e.kind === "step-planned");
    assert.ok(planned && planned.kind === "step-planned");
    assert.deepEqual(planned.step.diffs?.map((d) => d.path), ["value"]);
    assert.deepEqual(planned.step.olds, { value: 1 });
    assert.deepEqual(planned.step.news, { value: 2 });
  });

  test("replaces create-before-delete: the new object exists before the old one is deleted", async () => {
    await h.program(`new Thing("a", { key: "k1" });\n`);
    await h.run("up");
    const oldId = [...h.cloud.objects.keys()][0];
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { key: "k2" });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { replace: 1 });
    assert.deepEqual(h.cloud.calls, ["create:a", "delete:a"]);
    assert.equal(h.cloud.objects.size, 1);
    assert.ok(!h.cloud.objects.has(oldId!));
    const s = await h.state();
    assert.equal(s.resources.length, 1);
    assert.equal(s.resources[0]!.pendingDelete, undefined);
    assert.equal(s.resources[0]!.inputs.key, "k2");
  });

  test("replaces delete-before-create when the provider asks for it", async () => {
    await h.program(`new Thing("a", { key: "k1", dbr: true });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { key: "k2", dbr: true });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { replace: 1 });
    assert.deepEqual(h.cloud.calls, ["delete:a", "create:a"]);
    assert.equal(h.cloud.objects.size, 1);
  });

  test("replaces delete-before-create when the deleteBeforeReplace option asks for it", async () => {
    await h.program(`new Thing("a", { key: "k1" }, { deleteBeforeReplace: true });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { key: "k2" }, { deleteBeforeReplace: true });\n`);
    await h.run("up");
    assert.deepEqual(h.cloud.calls, ["delete:a", "create:a"]);
  });

  test("deletes resources the program no longer declares, dependents first", async () => {
    await h.program(
      `const a = new Thing("a", { value: 1 });\nconst b = new Thing("b", { value: a.arn });\nconst c = new Thing("c", { value: b.arn });\nnew Thing("keep", { value: 1 });\n`,
    );
    await h.run("up");
    const s = await h.state();
    assert.deepEqual(
      s.resources.find((r) => r.urn === URN("c"))!.dependencies,
      [URN("b")],
    );
    h.cloud.calls.length = 0;
    await h.program(`new Thing("keep", { value: 1 });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { same: 1, delete: 3 });
    assert.deepEqual(h.cloud.calls, ["delete:c", "delete:b", "delete:a"]);
    assert.deepEqual((await h.state()).resources.map((x) => x.urn), [URN("keep")]);
  });

  test("destroy deletes everything in reverse dependency order and clears the outputs", async () => {
    await h.program(`const a = new Thing("a", {});\nconst b = new Thing("b", { value: a.arn });\nexport const x = b.arn;\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    const r = await h.run("destroy");
    assert.deepEqual(r.counts, { delete: 2 });
    assert.deepEqual(h.cloud.calls, ["delete:b", "delete:a"]);
    assert.equal(h.cloud.objects.size, 0);
    const s = await h.state();
    assert.deepEqual(s.resources, []);
    assert.deepEqual(s.outputs, {});
  });

  test("dependsOn orders creation and deletion without a data dependency", async () => {
    h.cloud.latencyMs = 5;
    await h.program(`const a = new Thing("a", {});\nnew Thing("b", {}, { dependsOn: [a] });\n`);
    await h.run("up");
    assert.deepEqual(h.cloud.callsOf("create"), ["a", "b"]);
    const b = (await h.state()).resources.find((r) => r.urn === URN("b"))!;
    assert.deepEqual(b.dependencies, [URN("a")]);
    h.cloud.calls.length = 0;
    await h.run("destroy");
    assert.deepEqual(h.cloud.callsOf("delete"), ["b", "a"]);
  });

  test("components are recorded in state with their outputs and children point to them", async () => {
    await h.program(
      `class Group extends iac.ComponentResource {\n  constructor(name: string) {\n    super("test:index:Group", name);\n    const t = new Thing(name + "-t", {}, { parent: this });\n    this.registerOutputs({ arn: t.arn });\n  }\n}\nnew Group("g");\n`,
    );
    const r = await h.run("up");
    assert.deepEqual(r.counts, { create: 2 });
    const s = await h.state();
    const group = s.resources.find((x) => x.type === "test:index:Group")!;
    const child = s.resources.find((x) => x.type === "test:index:Thing")!;
    assert.equal(group.custom, false);
    assert.match(String(group.outputs.arn), /^arn:/);
    assert.equal(child.parent, group.urn);
    assert.equal(child.urn, "urn:iac:dev::testproj::test:index:Group$test:index:Thing::g-t");
    const again = await h.run("up");
    assert.deepEqual(again.counts, { same: 2 });
  });

  test("the engine's default diff updates in place for a provider without diff", async () => {
    await h.program(`new Plain("p", { value: 1 });\n`);
    await h.run("up");
    await h.program(`new Plain("p", { value: 2 });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { update: 1 });
  });

  test("runs a program more than once in one process, local imports included", async () => {
    const { writeFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    await writeFile(join(h.dir, "lib.ts"), `export const value = 1;\n`);
    await h.program(`import { value } from "./lib.ts";\nnew Thing("a", { value });\n`);
    await h.run("up");
    await writeFile(join(h.dir, "lib.ts"), `export const value = 2;\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { update: 1 });
  });
});

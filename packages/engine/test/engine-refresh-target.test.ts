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

  test("a --target that matches nothing is an error listing the nearest URNs, and nothing is done", async () => {
    await h.program(`new Thing("web", { value: 1 });\nnew Thing("db", { value: 1 });\n`);
    await h.run("up");
    await h.program(`new Thing("web", { value: 2 });\nnew Thing("db", { value: 2 });\n`);
    h.cloud.calls.length = 0;
    for (const operation of ["up", "preview", "destroy", "refresh"] as const) {
      await assert.rejects(h.run(operation, { targets: [URN("webb")] }), (e: Error & { code?: string }) => {
        assert.equal(e.code, "TargetNotFound", operation);
        assert.match(e.message, new RegExp(`${URN("webb")} \\(did you mean ${URN("web")}\\?\\)`));
        return true;
      });
    }
    await assert.rejects(h.run("up", { targets: ["db"] }), (e: Error & { code?: string }) => e.code === "TargetNotFound" && e.message.includes(`did you mean ${URN("db")}`));
    assert.deepEqual(h.cloud.calls, []);
    assert.equal((await h.state()).resources.find((x) => x.urn === URN("web"))!.inputs.value, 1);
    // The lock was released: a normal run goes on.
    const r = await h.run("up", { targets: [URN("web")] });
    assert.deepEqual(r.counts, { update: 1, same: 1 });
  });

  test("a targeted change updates the stack outputs that depend on it; the others keep their recorded values", async () => {
    const body = (key: string, value: number) =>
      `const a = new Thing("a", { key: "${key}" });\nconst b = new Thing("b", { value: ${value} });\nexport const arn = a.arn;\nexport const bv = b.value;\n`;
    await h.program(body("k1", 1));
    const first = await h.run("up");
    await h.program(body("k2", 2));
    const r = await h.run("up", { targets: [URN("a")] });
    assert.deepEqual(r.counts, { replace: 1, same: 1 });
    const s = await h.state();
    const live = s.resources.find((x) => x.urn === URN("a") && !x.pendingDelete)!;
    assert.equal(s.outputs.arn, live.outputs.arn);
    assert.notEqual(s.outputs.arn, first.outputs.arn, "the output follows the replaced resource");
    assert.equal(s.outputs.bv, 1, "an untargeted resource's output stays as recorded");
  });

  test("under --target, stack outputs are left as they were when an untargeted resource does not exist yet", async () => {
    await h.program(`const a = new Thing("a", { value: 1 });\nexport const av = a.value;\n`);
    await h.run("up");
    await h.program(`const a = new Thing("a", { value: 2 });\nconst c = new Thing("c", { value: 3 });\nexport const av = a.value;\nexport const cv = c.value;\n`);
    await h.run("up", { targets: [URN("a")] });
    assert.deepEqual((await h.state()).outputs, { av: 1 });
  });
});

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

const URN = (name: string) => `urn:iac:dev::testproj::test:index:Thing::${name}`;

function failures(h: Harness): { name: string; code: string; message: string }[] {
  return h.events.flatMap((e) => (e.kind === "step-failed" ? [{ name: e.step.name, code: e.error.code, message: e.error.message }] : []));
}

describe("engine: resource options", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("protect blocks the delete of a removed resource and skips what it depends on", async () => {
    await h.program(`const a = new Thing("a", {});\nnew Thing("b", { value: a.arn }, { protect: true });\n`);
    await h.run("up");
    await h.program(``);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    const [f] = failures(h);
    assert.equal(f!.code, "ProtectedResource");
    assert.match(f!.message, new RegExp(`iac state unprotect ${URN("b").replace(/[$]/g, "\\$")}`));
    assert.deepEqual(h.cloud.callsOf("delete"), []);
    assert.equal(h.cloud.objects.size, 2);
    assert.deepEqual(h.steps("step-skipped"), ["delete a"]);
    assert.equal((await h.state()).resources.length, 2);
  });

  test("protect blocks a replace", async () => {
    await h.program(`new Thing("a", { key: "1" }, { protect: true });\n`);
    await h.run("up");
    await h.program(`new Thing("a", { key: "2" }, { protect: true });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    assert.equal(failures(h)[0]!.code, "ProtectedResource");
    // Found by up's planning pass (which builds no step events until one fails): shown as the replace it is.
    assert.deepEqual(h.steps("step-failed"), ["replace a"]);
    assert.deepEqual(h.cloud.callsOf("create"), ["a"]);
    assert.equal((await h.state()).resources[0]!.inputs.key, "1");
  });

  test("retainOnDelete removes the resource from state but keeps it in the cloud", async () => {
    await h.program(`new Thing("a", {}, { retainOnDelete: true });\n`);
    await h.run("up");
    const r = await h.run("destroy");
    assert.deepEqual(r.counts, { delete: 1 });
    assert.deepEqual(h.cloud.callsOf("delete"), []);
    assert.equal(h.cloud.objects.size, 1);
    assert.deepEqual((await h.state()).resources, []);
  });

  test("ignoreChanges keeps the old value of the ignored property", async () => {
    await h.program(`new Thing("a", { value: 1, tags: { env: "dev" } }, { ignoreChanges: ["value"] });\n`);
    await h.run("up");
    await h.program(`new Thing("a", { value: 2, tags: { env: "dev" } }, { ignoreChanges: ["value"] });\n`);
    const same = await h.run("up");
    assert.deepEqual(same.counts, { same: 1 });
    await h.program(`new Thing("a", { value: 2, tags: { env: "prod" } }, { ignoreChanges: ["value"] });\n`);
    const upd = await h.run("up");
    assert.deepEqual(upd.counts, { update: 1 });
    const [obj] = h.cloud.objects.values();
    assert.equal(obj!.inputs.value, 1);
    assert.deepEqual(obj!.inputs.tags, { env: "prod" });
  });

  test("ignoreChanges of a nested path ignores only that path", async () => {
    await h.program(`new Thing("a", { tags: { env: "dev", team: "x" } }, { ignoreChanges: ["tags.team"] });\n`);
    await h.run("up");
    await h.program(`new Thing("a", { tags: { env: "dev", team: "y" } }, { ignoreChanges: ["tags.team"] });\n`);
    assert.deepEqual((await h.run("up")).counts, { same: 1 });
  });

  test("replaceOnChanges turns an in-place change of that property into a replace", async () => {
    await h.program(`new Thing("a", { value: 1 }, { replaceOnChanges: ["value"] });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: 2 }, { replaceOnChanges: ["value"] });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { replace: 1 });
    assert.deepEqual(h.cloud.calls, ["create:a", "delete:a"]);
    const planned = h.events.find((e) => e.kind === "step-planned");
    assert.ok(planned?.kind === "step-planned" && planned.step.diffs?.[0]?.replace === true);
  });

  test("an alias keeps the cloud object when a resource is renamed", async () => {
    await h.program(`new Thing("old", { name: "fixed" });\n`);
    await h.run("up");
    const id = [...h.cloud.objects.keys()][0];
    h.cloud.calls.length = 0;
    await h.program(`new Thing("new", { name: "fixed" }, { aliases: ["${URN("old")}"] });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { same: 1 });
    assert.deepEqual(h.cloud.calls, []);
    const s = await h.state();
    assert.deepEqual(s.resources.map((x) => [x.urn, x.id]), [[URN("new"), id]]);
  });

  test("import adopts an existing object and reports where the program differs from it", async () => {
    const id = h.cloud.newId();
    h.cloud.objects.set(id, { id, type: "test:index:Thing", inputs: { name: "existing", value: 1 }, outputs: { name: "existing", value: 1, arn: "arn:x" } });
    await h.program(`new Thing("a", { name: "existing", value: 2 }, { import: "${id}" });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { import: 1 });
    assert.deepEqual(h.cloud.callsOf("create"), []);
    const warning = h.events.find((e) => e.kind === "diagnostic" && e.severity === "warning");
    assert.ok(warning?.kind === "diagnostic");
    assert.match(warning.message, /differ.*value/);
    const s = await h.state();
    assert.equal(s.resources[0]!.id, id);
    // The next up brings the object to the program's values.
    const next = await h.run("up");
    assert.deepEqual(next.counts, { update: 1 });
    assert.equal(h.cloud.objects.get(id)!.inputs.value, 2);
  });

  test("import of an id that does not exist fails the step and creates nothing", async () => {
    await h.program(`new Thing("a", {}, { import: "nope" });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    assert.equal(failures(h)[0]!.code, "ImportNotFound");
    assert.equal(h.cloud.objects.size, 0);
    assert.deepEqual((await h.state()).resources, []);
  });

  test("secret inputs stay secret in state and outputs, and are masked in every event", async () => {
    await h.program(`const a = new Thing("a", { value: iac.secret("hunter2"), secretValue: "s3cr3t" });\nexport const v = a.value;\nexport const plain = "visible";\n`);
    const r = await h.run("up");
    const events = JSON.stringify(h.events);
    assert.doesNotMatch(events, /hunter2/);
    assert.doesNotMatch(events, /s3cr3t/);
    assert.match(events, /\[secret\]/);
    assert.match(events, /visible/);
    const s = await h.state();
    const res = s.resources[0]!;
    assert.deepEqual(Object.keys(res.inputs.value as object).sort(), ["4dabf18193072939515e22adb298388d", "value"]);
    assert.ok(typeof res.outputs.secretValue === "object", "provider secretOutputs are wrapped");
    assert.ok(typeof r.outputs.v === "object" && r.outputs.v !== null, "the stack output stays wrapped");
  });
});

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

describe("engine: delete-before-replace and its dependents", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("a dependent that must be replaced too is deleted before the old resource, then created after the new one", async () => {
    // c's key comes from a: once a is replaced, c's key changes, and a key change replaces.
    const body = (k: string) =>
      `const a = new Thing("a", { key: "${k}", dbr: true });\nconst c = new Thing("c", { key: a.arn });\nnew Thing("u", { value: a.arn });\n`;
    await h.program(body("k1"));
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(body("k2"));
    const r = await h.run("up");
    assert.equal(r.failed, 0);
    const calls = h.cloud.calls.filter((c) => !c.startsWith("read:"));
    // c goes first, then a; the new a, then the new c; u (its value merely changes) is updated in place.
    assert.ok(calls.indexOf("delete:c") < calls.indexOf("delete:a"), calls.join(" "));
    assert.ok(calls.indexOf("delete:a") < calls.indexOf("create:a"), calls.join(" "));
    assert.ok(calls.indexOf("create:a") < calls.indexOf("create:c"), calls.join(" "));
    assert.deepEqual(h.cloud.callsOf("delete").sort(), ["a", "c"]);
    assert.deepEqual(h.cloud.callsOf("update"), ["u"]);
    const c = h.events.find((e) => e.kind === "step-done" && e.step.name === "c");
    assert.ok(c?.kind === "step-done");
    assert.equal(c.step.kind, "replace");
    assert.equal(c.step.deleteBeforeReplace, true);
    assert.equal(r.counts.replace, 2);
    assert.equal(h.cloud.objects.size, 3);
    const s = await h.state();
    const arnOfA = s.resources.find((x) => x.urn.endsWith("::a"))!.outputs.arn;
    assert.equal(s.resources.find((x) => x.urn.endsWith("::c"))!.inputs.key, arnOfA);
  });

  test("a protected dependent that would have to be replaced blocks the replace; nothing is deleted", async () => {
    const body = (k: string) => `const a = new Thing("a", { key: "${k}", dbr: true });\nnew Thing("c", { key: a.arn }, { protect: true });\n`;
    await h.program(body("k1"));
    await h.run("up");
    await h.program(body("k2"));
    const r = await h.run("up");
    assert.ok(r.failed > 0);
    assert.deepEqual(h.cloud.callsOf("delete"), []);
    // Found by up's planning pass: c's input from a is unknown there, so c would be replaced too.
    const failed = h.events.find((e) => e.kind === "step-failed");
    assert.ok(failed?.kind === "step-failed");
    assert.match(failed.error.message, /::c is protected/);
    assert.deepEqual(h.cloud.calls, ["create:a", "create:c"], "nothing but the first up's creates reached the cloud");
    assert.equal(h.cloud.objects.size, 2);
  });
});

describe("engine: explicit provider configuration changes", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("resources using a provider whose inputs changed are diffed by a provider configured with the new inputs, even after a refresh", async () => {
    const body = (region: string) => `const p = new TestProvider("p", { region: "${region}" });\nnew Thing("a", {}, { provider: p });\n`;
    await h.program(body("west"));
    await h.run("up");
    assert.equal([...h.cloud.objects.values()][0]!.outputs.region, "west");
    await h.program(body("east"));
    // The refresh configures the provider with the state's (old) inputs first.
    const r = await h.run("up", { refresh: true });
    assert.equal(r.failed, 0);
    assert.equal(r.counts.update, 1);
    assert.equal(r.counts.replace, 1);
    const objects = [...h.cloud.objects.values()];
    assert.deepEqual(objects.map((o) => o.outputs.region), ["east"]);
    assert.ok(h.cloud.configured.includes("west") && h.cloud.configured.at(-1) === "east", h.cloud.configured.join(" "));
  });
});

describe("engine: refresh and ignoreChanges", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("drift in an ignored property is neither reported nor written; other drift still is", async () => {
    await h.program(`new Thing("a", { value: 1, tags: { env: "dev" } }, { ignoreChanges: ["value"] });\n`);
    await h.run("up");
    const obj = [...h.cloud.objects.values()][0]!;
    obj.inputs = { ...obj.inputs, value: 2 };
    obj.outputs = { ...obj.outputs, value: 2 };
    let r = await h.run("refresh");
    assert.deepEqual(r.counts, { same: 1 });
    assert.equal(h.events.filter((e) => e.kind === "step-planned").length, 0);
    assert.equal((await h.state()).resources[0]!.inputs.value, 1);

    obj.inputs = { ...obj.inputs, tags: { env: "prod" } };
    obj.outputs = { ...obj.outputs, tags: { env: "prod" } };
    r = await h.run("refresh");
    assert.deepEqual(r.counts, { refresh: 1 });
    const planned = h.events.find((e) => e.kind === "step-planned");
    assert.ok(planned?.kind === "step-planned");
    assert.deepEqual(planned.step.diffs?.map((d) => d.path), ["tags"]);
    const s = (await h.state()).resources[0]!;
    assert.deepEqual(s.inputs.tags, { env: "prod" });
    assert.equal(s.inputs.value, 1);
  });
});

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";
import type { PendingOperation } from "../src/state/types.js";

const URN = (name: string) => `urn:iac:dev::testproj::test:index:Thing::${name}`;
const MODULE = new URL("./fixtures/test-provider.ts", import.meta.url).pathname;

/** Simulates a crash: a begin() with no end(), as a killed `iac up` leaves it. */
async function crashDuring(h: Harness, op: Omit<PendingOperation, "time" | "type" | "provider">, type = "test:index:Thing"): Promise<void> {
  const lock = await h.backend.lock("dev", "test");
  const w = await h.backend.open("dev", h.crypter);
  await w.begin({ ...op, type, provider: { module: MODULE }, time: new Date().toISOString() });
  await w.close();
  await lock.release();
}

describe("engine: pending operations of an interrupted run", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("a create the cloud completed before the crash is adopted, so the next up creates no duplicate", async () => {
    // The crash happened after the cloud made the object and before the state recorded it.
    const id = h.cloud.newId();
    const inputs = { name: "a-fixed1", value: 1 };
    h.cloud.objects.set(id, { id, type: "test:index:Thing", inputs, outputs: { ...inputs, arn: `arn:${id}` } });
    await crashDuring(h, { urn: URN("a"), op: "create", inputs });
    await h.program(`new Thing("a", { value: 1 });\n`);
    const r = await h.run("up");
    const pending = h.events.find((e) => e.kind === "pending-operations");
    assert.ok(pending?.kind === "pending-operations");
    assert.deepEqual(pending.operations.map((o) => [o.urn, o.op]), [[URN("a"), "create"]]);
    assert.deepEqual(r.counts, { same: 1 });
    assert.deepEqual(h.cloud.callsOf("create"), []);
    assert.equal(h.cloud.objects.size, 1);
    const s = await h.state();
    assert.deepEqual(s.pendingOperations, []);
    assert.equal(s.resources[0]!.id, id);
  });

  test("a create that made nothing (the provider's find says so) is cleared with a note, no warning, and created again", async () => {
    await crashDuring(h, { urn: URN("a"), op: "create", inputs: { name: "a-gone", value: 1 } });
    await h.program(`new Thing("a", { value: 1 });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { create: 1 });
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && e.severity === "info" && e.urn === URN("a") && /interrupted before anything was made/.test(e.message)));
    assert.ok(!h.events.some((e) => e.kind === "diagnostic" && e.severity === "warning" && e.urn === URN("a")));
    assert.deepEqual((await h.state()).pendingOperations, []);
  });

  test("an interrupted delete whose object is gone drops the resource from state", async () => {
    await h.program(`new Thing("a", {});\n`);
    await h.run("up");
    const id = [...h.cloud.objects.keys()][0]!;
    h.cloud.objects.delete(id); // the delete reached the cloud; the crash came before end()
    await crashDuring(h, { urn: URN("a"), op: "delete", id });
    await h.program(``);
    const r = await h.run("up");
    assert.equal(r.failed, 0);
    assert.deepEqual(h.cloud.callsOf("delete"), []);
    const s = await h.state();
    assert.deepEqual(s.resources, []);
    assert.deepEqual(s.pendingOperations, []);
  });

  test("an interrupted update is read back, so the state holds what the cloud has", async () => {
    await h.program(`new Thing("a", { value: 1 });\n`);
    await h.run("up");
    const obj = h.cloud.named("a")[0]!;
    obj.inputs.value = 2; // the update reached the cloud
    await crashDuring(h, { urn: URN("a"), op: "update", id: obj.id });
    await h.program(`new Thing("a", { value: 2 });\n`);
    const r = await h.run("up");
    assert.deepEqual(r.counts, { same: 1 });
    assert.deepEqual(h.cloud.callsOf("update"), []);
  });

  test("refresh resolves pending operations too", async () => {
    await crashDuring(h, { urn: URN("a"), op: "create", inputs: { name: "nothing-here" } });
    await h.run("refresh");
    assert.deepEqual((await h.state()).pendingOperations, []);
  });

  test("preview reports pending operations and leaves them for up", async () => {
    await crashDuring(h, { urn: URN("a"), op: "create", inputs: { name: "x" } });
    await h.program(``);
    await h.run("preview");
    assert.ok(h.events.some((e) => e.kind === "pending-operations"));
    assert.equal((await h.state()).pendingOperations.length, 1);
  });

  test("a create the provider cannot rule out (find throws) stays pending: the resource fails, its dependents are skipped, nothing is created", async () => {
    await crashDuring(h, { urn: URN("a"), op: "create", inputs: { name: "a-slow1", value: 1 } });
    h.cloud.findFails = "CreateInFlight";
    await h.program(`const a = new Thing("a", { value: 1 });\nnew Thing("b", { value: a.name });\nnew Thing("c", { value: 3 });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    const failed = h.events.find((e) => e.kind === "step-failed");
    assert.ok(failed?.kind === "step-failed");
    assert.equal(failed.step.urn, URN("a"));
    assert.equal(failed.error.code, "PendingCreate");
    assert.match(failed.error.message, /still pending.*may still be making the object.*`iac up` again.*`iac refresh`/s);
    assert.ok(h.events.some((e) => e.kind === "step-skipped" && e.step.urn === URN("b")));
    assert.deepEqual(h.cloud.callsOf("create"), ["c"], "only the independent resource is created");
    const s = await h.state();
    assert.deepEqual(s.pendingOperations.map((o) => [o.urn, o.op]), [[URN("a"), "create"]]);

    // A preview while it is unresolved finds changes (so --expect-no-changes cannot pass).
    const p = await h.run("preview");
    assert.equal(p.changes, true);

    // Once the cloud has finished making it, the next up adopts it: one object, no duplicate.
    h.cloud.findFails = undefined;
    const id = h.cloud.newId();
    h.cloud.objects.set(id, { id, type: "test:index:Thing", inputs: { name: "a-slow1", value: 1 }, outputs: { name: "a-slow1", value: 1, arn: `arn:${id}` } });
    const again = await h.run("up");
    assert.equal(again.failed, 0);
    assert.equal(h.cloud.named("a").length, 1);
    assert.deepEqual(h.cloud.callsOf("create").sort(), ["b", "c"]);
    assert.deepEqual((await h.state()).pendingOperations, []);
  });

  test("a pending create that stays pending fails a destroy too, and the pending operation is kept", async () => {
    await crashDuring(h, { urn: URN("a"), op: "create", inputs: { name: "a-slow2" } });
    h.cloud.findFails = "CreateInFlight";
    const r = await h.run("destroy");
    assert.equal(r.failed, 1);
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && e.severity === "error" && e.urn === URN("a") && /still pending/.test(e.message)));
    assert.equal((await h.state()).pendingOperations.length, 1);
  });

  test("a pending create of a provider without find is never cleared by up (no duplicate); refresh clears it, then up creates", async () => {
    const BLIND = "urn:iac:dev::testproj::test:index:Blind::a";
    await crashDuring(h, { urn: BLIND, op: "create", inputs: { name: "a-blind1" } }, "test:index:Blind");
    await h.program(`new Blind("a", {});\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    const failed = h.events.find((e) => e.kind === "step-failed");
    assert.ok(failed?.kind === "step-failed");
    assert.equal(failed.error.code, "PendingCreate");
    assert.match(failed.error.message, /cannot search.*`import`.*`iac refresh`/s);
    assert.deepEqual(h.cloud.callsOf("create"), []);
    assert.equal((await h.state()).pendingOperations.length, 1);

    await h.run("refresh");
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && e.severity === "warning" && e.urn === BLIND && /cleared by refresh/.test(e.message)));
    assert.deepEqual((await h.state()).pendingOperations, []);
    const again = await h.run("up");
    assert.deepEqual(again.counts, { create: 1 });
  });
});

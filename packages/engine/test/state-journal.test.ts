import assert from "node:assert/strict";
import { appendFile, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { crashWriter, pending, resource, tempProject, urn } from "./state-fixtures.js";
import type { FileStateWriter } from "../src/state/file-writer.js";

test("a stack that was never written reads as an empty state", async (t) => {
  const p = await tempProject(t);
  const s = await p.backend.read("dev", p.crypter);
  assert.deepEqual([s.resources, s.pendingOperations, s.outputs], [[], [], {}]);
  assert.equal(s.version, 1);
});

test("each writer call appends one journal line, and read replays the journal over the snapshot", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  const h = await w.begin(pending("a"));
  await w.end(h, { upsert: resource("a") });
  await w.put(resource("b", { dependencies: [urn("a")] }));
  await w.setOutputs({ url: "https://example" });
  const lines = (await readFile(join(p.stackDir("dev"), "journal.ndjson"), "utf8")).trim().split("\n");
  assert.deepEqual(lines.map((l) => JSON.parse(l).kind), ["header", "begin", "end", "put", "setOutputs"]);

  // Another process reading now (without the writer closing) sees everything written.
  const s = await p.backend.read("dev", p.crypter);
  assert.deepEqual(s.resources.map((r) => r.urn), [urn("a"), urn("b")]);
  assert.deepEqual(s.outputs, { url: "https://example" });
  assert.deepEqual(s.pendingOperations, []);
  await w.close();
});

test("a begin without its end survives as a pending operation", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  await w.begin(pending("a"));
  assert.deepEqual((await p.backend.read("dev", p.crypter)).pendingOperations.map((o) => o.urn), [urn("a")]);
  await w.close();
  const after = await p.backend.read("dev", p.crypter);
  assert.deepEqual(after.pendingOperations.map((o) => [o.urn, o.op]), [[urn("a"), "create"]]);
  // A later run resolves it.
  const w2 = await p.backend.open("dev", p.crypter);
  assert.equal(w2.base.pendingOperations.length, 1);
  await w2.clearPending([urn("a")]);
  await w2.close();
  assert.deepEqual((await p.backend.read("dev", p.crypter)).pendingOperations, []);
});

test("close compacts the journal into the snapshot and keeps the previous snapshot as .bak", async (t) => {
  const p = await tempProject(t);
  const w1 = await p.backend.open("dev", p.crypter);
  await w1.put(resource("a"));
  await w1.close();
  const first = await readFile(join(p.stackDir("dev"), "snapshot.json"), "utf8");
  await assert.rejects(stat(join(p.stackDir("dev"), "journal.ndjson")), { code: "ENOENT" });

  const w2 = await p.backend.open("dev", p.crypter);
  await w2.put(resource("b"));
  await w2.close();
  assert.equal(await readFile(join(p.stackDir("dev"), "snapshot.json.bak"), "utf8"), first);
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources.map((r) => r.urn), [urn("a"), urn("b")]);
});

test("a torn last journal line is ignored and the records before it are kept", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  await w.put(resource("a"));
  await w.put(resource("b"));
  await crashWriter(p, "dev", w);
  const journal = join(p.stackDir("dev"), "journal.ndjson");
  await appendFile(journal, '{"kind":"put","resource":{"urn":"urn:iac:dev::app::test:index:Thing::c","ty');
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources.map((r) => r.urn), [urn("a"), urn("b")]);

  // The next writer folds the good records into the snapshot and starts a clean journal.
  const w2 = await p.backend.open("dev", p.crypter);
  assert.deepEqual(w2.base.resources.map((r) => r.urn), [urn("a"), urn("b")]);
  await w2.put(resource("d"));
  await w2.close();
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources.map((r) => r.urn), [urn("a"), urn("b"), urn("d")]);
});

test("a damaged line in the middle of the journal is refused as corrupt", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  await w.put(resource("a"));
  await crashWriter(p, "dev", w);
  const journal = join(p.stackDir("dev"), "journal.ndjson");
  const text = await readFile(journal, "utf8");
  await writeFile(journal, text.replace('"kind":"put"', '"kind":"put"GARBAGE') + `${JSON.stringify({ kind: "put", resource: resource("b") })}\n`);
  await assert.rejects(p.backend.read("dev", p.crypter), { code: "StateCorrupt" });
});

test("a crash between writing the temp snapshot and the rename leaves the old state, and the temp file is ignored", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  await w.put(resource("a"));
  await w.close();
  const w2 = await p.backend.open("dev", p.crypter);
  await w2.put(resource("b"));
  await crashWriter(p, "dev", w2);
  // The state files as they are when compaction has written its temp file but not renamed it.
  const dir = p.stackDir("dev");
  await writeFile(join(dir, "snapshot.json.tmp-99999-deadbeef"), '{"version":1,"resources":[{"urn":"half-writ');
  const s = await p.backend.read("dev", p.crypter);
  assert.deepEqual(s.resources.map((r) => r.urn), [urn("a"), urn("b")]);
  const w3 = await p.backend.open("dev", p.crypter);
  await w3.close();
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources.map((r) => r.urn), [urn("a"), urn("b")]);
  await assert.rejects(stat(join(dir, "snapshot.json.tmp-99999-deadbeef")), { code: "ENOENT" }, "the compaction cleaned up the leftover temp file");
});

test("a journal left behind after the rename (crash before its deletion) is not applied twice", async (t) => {
  const p = await tempProject(t);
  const dir = p.stackDir("dev");
  const w = await p.backend.open("dev", p.crypter);
  await w.put(resource("a"));
  const h = await w.begin(pending("tmp", "delete"));
  await w.end(h, { none: true });
  await w.remove(urn("a"));
  await w.put(resource("a", { outputs: { version: 2 } }));
  const journal = await readFile(join(dir, "journal.ndjson"), "utf8");
  await w.close();
  // Restore the journal as if the crash happened between the rename and the unlink.
  await writeFile(join(dir, "journal.ndjson"), journal);
  await appendFile(join(dir, "journal.ndjson"), `${JSON.stringify({ kind: "put", resource: resource("ghost") })}\n`);
  const s = await p.backend.read("dev", p.crypter);
  assert.deepEqual(s.resources.map((r) => [r.urn, r.outputs]), [[urn("a"), { version: 2 }]]);
});

test("a journal line for one record has the same size whether the stack holds 10 or 10,000 resources", async (t) => {
  const p = await tempProject(t);
  const sizeOfOneRecord = async (stack: string, count: number) => {
    const resources = Array.from({ length: count }, (_, i) => resource(`r${i}`, { dependencies: i > 0 ? [urn(`r${i - 1}`)] : [] }));
    await p.backend.write(stack, { version: 1, project: "app", stack, secretsProvider: { type: "keyfile" }, resources, pendingOperations: [], outputs: {} }, p.crypter);
    const w = await p.backend.open(stack, p.crypter);
    assert.equal(w.base.resources.length, count);
    const journal = join(p.stackDir(stack), "journal.ndjson");
    const before = (await stat(journal)).size;
    await w.put(resource("extra", { dependencies: [urn("r0")] }));
    const after = (await stat(journal)).size;
    await w.close();
    return after - before;
  };
  const small = await sizeOfOneRecord("small", 10);
  const large = await sizeOfOneRecord("large", 10_000);
  assert.ok(small > 0);
  assert.equal(large, small);
});

test("parallel records are group-committed: 16 concurrent puts take fewer flushes than records", async (t) => {
  const p = await tempProject(t);
  const w = (await p.backend.open("dev", p.crypter)) as FileStateWriter;
  await Promise.all(Array.from({ length: 16 }, (_, i) => w.put(resource(`r${i}`))));
  assert.equal(w.stats.records, 16);
  assert.ok(w.stats.flushes < 16, `expected fewer than 16 flushes, got ${w.stats.flushes}`);
  assert.equal((await p.backend.read("dev", p.crypter)).resources.length, 16);
  await w.close();
});

test("the snapshot lists dependencies before dependents, whatever order they were written in", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  await w.put(resource("c", { dependencies: [urn("b")], parent: urn("comp", "test:index:Comp") }));
  await w.put(resource("b", { dependencies: [urn("a")] }));
  await w.put(resource("a"));
  await w.put({ urn: urn("comp", "test:index:Comp"), type: "test:index:Comp", custom: false, inputs: {}, outputs: {}, dependencies: [] });
  await w.close();
  const order = (await p.backend.read("dev", p.crypter)).resources.map((r) => r.urn);
  assert.deepEqual(order, [urn("a"), urn("b"), urn("comp", "test:index:Comp"), urn("c")]);
});

test("a create-before-delete replacement keeps the old copy next to its replacement until the copy is deleted", async (t) => {
  const p = await tempProject(t);
  const w0 = await p.backend.open("dev", p.crypter);
  await w0.put(resource("x", { id: "old-id" }));
  await w0.close();

  const w = await p.backend.open("dev", p.crypter);
  await w.put({ ...resource("x", { id: "old-id" }), pendingDelete: true });
  const create = await w.begin(pending("x"));
  await w.end(create, { upsert: resource("x", { id: "new-id" }) });
  await w.put(resource("y"));
  await w.close();
  const mid = await p.backend.read("dev", p.crypter);
  assert.deepEqual(mid.resources.map((r) => [r.urn, r.id, r.pendingDelete ?? false]), [
    [urn("x"), "new-id", false],
    [urn("x"), "old-id", true],
    [urn("y"), "y-id", false],
  ]);

  const w2 = await p.backend.open("dev", p.crypter);
  const del = await w2.begin({ ...pending("x", "delete"), id: "old-id" });
  await w2.end(del, { remove: urn("x") });
  await w2.close();
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources.map((r) => [r.id, r.pendingDelete ?? false]), [["new-id", false], ["y-id", false]]);
});

test("write replaces the whole state, and a writer used after close is refused", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  await w.put(resource("a"));
  await w.close();
  await assert.rejects(w.put(resource("b")), { code: "StateWriterClosed" });
  const s = await p.backend.read("dev", p.crypter);
  await p.backend.write("dev", { ...s, resources: [resource("z")] }, p.crypter);
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources.map((r) => r.urn), [urn("z")]);
});

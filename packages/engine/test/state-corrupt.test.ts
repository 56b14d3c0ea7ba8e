import assert from "node:assert/strict";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { StateCorruptError } from "../src/state/errors.js";
import { resource, tempProject, urn } from "./state-fixtures.js";

const cases: { name: string; text: string; problem: RegExp }[] = [
  { name: "bad JSON", text: '{"version":1,"resources":[', problem: /not valid JSON/ },
  { name: "an unknown version", text: JSON.stringify({ version: 7, resources: [] }), problem: /version 7 is newer/ },
  { name: "a wrong shape", text: JSON.stringify({ version: 1, project: "app", stack: "dev", secretsProvider: { type: "keyfile" }, resources: [{ urn: 3 }], pendingOperations: [], outputs: {} }), problem: /resources\[0\]\.urn/ },
];

for (const c of cases) {
  test(`a snapshot with ${c.name} is refused with StateCorrupt, naming the file and the way to recover, and is never overwritten`, async (t) => {
    const p = await tempProject(t);
    const dir = p.stackDir("dev");
    await mkdir(dir, { recursive: true });
    const path = join(dir, "snapshot.json");
    await writeFile(path, c.text);
    const error = await p.backend.read("dev", p.crypter).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof StateCorruptError);
    assert.equal(error.code, "StateCorrupt");
    assert.match(error.message, c.problem);
    assert.ok(error.message.includes(path));
    assert.match(error.message, /iac state import/);
    assert.match(error.message, /snapshot\.json\.bak/);
    // Opening a writer is refused too, so no compaction can overwrite it.
    await assert.rejects(p.backend.open("dev", p.crypter), { code: "StateCorrupt" });
    assert.equal(await readFile(path, "utf8"), c.text);
  });
}

test("an unreadable snapshot (a directory in its place) is refused as corrupt", async (t) => {
  const p = await tempProject(t);
  await mkdir(join(p.stackDir("dev"), "snapshot.json"), { recursive: true });
  await assert.rejects(p.backend.read("dev", p.crypter), { code: "StateCorrupt" });
});

test("replacing a corrupt state with write (state import) keeps the corrupt bytes aside", async (t) => {
  const p = await tempProject(t);
  const dir = p.stackDir("dev");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "snapshot.json"), "garbage");
  await p.backend.write("dev", { version: 1, project: "app", stack: "dev", secretsProvider: { type: "keyfile" }, resources: [resource("a")], pendingOperations: [], outputs: {} }, p.crypter);
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources.map((r) => r.urn), [urn("a")]);
  const aside = (await readdir(dir)).filter((n) => n.startsWith("snapshot.json.corrupt-"));
  assert.equal(aside.length, 1);
  assert.equal(await readFile(join(dir, aside[0]), "utf8"), "garbage");
});

test("the .bak of the previous snapshot restores the state before the last compaction", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  await w.put(resource("a"));
  await w.close();
  const w2 = await p.backend.open("dev", p.crypter);
  await w2.remove(urn("a"));
  await w2.close();
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources, []);
  const dir = p.stackDir("dev");
  await writeFile(join(dir, "snapshot.json"), await readFile(join(dir, "snapshot.json.bak")));
  assert.deepEqual((await p.backend.read("dev", p.crypter)).resources.map((r) => r.urn), [urn("a")]);
});

test("a journal written against a newer snapshot generation than the one on disk is refused, not applied to the wrong base", async (t) => {
  const p = await tempProject(t);
  const w = await p.backend.open("dev", p.crypter);
  await w.put(resource("a"));
  await w.close();
  const dir = p.stackDir("dev");
  const header = { kind: "header", format: 1, generation: 42, project: "app", stack: "dev" };
  await writeFile(join(dir, "journal.ndjson"), `${JSON.stringify(header)}\n${JSON.stringify({ kind: "remove", urn: urn("a") })}\n`);
  await assert.rejects(p.backend.read("dev", p.crypter), (e: Error & { code?: string }) => e.code === "StateCorrupt" && /generation 42/.test(e.message));
});

/**
 * The snapshot is written in pieces (fs-util.ts, jsonPiecesOf; file-backend.ts compaction) so that a
 * large state is never one string: the pieces must be, byte for byte, what JSON.stringify(value,
 * null, 1) wrote before, or every existing reader and diff of snapshot.json would see a change.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { jsonPiecesOf, writeFileAtomic } from "../src/state/fs-util.js";

const whole = (v: Record<string, unknown>) => `${JSON.stringify(v, null, 1)}\n`;

const CASES: Record<string, Record<string, unknown>> = {
  empty: {},
  "no resources": { version: 3, resources: [], outputs: {} },
  "resources first and last": { resources: [{ urn: "a" }], b: 1 },
  "nested values, odd strings, undefined and functions left out": {
    version: 3,
    project: "p\nq \"quoted\" \u2028",
    skipped: undefined,
    fn: () => 1,
    resources: [
      { urn: "urn:iac:dev::p::t::a", inputs: { list: [1, [2, { x: null }], []], obj: {}, s: "line\nbreak" }, dependencies: [] },
      { urn: "b", secret: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "xyz" }, date: new Date(0) },
      undefined,
      { toJSON: () => ({ replaced: true }) },
    ],
    outputs: { o: [1, 2] },
    generation: 7,
  },
};

for (const [name, value] of Object.entries(CASES)) {
  test(`jsonPiecesOf gives JSON.stringify(value, null, 1)'s bytes: ${name}`, () => {
    assert.equal([...jsonPiecesOf(value, "resources")].join(""), whole(value));
  });
}

test("jsonPiecesOf gives one piece per resource", () => {
  const resources = Array.from({ length: 50 }, (_, i) => ({ urn: `r${i}` }));
  assert.ok([...jsonPiecesOf({ resources }, "resources")].length >= 50);
});

test("writeFileAtomic writes an iterable of strings as their concatenation, across its write batches", async () => {
  const dir = await mkdtemp(join(tmpdir(), "iac-pieces-"));
  try {
    const piece = "x".repeat(300_000);
    const pieces = [piece, "é€😀\n", piece, piece, piece, "end"];
    await writeFileAtomic(join(dir, "f.json"), pieces);
    assert.equal(await readFile(join(dir, "f.json"), "utf8"), pieces.join(""));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

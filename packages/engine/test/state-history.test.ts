/**
 * A stack's history of deployments in the file backend (and, when Azurite is installed, the Azure
 * Blob backend): one small entry per operation, listed newest first, the oldest dropped beyond the
 * retention.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test, type TestContext } from "node:test";
import { openBackend } from "../src/state/backend-url.js";
import { createAzblobBackend } from "../src/state/azblob-backend.js";
import { createFileBackend } from "../src/state/file-backend.js";
import { HISTORY_SUMMARY_BYTES, historyName, sortHistoryNames } from "../src/state/history.js";
import type { Backend, HistoryEntry } from "../src/state/types.js";
import { startAzurite } from "./state-azblob-azurite.js";
import { PROJECT, tempProject } from "./state-fixtures.js";

/** An entry that ended `minute` minutes after a fixed instant. */
function entry(minute: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  const end = new Date(Date.UTC(2025, 0, 1, 10, minute, 0));
  return {
    version: 1,
    operation: "up",
    startTime: new Date(end.getTime() - 2000).toISOString(),
    endTime: end.toISOString(),
    durationMs: 2000,
    result: "succeeded",
    counts: { create: minute },
    failed: 0,
    command: "iac up --yes",
    iacVersion: "0.1.0",
    host: "builder",
    user: "me",
    ...extra,
  };
}

/** The `counts.create` of each entry, which the tests use as the entry's identity. */
const ids = (entries: readonly HistoryEntry[]) => entries.map((e) => e.counts.create);

/** The behaviours both backends share; `make` returns a backend keeping `retain` entries per stack. */
function historyBehaviours(make: (t: TestContext, retain?: number) => Promise<Backend>): void {
  test("lists the recorded entries newest first, all or the newest `limit`", async (t) => {
    const backend = await make(t);
    for (const minute of [1, 2, 3]) await backend.appendHistory!("dev", entry(minute, { operation: minute === 3 ? "destroy" : "up", result: minute === 2 ? "failed" : "succeeded" }));
    const all = await backend.listHistory!("dev", {});
    assert.deepEqual(ids(all), [3, 2, 1]);
    assert.deepEqual(all[0], entry(3, { operation: "destroy" }));
    assert.equal(all[1].result, "failed");
    assert.deepEqual(ids(await backend.listHistory!("dev", { limit: 2 })), [3, 2]);
    assert.deepEqual(await backend.listHistory!("other", {}), [], "a stack with no history lists none");
  });

  test("keeps only the newest entries beyond its retention", async (t) => {
    const backend = await make(t, 3);
    for (let minute = 1; minute <= 6; minute++) await backend.appendHistory!("dev", entry(minute));
    assert.deepEqual(ids(await backend.listHistory!("dev", {})), [6, 5, 4]);
  });

  test("a summary is the entry without its lists, however large the entry", async (t) => {
    const backend = await make(t);
    const changes = Array.from({ length: 400 }, (_, i) => ({ urn: `urn:iac:dev::p::t:index:R::r${i}`, type: "t:index:R", name: `r${i}`, kind: "create" as const, status: "done" as const, news: { index: i, label: "x".repeat(40) } }));
    const big = entry(1, { changes, changesOmitted: 3, diagnostics: [{ severity: "warning", message: "careful", time: entry(1).endTime }] });
    await backend.appendHistory!("dev", big);
    await backend.appendHistory!("dev", entry(2, { changes: changes.slice(0, 1), diagnostics: [] }));
    const [small, large] = await backend.listHistory!("dev", { summary: true });
    assert.deepEqual(small, entry(2));
    assert.deepEqual(large, entry(1));
    assert.equal((await backend.listHistory!("dev", {}))[1].changes?.length, 400, "without summary the lists are there");
  });

  test("entries recorded at the same instant by concurrent processes all survive", async (t) => {
    const backend = await make(t);
    await Promise.all([1, 2, 3, 4, 5].map((n) => backend.appendHistory!("dev", entry(0, { counts: { create: n } }))));
    assert.deepEqual(ids(await backend.listHistory!("dev", {})).sort(), [1, 2, 3, 4, 5]);
  });
}

describe("file backend", () => {
  historyBehaviours(async (t, retain) => {
    const p = await tempProject(t);
    return createFileBackend({ projectDir: p.dir, project: PROJECT, ...(retain !== undefined ? { historyRetention: retain } : {}) });
  });

  test("each entry is its own file under .iac/stacks/<stack>/history/, named by time then sequence", async (t) => {
    const p = await tempProject(t);
    const backend = createFileBackend({ projectDir: p.dir, project: PROJECT });
    await backend.appendHistory!("dev", entry(1));
    await backend.appendHistory!("dev", entry(1));
    const names = await readdir(join(p.stackDir("dev"), "history"));
    assert.deepEqual(names.sort(), ["2025-01-01T10-01-00-000Z-000001.json", "2025-01-01T10-01-00-000Z-000002.json"]);
  });

  test("files that are not entries (a temp file, a hand-edited one) are ignored when listing", async (t) => {
    const p = await tempProject(t);
    const backend = createFileBackend({ projectDir: p.dir, project: PROJECT });
    await backend.appendHistory!("dev", entry(1));
    const dir = join(p.stackDir("dev"), "history");
    await writeFile(join(dir, historyName(entry(2).endTime, 7)), "{ not json");
    await writeFile(join(dir, "entry.tmp-123-abcd"), JSON.stringify(entry(3)));
    await writeFile(join(dir, historyName(entry(4).endTime, 8)), JSON.stringify({ ...entry(4), result: "maybe" }));
    assert.deepEqual(ids(await backend.listHistory!("dev", {})), [1]);
  });
});

test("file backend: a summary reads only the head of an entry, and the whole of one not laid out as iac writes it", async (t) => {
  const p = await tempProject(t);
  const backend = createFileBackend({ projectDir: p.dir, project: PROJECT });
  const changes = Array.from({ length: 1000 }, (_, i) => ({ urn: `urn:iac:dev::p::t:index:R::r${i}`, type: "t:index:R", name: `r${i}`, kind: "create" as const, status: "done" as const }));
  await backend.appendHistory!("dev", entry(1, { changes, diagnostics: [] }));
  const dir = join(p.stackDir("dev"), "history");
  const [name] = await readdir(dir);
  const size = (await readFile(join(dir, name))).length;
  assert.ok(size > 4 * HISTORY_SUMMARY_BYTES, `the entry (${size} bytes) is larger than a head`);
  // Cut the file well past the head: a whole read no longer parses, a summary never looks there.
  await truncate(join(dir, name), 2 * HISTORY_SUMMARY_BYTES);
  assert.deepEqual(await backend.listHistory!("dev", {}), [], "the whole entry no longer parses");
  assert.deepEqual(await backend.listHistory!("dev", { summary: true }), [entry(1)]);
  // One line of JSON (hand-written, or another writer): the head cannot be cut, the whole file is read.
  await writeFile(join(dir, name), JSON.stringify(entry(1, { changes })));
  assert.deepEqual(await backend.listHistory!("dev", { summary: true }), [entry(1)]);
});

test("names sort by time first, then by sequence number past six digits", () => {
  const names = [historyName("2025-01-01T10:00:00.000Z", 1000000), historyName("2025-01-01T10:00:00.000Z", 999999), historyName("2024-12-31T23:59:59.999Z", 5), "stray.json"];
  assert.deepEqual(sortHistoryNames(names), [names[2], names[1], names[0]]);
});

const started = await startAzurite();
const azurite = "azurite" in started ? started.azurite : undefined;
after(() => azurite?.stop());

describe("Azure Blob backend", { skip: "skip" in started ? started.skip : false }, () => {
  historyBehaviours(async (_t, retain) => {
    const container = `h-${randomBytes(6).toString("hex")}`;
    if (retain === undefined) return openBackend(`azblob://${container}/team`, { projectDir: "/nonexistent", project: PROJECT, env: azurite!.env });
    return createAzblobBackend({ service: azurite!.service, container, prefix: "team", project: PROJECT, historyRetention: retain });
  });

  test("entries are blobs under <prefix>/<project>/<stack>/history/", async () => {
    const container = `h-${randomBytes(6).toString("hex")}`;
    const backend = await openBackend(`azblob://${container}/team`, { projectDir: "/nonexistent", project: PROJECT, env: azurite!.env });
    await backend.appendHistory!("dev", entry(1));
    const names: string[] = [];
    for await (const item of azurite!.service.getContainerClient(container).listBlobsFlat()) names.push(item.name);
    assert.deepEqual(names, [`team/${PROJECT}/dev/history/2025-01-01T10-01-00-000Z-000001.json`]);
  });

  test("a summary downloads only the head of an entry's blob", async () => {
    const container = `h-${randomBytes(6).toString("hex")}`;
    const backend = await openBackend(`azblob://${container}/team`, { projectDir: "/nonexistent", project: PROJECT, env: azurite!.env });
    const changes = Array.from({ length: 1000 }, (_, i) => ({ urn: `urn:iac:dev::p::t:index:R::r${i}`, type: "t:index:R", name: `r${i}`, kind: "create" as const, status: "done" as const }));
    await backend.appendHistory!("dev", entry(1, { changes, diagnostics: [] }));
    const blob = azurite!.service.getContainerClient(container).getBlockBlobClient(`team/${PROJECT}/dev/history/2025-01-01T10-01-00-000Z-000001.json`);
    // Past the head the blob no longer parses: a whole download fails to decode, the summary never reads there.
    const text = (await blob.downloadToBuffer()).toString("utf8");
    assert.ok(text.length > 4 * HISTORY_SUMMARY_BYTES);
    const cut = text.slice(0, 2 * HISTORY_SUMMARY_BYTES);
    await blob.upload(cut, Buffer.byteLength(cut));
    assert.deepEqual(await backend.listHistory!("dev", {}), []);
    assert.deepEqual(await backend.listHistory!("dev", { summary: true }), [entry(1)]);
  });
});

import assert from "node:assert/strict";
import { writeFile, mkdir, readFile, readdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { StackLockedError } from "../src/state/errors.js";
import { createFileBackend } from "../src/state/file-backend.js";
import { PROJECT, resource, tempProject } from "./state-fixtures.js";

test("a second lock on a stack is refused with a message naming the holder's host, pid, time and command", async (t) => {
  const p = await tempProject(t);
  const lock = await p.backend.lock("dev", "up");
  const error = await p.backend.lock("dev", "destroy").then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof StackLockedError);
  assert.equal(error.code, "StackLocked");
  for (const part of [lock.info.host, String(lock.info.pid), lock.info.time, "`up`"]) assert.ok(error.message.includes(part), `message lacks ${part}: ${error.message}`);
  assert.match(error.message, /If that process is no longer running, run `iac cancel` to break the lock/);
  assert.doesNotMatch(error.message, /no longer exists/, "the holder (this process) is alive");
  assert.deepEqual(error.holder, lock.info);
  await lock.release();
  const again = await p.backend.lock("dev", "destroy");
  await again.release();
});

test("a lock held by a pid that no longer exists on this host is still refused, but the message says the holder is gone", async (t) => {
  const p = await tempProject(t);
  await mkdir(p.stackDir("dev"), { recursive: true });
  const dead = { host: hostname(), pid: 2 ** 22 + 12345, time: "2025-01-01T00:00:00.000Z", command: "up", token: "x" };
  await writeFile(join(p.stackDir("dev"), "lock.json"), JSON.stringify(dead));
  await assert.rejects(p.backend.lock("dev", "up"), (e: Error & { code?: string }) => e.code === "StackLocked" && /no longer exists on this host/.test(e.message) && /iac cancel/.test(e.message));
});

test("breakLock removes the lock and returns who held it; the old holder's release then leaves the new lock alone", async (t) => {
  const p = await tempProject(t);
  const first = await p.backend.lock("dev", "up");
  const broken = await p.backend.breakLock("dev");
  assert.deepEqual(broken, first.info);
  const second = await p.backend.lock("dev", "refresh");
  await first.release();
  const path = join(p.stackDir("dev"), "lock.json");
  assert.equal(JSON.parse(await readFile(path, "utf8")).command, "refresh");
  await assert.rejects(p.backend.lock("dev", "up"), { code: "StackLocked" });
  await second.release();
  assert.equal(await p.backend.breakLock("dev"), undefined, "nothing left to break");
});

test("an empty lock file (a crash while taking the lock) still refuses the lock and says so", async (t) => {
  const p = await tempProject(t);
  await mkdir(p.stackDir("dev"), { recursive: true });
  await writeFile(join(p.stackDir("dev"), "lock.json"), "");
  await assert.rejects(p.backend.lock("dev", "up"), (e: Error & { code?: string }) => e.code === "StackLocked" && /empty or unreadable/.test(e.message));
});

test("of many concurrent lock attempts exactly one succeeds", async (t) => {
  const p = await tempProject(t);
  const results = await Promise.allSettled(Array.from({ length: 8 }, () => p.backend.lock("dev", "up")));
  const won = results.filter((r) => r.status === "fulfilled");
  assert.equal(won.length, 1);
  await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
});

/** Write a lock file by hand (as another process would have). */
async function writeLock(dir: string, holder: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "lock.json"), JSON.stringify({ time: "2025-01-01T00:00:00.000Z", command: "iac up", token: "t", ...holder }));
}

test("lockStatus tells a running holder from a gone one, and one on another host as unknown", async (t) => {
  const p = await tempProject(t);
  assert.equal(await p.backend.lockStatus("dev"), undefined, "a free stack");
  const mine = await p.backend.lock("dev", "up");
  assert.equal((await p.backend.lockStatus("dev"))?.liveness, "running");
  assert.deepEqual((await p.backend.lockStatus("dev"))?.holder, mine.info);
  await mine.release();

  const dir = p.stackDir("dev");
  const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
  const started = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  const cases: readonly (readonly [string, Record<string, unknown>, string, RegExp])[] = [
    ["a pid that does not exist", { host: hostname(), pid: 2 ** 22 + 12345 }, "gone", /no longer exists/],
    ["a live pid that is now another process", { host: hostname(), pid: process.pid, started: String(Number(started) + 1) }, "gone", /now belongs to another process/],
    ["a pid of an earlier boot", { host: hostname(), pid: process.pid, bootId: "00000000-0000-0000-0000-000000000000" }, "gone", /restarted/],
    ["a live pid, same process", { host: hostname(), pid: process.pid, started }, "running", /still running/],
    ["another host", { host: `not-${hostname()}`, pid: process.pid }, "unknown", /cannot check/],
  ];
  for (const [what, holder, liveness, reason] of cases) {
    await writeLock(dir, holder);
    const status = await p.backend.lockStatus("dev");
    assert.equal(status?.liveness, liveness, what);
    assert.match(status!.reason, reason, what);
  }
  await writeFile(join(dir, "lock.json"), "");
  assert.equal((await p.backend.lockStatus("dev"))?.liveness, "gone", "an unreadable lock file");
});

test("breakLock with the status that was inspected leaves alone a lock that changed hands since", async (t) => {
  const p = await tempProject(t);
  const first = await p.backend.lock("dev", "up");
  const seen = (await p.backend.lockStatus("dev"))!;
  await first.release();
  const second = await p.backend.lock("dev", "refresh");
  await assert.rejects(p.backend.breakLock("dev", { expected: seen }), (e: Error & { code?: string }) => e.code === "StackLocked" && /changed hands/.test(e.message) && /Nothing was broken/.test(e.message));
  assert.equal((await p.backend.lockStatus("dev"))?.holder?.command, "refresh", "the new holder keeps its lock");
  assert.deepEqual(await p.backend.breakLock("dev", { expected: (await p.backend.lockStatus("dev"))! }), second.info);
  await second.release();
});

test("a holder whose lock is broken learns it: its lost signal is aborted with StackLockLost", async (t) => {
  const p = await tempProject(t);
  const backend = createFileBackend({ projectDir: p.dir, project: PROJECT, lockWatchMs: 50 });
  const lock = await backend.lock("dev", "up");
  assert.equal(lock.lost?.aborted, false);
  await p.backend.breakLock("dev");
  const next = await p.backend.lock("dev", "refresh");
  await new Promise<void>((resolve) => (lock.lost!.aborted ? resolve() : lock.lost!.addEventListener("abort", () => resolve())));
  const reason = lock.lost!.reason as Error & { code?: string };
  assert.equal(reason.code, "StackLockLost");
  assert.match(reason.message, /was broken while this run held it/);
  assert.match(reason.message, /stopped making cloud calls/);
  await lock.release();
  await next.release();
});

test("compaction refuses to write over a state another writer changed after the lock was broken, and saves this writer's state aside", async (t) => {
  const p = await tempProject(t);
  const a = createFileBackend({ projectDir: p.dir, project: PROJECT });
  const b = createFileBackend({ projectDir: p.dir, project: PROJECT });
  const lockA = await a.lock("dev", "up");
  const writerA = await a.open("dev", p.crypter);
  await writerA.put(resource("from-a"));

  await b.breakLock("dev");
  const lockB = await b.lock("dev", "up");
  const writerB = await b.open("dev", p.crypter);
  await writerB.put(resource("from-b"));
  await writerB.close();
  await lockB.release();

  await assert.rejects(writerA.close(), (e: Error & { code?: string }) => e.code === "StateConflict" && /changed by another process/.test(e.message) && /saved in .*snapshot\.json\.conflict-/.test(e.message));
  await lockA.release();
  const state = await p.backend.read("dev", p.crypter);
  // The other writer folded the records this one had made durable into its own state when it opened.
  assert.deepEqual(state.resources.map((r) => r.urn.split("::").pop()).sort(), ["from-a", "from-b"], "the other writer's state stands");
  const aside = (await readdir(p.stackDir("dev"))).filter((n) => n.startsWith("snapshot.json.conflict-"));
  assert.equal(aside.length, 1);
  const saved = JSON.parse(await readFile(join(p.stackDir("dev"), aside[0]), "utf8")) as { resources: { urn: string }[] };
  assert.deepEqual(saved.resources.map((r) => r.urn.split("::").pop()), ["from-a"], "nothing the refused writer recorded is lost");
});

test("compaction refuses while another process holds the lock this writer took, even before that one writes", async (t) => {
  const p = await tempProject(t);
  const a = createFileBackend({ projectDir: p.dir, project: PROJECT });
  const lockA = await a.lock("dev", "up");
  const writerA = await a.open("dev", p.crypter);
  await writerA.put(resource("from-a"));
  await p.backend.breakLock("dev");
  const lockB = await p.backend.lock("dev", "up");
  await assert.rejects(writerA.close(), { code: "StateConflict" });
  await lockA.release();
  assert.equal((await p.backend.lockStatus("dev"))?.holder?.pid, lockB.info.pid, "the new holder's lock is untouched");
  await lockB.release();
});

test("of two writers that read the same state, only the first to compact succeeds", async (t) => {
  const p = await tempProject(t);
  const a = createFileBackend({ projectDir: p.dir, project: PROJECT });
  const b = createFileBackend({ projectDir: p.dir, project: PROJECT });
  const writerA = await a.open("dev", p.crypter);
  await writerA.put(resource("from-a"));
  await writerA.close();
  const writerB = await b.open("dev", p.crypter);
  const writerC = await b.open("dev", p.crypter);
  await writerB.put(resource("from-b"));
  await writerC.put(resource("from-c"));
  const results = await Promise.allSettled([writerB.close(), writerC.close()]);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, JSON.stringify(results.map((r) => r.status)));
});

test("a lock broken while nobody else wrote: the writer's state is written (nothing changed under it)", async (t) => {
  const p = await tempProject(t);
  const lock = await p.backend.lock("dev", "up");
  const writer = await p.backend.open("dev", p.crypter);
  await writer.put(resource("only"));
  await p.backend.breakLock("dev");
  await writer.close();
  await lock.release();
  assert.equal((await p.backend.read("dev", p.crypter)).resources.length, 1);
});

test("a compaction mutex left by a writer killed mid-compaction does not block the next one", async (t) => {
  const p = await tempProject(t);
  await mkdir(p.stackDir("dev"), { recursive: true });
  await writeFile(join(p.stackDir("dev"), "snapshot.json.lock"), JSON.stringify({ host: hostname(), pid: 2 ** 22 + 999, time: new Date().toISOString(), token: "killed" }));
  const lock = await p.backend.lock("dev", "up");
  const writer = await p.backend.open("dev", p.crypter);
  await writer.put(resource("a"));
  await writer.close();
  await lock.release();
  assert.equal((await p.backend.read("dev", p.crypter)).resources.length, 1);
  assert.deepEqual((await readdir(p.stackDir("dev"))).filter((n) => n.includes(".lock")), [], "the stale mutex is gone");
});

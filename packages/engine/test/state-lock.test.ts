import assert from "node:assert/strict";
import { writeFile, mkdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StackLockedError } from "../src/state/errors.js";
import { tempProject } from "./state-fixtures.js";

test("a second lock on a stack is refused with a message naming the holder's host, pid, time and command", async (t) => {
  const p = await tempProject(t);
  const lock = await p.backend.lock("dev", "up");
  const error = await p.backend.lock("dev", "destroy").then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof StackLockedError);
  assert.equal(error.code, "StackLocked");
  for (const part of [lock.info.host, String(lock.info.pid), lock.info.time, "`up`"]) assert.ok(error.message.includes(part), `message lacks ${part}: ${error.message}`);
  assert.match(error.message, /If that process is no longer running, run `iac cancel` to break the lock\./);
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

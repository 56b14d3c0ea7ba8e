/**
 * File-system failures and the small pieces that keep them clear and lossless: the error wording,
 * one journal failure reported once, the stack config mutex (concurrent edits all kept, a stale
 * mutex broken).
 */
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { getConfigValue, readStackConfig, setConfigValue } from "../src/config.js";
import { withFileMutex } from "../src/state/file-mutex.js";
import { FileSystemError, fsErrorOf } from "../src/state/fs-errors.js";
import { GroupCommit } from "../src/state/group-commit.js";
import { StateError } from "../src/state/errors.js";
import { tempProject } from "./state-fixtures.js";

const errno = (code: string) => Object.assign(new Error(`${code}: something, open '/x/y'`), { code });

test("a file-system failure says what failed, on which path, why in words, and the fix", () => {
  const table: readonly (readonly [string, RegExp, RegExp])[] = [
    ["EACCES", /permission denied/, /write access to \/p\/\.iac/],
    ["EPERM", /permission denied/, /write access/],
    ["ENOSPC", /the disk is full/, /Free some space on the file system holding \/p\/\.iac/],
    ["EDQUOT", /quota/, /Free some space/],
    ["EROFS", /read-only/, /writable copy of the project/],
  ];
  for (const [code, why, fix] of table) {
    const e = fsErrorOf(errno(code), { action: "write the state", path: "/p/.iac/snapshot.json" });
    assert.ok(e instanceof FileSystemError, code);
    assert.equal(e.code, "FileSystem");
    assert.equal((e as FileSystemError).errno, code);
    assert.match(e.message, /^Could not write the state: /);
    assert.match(e.message, why, code);
    assert.match(e.message, fix, code);
    assert.ok(e.message.includes("(/p/.iac/snapshot.json)"), code);
    assert.doesNotMatch(e.message, new RegExp(`${code}:`), "not the raw system message");
  }
  const already = new StateError("StateCorrupt", "x");
  assert.equal(fsErrorOf(already, { action: "a", path: "/b" }), already, "an error of ours is kept as it is");
});

test("after a failed journal write, the failure is the reason of `failed`, in full, and every record gets a short pointer to it", async () => {
  let calls = 0;
  const commits = new GroupCommit({
    where: "/p/journal.ndjson",
    write: async () => {
      calls++;
      throw errno("ENOSPC");
    },
    failedError: (failure) => fsErrorOf(failure, { action: "write the state journal", path: "/p/journal.ndjson" }),
  });
  const results = await Promise.allSettled([commits.append({ a: 1 }), commits.append({ b: 2 }), commits.append({ c: 3 })]);
  const later = await commits.append({ d: 4 }).then(() => undefined, (e: unknown) => e as StateError);
  assert.equal(calls, 1, "nothing is written after a failed write");
  assert.ok(commits.failed.aborted);
  assert.match((commits.failed.reason as Error).message, /the disk is full/);
  for (const r of [...results, { status: "rejected", reason: later }] as PromiseSettledResult<void>[]) {
    assert.equal(r.status, "rejected");
    const e = (r as PromiseRejectedResult).reason as StateError;
    assert.equal(e.code, "FileSystem", "the code of the failure, so callers can tell a full disk from a conflict");
    assert.match(e.message, /^Not recorded: .*the error is shown once/);
    assert.doesNotMatch(e.message, /disk is full/, "the full error is not repeated per record");
  }
});

test("concurrent edits of the stack config are serialised: every value set at once is kept", async (t) => {
  const p = await tempProject(t);
  await writeFile(join(p.dir, "iac.dev.yaml"), "# by hand\nconfig:\n  app:keep: yes\n");
  await Promise.all(Array.from({ length: 20 }, (_, i) => setConfigValue({ projectDir: p.dir, stack: "dev", project: "app", key: `k${i}`, value: `v${i}`, secret: false })));
  const { config } = await readStackConfig({ projectDir: p.dir, stack: "dev" });
  for (let i = 0; i < 20; i++) assert.equal(config[`app:k${i}`], `v${i}`);
  assert.equal(config["app:keep"], "yes");
  assert.equal(await getConfigValue({ projectDir: p.dir, stack: "dev", project: "app", key: "k7", crypter: p.crypter }), "v7");
  assert.deepEqual((await readdir(p.dir)).filter((n) => n.includes(".lock") || n.includes(".tmp")), [], "no mutex or temp file is left");
});

test("a mutex left by a process that is gone is broken; one held by a live process is waited for, then the wait times out naming it", async (t) => {
  const p = await tempProject(t);
  const path = join(p.dir, "file.yaml");
  await writeFile(`${path}.lock`, JSON.stringify({ host: hostname(), pid: 2 ** 22 + 4321, time: new Date().toISOString(), token: "dead" }));
  assert.equal(await withFileMutex({ path, what: "edit it" }, async () => "ran"), "ran");

  await writeFile(`${path}.lock`, JSON.stringify({ host: hostname(), pid: process.pid, time: new Date().toISOString(), token: "live" }));
  await assert.rejects(withFileMutex({ path, what: "edit it", timeoutMs: 300 }, async () => "ran"), (e: Error & { code?: string }) =>
    e.code === "FileBusy" && e.message.includes(`process ${process.pid}`) && e.message.includes(`${path}.lock`),
  );
});

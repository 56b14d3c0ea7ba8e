/**
 * One writer per stack: `lock.json`, written in full to a private temp file and then hard-linked
 * into place, so that of two processes taking it at once exactly one succeeds (link fails when the
 * name exists) and a lock file, once visible, always names its holder — even when its writer is
 * killed mid-way (it then leaves at most its temp file, which nothing reads).
 *
 * Locks are never broken automatically. `iac cancel` asks {@link lockStatus} first: a holder on
 * this host whose process is gone (pid not running, pid now another process's, or the host
 * rebooted since) is stale and may be broken; a running one, or one on another host (whose pid
 * cannot be checked from here), only with `--force`. The holder watches its lock file while it
 * holds it, so that a holder whose lock was broken anyway learns it within {@link WATCH_MS} and
 * stops (its `lost` signal), and compaction refuses to write a state under a lock that is not ours.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, open, rename, unlink } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { dirname } from "node:path";
import { StackLockedError, StateError } from "./errors.js";
import { pidAlive } from "./file-mutex.js";
import { fsErrorOf } from "./fs-errors.js";
import { fsyncDir, readIfExists, removeIfExists } from "./fs-util.js";
import type { Lock, LockInfo, LockStatus } from "./types.js";

/** How often a holder checks that its lock file is still its own. */
export const WATCH_MS = 2_000;

/**
 * What `lock.json` holds: the holder, a token only the holder knows (so release cannot remove a
 * successor's lock), and what tells a live holder from a reused pid (Linux: the boot id and the
 * process's start time in clock ticks since boot).
 */
interface LockFile extends LockInfo {
  readonly token: string;
  readonly bootId?: string;
  readonly started?: string;
}

/** A lock of the file backend: the {@link Lock} plus the token that compaction checks. */
export interface FileLock extends Lock {
  readonly token: string;
}

/** Take the lock at `path` for `stack`; throws {@link StackLockedError} naming the holder when it is taken. */
export async function acquireLock(options: { readonly path: string; readonly stack: string; readonly command: string; readonly watchMs?: number }): Promise<FileLock> {
  const info: LockInfo = { host: hostname(), pid: process.pid, time: new Date().toISOString(), command: options.command, user: currentUser() };
  const boot = bootId();
  const started = processStart(process.pid);
  const file: LockFile = { ...info, token: randomBytes(16).toString("hex"), ...(boot ? { bootId: boot } : {}), ...(started ? { started } : {}) };
  const tmp = `${options.path}.${file.token}.tmp`;
  const action = `take the lock of stack "${options.stack}"`;
  try {
    const handle = await open(tmp, "wx", 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(tmp, options.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const status = await lockStatus(options.path);
      throw new StackLockedError({ stack: options.stack, path: options.path, holder: status?.holder, ...(status?.liveness === "gone" ? { goneBecause: status.reason } : {}) });
    }
    await fsyncDir(dirname(options.path));
  } catch (error) {
    throw fsErrorOf(error, { action, path: options.path });
  } finally {
    await unlink(tmp).catch(() => undefined);
  }

  const lost = new AbortController();
  const watch = setInterval(() => {
    void readLockFile(options.path).then(
      (current) => {
        if (current === "absent" || (current !== "unreadable" && current.token !== file.token)) {
          clearInterval(watch);
          lost.abort(lockLostError(options.stack, options.path, current === "absent" ? undefined : current));
        }
      },
      () => undefined,
    );
  }, options.watchMs ?? WATCH_MS);
  // A forgotten lock must not keep the process alive.
  watch.unref();
  let released: Promise<void> | undefined;
  return {
    info,
    token: file.token,
    lost: lost.signal,
    release: () =>
      (released ??= (async () => {
        clearInterval(watch);
        // Only remove the lock if it is still ours: after `iac cancel` another process may hold it.
        const current = await readLockFile(options.path).catch(() => "unreadable" as const);
        if (current !== "absent" && current !== "unreadable" && current.token === file.token) {
          await removeIfExists(options.path).catch((error: unknown) => {
            throw fsErrorOf(error, { action: `release the lock of stack "${options.stack}"`, path: options.path });
          });
          await fsyncDir(dirname(options.path)).catch(() => undefined);
        }
      })()),
  };
}

function lockLostError(stack: string, path: string, now: LockInfo | undefined): StateError {
  return new StateError(
    "StackLockLost",
    `The lock of stack "${stack}" (${path}) was broken while this run held it${now ? ` and is now held by \`${now.command}\` (pid ${now.pid} on host ${now.host})` : ""}, so this run stopped making cloud calls. What it did so far is in its state records; run \`iac refresh\` once no other run is going, to reconcile the state with the cloud.`,
  );
}

/** Who holds the lock at `path`; undefined when it is free or unreadable. */
export async function readLock(path: string): Promise<LockInfo | undefined> {
  const file = await readLockFile(path);
  if (file === "absent" || file === "unreadable") return undefined;
  return publicInfo(file);
}

/** The token of the lock at `path` ("absent" when free, "unreadable" when damaged). */
export async function lockToken(path: string): Promise<string | "absent" | "unreadable"> {
  const file = await readLockFile(path);
  return typeof file === "string" ? file : file.token;
}

/** Whether the lock at `path` is held, by whom, and whether its holder can be seen to be running. */
export async function lockStatus(path: string): Promise<LockStatus | undefined> {
  const file = await readLockFile(path);
  if (file === "absent") return undefined;
  if (file === "unreadable") {
    // A holder writes the whole file before it links it into place: an unreadable one is damaged.
    return { liveness: "gone", reason: `the lock file ${path} is empty or unreadable (it was damaged, or left by an older iac killed while taking it)` };
  }
  const holder = publicInfo(file);
  if (file.host !== hostname()) {
    return { holder, liveness: "unknown", reason: `it runs on host ${file.host}, where this process cannot check whether pid ${file.pid} is still running` };
  }
  const boot = bootId();
  if (file.bootId !== undefined && boot !== undefined && file.bootId !== boot) {
    return { holder, liveness: "gone", reason: `this host has restarted since the lock was taken, so process ${file.pid} is gone` };
  }
  if (!pidAlive(file.pid)) return { holder, liveness: "gone", reason: `process ${file.pid} no longer exists on this host` };
  if (file.started !== undefined) {
    const started = processStart(file.pid);
    if (started !== undefined && started !== file.started) {
      return { holder, liveness: "gone", reason: `process ${file.pid} has ended (that pid now belongs to another process)` };
    }
  }
  return { holder, liveness: "running", reason: `process ${file.pid} is still running on this host` };
}

/**
 * Remove the lock at `path` (`iac cancel`); returns the old holder. With `expected`, only that
 * holder's lock is broken: one that changed hands since it was inspected is left alone (error).
 * The file is renamed aside before it is removed, so that only the lock that was looked at goes.
 */
export async function breakLock(path: string, options: { readonly stack: string; readonly expected?: LockStatus }): Promise<LockInfo | undefined> {
  const changedHands = (now: LockInfo | undefined) =>
    new StateError(
      "StackLocked",
      `The lock of stack "${options.stack}" changed hands while \`iac cancel\` was looking at it${now ? `: it is now held by \`${now.command}\` (pid ${now.pid} on host ${now.host})` : ""}. Nothing was broken; run \`iac cancel\` again.`,
    );
  try {
    const before = await readLockFile(path);
    if (before === "absent") return undefined;
    const holder = before === "unreadable" ? undefined : publicInfo(before);
    if (options.expected !== undefined && !sameHolder(holder, options.expected.holder)) throw changedHands(holder);
    const aside = `${path}.${randomBytes(6).toString("hex")}.broken`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    const taken = await readLockFile(aside);
    const same = before === "unreadable" ? taken === "unreadable" : typeof taken === "object" && taken.token === before.token;
    if (!same) {
      // Released and taken again between the read and the rename: give the new holder its lock back.
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      throw changedHands(typeof taken === "object" ? publicInfo(taken) : undefined);
    }
    await unlink(aside);
    await fsyncDir(dirname(path));
    return holder;
  } catch (error) {
    throw fsErrorOf(error, { action: `break the lock of stack "${options.stack}"`, path });
  }
}

function sameHolder(a: LockInfo | undefined, b: LockInfo | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.host === b.host && a.pid === b.pid && a.time === b.time && a.command === b.command;
}

function publicInfo(file: LockFile): LockInfo {
  const { token: _token, bootId: _boot, started: _started, ...info } = file;
  return info;
}

async function readLockFile(path: string): Promise<LockFile | "absent" | "unreadable"> {
  const text = await readIfExists(path);
  if (text === undefined) return "absent";
  try {
    const value = JSON.parse(text) as Partial<LockFile>;
    if (typeof value.host !== "string" || typeof value.pid !== "number" || typeof value.time !== "string" || typeof value.command !== "string" || typeof value.token !== "string") return "unreadable";
    return value as LockFile;
  } catch {
    return "unreadable";
  }
}

/** Linux: this boot's id (a pid is only meaningful within one boot). */
function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Linux: when process `pid` started (clock ticks since boot, field 22 of /proc/<pid>/stat), to tell it from a later process with the same pid. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function currentUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

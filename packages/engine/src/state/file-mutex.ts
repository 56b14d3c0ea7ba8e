/**
 * A short exclusive section around the read-modify-write of one small file (the stack config
 * `iac.<stack>.yaml`), so that two processes editing it at once (two first runs creating the
 * secrets salt, two `iac config set`) never lose each other's change: the second reads what the
 * first wrote.
 *
 * The mutex is `<file>.lock`, made like the stack lock (lock.ts): written in full to a private
 * temp file, then hard-linked into place, so exactly one taker succeeds and a visible mutex always
 * names its holder. It is held for milliseconds (no cloud call, no key derivation inside), so one
 * whose holder is gone (same host, pid not running) or that is older than {@link STALE_MS} is
 * stale and is broken: renamed aside first, so that of two processes breaking it at once only one
 * removes it, and one that finds a fresh mutex in its hands puts it back.
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { StateError } from "./errors.js";
import { fsErrorOf } from "./fs-errors.js";

/** A mutex older than this is stale whoever holds it: the section it guards takes milliseconds. */
export const STALE_MS = 10_000;

interface MutexFile {
  readonly host: string;
  readonly pid: number;
  readonly time: string;
  readonly token: string;
}

export interface FileMutexOptions {
  /** The file whose edits are serialised; the mutex is `<path>.lock`. */
  readonly path: string;
  /** What the section does, for the timeout message (e.g. "edit the stack config"). */
  readonly what: string;
  /** How long to wait for a live holder (default 15 s). */
  readonly timeoutMs?: number;
}

/** Run `section` while holding the mutex of `options.path`. */
export async function withFileMutex<T>(options: FileMutexOptions, section: () => Promise<T>): Promise<T> {
  const release = await acquire(options);
  try {
    return await section();
  } finally {
    await release();
  }
}

async function acquire(options: FileMutexOptions): Promise<() => Promise<void>> {
  const lockPath = `${options.path}.lock`;
  const mine: MutexFile = { host: hostname(), pid: process.pid, time: new Date().toISOString(), token: randomBytes(12).toString("hex") };
  const tmp = `${lockPath}.${mine.token}.tmp`;
  try {
    const handle = await open(tmp, "wx", 0o644);
    try {
      await handle.writeFile(JSON.stringify(mine));
    } finally {
      await handle.close();
    }
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw fsErrorOf(error, { action: options.what, path: lockPath });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, lockPath);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw fsErrorOf(error, { action: options.what, path: lockPath });
      }
      const holder = await readHolder(lockPath);
      if (holder === "absent") continue;
      if (await isStale(lockPath, holder)) {
        await breakStale(lockPath, holder);
        continue;
      }
      if (Date.now() > deadline) {
        const who = holder === "unreadable" ? "a process" : `process ${holder.pid} on host ${holder.host}`;
        throw new StateError(
          "FileBusy",
          `Could not ${options.what}: ${who} has held ${lockPath} for more than ${Math.round((options.timeoutMs ?? 15_000) / 1000)} s. If no iac process is running, delete ${lockPath} and run the command again.`,
        );
      }
      // Jitter, so that waiters do not retry in lockstep.
      await new Promise((r) => setTimeout(r, 10 + Math.min(attempt, 10) * 5 + Math.random() * 20));
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return async () => {
    const holder = await readHolder(lockPath);
    if (typeof holder === "object" && holder.token === mine.token) await unlink(lockPath).catch(() => undefined);
  };
}

async function readHolder(lockPath: string): Promise<MutexFile | "absent" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    return "unreadable";
  }
  try {
    const value = JSON.parse(text) as Partial<MutexFile>;
    if (typeof value.token === "string" && typeof value.pid === "number" && typeof value.host === "string") return value as MutexFile;
  } catch {
    // fall through
  }
  return "unreadable";
}

async function isStale(lockPath: string, holder: MutexFile | "unreadable"): Promise<boolean> {
  if (holder !== "unreadable" && holder.host === hostname() && !pidAlive(holder.pid)) return true;
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > STALE_MS;
  } catch {
    return false;
  }
}

/** Remove a stale mutex so that only it is removed, even when another process breaks it at the same time. */
async function breakStale(lockPath: string, holder: MutexFile | "unreadable"): Promise<void> {
  const aside = `${lockPath}.${randomBytes(6).toString("hex")}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else broke (or released) it first
  }
  const taken = await readHolder(aside);
  const wasStale = holder === "unreadable" ? taken === "unreadable" : typeof taken === "object" && taken.token === holder.token;
  if (!wasStale) {
    // A fresh mutex was taken between our look and our rename: give it back.
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

/** True when `pid` runs on this host (EPERM: it runs under another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

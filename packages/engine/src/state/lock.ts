/**
 * One writer per stack: `lock.json`, written in full to a private temp file and then hard-linked
 * into place, so that of two processes taking it at once exactly one succeeds (link fails when the
 * name exists) and a lock file, once visible, always names its holder — even when its writer is
 * killed mid-way (it then leaves at most its temp file, which nothing reads). Locks are never broken automatically: a pid on another host cannot
 * be checked, so a stale lock is reported (with a hint when the holder is visibly gone) and
 * `iac cancel` breaks it.
 */
import { randomBytes } from "node:crypto";
import { link, open, unlink } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { dirname } from "node:path";
import { StackLockedError } from "./errors.js";
import { fsyncDir, readIfExists, removeIfExists } from "./fs-util.js";
import type { Lock, LockInfo } from "./types.js";

/** What `lock.json` holds: the holder plus a token only the holder knows, so release cannot remove a successor's lock. */
interface LockFile extends LockInfo {
  readonly token: string;
}

/** Take the lock at `path` for `stack`; throws {@link StackLockedError} naming the holder when it is taken. */
export async function acquireLock(options: { readonly path: string; readonly stack: string; readonly command: string }): Promise<Lock> {
  const info: LockInfo = { host: hostname(), pid: process.pid, time: new Date().toISOString(), command: options.command, user: currentUser() };
  const file: LockFile = { ...info, token: randomBytes(16).toString("hex") };
  const tmp = `${options.path}.${file.token}.tmp`;
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
    const holder = await readLock(options.path);
    throw new StackLockedError({ stack: options.stack, path: options.path, holder, holderGone: holder !== undefined && holderIsGone(holder) });
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await fsyncDir(dirname(options.path));
  return {
    info,
    release: async () => {
      // Only remove the lock if it is still ours: after `iac cancel` another process may hold it.
      const current = await readLockFile(options.path);
      if (current?.token === file.token) {
        await removeIfExists(options.path);
        await fsyncDir(dirname(options.path)).catch(() => undefined);
      }
    },
  };
}

/** Who holds the lock at `path`; undefined when it is free or unreadable (e.g. empty after a crash while taking it). */
export async function readLock(path: string): Promise<LockInfo | undefined> {
  const file = await readLockFile(path);
  if (!file) return undefined;
  const { token: _token, ...info } = file;
  return info;
}

/** Remove the lock at `path` whatever holds it (`iac cancel`); returns the old holder. */
export async function breakLock(path: string): Promise<LockInfo | undefined> {
  const holder = await readLock(path);
  await removeIfExists(path);
  return holder;
}

async function readLockFile(path: string): Promise<LockFile | undefined> {
  const text = await readIfExists(path);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<LockFile>;
    if (typeof value.host !== "string" || typeof value.pid !== "number" || typeof value.time !== "string" || typeof value.command !== "string") return undefined;
    return value as LockFile;
  } catch {
    return undefined;
  }
}

/** The holder is on this host and its pid does not exist (ESRCH). EPERM means it exists under another user. */
function holderIsGone(holder: LockInfo): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function currentUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

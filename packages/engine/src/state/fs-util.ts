/**
 * Durable file operations. A rename is only durable once the directory holding it is fsynced,
 * and a file's contents only once the file is: both are needed for "a crash at any instant
 * leaves either the old or the new file, complete".
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Marks temp files so that readers (and cleanup) can recognise and ignore them. */
export const TEMP_MARKER = ".tmp-";

/** fsync a directory so that the creations, renames and unlinks in it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replace `path` with `data` atomically: write a temp file in the same directory, fsync it,
 * rename it over `path`, fsync the directory. A crash leaves the old file or the new one, plus at
 * worst a temp file that nobody reads.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options?: {
    readonly mode?: number;
    /** Wraps the rename (e.g. a compare-and-swap under a mutex); it must call `rename` or throw. */
    readonly renameGuard?: (rename: () => Promise<void>) => Promise<void>;
  },
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${basename(path)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString("hex")}`);
  const handle = await open(temp, "wx", options?.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    const doRename = () => rename(temp, path);
    await (options?.renameGuard ? options.renameGuard(doRename) : doRename());
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dir);
}

/** Remove a file; a missing file is not an error. Returns whether it existed. */
export async function removeIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Read a file as UTF-8, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

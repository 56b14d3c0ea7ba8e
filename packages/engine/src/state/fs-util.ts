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

/** How much text {@link writeFileAtomic} gathers from an iterable before each `write`. */
const WRITE_CHUNK_CHARS = 1 << 20;

/**
 * Replace `path` with `data` atomically: write a temp file in the same directory, fsync it,
 * rename it over `path`, fsync the directory. A crash leaves the old file or the new one, plus at
 * worst a temp file that nobody reads. `data` may be an iterable of strings (the file is their
 * concatenation), written ~1 MB at a time: a large file is never one string in memory.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | Iterable<string>,
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
    if (typeof data === "string" || data instanceof Uint8Array) await handle.writeFile(data);
    else {
      let pending: string[] = [];
      let size = 0;
      for (const piece of data) {
        pending.push(piece);
        size += piece.length;
        if (size >= WRITE_CHUNK_CHARS) {
          await handle.write(pending.join(""));
          pending = [];
          size = 0;
        }
      }
      if (size > 0) await handle.write(pending.join(""));
    }
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

/**
 * The text of `JSON.stringify(value, null, 1)` followed by a newline, in pieces: one for each item
 * of the array `value[key]` (a snapshot's resources), so that a large state is never one string.
 * Byte for byte the same as the whole.
 */
export function* jsonPiecesOf(value: Readonly<Record<string, unknown>>, key: string): Generator<string> {
  // Each piece is stringified inside a one-property wrapper at its depth, so that JSON.stringify
  // indents it as it would in place, and the wrapper's own text is sliced off (no copy of the
  // piece to re-indent it).
  let first = true;
  yield "{";
  for (const [name, v] of Object.entries(value)) {
    if (name === key && Array.isArray(v) && v.length > 0) {
      yield `${first ? "" : ","}\n ${JSON.stringify(name)}: [`;
      for (let i = 0; i < v.length; i++) {
        // '{\n "a": [\n  <item>\n ]\n}'; JSON.stringify writes null for an item it cannot (undefined, a function).
        const wrapped = JSON.stringify({ a: [v[i]] }, null, 1);
        yield `${i === 0 ? "" : ","}\n  ${wrapped.slice(12, -5)}`;
      }
      yield "\n ]";
    } else {
      // '{\n "a": <value>\n}', or '{}' for a property JSON.stringify leaves out (undefined, a function, a symbol).
      const wrapped = JSON.stringify({ a: v }, null, 1);
      if (wrapped === "{}") continue;
      yield `${first ? "" : ","}\n ${JSON.stringify(name)}: ${wrapped.slice(8, -2)}`;
    }
    first = false;
  }
  yield first ? "}\n" : "\n}\n";
}

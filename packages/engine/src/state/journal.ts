/**
 * The append-only journal (`journal.ndjson`): one JSON record per line, the first line a header
 * naming the snapshot generation the records apply to.
 *
 * Appends are group-committed (group-commit.ts): records handed in while a flush is in progress
 * (or in the same tick) go out together in one durable write, so 16 parallel steps pay for about
 * one sync, not 16 in a row. Each record's promise settles only once its line is on disk.
 *
 * The file is opened with O_DSYNC where the platform has it (Linux, macOS): each write returns once
 * its data (and the file size) are on disk, as write + fdatasync would, in one system call and one
 * trip through libuv's thread pool instead of two. A flush is on the critical path of every step (a
 * step's `begin` is durable before its cloud call), so this halves the fixed cost per flush: about
 * 1,000 flushes for an `up` of 10,000. Elsewhere (Windows) each write is followed by `datasync()`.
 */
import { constants } from "node:fs";
import { open, unlink, type FileHandle } from "node:fs/promises";
import { StateCorruptError, StateError } from "./errors.js";
import { fsErrorOf } from "./fs-errors.js";
import { fsyncDir } from "./fs-util.js";
import { GroupCommit } from "./group-commit.js";
import type { JournalHeader, JournalRecord } from "./model.js";
import { asRecord, isHeader, recordProblems } from "./validate.js";
import { dirname } from "node:path";

/** What a journal file holds. */
export interface ParsedJournal {
  /** Undefined when the file is empty or even its header line is torn. */
  readonly header?: JournalHeader;
  readonly records: readonly JournalRecord[];
  /** True when an incomplete last line (a crash mid-append) was dropped. */
  readonly torn: boolean;
}

/**
 * Parse a journal. A last line that is incomplete (no newline) or unparsable is a torn append and
 * is dropped; the records before it are kept. A bad line anywhere else means the file was damaged
 * after it was written: that is refused as corrupt.
 */
export function parseJournal(text: string, path: string): ParsedJournal {
  const lines = text.split("\n");
  // After the last "\n" comes either "" (clean end) or a partial line.
  let torn = lines[lines.length - 1] !== "";
  lines.pop();
  const values: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    const last = i === lines.length - 1;
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch (cause) {
      // Only a complete final line can be garbage from a torn write that happened to end in "\n"
      // (e.g. zero-filled blocks after a crash) and only if nothing was appended after it.
      if (last && !torn) {
        torn = true;
        break;
      }
      throw new StateCorruptError({ path, problem: `line ${i + 1} is not valid JSON`, cause });
    }
    values.push(value);
  }
  if (values.length === 0) return { records: [], torn };
  const [first, ...rest] = values;
  if (!isHeader(first)) throw new StateCorruptError({ path, problem: "its first line is not a journal header" });
  const records = rest.map((value, i) => {
    const problems = recordProblems(value);
    if (problems.length > 0) throw new StateCorruptError({ path, problem: `line ${i + 2}: ${problems.join("; ")}` });
    return asRecord(value);
  });
  return { header: first, records, torn };
}

/** Appends records to a journal file with group commit. One per open writer. */
export class JournalAppender {
  private flushCount = 0;
  private readonly commits: GroupCommit;

  private constructor(
    private readonly handle: FileHandle,
    path: string,
    /** Opened with O_DSYNC: a write is durable when it returns. */
    synchronous: boolean,
  ) {
    this.commits = new GroupCommit({
      where: path,
      write: async (text) => {
        await writeAll(this.handle, text);
        if (!synchronous) await this.handle.datasync();
        this.flushCount++;
      },
      failedError: (failure) => {
        const why = fsErrorOf(failure, { action: `write the state journal`, path });
        return new StateError(why.code, `${why.message} The records written before are kept, and the run stopped; once fixed, run \`iac refresh\` to reconcile the state with the cloud.`, { cause: failure });
      },
    });
  }

  /** Create a new journal (it must not exist) holding `header`, durably (file and directory). */
  static async create(path: string, header: JournalHeader): Promise<JournalAppender> {
    let handle: FileHandle;
    const synchronous = SYNC_WRITES !== undefined;
    try {
      // "ax" (create, fail if it exists, append), plus O_DSYNC where there is one.
      handle = await open(path, synchronous ? constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | SYNC_WRITES : "ax", 0o644);
    } catch (error) {
      throw fsErrorOf(error, { action: "create the state journal", path });
    }
    try {
      await writeAll(handle, `${JSON.stringify(header)}\n`);
      await handle.sync();
      await fsyncDir(dirname(path));
    } catch (error) {
      await handle.close();
      // A journal without its header line is read as empty; remove it so nothing is left behind.
      await unlink(path).catch(() => undefined);
      throw fsErrorOf(error, { action: "create the state journal", path });
    }
    return new JournalAppender(handle, path, synchronous);
  }

  /** Aborted at the first failed write, with the full error as its reason (see GroupCommit). */
  get failed(): AbortSignal {
    return this.commits.failed;
  }

  /** How many flushes (durable writes) and records so far; group commit keeps flushes below records. */
  get stats(): { readonly flushes: number; readonly records: number } {
    return { flushes: this.flushCount, records: this.commits.records };
  }

  /** Append one record; settles once it is durable. The line is queued synchronously, in call order. */
  append(record: JournalRecord): Promise<void> {
    return this.commits.append(record);
  }

  /** Wait for queued records, then close the file. */
  async close(): Promise<void> {
    await this.commits.close();
    await this.handle.close();
  }
}

/** O_DSYNC, where the platform has it (not on Windows). IAC_JOURNAL_DSYNC=0 turns it off (A/B only). */
const SYNC_WRITES: number | undefined = process.env.IAC_JOURNAL_DSYNC === "0" ? undefined : constants.O_DSYNC;

async function writeAll(handle: FileHandle, text: string): Promise<void> {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}

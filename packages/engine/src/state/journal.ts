/**
 * The append-only journal (`journal.ndjson`): one JSON record per line, the first line a header
 * naming the snapshot generation the records apply to.
 *
 * Appends are group-committed: records handed in while a flush is in progress (or in the same
 * tick) go out together in one write and one fdatasync, so 16 parallel steps pay for about one
 * sync, not 16 in a row. Each record's promise settles only once its line is on disk.
 */
import { open, type FileHandle } from "node:fs/promises";
import { StateCorruptError, StateError } from "./errors.js";
import { fsyncDir } from "./fs-util.js";
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

interface Queued {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Appends records to a journal file with group commit. One per open writer. */
export class JournalAppender {
  private queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  private flushCount = 0;
  private recordCount = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  /** Create a new journal (it must not exist) holding `header`, durably (file and directory). */
  static async create(path: string, header: JournalHeader): Promise<JournalAppender> {
    const handle = await open(path, "ax", 0o644);
    try {
      await writeAll(handle, `${JSON.stringify(header)}\n`);
      await handle.sync();
      await fsyncDir(dirname(path));
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new JournalAppender(handle, path);
  }

  /** How many flushes (write + fdatasync) and records so far; group commit keeps flushes below records. */
  get stats(): { readonly flushes: number; readonly records: number } {
    return { flushes: this.flushCount, records: this.recordCount };
  }

  /** Append one record; settles once it is durable. The line is queued synchronously, in call order. */
  append(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new StateError("StateWriterClosed", `The journal ${this.path} is closed: the state writer was used after close() (an internal error: please report).`));
    if (this.failure !== undefined) return Promise.reject(this.failedError());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
      // Start the flush in a microtask so that every append made in this tick joins the batch.
      this.flushing ??= Promise.resolve().then(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await writeAll(this.handle, batch.map((q) => q.line).join(""));
        await this.handle.datasync();
      } catch (error) {
        // A failed write may have left part of the batch on disk: stop accepting records, so
        // nothing is ever appended after a possibly torn line.
        this.failure = error;
        for (const q of [...batch, ...this.queue]) q.reject(this.failedError());
        this.queue = [];
        break;
      }
      this.flushCount++;
      this.recordCount += batch.length;
      for (const q of batch) q.resolve();
    }
    this.flushing = undefined;
  }

  private failedError(): StateError {
    return new StateError("StateCorrupt", `Writing the state journal ${this.path} failed: ${(this.failure as Error)?.message ?? this.failure}. The records written before are kept; check the disk (space, permissions) and run \`iac refresh\`.`, { cause: this.failure });
  }

  /** Wait for queued records, then close the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle.close();
  }
}

async function writeAll(handle: FileHandle, text: string): Promise<void> {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}

/**
 * The azblob journal: an Append Blob holding the same lines as the file backend's
 * `journal.ndjson` (header first). Appends are group-committed like the file journal's
 * (group-commit.ts): records handed in while a block is in flight go out together in the next
 * `appendBlock`, so a step costs one small request whatever the size of the stack, and 16
 * parallel steps share requests.
 *
 * Every block is appended at the position this writer expects (`appendPosition`). That makes
 * appends exactly-once even when the SDK retries a request whose answer was lost (the retry then
 * fails the condition, and the blob's length tells whether the first attempt landed), and it
 * stops a writer whose lock was broken from appending to its successor's journal.
 */
import type { AppendBlobClient } from "@azure/storage-blob";
import { backendError, restStatus } from "./azblob-connection.js";
import { StateError } from "./errors.js";
import { GroupCommit } from "./group-commit.js";
import type { JournalHeader, JournalRecord } from "./model.js";

/**
 * Largest block this writes: 4 MiB is what every service version accepts (newer ones take
 * 100 MiB). A larger batch goes out as several blocks; a failure between two of them leaves a torn
 * last line, which readers drop (see parseJournal), and the appender stops there.
 */
const MAX_BLOCK = 4 * 1024 * 1024;

/** Appends records to a journal append blob with group commit. One per open writer. */
export class BlobJournalAppender {
  private flushCount = 0;
  private readonly commits: GroupCommit;

  private constructor(
    private readonly blob: AppendBlobClient,
    private readonly where: string,
    /** Length of the blob as far as this writer knows: where its next block must land. */
    private position: number,
  ) {
    this.commits = new GroupCommit({
      where,
      write: (text) => this.write(text),
      failedError: (failure) => {
        if (failure instanceof StateError) return failure;
        return new StateError("StateBackend", `Writing the state journal ${where} failed: ${(failure as Error)?.message ?? failure}. The records written before are kept; run \`iac refresh\` once the storage account is reachable.`, { cause: failure });
      },
    });
  }

  /** Create a new journal blob (it must not exist) holding `header`. */
  static async create(blob: AppendBlobClient, where: string, header: JournalHeader): Promise<BlobJournalAppender> {
    try {
      await blob.create({ conditions: { ifNoneMatch: "*" } });
    } catch (error) {
      if (restStatus(error).status === 409) {
        throw new StateError("StateConflict", `The state journal ${where} appeared while this process held the stack's lock: another process is writing this stack (was the lock broken with \`iac cancel\`?). Run the command again once it is done.`, { cause: error });
      }
      throw backendError("create the state journal", where, error);
    }
    const appender = new BlobJournalAppender(blob, where, 0);
    await appender.write(`${JSON.stringify(header)}\n`);
    return appender;
  }

  /** Requests (appendBlock calls) and records so far; group commit keeps requests below records. */
  get stats(): { readonly flushes: number; readonly records: number } {
    return { flushes: this.flushCount, records: this.commits.records };
  }

  /** Append one record; settles once the service has stored it. Lines are queued synchronously, in call order. */
  append(record: JournalRecord): Promise<void> {
    return this.commits.append(record);
  }

  /** Aborted at the first failed append, with the full error as its reason (see GroupCommit). */
  get failed(): AbortSignal {
    return this.commits.failed;
  }

  /** Wait for queued records. (Nothing to close on a blob.) */
  close(): Promise<void> {
    return this.commits.close();
  }

  private async write(text: string): Promise<void> {
    const bytes = Buffer.from(text, "utf8");
    for (let offset = 0; offset < bytes.length; offset += MAX_BLOCK) {
      await this.appendAt(bytes.subarray(offset, Math.min(offset + MAX_BLOCK, bytes.length)));
    }
  }

  private async appendAt(block: Buffer): Promise<void> {
    try {
      await this.blob.appendBlock(block, block.length, { conditions: { appendPosition: this.position } });
    } catch (error) {
      const { status, code } = restStatus(error);
      if (status === 412 && code === "AppendPositionConditionNotMet" && (await this.landed(block))) {
        // A retry of a request whose first attempt was stored but whose answer was lost.
      } else if (status === 404 || status === 412) {
        throw new StateError("StateConflict", `The state journal ${this.where} was replaced or removed by another process while this one was writing (was the lock broken with \`iac cancel\`?). What this run recorded before is kept in that journal only if the other process had not compacted it; run \`iac refresh\` to reconcile.`, { cause: error });
      } else {
        throw backendError("append to the state journal", this.where, error);
      }
    }
    this.position += block.length;
    this.flushCount++;
  }

  /** Whether `block` is what the blob holds right after our position (our own earlier attempt). */
  private async landed(block: Buffer): Promise<boolean> {
    try {
      const properties = await this.blob.getProperties();
      if (properties.contentLength !== this.position + block.length) return false;
      const stored = await this.blob.downloadToBuffer(this.position, block.length);
      return stored.equals(block);
    } catch {
      return false;
    }
  }
}

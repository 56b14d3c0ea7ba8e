/**
 * Group commit of JSON lines, shared by the journal of the file backend (journal.ts) and of the azblob backend
 * (azblob-journal.ts): lines handed in while a flush is in progress (or in the same tick) go out
 * together in one `write`, so 16 parallel steps pay for about one flush, not 16 in a row. Each
 * line's promise settles only once its `write` has settled.
 *
 * After a failed `write`, part of the batch may be stored: the queue then accepts nothing more, so
 * nothing is ever appended after a possibly torn line.
 */
import { StateError } from "./errors.js";

/** How a {@link GroupCommit} stores a batch and words its failures. */
export interface GroupCommitOptions {
  /** Store `text` (one or more whole lines) durably; throws when any of it may not be stored. */
  readonly write: (text: string) => Promise<void>;
  /** The journal's name, for messages. */
  readonly where: string;
  /**
   * The error of the failure, in full (what failed, where, and the fix): the reason of
   * {@link GroupCommit.failed}. The lines of the failed batch and every later append are rejected
   * with an error of the same code and a short message pointing at it, so that a full disk under
   * 300 steps is reported once, not 300 times.
   */
  readonly failedError: (failure: unknown) => StateError;
}

interface Queued {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A queue of lines written in batches. One per open journal writer. */
export class GroupCommit {
  private queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  private recordCount = 0;
  private readonly failure$ = new AbortController();

  constructor(private readonly options: GroupCommitOptions) {}

  /** Aborted at the first failed write, with the full error ({@link GroupCommitOptions.failedError}) as its reason. */
  get failed(): AbortSignal {
    return this.failure$.signal;
  }

  /** What a record that could not be stored is rejected with: the full error's code, a short message, the full error as its cause. */
  private rejection(): StateError {
    const full = this.failure$.signal.reason as StateError;
    return new StateError(
      full.code,
      `Not recorded: writing the state journal ${this.options.where} failed, so the run stops (the error is shown once, at the end).`,
      { cause: this.failure$.signal.reason },
    );
  }

  /** How many lines were stored so far. */
  get records(): number {
    return this.recordCount;
  }

  /** Queue `value` as one JSON line; settles once it is stored. Lines are queued synchronously, in call order. */
  append(value: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new StateError("StateWriterClosed", `The journal ${this.options.where} is closed: the state writer was used after close() (an internal error: please report).`));
    if (this.failure !== undefined) return Promise.reject(this.rejection());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(value)}\n`, resolve, reject });
      // Start the flush in a microtask so that every append made in this tick joins the batch.
      this.flushing ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Accept nothing more and wait for the queued lines. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.options.write(batch.map((q) => q.line).join(""));
      } catch (error) {
        this.failure = error;
        this.failure$.abort(this.options.failedError(error));
        for (const q of [...batch, ...this.queue]) q.reject(this.rejection());
        this.queue = [];
        break;
      }
      this.recordCount += batch.length;
      for (const q of batch) q.resolve();
    }
    this.flushing = undefined;
  }
}

/**
 * The {@link StateWriter} of the file backend: every call applies one record to the in-memory
 * model and appends the same record (secrets encrypted) to the journal; `close` compacts. The
 * azblob backend uses it too, through {@link openStateWriter}, with its own storage steps.
 */
import type { PropertyMap } from "@iac/sdk/provider";
import { StateError } from "./errors.js";
import type { JournalAppender } from "./journal.js";
import { StateModel, type EndResult, type JournalRecord } from "./model.js";
import type { RawState, StoredSnapshot } from "./replay.js";
import { decryptStored, encryptSecrets, withProvider } from "./secret-codec.js";
import type { Crypter, OperationHandle, PendingOperation, ResourceState, Snapshot, StateWriter } from "./types.js";

export interface FileStateWriterOptions {
  readonly base: Snapshot;
  readonly model: StateModel;
  /** The file journal, or any appender with the same promises (the azblob backend's append blob). */
  readonly journal: Pick<JournalAppender, "append" | "close" | "stats" | "failed">;
  readonly crypter: Crypter;
  /** Write the compacted state (called once by `close`, with the current state). `dirty` is false when no record was written. */
  readonly compact: (state: Snapshot, dirty: boolean) => Promise<void>;
}

export class FileStateWriter implements StateWriter {
  readonly base: Snapshot;
  private nextSeq = 1;
  private written = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: FileStateWriterOptions) {
    this.base = options.base;
  }

  /** Aborted when a journal write fails, with the full error as its reason: the run stops (see StateWriter.failed). */
  get failed(): AbortSignal {
    return this.options.journal.failed;
  }

  /** Flushes and records so far (group commit makes flushes fewer than records under parallel load). */
  get stats(): { readonly flushes: number; readonly records: number } {
    return this.options.journal.stats;
  }

  async begin(op: PendingOperation): Promise<OperationHandle> {
    const seq = this.nextSeq++;
    await this.record({ kind: "begin", seq, op });
    return { seq, op };
  }

  end(handle: OperationHandle, result: { readonly upsert: ResourceState } | { readonly remove: string } | { readonly none: true }): Promise<void> {
    // A delete names what it deleted by the id it began with, so that of an old copy and its
    // replacement (same URN) the right one goes; no id names the entry without one.
    const full: EndResult = "remove" in result && handle.op.id !== undefined ? { remove: result.remove, id: handle.op.id } : result;
    return this.record({ kind: "end", seq: handle.seq, ...full });
  }

  put(resource: ResourceState): Promise<void> {
    return this.record({ kind: "put", resource });
  }

  remove(urn: string): Promise<void> {
    return this.record({ kind: "remove", urn });
  }

  clearPending(urns: readonly string[]): Promise<void> {
    return this.record({ kind: "clearPending", urns });
  }

  setOutputs(outputs: PropertyMap): Promise<void> {
    return this.record({ kind: "setOutputs", outputs });
  }

  current(): Snapshot {
    return this.options.model.snapshot();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.options.journal.close().catch(() => undefined);
      await this.options.compact(this.options.model.snapshot(), this.written > 0);
    })();
    return this.closing;
  }

  /** Apply to memory and append to the journal synchronously (so call order is journal order), then wait for durability. */
  private record(record: JournalRecord): Promise<void> {
    if (this.closing) {
      return Promise.reject(new StateError("StateWriterClosed", `The state writer of stack "${this.base.stack}" was used after close() (an internal error: please report).`));
    }
    let encoded: JournalRecord;
    try {
      encoded = encryptSecrets(record, this.options.crypter);
    } catch (error) {
      return Promise.reject(error);
    }
    this.options.model.apply(record);
    this.written++;
    return this.options.journal.append(encoded);
  }
}

/** The storage steps of a backend that {@link openStateWriter} drives (file or azblob). */
export interface WriterStorage<S extends StoredSnapshot> {
  /** Read snapshot + journal, secrets still encrypted. */
  readonly load: () => Promise<RawState<S>>;
  /** Write `state` (secrets encrypted) as the snapshot after `previous`, then delete the journal. */
  readonly compact: (state: Snapshot, previous: RawState<S>) => Promise<unknown>;
  /** Delete the journal (stale, or written with no record). */
  readonly dropJournal: () => Promise<void>;
  /** Create a new journal whose header names snapshot `generation`. */
  readonly createJournal: (generation: number) => Promise<FileStateWriterOptions["journal"]>;
  /** Name of the snapshot, for messages. */
  readonly snapshotWhere: string;
}

/** A writer on a fresh journal, with the file backend's rules for a journal left by an earlier run. */
export async function openStateWriter<S extends StoredSnapshot>(storage: WriterStorage<S>, crypter: Crypter): Promise<FileStateWriter> {
  let raw = await storage.load();
  // Start every writer on a fresh journal: fold a leftover one (a crashed run) into the snapshot
  // first, or drop it when it is stale, so nothing is ever appended after a torn line.
  if (raw.journalApplied) {
    await storage.compact(raw.state, raw);
    raw = await storage.load();
  } else if (raw.journal !== undefined) {
    await storage.dropJournal();
  }
  const previous: RawState<S> = { ...raw, journal: undefined, journalApplied: false };
  const base = decryptStored(raw, crypter, storage.snapshotWhere);
  const journal = await storage.createJournal(raw.generation);
  return new FileStateWriter({
    base,
    model: new StateModel(base),
    journal,
    crypter,
    compact: async (state, dirty) => {
      if (dirty) await storage.compact(encryptSecrets(withProvider(state, crypter), crypter), previous);
      else await storage.dropJournal();
    },
  });
}

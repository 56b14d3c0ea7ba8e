/**
 * The `azblob://<container>/<prefix>` backend: a team's stacks in Azure Blob Storage, with the
 * file backend's format and guarantees (docs/state-format.md, "Azure Blob backend"). Each stack's
 * blobs are under `<prefix>/<project>/<stack>/`:
 *
 * - `snapshot.json`: block blob, the compacted state (secrets encrypted) plus `generation`; every
 *   replacement is conditional on the etag that was read (If-Match), so of two writers only one wins;
 * - `snapshot.json.bak`: the snapshot before the last compaction;
 * - `journal.ndjson`: append blob, records since that compaction (one `appendBlock` per batch);
 * - `lock`: empty block blob whose lease is the stack's lock, the holder in its metadata;
 * - `stack.json`: written by `createStack`, so that a new stack with no state yet is listed;
 * - `history/<time>-<seq>.json`: one blob per recorded `up`, `destroy` or `refresh` (history.ts).
 *
 * Journal, replay, compaction by generation and the secrets codec are the file backend's own
 * (journal.ts, group-commit.ts, replay.ts, model.ts, secret-codec.ts); only the storage calls differ.
 */
import type { AppendBlobClient, BlobServiceClient, BlockBlobClient, ContainerClient } from "@azure/storage-blob";
import { backendError, isNotFound, restStatus } from "./azblob-connection.js";
import { deleteIfExists, readBlobText, uploadText } from "./azblob-io.js";
import { BlobJournalAppender } from "./azblob-journal.js";
import { acquireBlobLock, blobLockStatus, breakBlobLock, readBlobLock } from "./azblob-lock.js";
import { decodeHistoryEntry, decodeHistorySummary, encodeHistoryEntry, expiredHistoryNames, HISTORY_RETENTION, HISTORY_SUMMARY_BYTES, historyName, newestHistoryNames, nextHistorySeq, sortHistoryNames } from "./history.js";
import { StateCorruptError, StateError } from "./errors.js";
import { openStateWriter } from "./file-writer.js";
import { emptySnapshot, inDependencyOrder } from "./model.js";
import { journalHeaderGeneration, nextGeneration, readConsistently, replay, type RawState as StoredState } from "./replay.js";
import { decryptStored, encryptSecrets, secretsProviderOf, withProvider } from "./secret-codec.js";
import { assertStackEmpty, stackExistsError, stackNotFoundError } from "./stack-errors.js";
import { assertValidStackName } from "./stack-name.js";
import type { Backend, Crypter, HistoryEntry, Lock, LockInfo, LockStatus, Snapshot, StackSummary, StateWriter } from "./types.js";

export interface AzblobBackendOptions {
  /** The Blob service (see `blobServiceFromEnv`). */
  readonly service: BlobServiceClient;
  readonly container: string;
  /** Blob name prefix of this backend, without leading or trailing `/` ("" for none). */
  readonly prefix: string;
  /** The project's name: stacks live under `<prefix>/<project>/`, so projects can share a prefix. */
  readonly project: string;
  /** How many history entries a stack keeps (default {@link HISTORY_RETENTION}); the oldest go first. */
  readonly historyRetention?: number;
  /** How often a held lock's lease is renewed (default 20 s; tests use less to see a lost lease sooner). */
  readonly lockRenewMs?: number;
}

/** The state as stored, with the snapshot blob's etag (compaction replaces it only if unchanged). */
type RawState = StoredState<{ readonly text: string; readonly etag: string }>;

interface StackBlobs {
  /** `<prefix>/<project>/<stack>/` */
  readonly dir: string;
  readonly snapshot: BlockBlobClient;
  readonly backup: BlockBlobClient;
  readonly journal: AppendBlobClient;
  readonly lock: BlockBlobClient;
  readonly marker: BlockBlobClient;
  /** `azblob://<container>/<dir><name>`, for messages. */
  where(name: string): string;
}

/** The Azure Blob backend. The container is created on first write when it does not exist. */
export function createAzblobBackend(options: AzblobBackendOptions): Backend {
  return new AzblobBackend(options);
}

class AzblobBackend implements Backend {
  readonly url: string;
  private readonly container: ContainerClient;
  /** `<prefix>/<project>/` */
  private readonly base: string;
  private containerReady: Promise<void> | undefined;

  constructor(private readonly options: AzblobBackendOptions) {
    this.container = options.service.getContainerClient(options.container);
    this.url = `azblob://${options.container}${options.prefix ? `/${options.prefix}` : ""}`;
    this.base = `${options.prefix ? `${options.prefix}/` : ""}${options.project}/`;
  }

  private blobs(stack: string): StackBlobs {
    assertValidStackName(stack);
    const dir = `${this.base}${stack}/`;
    return {
      dir,
      snapshot: this.container.getBlockBlobClient(`${dir}snapshot.json`),
      backup: this.container.getBlockBlobClient(`${dir}snapshot.json.bak`),
      journal: this.container.getAppendBlobClient(`${dir}journal.ndjson`),
      lock: this.container.getBlockBlobClient(`${dir}lock`),
      marker: this.container.getBlockBlobClient(`${dir}stack.json`),
      where: (name) => `azblob://${this.options.container}/${dir}${name}`,
    };
  }

  async listStacks(): Promise<StackSummary[]> {
    const names: string[] = [];
    try {
      for await (const item of this.container.listBlobsByHierarchy("/", { prefix: this.base })) {
        if (item.kind === "prefix") names.push(item.name.slice(this.base.length).replace(/\/$/, ""));
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw backendError("list the stacks in", this.url, error);
    }
    const summaries: StackSummary[] = [];
    for (const name of names.filter(isStackName).sort()) {
      const blobs = this.blobs(name);
      // A corrupt stack is still listed (with no count) so that the user can find and repair it.
      const raw = await this.loadRaw(name, blobs).catch(() => undefined);
      const locked = await readBlobLock(blobs.lock, blobs.where("lock"));
      summaries.push({ name, current: false, resourceCount: raw?.state.resources.length ?? 0, ...(raw?.state.updated ? { updated: raw.state.updated } : {}), ...(locked ? { locked } : {}) });
    }
    return summaries;
  }

  async stackExists(stack: string): Promise<boolean> {
    const { dir } = this.blobs(stack);
    try {
      const page = await this.container.listBlobsFlat({ prefix: dir }).byPage({ maxPageSize: 1 }).next();
      return !page.done && page.value.segment.blobItems.length > 0;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw backendError("look for stack", `${this.url} (stack "${stack}")`, error);
    }
  }

  async createStack(stack: string): Promise<void> {
    const blobs = this.blobs(stack);
    await this.ensureContainer();
    const exists = () => stackExistsError(stack, this.url);
    if (await this.stackExists(stack)) throw exists();
    try {
      await uploadText(blobs.marker, `${JSON.stringify({ project: this.options.project, stack, created: new Date().toISOString() })}\n`, { conditions: { ifNoneMatch: "*" } });
    } catch (error) {
      if (restStatus(error).status === 409 || restStatus(error).status === 412) throw exists();
      throw backendError("create", blobs.where("stack.json"), error);
    }
  }

  async removeStack(stack: string, options: { readonly force: boolean }): Promise<void> {
    const blobs = this.blobs(stack);
    if (!(await this.stackExists(stack))) throw stackNotFoundError(stack, this.url);
    if (!options.force) assertStackEmpty(stack, (await this.loadRaw(stack, blobs)).state);
    const names: string[] = [];
    try {
      for await (const item of this.container.listBlobsFlat({ prefix: blobs.dir })) names.push(item.name);
    } catch (error) {
      throw backendError("list the blobs of", `${this.url} (stack "${stack}")`, error);
    }
    // The lock last: the caller holds it (stack rm locks first), so its lease is broken to delete it,
    // and its release then finds nothing, as with the file backend's `rm -rf` of the stack directory.
    const lockName = `${blobs.dir}lock`;
    for (const name of names.filter((n) => n !== lockName)) await deleteIfExists(this.container.getBlobClient(name), `azblob://${this.options.container}/${name}`);
    if (names.includes(lockName)) {
      await blobs.lock.getBlobLeaseClient().breakLease(0).catch(() => undefined);
      await deleteIfExists(blobs.lock, blobs.where("lock"));
    }
  }

  async lock(stack: string, command: string): Promise<Lock> {
    const blobs = this.blobs(stack);
    await this.ensureContainer();
    return acquireBlobLock({ blob: blobs.lock, where: blobs.where("lock"), stack, command, ...(this.options.lockRenewMs ? { renewEveryMs: this.options.lockRenewMs } : {}) });
  }

  lockStatus(stack: string): Promise<LockStatus | undefined> {
    const blobs = this.blobs(stack);
    return blobLockStatus(blobs.lock, blobs.where("lock"));
  }

  breakLock(stack: string, options: { readonly expected?: LockStatus } = {}): Promise<LockInfo | undefined> {
    const blobs = this.blobs(stack);
    return breakBlobLock(blobs.lock, blobs.where("lock"), { stack, ...options });
  }

  async read(stack: string, crypter: Crypter): Promise<Snapshot> {
    const blobs = this.blobs(stack);
    const raw = await this.loadRaw(stack, blobs, crypter);
    return decryptStored(raw, crypter, raw.journalApplied ? `${blobs.where("snapshot.json")} or ${blobs.where("journal.ndjson")}` : blobs.where("snapshot.json"));
  }

  async open(stack: string, crypter: Crypter): Promise<StateWriter> {
    const blobs = this.blobs(stack);
    await this.ensureContainer();
    return openStateWriter(
      {
        load: () => this.loadRaw(stack, blobs, crypter),
        compact: (state, previous) => this.compact(blobs, state, previous),
        dropJournal: () => deleteIfExists(blobs.journal, blobs.where("journal.ndjson")),
        createJournal: (generation) => BlobJournalAppender.create(blobs.journal, blobs.where("journal.ndjson"), { kind: "header", format: 1, generation, project: this.options.project, stack }),
        snapshotWhere: blobs.where("snapshot.json"),
      },
      crypter,
    );
  }

  async write(stack: string, snapshot: Snapshot, crypter: Crypter): Promise<void> {
    const blobs = this.blobs(stack);
    await this.ensureContainer();
    const encoded = encryptSecrets(withProvider({ ...snapshot, project: this.options.project, stack }, crypter), crypter);
    let raw: RawState;
    let backup = true;
    try {
      raw = await this.loadRaw(stack, blobs);
    } catch (error) {
      if (!(error instanceof StateCorruptError)) throw error;
      // Replacing a corrupt state is how it is repaired (`iac state import`): its bytes are kept
      // aside, never overwritten, and any journal is superseded by a later generation.
      const corrupt = await readBlobText(blobs.snapshot, blobs.where("snapshot.json"));
      if (corrupt !== undefined) {
        const aside = `snapshot.json.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
        await uploadText(this.container.getBlockBlobClient(`${blobs.dir}${aside}`), corrupt.text, { contentType: "application/octet-stream" }).catch((e: unknown) => {
          throw backendError("keep the corrupt snapshot aside as", blobs.where(aside), e);
        });
      }
      const journal = await readBlobText(blobs.journal, blobs.where("journal.ndjson"));
      const generation = journalHeaderGeneration(journal?.text);
      raw = { state: emptySnapshot({ project: this.options.project, stack, secretsProvider: snapshot.secretsProvider }), generation, ...(corrupt ? { snapshot: corrupt } : {}), journalApplied: false };
      backup = false;
    }
    await this.compact(blobs, encoded, raw, { backup });
  }

  /**
   * One blob per entry, uploaded with `If-None-Match: *`: of two processes that pick the same name
   * at once, one gets 409/412 and takes the next sequence number, so neither overwrites the other.
   */
  async appendHistory(stack: string, entry: HistoryEntry): Promise<void> {
    const dir = `${this.blobs(stack).dir}history/`;
    await this.ensureContainer();
    let names = await this.historyNames(stack, dir);
    let seq = nextHistorySeq(names);
    for (let attempt = 1; ; attempt++, seq++) {
      const name = historyName(entry.endTime, seq);
      try {
        await uploadText(this.container.getBlockBlobClient(`${dir}${name}`), encodeHistoryEntry(entry), { conditions: { ifNoneMatch: "*" } });
        break;
      } catch (error) {
        const { status } = restStatus(error);
        if ((status !== 409 && status !== 412) || attempt >= 20) throw backendError("write", this.where(`${dir}${name}`), error);
      }
    }
    names = await this.historyNames(stack, dir);
    for (const name of expiredHistoryNames(sortHistoryNames(names), this.options.historyRetention ?? HISTORY_RETENTION)) {
      await deleteIfExists(this.container.getBlobClient(`${dir}${name}`), this.where(`${dir}${name}`));
    }
  }

  async listHistory(stack: string, options: { readonly limit?: number; readonly summary?: boolean }): Promise<HistoryEntry[]> {
    const dir = `${this.blobs(stack).dir}history/`;
    const entries: HistoryEntry[] = [];
    for (const name of newestHistoryNames(sortHistoryNames(await this.historyNames(stack, dir)), options.limit)) {
      // An entry deleted by a concurrent append's retention is simply gone; one that does not parse is skipped.
      const client = this.container.getBlobClient(`${dir}${name}`);
      if (options.summary === true) {
        // The head only (one byte more tells whether that was all); the whole blob when the head does not say.
        const head = await readBlobText(client, this.where(`${dir}${name}`), { bytes: HISTORY_SUMMARY_BYTES + 1 });
        const bytes = head === undefined ? 0 : Buffer.byteLength(head.text);
        const summary = head === undefined ? undefined : decodeHistorySummary(head.text, bytes <= HISTORY_SUMMARY_BYTES);
        if (summary !== undefined || head === undefined || bytes <= HISTORY_SUMMARY_BYTES) {
          if (summary !== undefined) entries.push(summary);
          continue;
        }
      }
      const blob = await readBlobText(client, this.where(`${dir}${name}`));
      const entry = blob === undefined ? undefined : options.summary === true ? decodeHistorySummary(blob.text, true) : decodeHistoryEntry(blob.text);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** The names (without `dir`) of the blobs under a stack's `history/`. */
  private async historyNames(stack: string, dir: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const item of this.container.listBlobsFlat({ prefix: dir })) names.push(item.name.slice(dir.length));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw backendError("list the history of", `${this.url} (stack "${stack}")`, error);
    }
    return names;
  }

  private where(name: string): string {
    return `azblob://${this.options.container}/${name}`;
  }

  /**
   * Write `state` (secrets encrypted) as the new snapshot with the next generation, keeping the
   * previous one as `.bak`, then delete the journal it supersedes. The upload is conditional on
   * the snapshot being the one `previous` read: a writer whose lock was broken cannot overwrite
   * its successor's state.
   */
  private async compact(blobs: StackBlobs, state: Snapshot, previous: RawState, options: { readonly backup?: boolean } = {}): Promise<void> {
    const generation = nextGeneration(previous);
    const ordered = inDependencyOrder(state);
    const stored = { ...ordered, updated: new Date().toISOString(), generation };
    if (previous.snapshot !== undefined && options.backup !== false) {
      await uploadText(blobs.backup, previous.snapshot.text).catch((e: unknown) => {
        throw backendError("write", blobs.where("snapshot.json.bak"), e);
      });
    }
    try {
      await uploadText(blobs.snapshot, `${JSON.stringify(stored, null, 1)}\n`, {
        conditions: previous.snapshot === undefined ? { ifNoneMatch: "*" } : { ifMatch: previous.snapshot.etag },
      });
    } catch (error) {
      const { status } = restStatus(error);
      if (status === 409 || status === 412) {
        const asideName = `snapshot.json.conflict-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`;
        const saved = await uploadText(this.container.getBlockBlobClient(`${blobs.dir}${asideName}`), `${JSON.stringify(stored, null, 1)}\n`).then(
          () => `This run's state is saved in ${blobs.where(asideName)}: the cloud may hold resources that only that blob records.`,
          () => `This run's state could not be saved aside either: the cloud may hold resources the state does not record.`,
        );
        throw new StateError(
          "StateConflict",
          `The snapshot ${blobs.where("snapshot.json")} was changed by another process while this one held the stack's lock (was the lock broken with \`iac cancel --force\`?), so this run's state was not written over it. ${saved} Once no other run is going, run \`iac refresh\` and compare with it (\`iac state import <file>\` replaces the whole state with a downloaded copy).`,
          { cause: error },
        );
      }
      throw backendError("write", blobs.where("snapshot.json"), error);
    }
    // From here the snapshot holds everything; a journal left by a crash now is stale (older generation).
    await deleteIfExists(blobs.journal, blobs.where("journal.ndjson"));
  }

  /**
   * Read snapshot + journal without decrypting. A reader racing a compaction can see the old
   * snapshot and then the next journal (a newer generation): it reads again rather than calling
   * that corruption.
   */
  private loadRaw(stack: string, blobs: StackBlobs, crypter?: Crypter): Promise<RawState> {
    return readConsistently(async () => {
      const snapshot = await readBlobText(blobs.snapshot, blobs.where("snapshot.json"));
      const journal = await readBlobText(blobs.journal, blobs.where("journal.ndjson"));
      return replay({
        project: this.options.project,
        stack,
        secretsProvider: (crypter && secretsProviderOf(crypter)) ?? { type: "passphrase" },
        ...(snapshot ? { snapshot } : {}),
        ...(journal ? { journalText: journal.text } : {}),
        snapshotWhere: blobs.where("snapshot.json"),
        journalWhere: blobs.where("journal.ndjson"),
      });
    });
  }

  /** Create the container on first write; without the right to create containers, assume it exists (later calls say if not). */
  private ensureContainer(): Promise<void> {
    this.containerReady ??= this.container.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        this.containerReady = undefined;
        if (restStatus(error).status === 403) return;
        throw backendError("create the container of", this.url, error);
      },
    );
    return this.containerReady;
  }
}

function isStackName(name: string): boolean {
  try {
    assertValidStackName(name);
    return true;
  } catch {
    return false;
  }
}

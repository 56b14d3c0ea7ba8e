/**
 * The `file://` backend: each stack's state under `<projectDir>/.iac/stacks/<stack>/`:
 *
 * - `snapshot.json`: the compacted state (secrets encrypted) plus `generation`, bumped on each compaction;
 * - `snapshot.json.bak`: the snapshot before the last compaction;
 * - `journal.ndjson`: records appended since that compaction, first line `{kind:"header", generation}`;
 * - `lock.json`: the holder of the stack's lock;
 * - `history/<time>-<seq>.json`: one file per recorded `up`, `destroy` or `refresh` (history.ts).
 *
 * A journal applies only to the snapshot whose generation its header names. Compaction writes the
 * snapshot with generation + 1 before it deletes the journal, so a crash between the two leaves a
 * journal that is recognisably stale and is ignored rather than applied twice. See docs/state-format.md.
 */
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { StateCorruptError, StateError } from "./errors.js";
import { pidAlive, withFileMutex } from "./file-mutex.js";
import { fsErrorOf, withFsErrors } from "./fs-errors.js";
import { fsyncDir, jsonPiecesOf, readIfExists, removeIfExists, TEMP_MARKER, writeFileAtomic } from "./fs-util.js";
import { openStateWriter } from "./file-writer.js";
import { JournalAppender } from "./journal.js";
import { appendHistoryFile, HISTORY_RETENTION, listHistoryFiles } from "./history.js";
import { acquireLock, breakLock, lockStatus, lockToken, readLock } from "./lock.js";
import { emptySnapshot, inDependencyOrder } from "./model.js";
import { applyJournal, journalHeaderGeneration, nextGeneration, parseSnapshot, readConsistently, type RawState } from "./replay.js";
import { decryptStored, encryptSecrets, secretsProviderOf, withProvider } from "./secret-codec.js";
import { assertStackEmpty, stackExistsError, stackNotFoundError } from "./stack-errors.js";
import { assertValidStackName } from "./stack-name.js";
import type { Backend, Crypter, HistoryEntry, Lock, LockInfo, LockStatus, Snapshot, StackSummary, StateWriter } from "./types.js";

export interface FileBackendOptions {
  /** The project's directory (holding `iac.yaml`); state goes to `<projectDir>/.iac/`. */
  readonly projectDir: string;
  /** The project's name, recorded in each snapshot. */
  readonly project: string;
  /** How many history entries a stack keeps (default {@link HISTORY_RETENTION}); the oldest go first. */
  readonly historyRetention?: number;
  /** How often a lock holder checks its lock file is still its own (default 2 s; tests use less). */
  readonly lockWatchMs?: number;
}

interface StackPaths {
  readonly dir: string;
  readonly snapshot: string;
  readonly backup: string;
  readonly journal: string;
  readonly lock: string;
  readonly history: string;
}

/** The file backend: state in `<projectDir>/.iac/`. */
export function createFileBackend(options: FileBackendOptions): Backend {
  return new FileBackend(options);
}

class FileBackend implements Backend {
  readonly url: string;
  private readonly root: string;
  /** The token of each stack lock this backend holds (compaction checks the lock is still it). */
  private readonly held = new Map<string, string>();

  constructor(private readonly options: FileBackendOptions) {
    this.root = join(resolve(options.projectDir), ".iac");
    this.url = pathToFileURL(this.root).href;
  }

  private paths(stack: string): StackPaths {
    assertValidStackName(stack);
    const dir = join(this.root, "stacks", stack);
    return { dir, snapshot: join(dir, "snapshot.json"), backup: join(dir, "snapshot.json.bak"), journal: join(dir, "journal.ndjson"), lock: join(dir, "lock.json"), history: join(dir, "history") };
  }

  async listStacks(): Promise<StackSummary[]> {
    let names: string[];
    try {
      names = (await readdir(join(this.root, "stacks"), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw fsErrorOf(error, { action: "list the stacks", path: join(this.root, "stacks") });
    }
    const summaries: StackSummary[] = [];
    for (const name of names.sort()) {
      const paths = this.paths(name);
      // A corrupt stack is still listed (with no count) so that the user can find and repair it.
      const raw = await this.loadRaw(name, paths).catch(() => undefined);
      const locked = await readLock(paths.lock);
      summaries.push({ name, current: false, resourceCount: raw?.state.resources.length ?? 0, ...(raw?.state.updated ? { updated: raw.state.updated } : {}), ...(locked ? { locked } : {}) });
    }
    return summaries;
  }

  async stackExists(stack: string): Promise<boolean> {
    try {
      return (await stat(this.paths(stack).dir)).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  async createStack(stack: string): Promise<void> {
    const paths = this.paths(stack);
    try {
      await mkdir(join(this.root, "stacks"), { recursive: true });
      await mkdir(paths.dir);
      await fsyncDir(join(this.root, "stacks"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw stackExistsError(stack, this.url);
      }
      throw fsErrorOf(error, { action: `create stack "${stack}"`, path: paths.dir });
    }
  }

  async removeStack(stack: string, options: { readonly force: boolean }): Promise<void> {
    const paths = this.paths(stack);
    if (!(await this.stackExists(stack))) throw stackNotFoundError(stack, this.url);
    if (!options.force) assertStackEmpty(stack, (await this.loadRaw(stack, paths)).state);
    await withFsErrors({ action: `remove stack "${stack}"`, path: paths.dir }, () => rm(paths.dir, { recursive: true, force: true }));
  }

  async lock(stack: string, command: string): Promise<Lock> {
    const paths = this.paths(stack);
    await withFsErrors({ action: `create the state directory of stack "${stack}"`, path: paths.dir }, () => mkdir(paths.dir, { recursive: true }));
    const lock = await acquireLock({ path: paths.lock, stack, command, ...(this.options.lockWatchMs ? { watchMs: this.options.lockWatchMs } : {}) });
    this.held.set(stack, lock.token);
    return {
      info: lock.info,
      ...(lock.lost ? { lost: lock.lost } : {}),
      release: async () => {
        if (this.held.get(stack) === lock.token) this.held.delete(stack);
        await lock.release();
      },
    };
  }

  lockStatus(stack: string): Promise<LockStatus | undefined> {
    return lockStatus(this.paths(stack).lock);
  }

  breakLock(stack: string, options: { readonly expected?: LockStatus } = {}): Promise<LockInfo | undefined> {
    return breakLock(this.paths(stack).lock, { stack, ...options });
  }

  async read(stack: string, crypter: Crypter): Promise<Snapshot> {
    const paths = this.paths(stack);
    const raw = await this.loadRaw(stack, paths, crypter);
    return decryptStored(raw, crypter, raw.journalApplied ? `${paths.snapshot} or ${paths.journal}` : paths.snapshot);
  }

  async open(stack: string, crypter: Crypter): Promise<StateWriter> {
    const paths = this.paths(stack);
    await withFsErrors({ action: `create the state directory of stack "${stack}"`, path: paths.dir }, () => mkdir(paths.dir, { recursive: true }));
    return openStateWriter(
      {
        load: () => this.loadRaw(stack, paths, crypter),
        compact: (state, previous) => this.compact(stack, paths, state, previous),
        dropJournal: () =>
          withFsErrors({ action: `remove the state journal of stack "${stack}"`, path: paths.journal }, async () => {
            await removeIfExists(paths.journal);
            await fsyncDir(paths.dir);
          }),
        createJournal: (generation) => JournalAppender.create(paths.journal, { kind: "header", format: 1, generation, project: this.options.project, stack }),
        snapshotWhere: paths.snapshot,
      },
      crypter,
    );
  }

  async write(stack: string, snapshot: Snapshot, crypter: Crypter): Promise<void> {
    const paths = this.paths(stack);
    await withFsErrors({ action: `create the state directory of stack "${stack}"`, path: paths.dir }, () => mkdir(paths.dir, { recursive: true }));
    const encoded = encryptSecrets(withProvider({ ...snapshot, project: this.options.project, stack }, crypter), crypter);
    let raw: RawState;
    try {
      raw = await this.loadRaw(stack, paths);
    } catch (error) {
      if (!(error instanceof StateCorruptError)) throw error;
      // Replacing a corrupt state is how it is repaired (`iac state import`); its bytes are kept
      // aside, never overwritten, and any journal is superseded.
      const aside = `${paths.snapshot}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      await rename(paths.snapshot, aside).catch(() => undefined);
      const header = journalHeaderGeneration(await readIfExists(paths.journal).catch(() => undefined));
      raw = { state: emptySnapshot({ project: this.options.project, stack, secretsProvider: snapshot.secretsProvider }), generation: header, journalApplied: false };
    }
    await this.compact(stack, paths, encoded, raw);
  }

  async appendHistory(stack: string, entry: HistoryEntry): Promise<void> {
    await appendHistoryFile({ dir: this.paths(stack).history, entry, retain: this.options.historyRetention ?? HISTORY_RETENTION });
  }

  listHistory(stack: string, options: { readonly limit?: number; readonly summary?: boolean }): Promise<HistoryEntry[]> {
    return listHistoryFiles({ dir: this.paths(stack).history, ...(options.limit !== undefined ? { limit: options.limit } : {}), ...(options.summary === true ? { summary: true } : {}) });
  }

  /**
   * Write `state` (secrets encrypted) as the new snapshot with the next generation, keeping the
   * previous one as `.bak`, then delete the journal it supersedes. Returns the new generation.
   */
  private async compact(stack: string, paths: StackPaths, state: Snapshot, previous: RawState): Promise<number> {
    const generation = nextGeneration(previous);
    const ordered = inDependencyOrder(state);
    const onDisk = { ...ordered, updated: new Date().toISOString(), generation };
    // `JSON.stringify(onDisk, null, 1)`, written a piece at a time: the snapshot of 10,000
    // resources is ~6 MB, which as one string (and its bytes) was the peak of an `up`'s memory.
    const text = () => jsonPiecesOf(onDisk, "resources");
    // Compare-and-swap, as the azblob backend does with If-Match: the snapshot is replaced only if
    // it is still the one this writer read, under a lock that is still its own. Checked before the
    // backup is touched, and again with the rename under the snapshot's mutex, so that of two
    // writers compacting at once (one whose lock was broken) the second sees the first's snapshot.
    const check = () => this.assertUnchanged(stack, paths, previous, text);
    await check();
    await withFsErrors({ action: `write the state of stack "${stack}"`, path: paths.dir }, async () => {
      if (previous.snapshot !== undefined) await writeFileAtomic(paths.backup, previous.snapshot.text);
      await writeFileAtomic(paths.snapshot, text(), {
        renameGuard: (rename) =>
          withFileMutex({ path: paths.snapshot, what: `write the state of stack "${stack}"` }, async () => {
            await check();
            await rename();
          }),
      });
      // From here the snapshot holds everything; a journal left by a crash now is stale (older generation).
      await removeIfExists(paths.journal);
      await removeLeftoverTemps(paths.dir);
      await fsyncDir(paths.dir);
    });
    return generation;
  }

  /**
   * Throws `StateConflict` when another process changed the stack's state since `previous` was
   * read (its snapshot was replaced) or holds the lock this backend took; this writer's state is
   * then saved beside the snapshot, so that nothing it recorded is lost.
   */
  private async assertUnchanged(stack: string, paths: StackPaths, previous: RawState, text: () => Iterable<string>): Promise<void> {
    const problems: string[] = [];
    const held = this.held.get(stack);
    if (held !== undefined) {
      const token = await lockToken(paths.lock).catch(() => "unreadable" as const);
      if (token !== held && token !== "absent") problems.push("another process now holds its lock");
    }
    const current = await readIfExists(paths.snapshot).catch(() => undefined);
    if (current !== previous.snapshot?.text) problems.push(`${paths.snapshot} was replaced`);
    if (problems.length === 0) return;
    const aside = `${paths.snapshot}.conflict-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`;
    const saved = await writeFileAtomic(aside, text()).then(
      () => `This run's state is saved in ${aside}: the cloud may hold resources that only that file records.`,
      (error: unknown) => `This run's state could not be saved aside either (${(error as Error).message}): the cloud may hold resources the state does not record.`,
    );
    throw new StateError(
      "StateConflict",
      `The state of stack "${stack}" was changed by another process while this one ran (${problems.join(", and ")}; was the lock broken with \`iac cancel --force\`?), so this run did not write over it. ${saved} Once no other run is going, run \`iac refresh\` and compare with that file (\`iac state import <file>\` replaces the whole state with it).`,
    );
  }

  /**
   * Read snapshot + journal without decrypting. Throws {@link StateCorruptError} for anything
   * unreadable. A reader racing a compaction can see the old snapshot and then the next journal
   * (a newer generation): it reads again rather than calling that corruption.
   */
  private loadRaw(stack: string, paths: StackPaths, crypter?: Crypter): Promise<RawState> {
    return readConsistently(async () => {
      const snapshotText = await readStateFile(paths.snapshot);
      const parsed = parseSnapshot({
        project: this.options.project,
        stack,
        secretsProvider: (crypter && secretsProviderOf(crypter)) ?? { type: "passphrase" },
        ...(snapshotText !== undefined ? { text: snapshotText } : {}),
        where: paths.snapshot,
      });
      const journalText = await readStateFile(paths.journal);
      return applyJournal({
        parsed,
        ...(snapshotText !== undefined ? { snapshot: { text: snapshotText } } : {}),
        ...(journalText !== undefined ? { journalText } : {}),
        snapshotWhere: paths.snapshot,
        journalWhere: paths.journal,
      });
    });
  }
}

async function readStateFile(path: string): Promise<string | undefined> {
  try {
    return await readIfExists(path);
  } catch (cause) {
    // Permission denied or an I/O error is not damage to the file: say what it is and leave it.
    const errno = (cause as NodeJS.ErrnoException).code;
    if (errno === "EACCES" || errno === "EPERM" || errno === "EIO" || errno === "EMFILE" || errno === "ENFILE") throw fsErrorOf(cause, { action: "read the state", path });
    throw new StateCorruptError({ path, problem: `it cannot be read (${(cause as Error).message})`, cause });
  }
}

/**
 * Temp files of interrupted atomic writes (`<name>.tmp-<pid>-<random>`): this process's, and those
 * of processes that no longer run; another live process's temp file may be in use (a writer whose
 * lock was broken), and is left alone.
 */
async function removeLeftoverTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const at = name.indexOf(TEMP_MARKER);
    if (at < 0) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(at + TEMP_MARKER.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) continue;
    await removeIfExists(join(dir, name));
  }
}

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
import { fsyncDir, readIfExists, removeIfExists, TEMP_MARKER, writeFileAtomic } from "./fs-util.js";
import { FileStateWriter } from "./file-writer.js";
import { JournalAppender, parseJournal, type ParsedJournal } from "./journal.js";
import { appendHistoryFile, HISTORY_RETENTION, listHistoryFiles } from "./history.js";
import { acquireLock, breakLock, readLock } from "./lock.js";
import { emptySnapshot, StateModel } from "./model.js";
import { decryptSecrets, encryptSecrets } from "./secret-codec.js";
import { assertValidStackName } from "./stack-name.js";
import { snapshotProblems } from "./validate.js";
import type { Backend, Crypter, HistoryEntry, Lock, LockInfo, Snapshot, StackSummary, StateWriter } from "./types.js";

export interface FileBackendOptions {
  /** The project's directory (holding `iac.yaml`); state goes to `<projectDir>/.iac/`. */
  readonly projectDir: string;
  /** The project's name, recorded in each snapshot. */
  readonly project: string;
  /** How many history entries a stack keeps (default {@link HISTORY_RETENTION}); the oldest go first. */
  readonly historyRetention?: number;
}

interface StackPaths {
  readonly dir: string;
  readonly snapshot: string;
  readonly backup: string;
  readonly journal: string;
  readonly lock: string;
  readonly history: string;
}

/** The state as found on disk, secrets still encrypted. */
interface RawState {
  /** Snapshot with the journal replayed. */
  readonly state: Snapshot;
  /** Generation of `snapshot.json` (0 when there is none). */
  readonly generation: number;
  /** Text of `snapshot.json`, when it exists. */
  readonly snapshotText?: string;
  /** The journal, when present. */
  readonly journal?: ParsedJournal;
  /** True when the journal holds records that apply to the snapshot. */
  readonly journalApplied: boolean;
}

/** The file backend: state in `<projectDir>/.iac/`. */
export function createFileBackend(options: FileBackendOptions): Backend {
  return new FileBackend(options);
}

/** Where a crypter's key comes from, when it says (a `StackCrypter` from `createCrypter`). */
function secretsProviderOf(crypter: Crypter): Snapshot["secretsProvider"] | undefined {
  return (crypter as { secretsProvider?: Snapshot["secretsProvider"] }).secretsProvider;
}

class FileBackend implements Backend {
  readonly url: string;
  private readonly root: string;

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
      throw error;
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
    await mkdir(join(this.root, "stacks"), { recursive: true });
    try {
      await mkdir(paths.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new StateError("StackExists", `Stack "${stack}" already exists in ${this.url}. Select it with \`iac stack select ${stack}\`, or choose another name.`);
      }
      throw error;
    }
    await fsyncDir(join(this.root, "stacks"));
  }

  async removeStack(stack: string, options: { readonly force: boolean }): Promise<void> {
    const paths = this.paths(stack);
    if (!(await this.stackExists(stack))) throw this.notFound(stack);
    if (!options.force) {
      const { state } = await this.loadRaw(stack, paths);
      if (state.resources.length > 0) {
        throw new StateError(
          "StackNotEmpty",
          `Stack "${stack}" still has ${state.resources.length} resource(s) in its state: run \`iac destroy\` first, or \`iac stack rm --force\` to forget them (the cloud resources are then left as they are).`,
        );
      }
    }
    await rm(paths.dir, { recursive: true, force: true });
  }

  async lock(stack: string, command: string): Promise<Lock> {
    const paths = this.paths(stack);
    await mkdir(paths.dir, { recursive: true });
    return acquireLock({ path: paths.lock, stack, command });
  }

  breakLock(stack: string): Promise<LockInfo | undefined> {
    return breakLock(this.paths(stack).lock);
  }

  async read(stack: string, crypter: Crypter): Promise<Snapshot> {
    const paths = this.paths(stack);
    const raw = await this.loadRaw(stack, paths, crypter);
    return decryptSecrets(raw.state, crypter, raw.journalApplied ? `${paths.snapshot} or ${paths.journal}` : paths.snapshot);
  }

  async open(stack: string, crypter: Crypter): Promise<StateWriter> {
    const paths = this.paths(stack);
    await mkdir(paths.dir, { recursive: true });
    let raw = await this.loadRaw(stack, paths, crypter);
    // Start every writer on a fresh journal: fold a leftover one (a crashed run) into the snapshot
    // first, or drop it when it is stale, so nothing is ever appended after a torn line.
    if (raw.journalApplied) {
      await this.compact(paths, raw.state, raw);
      raw = await this.loadRaw(stack, paths, crypter);
    } else if (raw.journal !== undefined) {
      await removeIfExists(paths.journal);
      await fsyncDir(paths.dir);
    }
    const generation = raw.generation;
    const previous: RawState = { ...raw, journal: undefined, journalApplied: false };
    const base = decryptSecrets(raw.state, crypter, paths.snapshot);
    const journal = await JournalAppender.create(paths.journal, { kind: "header", format: 1, generation, project: this.options.project, stack });
    return new FileStateWriter({
      base,
      model: new StateModel(base),
      journal,
      crypter,
      compact: async (state, dirty) => {
        if (dirty) {
          await this.compact(paths, encryptSecrets(withProvider(state, crypter), crypter), previous);
        } else {
          await removeIfExists(paths.journal);
          await fsyncDir(paths.dir);
        }
      },
    });
  }

  async write(stack: string, snapshot: Snapshot, crypter: Crypter): Promise<void> {
    const paths = this.paths(stack);
    await mkdir(paths.dir, { recursive: true });
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
      const header = parseJournalHeaderGeneration(await readIfExists(paths.journal).catch(() => undefined));
      raw = { state: emptySnapshot({ project: this.options.project, stack, secretsProvider: snapshot.secretsProvider }), generation: header, journalApplied: false };
    }
    await this.compact(paths, encoded, raw);
  }

  async appendHistory(stack: string, entry: HistoryEntry): Promise<void> {
    await appendHistoryFile({ dir: this.paths(stack).history, entry, retain: this.options.historyRetention ?? HISTORY_RETENTION });
  }

  listHistory(stack: string, options: { readonly limit?: number }): Promise<HistoryEntry[]> {
    return listHistoryFiles({ dir: this.paths(stack).history, ...(options.limit !== undefined ? { limit: options.limit } : {}) });
  }

  /**
   * Write `state` (secrets encrypted) as the new snapshot with the next generation, keeping the
   * previous one as `.bak`, then delete the journal it supersedes. Returns the new generation.
   */
  private async compact(paths: StackPaths, state: Snapshot, previous: RawState): Promise<number> {
    const generation = Math.max(previous.generation, previous.journal?.header?.generation ?? 0) + 1;
    const ordered = new StateModel(state).snapshot();
    const onDisk = { ...ordered, updated: new Date().toISOString(), generation };
    if (previous.snapshotText !== undefined) await writeFileAtomic(paths.backup, previous.snapshotText);
    await writeFileAtomic(paths.snapshot, `${JSON.stringify(onDisk, null, 1)}\n`);
    // From here the snapshot holds everything; a journal left by a crash now is stale (older generation).
    await removeIfExists(paths.journal);
    await removeLeftoverTemps(paths.dir);
    await fsyncDir(paths.dir);
    return generation;
  }

  /**
   * Read snapshot + journal without decrypting. Throws {@link StateCorruptError} for anything
   * unreadable. A reader racing a compaction can see the old snapshot and then the next journal
   * (a newer generation): it reads again rather than calling that corruption.
   */
  private async loadRaw(stack: string, paths: StackPaths, crypter?: Crypter): Promise<RawState> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.loadRawOnce(stack, paths, crypter);
      } catch (error) {
        if (!(error instanceof GenerationAheadError) || attempt >= 3) throw error;
      }
    }
  }

  private async loadRawOnce(stack: string, paths: StackPaths, crypter?: Crypter): Promise<RawState> {
    const snapshotText = await readStateFile(paths.snapshot);
    let base: Snapshot;
    let generation = 0;
    if (snapshotText === undefined) {
      base = emptySnapshot({ project: this.options.project, stack, secretsProvider: (crypter && secretsProviderOf(crypter)) ?? { type: "passphrase" } });
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(snapshotText);
      } catch (cause) {
        throw new StateCorruptError({ path: paths.snapshot, problem: "it is not valid JSON", cause });
      }
      const problems = snapshotProblems(parsed);
      if (problems.length > 0) throw new StateCorruptError({ path: paths.snapshot, problem: problems.slice(0, 5).join("; ") });
      const { generation: gen, ...rest } = parsed as Snapshot & { generation?: unknown };
      generation = typeof gen === "number" ? gen : 0;
      base = rest;
    }
    const journalText = await readStateFile(paths.journal);
    if (journalText === undefined) return { state: base, generation, snapshotText, journalApplied: false };
    const journal = parseJournal(journalText, paths.journal);
    const journalGeneration = journal.header?.generation;
    if (journalGeneration === undefined || journalGeneration < generation) {
      // Empty, torn at its header, or left over from before the last compaction: nothing to apply.
      return { state: base, generation, snapshotText, journal, journalApplied: false };
    }
    if (journalGeneration > generation) {
      throw new GenerationAheadError({
        path: paths.journal,
        problem: `it continues snapshot generation ${journalGeneration}, but ${paths.snapshot} is generation ${generation} (was an older snapshot restored?). If you restored the snapshot on purpose, delete the journal`,
      });
    }
    const model = new StateModel(base);
    for (const record of journal.records) model.apply(record);
    return { state: model.snapshot(), generation, snapshotText, journal, journalApplied: journal.records.length > 0 };
  }

  private notFound(stack: string): StateError {
    return new StateError("StackNotFound", `Stack "${stack}" does not exist in ${this.url}. Create it with \`iac stack init ${stack}\`, or list stacks with \`iac stack ls\`.`);
  }
}

/** A journal newer than the snapshot: corrupt, unless a compaction was happening while we read. */
class GenerationAheadError extends StateCorruptError {}

function withProvider(state: Snapshot, crypter: Crypter): Snapshot {
  const provider = secretsProviderOf(crypter);
  return provider ? { ...state, secretsProvider: provider } : state;
}

async function readStateFile(path: string): Promise<string | undefined> {
  try {
    return await readIfExists(path);
  } catch (cause) {
    throw new StateCorruptError({ path, problem: `it cannot be read (${(cause as Error).message})`, cause });
  }
}

function parseJournalHeaderGeneration(text: string | undefined): number {
  const first = text?.split("\n", 1)[0];
  try {
    const header = first ? (JSON.parse(first) as { generation?: unknown }) : undefined;
    return typeof header?.generation === "number" ? header.generation : 0;
  } catch {
    return 0;
  }
}

/** Temp files of interrupted atomic writes; only removed by the lock holder, so none is in use. */
async function removeLeftoverTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.includes(TEMP_MARKER)) await removeIfExists(join(dir, name));
  }
}

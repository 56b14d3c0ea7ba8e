/**
 * The pure half of reading a stack, shared by the file and azblob backends: snapshot text +
 * journal text to the committed state, with the rules of docs/state-format.md: a journal applies
 * only to the snapshot generation its header names, a torn last line is dropped, anything else
 * unreadable is refused.
 */
import { StateCorruptError } from "./errors.js";
import { parseJournal, type ParsedJournal } from "./journal.js";
import { emptySnapshot, StateModel } from "./model.js";
import { snapshotProblems } from "./validate.js";
import type { Snapshot } from "./types.js";

/** A snapshot as stored: its text, plus whatever the backend needs to replace it safely (an etag). */
export interface StoredSnapshot {
  readonly text: string;
}

/** The state as stored, secrets still encrypted. */
export interface RawState<S extends StoredSnapshot = StoredSnapshot> {
  /** Snapshot with the journal replayed. */
  readonly state: Snapshot;
  /** Generation of the stored snapshot (0 when there is none). */
  readonly generation: number;
  /** The stored snapshot, when it exists. */
  readonly snapshot?: S;
  /** The journal, when present. */
  readonly journal?: ParsedJournal;
  /** True when the journal holds records that apply to the snapshot. */
  readonly journalApplied: boolean;
}

/** A journal newer than the snapshot: corrupt, unless a compaction happened between the two reads. */
export class GenerationAheadError extends StateCorruptError {}

/** The stored snapshot parsed: the state it holds and its generation. */
export interface ParsedSnapshot {
  readonly base: Snapshot;
  readonly generation: number;
}

export interface ParseSnapshotInput {
  readonly project: string;
  readonly stack: string;
  /** Recorded in the empty state when there is no snapshot yet. */
  readonly secretsProvider: Snapshot["secretsProvider"];
  /** Undefined when there is no snapshot. */
  readonly text?: string;
  /** Name of the snapshot, for messages. */
  readonly where: string;
}

/** The stored snapshot (or an empty state when there is none). Throws {@link StateCorruptError}. */
export function parseSnapshot(input: ParseSnapshotInput): ParsedSnapshot {
  if (input.text === undefined) return { base: emptySnapshot({ project: input.project, stack: input.stack, secretsProvider: input.secretsProvider }), generation: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.text);
  } catch (cause) {
    throw new StateCorruptError({ path: input.where, problem: "it is not valid JSON", cause });
  }
  const problems = snapshotProblems(parsed);
  if (problems.length > 0) throw new StateCorruptError({ path: input.where, problem: problems.slice(0, 5).join("; ") });
  const { generation, ...base } = parsed as Snapshot & { generation?: unknown };
  return { base, generation: typeof generation === "number" ? generation : 0 };
}

export interface ApplyJournalInput<S extends StoredSnapshot> {
  readonly parsed: ParsedSnapshot;
  readonly snapshot?: S;
  /** Undefined when there is no journal. */
  readonly journalText?: string;
  /** Names of the snapshot and the journal, for messages. */
  readonly snapshotWhere: string;
  readonly journalWhere: string;
}

/** Replay the journal onto the parsed snapshot. Throws {@link StateCorruptError} (or {@link GenerationAheadError}). */
export function applyJournal<S extends StoredSnapshot>(input: ApplyJournalInput<S>): RawState<S> {
  const { base, generation } = input.parsed;
  const withSnapshot = input.snapshot === undefined ? {} : { snapshot: input.snapshot };
  if (input.journalText === undefined) return { state: base, generation, ...withSnapshot, journalApplied: false };
  const journal = parseJournal(input.journalText, input.journalWhere);
  const journalGeneration = journal.header?.generation;
  if (journalGeneration === undefined || journalGeneration < generation) {
    // Empty, torn at its header, or left over from before the last compaction: nothing to apply.
    return { state: base, generation, ...withSnapshot, journal, journalApplied: false };
  }
  if (journalGeneration > generation) {
    throw new GenerationAheadError({
      path: input.journalWhere,
      problem: `it continues snapshot generation ${journalGeneration}, but ${input.snapshotWhere} is generation ${generation} (was an older snapshot restored?). If you restored the snapshot on purpose, delete the journal`,
    });
  }
  const model = new StateModel(base);
  for (const record of journal.records) model.apply(record);
  return { state: model.snapshot(), generation, ...withSnapshot, journal, journalApplied: journal.records.length > 0 };
}

export interface ReplayInput<S extends StoredSnapshot> {
  readonly project: string;
  readonly stack: string;
  readonly secretsProvider: Snapshot["secretsProvider"];
  readonly snapshot?: S;
  readonly journalText?: string;
  /** Names of the snapshot and the journal, for messages. */
  readonly snapshotWhere: string;
  readonly journalWhere: string;
}

/** Snapshot + journal to the state. Throws {@link StateCorruptError} (or {@link GenerationAheadError}). */
export function replay<S extends StoredSnapshot>(input: ReplayInput<S>): RawState<S> {
  const parsed = parseSnapshot({ project: input.project, stack: input.stack, secretsProvider: input.secretsProvider, ...(input.snapshot ? { text: input.snapshot.text } : {}), where: input.snapshotWhere });
  return applyJournal({ parsed, ...(input.snapshot ? { snapshot: input.snapshot } : {}), ...(input.journalText !== undefined ? { journalText: input.journalText } : {}), snapshotWhere: input.snapshotWhere, journalWhere: input.journalWhere });
}

/**
 * Read snapshot + journal with `read`. A reader racing a compaction can see the old snapshot and
 * then the next journal (a newer generation): it reads again (3 attempts in all) rather than
 * calling that corruption.
 */
export async function readConsistently<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof GenerationAheadError) || attempt >= 3) throw error;
    }
  }
}

/** Generation of the snapshot a compaction of `previous` writes: past both the snapshot's and the journal's. */
export function nextGeneration(previous: RawState): number {
  return Math.max(previous.generation, previous.journal?.header?.generation ?? 0) + 1;
}

/** Generation named by a journal's header line, 0 when it has none (used when the snapshot is corrupt). */
export function journalHeaderGeneration(text: string | undefined): number {
  const first = text?.split("\n", 1)[0];
  try {
    const header = first ? (JSON.parse(first) as { generation?: unknown }) : undefined;
    return typeof header?.generation === "number" ? header.generation : 0;
  } catch {
    return 0;
  }
}

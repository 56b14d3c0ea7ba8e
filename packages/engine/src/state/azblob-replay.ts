/**
 * The pure half of reading an azblob stack: snapshot text + journal text to the committed state,
 * with the file backend's rules (docs/state-format.md): a journal applies only to the snapshot
 * generation its header names, a torn last line is dropped, anything else unreadable is refused.
 */
import { StateCorruptError } from "./errors.js";
import { parseJournal, type ParsedJournal } from "./journal.js";
import { emptySnapshot, StateModel } from "./model.js";
import { snapshotProblems } from "./validate.js";
import type { Snapshot } from "./types.js";

/** The state as stored, secrets still encrypted. */
export interface RawState {
  /** Snapshot with the journal replayed. */
  readonly state: Snapshot;
  /** Generation of the snapshot blob (0 when there is none). */
  readonly generation: number;
  /** Text and etag of the snapshot blob, when it exists. */
  readonly snapshot?: { readonly text: string; readonly etag: string };
  /** The journal, when present. */
  readonly journal?: ParsedJournal;
  /** True when the journal holds records that apply to the snapshot. */
  readonly journalApplied: boolean;
}

/** A journal newer than the snapshot: corrupt, unless a compaction happened between the two reads. */
export class GenerationAheadError extends StateCorruptError {}

export interface ReplayInput {
  readonly project: string;
  readonly stack: string;
  readonly secretsProvider: Snapshot["secretsProvider"];
  readonly snapshot?: { readonly text: string; readonly etag: string };
  readonly journalText?: string;
  /** Names of the two blobs, for messages. */
  readonly snapshotWhere: string;
  readonly journalWhere: string;
}

/** Snapshot + journal to the state. Throws {@link StateCorruptError} (or {@link GenerationAheadError}). */
export function replay(input: ReplayInput): RawState {
  const { snapshot } = input;
  let base: Snapshot;
  let generation = 0;
  if (snapshot === undefined) {
    base = emptySnapshot({ project: input.project, stack: input.stack, secretsProvider: input.secretsProvider });
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(snapshot.text);
    } catch (cause) {
      throw new StateCorruptError({ path: input.snapshotWhere, problem: "it is not valid JSON", cause });
    }
    const problems = snapshotProblems(parsed);
    if (problems.length > 0) throw new StateCorruptError({ path: input.snapshotWhere, problem: problems.slice(0, 5).join("; ") });
    const { generation: gen, ...rest } = parsed as Snapshot & { generation?: unknown };
    generation = typeof gen === "number" ? gen : 0;
    base = rest;
  }
  const withSnapshot = snapshot === undefined ? {} : { snapshot };
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

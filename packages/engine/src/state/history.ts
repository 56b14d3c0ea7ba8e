/**
 * A stack's history of deployments: one small JSON file (or blob) per `up`, `destroy` or
 * `refresh`, named `<time>-<seq>.json` so that names sort oldest first, under the stack's
 * `history/` directory. One object per entry, never a growing list, keeps an append constant in
 * cost and a crash harmless (an entry is written atomically or not at all). See docs/state-format.md.
 *
 * This module holds the format (names, validation, retention) and the file backend's storage;
 * the Azure Blob backend stores the same objects as blobs.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fsErrorOf } from "./fs-errors.js";
import { fsyncDir, removeIfExists, TEMP_MARKER } from "./fs-util.js";
import type { HistoryEntry } from "./types.js";

/** How many entries a stack keeps by default; older ones are deleted as new ones are recorded. */
export const HISTORY_RETENTION = 1000;

/** `2025-01-01T10-20-30-123Z-000007.json`: the time (fixed width), then the sequence number. */
const NAME = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)-(\d{6,})\.json$/;

/** The name of an entry recorded at `time` with sequence number `seq`; names sort in recording order. */
export function historyName(time: string, seq: number): string {
  const stamp = new Date(time).toISOString().replace(/[:.]/g, "-");
  return `${stamp}-${String(seq).padStart(6, "0")}.json`;
}

/** The sequence number of an entry's name, or undefined for anything else (temp files, strays). */
export function historySeq(name: string): number | undefined {
  const match = NAME.exec(name);
  return match ? Number(match[2]) : undefined;
}

/** The entries' names sorted oldest first (time, then sequence number); other names dropped. */
export function sortHistoryNames(names: readonly string[]): string[] {
  return names.filter((n) => historySeq(n) !== undefined).sort(compareNames);
}

function compareNames(a: string, b: string): number {
  const ta = a.slice(0, a.lastIndexOf("-"));
  const tb = b.slice(0, b.lastIndexOf("-"));
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (historySeq(a) ?? 0) - (historySeq(b) ?? 0);
}

/** The sequence number the next entry takes: one more than the largest present. */
export function nextHistorySeq(names: readonly string[]): number {
  let max = 0;
  for (const name of names) max = Math.max(max, historySeq(name) ?? 0);
  return max + 1;
}

/** Of names sorted oldest first, those to delete so that `retain` are kept. */
export function expiredHistoryNames(sorted: readonly string[], retain: number): string[] {
  return sorted.length > retain ? sorted.slice(0, sorted.length - retain) : [];
}

/** Of names sorted oldest first, the newest `limit` (all when absent), newest first. */
export function newestHistoryNames(sorted: readonly string[], limit: number | undefined): string[] {
  const newestFirst = [...sorted].reverse();
  return limit === undefined ? newestFirst : newestFirst.slice(0, Math.max(0, limit));
}

/** The JSON text of an entry as stored. */
export function encodeHistoryEntry(entry: HistoryEntry): string {
  return `${JSON.stringify(entry, null, 1)}\n`;
}

/**
 * How much of a stored entry {@link decodeHistorySummary} needs: the fields before `changes`
 * (what ran, how it ended, its counts, who ran it) take well under 1 KB.
 */
export const HISTORY_SUMMARY_BYTES = 16 * 1024;

/** The fields a summary leaves out: the lists that grow with the run. */
type HistoryDetails = "changes" | "changesOmitted" | "diagnostics";

/**
 * An entry without `changes`, `changesOmitted` and `diagnostics`, from its stored text or only the
 * first bytes of it (at least {@link HISTORY_SUMMARY_BYTES}; a whole entry after an `up` of 10,000
 * is ~1 MB). {@link encodeHistoryEntry} writes one top-level member per line at an indent of one
 * space, and a JSON string holds no raw newline, so `,\n "` ends a top-level member: the head is cut
 * after the last whole one and closed. Undefined when that is not an entry (or `complete` is false
 * and the head lacks a field the entry needs: the caller then reads the whole text).
 */
export function decodeHistorySummary(text: string, complete: boolean): Omit<HistoryEntry, HistoryDetails> | undefined {
  let value: unknown;
  try {
    if (complete) value = JSON.parse(text);
    else {
      const cut = text.lastIndexOf(',\n "');
      if (!text.startsWith("{\n \"") || cut < 0) return undefined;
      value = JSON.parse(`${text.slice(0, cut)}\n}`);
    }
  } catch {
    return undefined;
  }
  if (!isHistoryEntry(value)) return undefined;
  const { changes: _c, changesOmitted: _o, diagnostics: _d, ...summary } = value;
  return summary;
}

/** Parse a stored entry; undefined when it is not one (hand-edited, or from a newer iac). */
export function decodeHistoryEntry(text: string): HistoryEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isHistoryEntry(value) ? value : undefined;
}

function isHistoryEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  const strings = ["startTime", "endTime", "command", "iacVersion", "host"];
  return (
    e.version === 1 &&
    (e.operation === "up" || e.operation === "destroy" || e.operation === "refresh") &&
    (e.result === "succeeded" || e.result === "failed" || e.result === "interrupted") &&
    strings.every((k) => typeof e[k] === "string") &&
    typeof e.durationMs === "number" &&
    typeof e.failed === "number" &&
    (e.user === undefined || typeof e.user === "string") &&
    typeof e.counts === "object" &&
    e.counts !== null &&
    Object.values(e.counts).every((n) => typeof n === "number")
  );
}

/** How often an append retries when another process took the same name at the same instant. */
const NAME_ATTEMPTS = 20;

/**
 * Write one entry into `dir` (created if needed) atomically, under a name no other entry has,
 * then delete the oldest beyond `retain`. The file is written and fsynced under a temp name and
 * then hard-linked to its final name: unlike a rename, a link fails when the name exists, so two
 * processes recording at once never overwrite each other's entry.
 */
export async function appendHistoryFile(options: { readonly dir: string; readonly entry: HistoryEntry; readonly retain: number }): Promise<void> {
  const { dir, entry } = options;
  const temp = join(dir, `entry${TEMP_MARKER}${process.pid}-${randomBytes(4).toString("hex")}`);
  let name = temp;
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.writeFile(encodeHistoryEntry(entry));
      await handle.sync();
    } finally {
      await handle.close();
    }
    let seq = nextHistorySeq(await readdir(dir));
    for (let attempt = 1; ; attempt++, seq++) {
      name = join(dir, historyName(entry.endTime, seq));
      try {
        await link(temp, name);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= NAME_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    // A full disk or a read-only directory: said as the other state writes say it, with no
    // half-written temp file left behind.
    throw fsErrorOf(error, { action: "record the update in the history", path: name });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const sorted = sortHistoryNames(await readdir(dir));
  for (const expired of expiredHistoryNames(sorted, options.retain)) await removeIfExists(join(dir, expired));
  await fsyncDir(dir);
}

/**
 * The newest `limit` entries in `dir`, newest first; none when it does not exist. Files that do not
 * parse are skipped. With `summary`, each entry without its lists ({@link decodeHistorySummary}),
 * read from the file's head only.
 */
export async function listHistoryFiles(options: { readonly dir: string; readonly limit?: number; readonly summary?: boolean }): Promise<HistoryEntry[]> {
  let names: string[];
  try {
    names = await readdir(options.dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const entries: HistoryEntry[] = [];
  for (const name of newestHistoryNames(sortHistoryNames(names), options.limit)) {
    // An entry deleted by a concurrent append's retention is simply gone.
    const path = join(options.dir, name);
    const head = options.summary === true ? await readHead(path).catch(() => undefined) : undefined;
    const summary = head === undefined ? undefined : decodeHistorySummary(head.text, head.complete);
    if (summary !== undefined) {
      entries.push(summary);
      continue;
    }
    const text = await readFile(path, "utf8").catch(() => undefined);
    const entry = text === undefined ? undefined : options.summary === true ? decodeHistorySummary(text, true) : decodeHistoryEntry(text);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The first {@link HISTORY_SUMMARY_BYTES} of a file (whole UTF-8 characters), and whether that is all of it. */
async function readHead(path: string): Promise<{ readonly text: string; readonly complete: boolean }> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(HISTORY_SUMMARY_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const complete = bytesRead <= HISTORY_SUMMARY_BYTES;
    // A cut multi-byte character decodes to U+FFFD at the very end, after the last whole member.
    return { text: buffer.subarray(0, Math.min(bytesRead, HISTORY_SUMMARY_BYTES)).toString("utf8"), complete };
  } finally {
    await handle.close();
  }
}

/**
 * The data files' layout: ordinary JSON with one entry of each top-level map per line, maps sorted
 * by key, so that a regeneration's diff shows only the entries that changed.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Keys sorted by code point: the same order on every machine and locale. */
export function sortedEntries<T>(map: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `{ header fields..., <mapKey>: { one entry per line } }` as text. */
export function layoutJson(header: Readonly<Record<string, unknown>>, maps: Readonly<Record<string, Readonly<Record<string, unknown>>>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(header)) parts.push(`${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  for (const [name, map] of Object.entries(maps)) {
    const lines = sortedEntries(map).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    parts.push(`${JSON.stringify(name)}: {\n${lines.join(",\n")}\n}`);
  }
  return `{\n${parts.join(",\n")}\n}\n`;
}

/** Write `text` unless the file holds it already; true when written. */
export function writeIfChanged(file: string, text: string): boolean {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return false;
  writeFileSync(file, text);
  return true;
}

/**
 * The project's YAML files (`iac.yaml`, `iac.<stack>.yaml`) read without loading a YAML parser on
 * every command.
 *
 * `yaml` is 72 modules: loading them costs every command about 20-30 ms (issue 12: an empty
 * `preview` <= 400 ms, a no-op `preview` of 10,000 resources <= 0.8 s), for files that rarely
 * change. So the value a file's text parsed to, once it parsed and passed its reader's checks, is
 * kept in `<project>/.iac/yaml-cache.json` next to that exact text; a later read of the same text
 * takes the value from there, any other text is parsed again (and replaces the entry). The entry is
 * only a copy: a missing, unreadable or corrupt cache file, or one that cannot be written (a
 * read-only checkout), only means parsing as before. Only plain JSON data is kept (what the
 * readers here produce); a value that is not (a YAML tag giving binary data) is never cached.
 */
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

const CACHE_FILE = "yaml-cache.json";
const CACHE_VERSION = 1;

interface CacheEntry {
  readonly text: string;
  /** The value as JSON text: each read parses its own copy (a caller may change what it gets). */
  readonly json: string;
}

/** The cache files read by this process, by path (read once; updated in memory as entries are added). */
const loaded = new Map<string, Promise<Map<string, CacheEntry>>>();

/** Path of a project's YAML cache. */
export function yamlCachePath(projectDir: string): string {
  return join(projectDir, ".iac", CACHE_FILE);
}

export interface CachedYamlInput<T> {
  /** The project directory (the cache is in its `.iac/`). */
  readonly projectDir: string;
  /** Absolute path of the YAML file: the entry's key. */
  readonly file: string;
  /** The file's text, as read now. */
  readonly text: string;
  /**
   * Parses and checks `text` (throwing what the caller reports for a bad file); called only when
   * the cache has no entry for exactly this text. Imports `yaml` itself, so that a hit loads none of it.
   */
  readonly parse: (text: string) => T | Promise<T>;
}

/**
 * What `input.parse(input.text)` returns: from the cache when this file had exactly this text
 * before, else parsed now and remembered (when it is plain JSON data).
 */
export async function cachedYaml<T>(input: CachedYamlInput<T>): Promise<T> {
  const path = yamlCachePath(input.projectDir);
  const entries = await cacheOf(path);
  const hit = entries.get(input.file);
  if (hit !== undefined && hit.text === input.text) return JSON.parse(hit.json) as T;
  const value = await input.parse(input.text);
  if (isJsonData(value, 0)) {
    entries.set(input.file, { text: input.text, json: JSON.stringify(value) });
    await save(path, entries);
  }
  return value;
}

function cacheOf(path: string): Promise<Map<string, CacheEntry>> {
  let entries = loaded.get(path);
  if (entries === undefined) {
    entries = readCache(path);
    loaded.set(path, entries);
  }
  return entries;
}

async function readCache(path: string): Promise<Map<string, CacheEntry>> {
  const entries = new Map<string, CacheEntry>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch {
    return entries;
  }
  const file = parsed as { version?: unknown; entries?: unknown } | null;
  if (file === null || typeof file !== "object" || file.version !== CACHE_VERSION || file.entries === null || typeof file.entries !== "object") return entries;
  for (const [key, entry] of Object.entries(file.entries as Record<string, unknown>)) {
    const e = entry as { text?: unknown; value?: unknown } | null;
    if (e !== null && typeof e === "object" && typeof e.text === "string" && "value" in e) entries.set(key, { text: e.text, json: JSON.stringify(e.value) });
  }
  return entries;
}

/** Best effort: a temp file renamed over the cache (a reader sees the old or the new file, whole). */
async function save(path: string, entries: ReadonlyMap<string, CacheEntry>): Promise<void> {
  const body = { version: CACHE_VERSION, entries: Object.fromEntries([...entries].map(([k, e]) => [k, { text: e.text, value: JSON.parse(e.json) as unknown }])) };
  const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(temp, `${JSON.stringify(body, null, 1)}\n`);
    await rename(temp, path);
  } catch {
    // A cache that cannot be written (read-only project, full disk) only means parsing next time.
    await unlink(temp).catch(() => undefined);
  }
}

/** True for values JSON keeps exactly: null, booleans, finite numbers, strings, arrays and plain objects of them. */
function isJsonData(v: unknown, depth: number): boolean {
  if (depth > 64) return false;
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== "object") return false;
  if (Array.isArray(v)) return v.every((x) => isJsonData(x, depth + 1));
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.entries(v).every(([k, x]) => k !== "__proto__" && isJsonData(x, depth + 1));
}

/**
 * Property values as the engine handles them: secrets wrapped (runtime.ts), unknowns during
 * preview (provider.ts), and the masking every event applies.
 */
import { UNKNOWN, type PropertyMap, type PropertyValue } from "@iac/sdk/provider";
import { isSecretValue, wrapSecret } from "@iac/sdk/runtime";

/** What events show instead of a secret. */
export const SECRET_MASK = "[secret]";
/** What events show instead of an unknown value. */
export const UNKNOWN_MASK = "(known after apply)";

/** True when `v` is, or contains, a wrapped secret. */
export function containsSecret(v: unknown): boolean {
  if (isSecretValue(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v !== null && typeof v === "object") {
    for (const k in v as Record<string, unknown>) if (containsSecret((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/** The value with every secret wrapper removed (what a provider receives). */
export function unwrapSecrets(v: PropertyValue): PropertyValue {
  if (isSecretValue(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") {
    const out: Record<string, PropertyValue> = {};
    for (const k in v) out[k] = unwrapSecrets(v[k]);
    return out;
  }
  return v;
}

/**
 * Splits a registration's inputs into the plain map a provider gets and the paths of the secrets
 * it held, at the finest level (`containers[0].environmentVariables[1].secureValue`, not
 * `containers`), so they are re-marked there and only there after `check` and in the outputs.
 */
export function unwrapMap(map: PropertyMap): { readonly plain: PropertyMap; readonly secretPaths: readonly string[] } {
  let plain: PropertyMap | undefined;
  let secretPaths: string[] | undefined;
  for (const k in map) {
    const v = map[k];
    if (containsSecret(v)) {
      collectSecretPaths(v, keySegment(k, true), (secretPaths ??= []));
      if (!plain) {
        plain = {};
        for (const before in map) {
          if (before === k) break;
          plain[before] = map[before];
        }
      }
      plain[k] = unwrapSecrets(v);
    } else if (plain) {
      plain[k] = v;
    }
  }
  // Without secrets the map itself is the plain map: providers receive it read-only.
  return { plain: plain ?? map, secretPaths: secretPaths ?? NO_PATHS };
}

/** The paths of the secrets in `map` (see {@link unwrapMap}). */
export function secretPathsOf(map: PropertyMap): readonly string[] {
  return unwrapMap(map).secretPaths;
}

const NO_PATHS: readonly string[] = Object.freeze([]);

/** A path segment for key `k`: `k` (or `.k` after the first), or `["k"]` when `k` is not a plain name. */
function keySegment(k: string, first: boolean): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(k)) return first ? k : `.${k}`;
  return `[${JSON.stringify(k)}]`;
}

function collectSecretPaths(v: unknown, path: string, out: string[]): void {
  if (isSecretValue(v)) {
    out.push(path);
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) collectSecretPaths(v[i], `${path}[${i}]`, out);
  } else if (v !== null && typeof v === "object") {
    for (const k in v as Record<string, unknown>) collectSecretPaths((v as Record<string, unknown>)[k], path + keySegment(k, false), out);
  }
}

/** {@link unwrapMap}'s plain map only. */
export function plainOf(map: PropertyMap): PropertyMap {
  return unwrapMap(map).plain;
}

/** The empty set of secret keys (shared). */
export const EMPTY: ReadonlySet<string> = new Set();

/** Wraps the named top-level properties of `map` as secrets (already wrapped ones stay as they are). */
export function wrapKeys(map: PropertyMap, keys: Iterable<string>): PropertyMap {
  let out: PropertyMap | undefined;
  for (const k of keys) {
    if (!(k in map) || isSecretValue(map[k]) || map[k] === UNKNOWN) continue;
    out ??= { ...map };
    out[k] = wrapSecret(map[k]) as unknown as PropertyValue;
  }
  return out ?? map;
}

/**
 * Wraps as secret the values of `map` at each of `paths`: a top-level name (`primaryKey`), a
 * nested path (`sku.name`, `containers[0].image`, `tags["a.b"]`), or a pattern where `[*]` stands
 * for every element of a list (or every property of an object):
 * `containers[*].environmentVariables[*].secureValue`. A path that leads nowhere, to an unknown, or
 * into a value already secret is left alone. Copy on write: `map` itself when nothing is wrapped.
 */
export function wrapPaths(map: PropertyMap, paths: Iterable<string>): PropertyMap {
  let out: PropertyValue = map;
  for (const p of paths) {
    const segs = parsePath(p);
    if (segs.length === 0) continue;
    out = wrapAt(out, segs, 0);
  }
  return out as PropertyMap;
}

function wrapAt(v: PropertyValue, segs: readonly PathSegment[], i: number): PropertyValue {
  if (v === UNKNOWN || isSecretValue(v)) return v;
  if (i === segs.length) return wrapSecret(v) as unknown as PropertyValue;
  if (v === null || typeof v !== "object") return v;
  const seg = segs[i]!;
  if (Array.isArray(v)) {
    let copy: PropertyValue[] | undefined;
    const each = seg === "*" ? v.keys() : typeof seg === "number" || /^\d+$/.test(seg) ? [Number(seg)] : [];
    for (const j of each) {
      if (j >= v.length) continue;
      const next = wrapAt(v[j]!, segs, i + 1);
      if (next !== v[j]) (copy ??= v.slice())[j] = next;
    }
    return copy ?? v;
  }
  let copy: Record<string, PropertyValue> | undefined;
  const keys = seg === "*" ? Object.keys(v) : Object.hasOwn(v, String(seg)) ? [String(seg)] : [];
  for (const k of keys) {
    const next = wrapAt(v[k]!, segs, i + 1);
    if (next !== v[k]) (copy ??= { ...v })[k] = next;
  }
  return copy ?? v;
}

/** Structural equality of two property values; a secret equals its plain value (secretness is metadata). */
export function deepEqual(a: PropertyValue | undefined, b: PropertyValue | undefined): boolean {
  if (a === b) return true;
  if (isSecretValue(a)) return deepEqual(a.value, b);
  if (isSecretValue(b)) return deepEqual(a, b.value);
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let n = 0;
  for (const k in a) {
    if (!(k in b) || !deepEqual(a[k], b[k])) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** Strict equality including secretness: used to decide whether state needs a write. */
export function sameRecord(a: PropertyValue | undefined, b: PropertyValue | undefined): boolean {
  if (a === b) return true;
  if (isSecretValue(a) !== isSecretValue(b)) return false;
  if (isSecretValue(a) && isSecretValue(b)) return sameRecord(a.value, b.value);
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameRecord(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let n = 0;
  for (const k in a) {
    if (!(k in b) || !sameRecord(a[k], b[k])) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/**
 * The value fit for events and logs: secrets become "[secret]", unknowns "(known after apply)".
 * Copy on write: a value with neither is returned as is (no allocation on the hot path), so
 * what an event holds must be treated as read-only, as its type says.
 */
export function mask(v: unknown): unknown {
  if (v === UNKNOWN) return UNKNOWN_MASK;
  if (v === null || typeof v !== "object") return v;
  if (isSecretValue(v)) return SECRET_MASK;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      const m = mask(item);
      if (m !== item && !copy) copy = v.slice(0, i);
      if (copy) copy.push(m);
    }
    return copy ?? v;
  }
  const source = v as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k in source) {
    const item = source[k];
    const m = mask(item);
    if (m !== item && !out) {
      out = {};
      for (const before in source) {
        if (before === k) break;
        out[before] = source[before];
      }
    }
    if (out) out[k] = m;
  }
  return out ?? v;
}

/** {@link mask} for a whole map. */
export function maskMap(map: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return mask(map) as Record<string, unknown>;
}

/** One segment of a property path: a key or an array index. */
type PathSegment = string | number;

/**
 * Parses `a.b[0].c` or `tags["x.y"]` into segments.
 * `*` as a whole path means every property (used by `ignoreChanges` and `replaceOnChanges`).
 */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3] ?? "");
  }
  return out;
}

function getAt(v: PropertyValue | undefined, path: readonly PathSegment[]): PropertyValue | undefined {
  let cur: PropertyValue | undefined = v;
  for (const seg of path) {
    if (isSecretValue(cur)) cur = cur.value;
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, PropertyValue>)[seg as string];
  }
  return cur;
}

function setAt(v: PropertyValue | undefined, path: readonly PathSegment[], value: PropertyValue | undefined): PropertyValue | undefined {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const base: PropertyValue =
    v !== null && typeof v === "object" ? v : typeof head === "number" ? [] : {};
  const child = setAt(getAt(base, [head]), rest, value);
  if (Array.isArray(base)) {
    const copy = base.slice();
    if (child === undefined) copy.splice(head as number, 1);
    else copy[head as number] = child;
    return copy;
  }
  const copy: Record<string, PropertyValue> = { ...(base as Record<string, PropertyValue>) };
  if (child === undefined) delete copy[head as string];
  else copy[head as string] = child;
  return copy;
}

/**
 * Applies `ignoreChanges`: each listed path of `news` takes its value from `olds` (or is removed
 * when `olds` has none), so a change there is never seen by check or diff.
 */
export function applyIgnoreChanges(news: PropertyMap, olds: PropertyMap | undefined, paths: readonly string[] | undefined): PropertyMap {
  if (!paths || paths.length === 0 || !olds) return news;
  let out: PropertyMap = news;
  for (const p of paths) {
    if (p === "*") return { ...olds };
    const segs = parsePath(p);
    if (segs.length === 0) continue;
    out = setAt(out, segs, getAt(olds, segs)) as PropertyMap;
  }
  return out;
}

/** True when the changed property `path` is covered by one of `patterns` (equal, or a parent of it, or `*`). */
export function pathMatches(path: string, patterns: readonly string[] | undefined): boolean {
  if (!patterns || patterns.length === 0) return false;
  const segs = parsePath(path);
  return patterns.some((p) => {
    if (p === "*") return true;
    const ps = parsePath(p);
    if (ps.length > segs.length) {
      // A pattern deeper than the reported change (e.g. `tags.env` when the provider reports `tags`)
      // still matches: the change may be in that sub-path, and replacing is the safe reading.
      return segs.every((s, i) => String(s) === String(ps[i]));
    }
    return ps.every((s, i) => String(s) === String(segs[i]));
  });
}

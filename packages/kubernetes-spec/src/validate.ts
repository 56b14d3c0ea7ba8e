/**
 * Checks an object against a schema of this package's format before it is applied: unknown fields
 * (naming the nearest known one), types, required fields, enums and the constraints CRD schemas
 * carry. What it does not check the API server still does (CEL rules, Go validation of built-in
 * kinds); this catches the typos and shapes a program gets wrong, at preview, with the path.
 */
import type { ObjectSpec, TypeRef } from "./format.js";

/** One problem: the property path (`spec.template.spec.containers[0].imagePullPolicy`) and what to do. */
export interface SchemaFailure {
  readonly property: string;
  readonly reason: string;
}

export interface ValidateOptions {
  /** The named types `@<key>` refers to. */
  readonly types: Readonly<Record<string, ObjectSpec>>;
  /** A value that is not known yet (preview): accepted wherever it appears. */
  readonly unknown?: unknown;
  /** Path prefix for the failures (default none). */
  readonly path?: string;
  /** What the object is, for messages (`apps/v1 Deployment`). */
  readonly what?: string;
  /** Stop after this many failures (default 20). */
  readonly limit?: number;
}

const TOP_LEVEL = new Set(["apiVersion", "kind", "metadata"]);

/** Failures of `value` against `ref`; empty when it conforms. */
export function validate(value: unknown, ref: TypeRef, o: ValidateOptions): SchemaFailure[] {
  const failures: SchemaFailure[] = [];
  const limit = o.limit ?? 20;
  const what = o.what ?? "the object";

  const push = (path: string, reason: string) => {
    if (failures.length < limit) failures.push({ property: path === "" ? "(object)" : path, reason });
  };
  const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

  function typeName(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "a list";
    if (typeof v === "object") return "an object";
    if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}`;
    return `${typeof v} ${String(v)}`;
  }

  function check(v: unknown, r: TypeRef, path: string): void {
    if (failures.length >= limit) return;
    if (o.unknown !== undefined && v === o.unknown) return;
    if (v === null) return; // null unsets a field in an apply; a required one is caught by its parent
    if (typeof r === "string") {
      if (r.startsWith("@")) {
        const spec = o.types[r.slice(1)];
        if (spec === undefined) return; // a type the data does not describe: the API server checks it
        checkObject(v, spec, path);
        return;
      }
      checkPrimitive(v, r, path);
      return;
    }
    if ("array" in r) {
      if (!Array.isArray(v)) return push(path, `must be a list, not ${typeName(v)}.`);
      v.forEach((item, i) => check(item, r.array, `${path}[${i}]`));
      if (r.listType === "map" && r.listMapKeys) {
        const seen = new Set<string>();
        v.forEach((item, i) => {
          if (item === null || typeof item !== "object") return;
          const keyVals = r.listMapKeys!.map((k) => (item as Record<string, unknown>)[k]);
          if (keyVals.some((k) => o.unknown !== undefined && k === o.unknown)) return;
          const key = JSON.stringify(keyVals);
          if (seen.has(key)) push(`${path}[${i}]`, `duplicates another item's ${r.listMapKeys!.join("/")} (${keyVals.map(String).join("/")}): each item of ${path} must have its own.`);
          seen.add(key);
        });
      }
      return;
    }
    if ("map" in r) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return push(path, `must be an object (a map of names to values), not ${typeName(v)}.`);
      for (const [k, item] of Object.entries(v)) check(item, r.map, join(path, k));
      return;
    }
    if ("enum" in r) {
      // "" is how a built-in kind's optional enum field says "the default" (a Toleration's effect):
      // accepted here; a CRD that does not list it is still refused by the API server.
      if (v === "") return;
      if (!r.enum.includes(v as string)) push(path, `must be one of ${r.enum.map((e) => JSON.stringify(e)).join(", ")}, not ${typeName(v)}.`);
      return;
    }
    if ("object" in r) {
      checkObject(v, r.object, path);
      return;
    }
    checkPrimitive(v, r.type, path);
    if (failures.length >= limit) return;
    if (typeof v === "string") {
      if (r.minLength !== undefined && v.length < r.minLength) push(path, `must be at least ${r.minLength} characters long.`);
      if (r.maxLength !== undefined && v.length > r.maxLength) push(path, `must be at most ${r.maxLength} characters long.`);
      if (r.pattern !== undefined && !matches(r.pattern, v)) push(path, `${typeName(v)} does not match the pattern ${r.pattern}.`);
    }
    if (typeof v === "number") {
      if (r.minimum !== undefined && v < r.minimum) push(path, `must be at least ${r.minimum}.`);
      if (r.maximum !== undefined && v > r.maximum) push(path, `must be at most ${r.maximum}.`);
    }
  }

  function checkPrimitive(v: unknown, p: string, path: string): void {
    switch (p) {
      case "any":
        return;
      case "string":
        if (typeof v !== "string") push(path, `must be a string, not ${typeName(v)}.`);
        return;
      case "boolean":
        if (typeof v !== "boolean") push(path, `must be true or false, not ${typeName(v)}.`);
        return;
      case "integer":
        if (typeof v !== "number" || !Number.isInteger(v)) push(path, `must be a whole number, not ${typeName(v)}.`);
        return;
      case "number":
        if (typeof v !== "number") push(path, `must be a number, not ${typeName(v)}.`);
        return;
      case "int-or-string":
        if (typeof v !== "string" && !(typeof v === "number" && Number.isInteger(v))) push(path, `must be a whole number or a string (e.g. 8080 or "http"), not ${typeName(v)}.`);
        return;
      case "quantity":
        if (typeof v !== "string" && typeof v !== "number") push(path, `must be a quantity such as "500m", "1Gi" or 2, not ${typeName(v)}.`);
        return;
    }
  }

  function checkObject(v: unknown, spec: ObjectSpec, path: string): void {
    if (typeof v !== "object" || Array.isArray(v) || v === null) return push(path, `must be an object, not ${typeName(v)}.`);
    const obj = v as Record<string, unknown>;
    for (const req of spec.required ?? []) {
      if (obj[req] === undefined || obj[req] === null) push(join(path, req), `is required${path === "" ? ` by ${what}` : ` in ${path}`}: set it.`);
    }
    for (const [k, item] of Object.entries(obj)) {
      if (item === undefined) continue;
      const prop = spec.properties[k];
      if (prop !== undefined) {
        check(item, prop, join(path, k));
        continue;
      }
      if (spec.embedded && TOP_LEVEL.has(k)) continue;
      if (spec.preserveUnknown) continue;
      const known = Object.keys(spec.properties);
      const near = nearest(k, known);
      const where = path === "" ? what : path;
      push(
        join(path, k),
        near !== undefined
          ? `${where} has no field "${k}": did you mean "${near}"?`
          : `${where} has no field "${k}"; its fields are ${known.length > 0 ? known.slice(0, 30).join(", ") + (known.length > 30 ? ", ..." : "") : "none"}.`,
      );
    }
  }

  check(value, ref, o.path ?? "");
  return failures;
}

function matches(pattern: string, v: string): boolean {
  try {
    return new RegExp(pattern, "u").test(v);
  } catch {
    return true; // a Go (RE2) pattern JavaScript cannot compile: the API server checks it
  }
}

/** The known name nearest to `name` (case-insensitive equality, else edit distance of at most a third of its length, min 2). */
export function nearest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const same = known.find((k) => k.toLowerCase() === lower);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of [...known].sort()) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions (`contianers`). */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * Unknown fields of built-in kinds, found with the real apiserver's OpenAPI v3 schemas as
 * `@iac/kubernetes-spec` captured them (packages/kubernetes-spec/data, FORMAT.md; read here by
 * path with the emulator's own reader: the emulator imports none of our packages). The apiserver
 * decodes built-in objects into Go types, so a field the type does not have is refused with
 * `fieldValidation=Strict` (kubectl's default), warned about with `Warn`, dropped with `Ignore`,
 * and refused by server-side apply (500, typed patch). Only field names are checked here; values
 * of the wrong type are not (yet).
 */
import { readFileSync } from "node:fs";
import { isPlainObject } from "./types.js";

/** A TypeRef of FORMAT.md. */
type TypeRef = string | { array: TypeRef } | { map: TypeRef } | { enum: unknown[] } | { object: ObjectSpec } | { type: string };
interface ObjectSpec {
  readonly properties?: Readonly<Record<string, TypeRef>>;
  readonly preserveUnknown?: boolean;
}
interface SpecData {
  readonly kinds: Readonly<Record<string, { readonly type: string }>>;
  readonly types: Readonly<Record<string, ObjectSpec>>;
}

/** The data folder of `@iac/kubernetes-spec` (a dependency for its data only), as Node resolves it. */
const DATA_DIR = new URL(".", import.meta.resolve("@iac/kubernetes-spec/data/index.json"));

/**
 * The captured schemas, read once on first use (about 140 kB). Undefined when the data is not
 * there (the emulator then checks no built-in kind, as before it had the data).
 */
const loaded: { data?: SpecData | null } = {};
function specData(): SpecData | undefined {
  if (loaded.data === undefined) {
    try {
      const index = JSON.parse(readFileSync(new URL("index.json", DATA_DIR), "utf8")) as { format: number; kinds: SpecData["kinds"] };
      const types = JSON.parse(readFileSync(new URL("types.json", DATA_DIR), "utf8")) as { format: number; types: SpecData["types"] };
      loaded.data = index.format === 1 && types.format === 1 ? { kinds: index.kinds, types: types.types } : null;
    } catch {
      loaded.data = null;
    }
  }
  return loaded.data ?? undefined;
}

/** The fields of a built-in object its type does not have (`spec.replica`, `metadata.lables`), in document order. */
export function unknownBuiltinFields(group: string, version: string, kind: string, obj: Record<string, unknown>): string[] | undefined {
  const data = specData();
  const k = data?.kinds[`${group === "" ? "core" : group}/${version}/${kind}`];
  if (data === undefined || k === undefined) return undefined;
  const out: string[] = [];
  walkObject(data, `@${k.type}`, obj, "", out);
  return out;
}

function walkObject(data: SpecData, ref: TypeRef, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof ref === "string") {
    if (!ref.startsWith("@")) return;
    const spec = data.types[ref.slice(1)];
    if (spec !== undefined) walkSpec(data, spec, value, path, out);
    return;
  }
  if ("object" in ref) walkSpec(data, ref.object, value, path, out);
  else if ("array" in ref && Array.isArray(value)) value.forEach((v, i) => walkObject(data, ref.array, v, `${path}[${i}]`, out));
  else if ("map" in ref && isPlainObject(value)) for (const [key, v] of Object.entries(value)) walkObject(data, ref.map, v, `${path}.${key}`, out);
}

function walkSpec(data: SpecData, spec: ObjectSpec, value: unknown, path: string, out: string[]): void {
  if (!isPlainObject(value) || spec.preserveUnknown === true) return;
  const props = spec.properties ?? {};
  for (const [key, v] of Object.entries(value)) {
    const where = path === "" ? key : `${path}.${key}`;
    const ref = props[key];
    if (ref === undefined) out.push(where);
    else walkObject(data, ref, v, where, out);
  }
}

/** Remove the fields `unknownBuiltinFields` named (paths as it writes them). */
export function pruneFields(obj: Record<string, unknown>, paths: readonly string[]): void {
  for (const path of paths) {
    const parts = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
    let node: unknown = obj;
    for (let i = 0; i < parts.length - 1 && node !== undefined; i++) node = (node as Record<string | number, unknown>)[parts[i]!];
    if (isPlainObject(node)) delete node[parts[parts.length - 1] as string];
  }
}

/**
 * Where a generated type holds secrets, from the data's `sensitive` marks (the definitions' and the
 * compaction's rules, packages/azure-spec/gen/secret-rules.json: on a string type, on an object type,
 * or on a property whose whole value is secret such as `protectedSettings`): the input paths
 * for the protocol's `secretInputs` (the engine encrypts the values there even when the program
 * passed plain strings), and the outputs that are always secret.
 */
import { isSensitive, type ArgSpec, type NamedTypeSpec, type PropertySpec, type TypeKeyRef, type TypeRef } from "@iac/azure-spec";
import type { NamedTypes } from "./validate.js";

/** Recursive types (a JSON schema's schema) stop here; real secrets sit far shallower. */
const MAX_DEPTH = 8;

function walk(t: TypeRef, path: string, named: NamedTypes, seen: ReadonlySet<string>, out: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (typeof t === "string") {
    if (!t.startsWith("@") || seen.has(t)) return;
    const n = named(t as TypeKeyRef);
    const next = new Set(seen).add(t);
    if (n.kind === "object" && n.sensitive) {
      out.add(path);
      return;
    }
    for (const [name, p] of Object.entries(propertiesOfNamed(n, named))) {
      // A property whose whole value is secret (protected settings, a password typed `any`).
      if (p.sensitive) out.add(`${path}.${name}`);
      else walk(p.type, `${path}.${name}`, named, next, out, depth + 1);
    }
    // A map of secrets cannot be named key by key in the path syntax: the whole map is secret.
    if (n.kind === "object" && n.additionalProperties !== undefined) {
      const inner = new Set<string>();
      walk(n.additionalProperties, path, named, next, inner, depth + 1);
      if (inner.size > 0) out.add(path);
    }
    return;
  }
  if (isSensitive(t)) out.add(path);
  else if (t.type === "array") walk(t.items, `${path}[*]`, named, seen, out, depth + 1);
  else if (t.type === "union") for (const u of t.of) walk(u, path, named, seen, out, depth + 1);
}

function propertiesOfNamed(n: NamedTypeSpec, named: NamedTypes): Record<string, PropertySpec> {
  if (n.kind === "object") return n.properties;
  const out: Record<string, PropertySpec> = { ...n.base };
  for (const ref of Object.values(n.elements)) {
    const e = named(ref);
    for (const [k, p] of Object.entries(e.kind === "object" ? e.properties : e.base)) if (!(k in out)) out[k] = p;
  }
  return out;
}

/** The secret paths under each of `layout`'s entries (`administratorLoginPassword`, `osProfile.adminPassword`, `secrets[*].value`). */
export function secretPaths(layout: readonly ArgSpec[], named: NamedTypes): string[] {
  const out = new Set<string>();
  for (const a of layout) {
    if (a.property.sensitive) out.add(a.name);
    else walk(a.property.type, a.name, named, new Set(), out, 0);
  }
  return [...out].sort();
}

/** The top-level names among `paths` (a secret output makes its whole top-level output secret). */
export function topLevel(paths: readonly string[]): string[] {
  return [...new Set(paths.map((p) => p.split(/[.[]/)[0]!))].sort();
}

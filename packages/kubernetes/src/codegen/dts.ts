/**
 * Declarations from schemas of @iac/kubernetes-spec's format: a TypeRef as a TypeScript type, an
 * ObjectSpec as an interface, descriptions as TSDoc. Shared by `npm run gen:kubernetes` (built-in
 * kinds) and `iac gen crd` (custom kinds).
 */
import type { ObjectSpec, TypeRef } from "@iac/kubernetes-spec";

/** How a `@<key>` reference is written where the declaration is. */
export type RefNamer = (key: string) => string;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as written in an interface. */
export function propName(name: string): string {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

/** A TSDoc comment at `indent`, or nothing. */
export function doc(text: string | undefined, indent: string): string {
  if (!text) return "";
  const safe = text.replace(/\*\//g, "*\\/").replace(/\r/g, "");
  const lines = safe.split("\n");
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`.trimEnd()).join("\n")}\n${indent} */\n`;
}

/** A TypeRef as a TypeScript type; inline objects are named through `inline` (CRD modules hoist them). */
export function tsType(ref: TypeRef, o: { ref: RefNamer; inline?: (spec: ObjectSpec) => string }): string {
  if (typeof ref === "string") {
    switch (ref) {
      case "string":
        return "string";
      case "integer":
      case "number":
        return "number";
      case "boolean":
        return "boolean";
      case "any":
        return "any";
      case "int-or-string":
        return "number | string";
      case "quantity":
        return "string | number";
      default:
        return o.ref(ref.slice(1));
    }
  }
  if ("array" in ref) {
    const item = tsType(ref.array, o);
    return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
  }
  if ("map" in ref) return `Record<string, ${tsType(ref.map, o)}>`;
  if ("enum" in ref) return ref.enum.map((v) => JSON.stringify(v)).join(" | ");
  if ("object" in ref) return o.inline ? o.inline(ref.object) : inlineObject(ref.object, o);
  return tsType(ref.type, o);
}

function inlineObject(spec: ObjectSpec, o: { ref: RefNamer }): string {
  const req = new Set(spec.required ?? []);
  const props = Object.entries(spec.properties).map(([k, v]) => `${propName(k)}${req.has(k) ? "" : "?"}: ${tsType(v, o)}`);
  if (spec.preserveUnknown || (props.length === 0 && !spec.embedded)) props.push("[field: string]: any");
  return `{ ${props.join("; ")} }`;
}

/** The members of an interface for `spec`, each with its description (`describe(name)`). */
export function members(spec: ObjectSpec, o: { ref: RefNamer; inline?: (spec: ObjectSpec, prop: string) => string; describe?: (prop: string) => string | undefined; indent: string; skip?: ReadonlySet<string> }): string {
  const req = new Set(spec.required ?? []);
  let out = "";
  for (const [k, v] of Object.entries(spec.properties)) {
    if (o.skip?.has(k)) continue;
    out += doc(o.describe?.(k), o.indent);
    const inline = o.inline;
    out += `${o.indent}${propName(k)}${req.has(k) ? "" : "?"}: ${tsType(v, { ref: o.ref, ...(inline ? { inline: (s: ObjectSpec) => inline(s, k) } : {}) })};\n`;
  }
  if (spec.preserveUnknown) out += `${o.indent}[field: string]: any;\n`;
  return out;
}

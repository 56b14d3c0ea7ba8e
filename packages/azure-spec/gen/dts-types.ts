/**
 * The object types of a module's declarations: TypeScript names for the data's type keys, the
 * `inputs` and `outputs` namespaces (one shared interface where both sides are the same), and a
 * TypeRef as a TypeScript type.
 */
import type { ModuleSpec, NamedTypeSpec, PropertySpec, TypeRef } from "../src/format.js";
import { isReadOnly, isRequired, isSecretProperty, isWriteOnly } from "../src/loader.js";
import { pascal } from "../src/naming.js";
import type { ModuleDocs } from "./compact.js";

export interface DtsContext {
  readonly spec: ModuleSpec;
  readonly docs: ModuleDocs;
  /** type key -> TypeScript name inside the `inputs` / `outputs` namespaces. */
  readonly names: Map<string, string>;
  /** type keys whose input and output shapes differ (a read-only or write-only property somewhere). */
  readonly differs: Set<string>;
}

/** The context of one module's declarations. */
export function dtsContext(spec: ModuleSpec, docs: ModuleDocs): DtsContext {
  return { spec, docs, names: typeNames(spec), differs: differingTypes(spec) };
}

export function namespaceDts(ctx: DtsContext, ns: "inputs" | "outputs"): string[] {
  const out: string[] = [`export declare namespace ${ns} {`];
  for (const [key, t] of Object.entries(ctx.spec.types)) {
    const name = ctx.names.get(key)!;
    if (ns === "outputs" && !ctx.differs.has(key)) {
      out.push(`  type ${name} = inputs.${name};`);
      continue;
    }
    out.push(...namedTypeDts(ctx, key, t, name, ns));
  }
  out.push("}", "");
  return out;
}

function namedTypeDts(ctx: DtsContext, key: string, t: NamedTypeSpec, name: string, ns: "inputs" | "outputs"): string[] {
  const keep = (p: PropertySpec) => (ns === "inputs" ? !isReadOnly(p) : !isWriteOnly(p));
  if (t.kind === "discriminated") {
    const base = Object.entries(t.base).filter(([, p]) => keep(p));
    const elements = Object.values(t.elements).map((e) => `${ns}.${ctx.names.get(e.slice(1))!}`);
    const union = elements.length > 0 ? elements.join(" | ") : "{}";
    if (base.length === 0) return [`  type ${name} = ${union};`];
    return [`  type ${name} = {`, ...propLines(ctx, key, base, ns), `  } & (${union});`];
  }
  const props = Object.entries(t.properties).filter(([, p]) => keep(p));
  const flat = ns === "inputs" ? flattenable(ctx.spec, t) : [];
  if (flat.length > 0) {
    // Pulumi's form too: `{ name, addressPrefix }` for `{ name, properties: { addressPrefix } }`
    // (the provider's check moves them into `properties`); either form, so each is optional.
    const lines = [`  interface ${name} {`, ...propLines(ctx, key, props.map(([n, p]) => [n, n === "properties" ? { ...p, flags: (p.flags ?? 0) & ~1 } : p] as [string, PropertySpec]), ns)];
    for (const [n, p] of flat) lines.push(`    ${prop(n)}?: ${tsType(ctx, p.type, ns)};`);
    if (t.additionalProperties !== undefined) lines.push(`    [key: string]: any;`);
    lines.push("  }");
    return lines;
  }
  if (props.length === 0) {
    const values = t.additionalProperties !== undefined ? tsType(ctx, t.additionalProperties, ns) : "any";
    return [`  type ${name} = { [key: string]: ${values} };`];
  }
  const lines = [`  interface ${name} {`, ...propLines(ctx, key, props, ns)];
  if (t.additionalProperties !== undefined) lines.push(`    [key: string]: any;`);
  lines.push("  }");
  return lines;
}

/**
 * The writable properties of an object's `properties` object that may also be written on the
 * object itself (Pulumi flattens them there), where the object has no property of that name.
 */
export function flattenable(spec: ModuleSpec, t: { properties: Readonly<Record<string, PropertySpec>> }): [string, PropertySpec][] {
  const holder = t.properties.properties;
  if (holder === undefined || isReadOnly(holder) || typeof holder.type !== "string" || !holder.type.startsWith("@")) return [];
  const inner = spec.types[holder.type.slice(1)];
  if (inner?.kind !== "object") return [];
  return Object.entries(inner.properties).filter(([n, p]) => !isReadOnly(p) && t.properties[n] === undefined);
}

function propLines(ctx: DtsContext, key: string, props: readonly [string, PropertySpec][], ns: "inputs" | "outputs"): string[] {
  // Descriptions once, on the input side: the output types repeat the same properties.
  const descs = ns === "inputs" ? ctx.docs.properties.get(key) : undefined;
  const out: string[] = [];
  for (const [n, p] of props) {
    const d = withSecretNote(descs?.get(n), ns === "inputs" && isSecretProperty(p));
    if (d) out.push(doc([d], "    "));
    out.push(`    ${prop(n)}${isRequired(p) ? "" : "?"}: ${tsType(ctx, p.type, ns)};`);
  }
  return out;
}

/** What an input's doc says of a secret: the engine keeps it encrypted even when given as a plain string. */
export const SECRET_NOTE = "Secret: encrypted in state and shown as [secret], even when given as a plain string.";
export function withSecretNote(description: string | undefined, secret: boolean): string | undefined {
  if (!secret) return description;
  return description ? `${description}${/[.!?]$/.test(description) ? "" : "."} ${SECRET_NOTE}` : SECRET_NOTE;
}

export function tsType(ctx: DtsContext, t: TypeRef, ns: "inputs" | "outputs"): string {
  if (typeof t === "string") {
    switch (t) {
      case "string":
        return "string";
      case "int":
        return "number";
      case "bool":
        return "boolean";
      case "any":
        return "any";
      case "null":
        return "null";
      default:
        return `${ns}.${ctx.names.get(t.slice(1)) ?? "never"}`;
    }
  }
  switch (t.type) {
    case "string":
      return "string";
    case "int":
      return "number";
    case "literal":
      return JSON.stringify(t.value);
    case "enum": {
      const values = t.values.map((v) => JSON.stringify(v));
      // `string & {}` keeps the known values in completion while admitting others.
      if (t.open) values.push("(string & {})");
      return values.length > 0 ? values.join(" | ") : "string";
    }
    case "array": {
      const item = tsType(ctx, t.items, ns);
      return /^[\w.]+$/.test(item) ? `${item}[]` : `(${item})[]`;
    }
    case "union":
      return t.of.map((u) => tsType(ctx, u, ns)).join(" | ");
  }
}

/** TypeScript names of a module's type keys: PascalCase, unique, never starting with a digit. */
function typeNames(spec: ModuleSpec): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const key of Object.keys(spec.types)) {
    let base = pascal(key.replace(/~(\d+)$/, " $1"));
    if (!/^[A-Za-z_]/.test(base)) base = `T${base}`;
    if (base === "") base = "T";
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}${n}`;
    used.add(name.toLowerCase());
    names.set(key, name);
  }
  return names;
}

/** Type keys whose input and output shapes differ, directly or through a type they reach. */
function differingTypes(spec: ModuleSpec): Set<string> {
  const refs = (t: TypeRef): string[] => {
    if (typeof t === "string") return t.startsWith("@") ? [t.slice(1)] : [];
    if (t.type === "array") return refs(t.items);
    if (t.type === "union") return t.of.flatMap(refs);
    return [];
  };
  const differs = new Set<string>();
  const edges = new Map<string, string[]>();
  for (const [key, t] of Object.entries(spec.types)) {
    const props = t.kind === "object" ? t.properties : t.base;
    const to = [
      ...Object.values(props).flatMap((p) => refs(p.type)),
      ...(t.kind === "object" && t.additionalProperties !== undefined ? refs(t.additionalProperties) : []),
      ...(t.kind === "discriminated" ? Object.values(t.elements).map((e) => e.slice(1)) : []),
    ];
    edges.set(key, to);
    if (Object.values(props).some((p) => isReadOnly(p) || isWriteOnly(p)) || (t.kind === "object" && flattenable(spec, t).length > 0)) differs.add(key);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [key, to] of edges) {
      if (!differs.has(key) && to.some((k) => differs.has(k))) {
        differs.add(key);
        changed = true;
      }
    }
  }
  return differs;
}

export function prop(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

export function doc(lines: readonly string[], indent = ""): string {
  const safe = lines.flatMap((l) => l.replace(/\*\//g, "*\\/").split(/\r?\n/));
  if (safe.length === 1) return `${indent}/** ${safe[0]} */`;
  return [`${indent}/**`, ...safe.map((l) => (l === "" ? `${indent} *` : `${indent} * ${l}`)), `${indent} */`].join("\n");
}

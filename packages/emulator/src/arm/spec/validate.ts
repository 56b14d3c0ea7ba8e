/**
 * Checks a request body against the type definitions, as the resource providers behind ARM do
 * when they deserialize it: wrong JSON types and missing required properties are refused, values
 * outside an enum, a pattern, a length or a range are refused; read-only properties are ignored
 * (dropped), and so are properties the type does not have (a typed deserializer skips them).
 * Enum values match case-insensitively and are kept in the definitions' spelling.
 *
 * Written for the local cloud alone: the provider has its own check (the two must agree by
 * reading the same definitions, not by sharing code).
 */
import { Flags, type ModuleSpec, type PropSpec, type TypeRef, type TypeSpec } from "./model.js";

/** One refused value. `kind` picks the error code (see generic.ts). */
export interface Problem {
  readonly kind: "missing" | "type" | "value" | "unknown";
  /** `properties.subnets[0].name` */
  readonly path: string;
  readonly message: string;
}

export interface CleanOptions {
  /** PATCH: nothing is required, and `null` is kept (it removes the property when merged). */
  readonly partial: boolean;
  /**
   * Refuse properties the type does not have, as the resource providers whose deserializer does
   * (JSON.NET with missing members as errors) refuse them; see generic.ts for which ones.
   */
  readonly strict?: boolean;
}

/** Top-level properties that come from the URL, never from the body. */
const IDENTIFIERS = new Set(["id", "name", "type", "apiVersion"]);

/** The body cleaned (see the module comment), and what is wrong with it. */
export function cleanBody(mod: ModuleSpec, body: TypeRef, value: Record<string, unknown>, options: CleanOptions): { value: Record<string, unknown>; problems: Problem[] } {
  const problems: Problem[] = [];
  const out = cleanValue({ mod, options, problems }, body, value, "", true) as Record<string, unknown> | undefined;
  return { value: out ?? {}, problems };
}

/** Problems of a single value (a name, say) against a type. */
export function checkValue(mod: ModuleSpec, ref: TypeRef, value: unknown, path: string): Problem[] {
  const problems: Problem[] = [];
  cleanValue({ mod, options: { partial: false }, problems }, ref, value, path);
  return problems;
}

interface Walk {
  readonly mod: ModuleSpec;
  readonly options: CleanOptions;
  readonly problems: Problem[];
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** How a type reads in a message. */
export function describe(mod: ModuleSpec, ref: TypeRef, depth = 0): string {
  const t = mod.types[ref]!;
  switch (t.kind) {
    case "string": return "string";
    case "int": return "number";
    case "bool": return "boolean";
    case "any": return "any value";
    case "null": return "null";
    case "literal": return `'${String(t.value)}'`;
    case "union": return depth > 1 ? "one of several types" : t.members.map((m) => describe(mod, m, depth + 1)).join(" | ");
    case "array": return "array";
    case "object": return t.additional !== undefined && Object.keys(t.props).length === 0 ? "object (map)" : "object";
    case "discriminated": return "object";
  }
}

function cleanValue(w: Walk, ref: TypeRef, value: unknown, path: string, top = false): unknown {
  const t = w.mod.types[ref]!;
  const bad = (kind: Problem["kind"], message: string): undefined => {
    w.problems.push({ kind, path, message });
    return undefined;
  };
  const wrongType = (expected: string) =>
    bad("type", `Property '${path}' must be ${expected}, not ${jsonKind(value)}${typeof value === "string" ? ` ('${value}')` : ""}.`);
  switch (t.kind) {
    case "any":
      return value;
    case "null":
      return value === null ? null : wrongType("null");
    case "bool":
      return typeof value === "boolean" ? value : wrongType("a boolean");
    case "int": {
      // The definitions carry swagger's `number` (cpu: 0.5) as int too: any finite number goes.
      if (typeof value !== "number" || !Number.isFinite(value)) return wrongType("a number");
      if ((t.min !== undefined && value < t.min) || (t.max !== undefined && value > t.max)) {
        return bad("value", `The value ${value} of property '${path}' is out of range: it must be ${rangeText(t.min, t.max)}.`);
      }
      return value;
    }
    case "string":
      if (typeof value !== "string") return wrongType("a string");
      return checkString(t, value, path, bad);
    case "literal":
      if (typeof value === typeof t.value && (value === t.value || (typeof value === "string" && value.toLowerCase() === String(t.value).toLowerCase()))) return t.value;
      return bad("value", `The value '${String(value)}' is not allowed for property '${path}'. Allowed value: '${String(t.value)}'.`);
    case "union":
      return cleanUnion(w, t.members, value, path, bad);
    case "array": {
      if (!Array.isArray(value)) return wrongType("an array");
      if ((t.minLength !== undefined && value.length < t.minLength) || (t.maxLength !== undefined && value.length > t.maxLength)) {
        return bad("value", `Property '${path}' has ${value.length} items; it must have ${rangeText(t.minLength, t.maxLength)}.`);
      }
      return value.map((item, i) => (item === null ? null : cleanValue(w, t.item, item, `${path}[${i}]`)));
    }
    case "object":
      if (typeof value !== "object" || value === null || Array.isArray(value)) return wrongType("an object");
      return cleanObject(w, { name: t.name, props: t.props, additional: t.additional }, value as Record<string, unknown>, path, top);
    case "discriminated": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return wrongType("an object");
      const v = value as Record<string, unknown>;
      const d = v[t.discriminator];
      const dPath = join(path, t.discriminator);
      const allowed = Object.keys(t.elements);
      if (d === undefined || d === null) {
        if (w.options.partial) return cleanObject(w, { name: t.name, props: t.base }, v, path, top);
        w.problems.push({ kind: "missing", path: dPath, message: `Required property '${dPath}' is missing. Allowed values: ${allowed.map((a) => `'${a}'`).join(", ")}.` });
        return undefined;
      }
      const key = allowed.find((a) => typeof d === "string" && a.toLowerCase() === d.toLowerCase());
      if (key === undefined) {
        w.problems.push({ kind: "value", path: dPath, message: `The value '${String(d)}' is not allowed for property '${dPath}'. Allowed values: ${allowed.map((a) => `'${a}'`).join(", ")}.` });
        return undefined;
      }
      const element = w.mod.types[t.elements[key]!]!;
      const props = element.kind === "object" ? { ...t.base, ...element.props } : t.base;
      const out = cleanObject(w, { name: element.kind === "object" ? element.name : t.name, props, additional: element.kind === "object" ? element.additional : undefined }, v, path, top);
      if (out !== undefined) (out as Record<string, unknown>)[t.discriminator] = key;
      return out;
    }
  }
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

function checkString(t: Extract<TypeSpec, { kind: "string" }>, value: string, path: string, bad: (kind: Problem["kind"], message: string) => undefined): unknown {
  if ((t.minLength !== undefined && value.length < t.minLength) || (t.maxLength !== undefined && value.length > t.maxLength)) {
    return bad("value", `The value of property '${path}' is ${value.length} characters long; it must be ${rangeText(t.minLength, t.maxLength)} characters.`);
  }
  if (t.pattern !== undefined) {
    const re = compile(t.pattern);
    if (re !== undefined && !re.test(value)) {
      return bad("value", `The value ${t.sensitive ? "" : `'${value}' `}of property '${path}' does not match the pattern '${t.pattern}'.`);
    }
  }
  return value;
}

const patterns = new Map<string, RegExp | undefined>();

/** The definitions' patterns are .NET regular expressions; the few JavaScript cannot read are skipped. */
function compile(pattern: string): RegExp | undefined {
  if (!patterns.has(pattern)) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(pattern, "u");
    } catch {
      try {
        re = new RegExp(pattern);
      } catch {
        re = undefined;
      }
    }
    patterns.set(pattern, re);
  }
  return patterns.get(pattern);
}

function cleanUnion(w: Walk, members: readonly TypeRef[], value: unknown, path: string, bad: (kind: Problem["kind"], message: string) => undefined): unknown {
  const types = members.map((m) => w.mod.types[m]!);
  const literals = types.filter((t): t is Extract<TypeSpec, { kind: "literal" }> => t.kind === "literal");
  // An enum: literals, maybe with `string` beside them (an open enum, where any string goes).
  if (typeof value === "string") {
    const hit = literals.find((l) => typeof l.value === "string" && l.value.toLowerCase() === value.toLowerCase());
    if (hit !== undefined) return hit.value;
    const str = members.find((m) => w.mod.types[m]!.kind === "string");
    if (str !== undefined) return cleanValue(w, str, value, path);
    if (literals.length > 0 && literals.length === types.length) {
      return bad("value", `The value '${value}' is not allowed for property '${path}'. Allowed values: ${literals.map((l) => `'${String(l.value)}'`).join(", ")}.`);
    }
  }
  // Other unions (object | string, ...): the first member that takes the value without problems.
  for (const m of members) {
    const trial: Walk = { ...w, problems: [] };
    const out = cleanValue(trial, m, value, path);
    if (trial.problems.length === 0) return out;
  }
  return bad("type", `Property '${path}' must be ${members.map((m) => describe(w.mod, m, 1)).join(" or ")}, not ${jsonKind(value)}.`);
}

interface ObjectShape {
  readonly name: string;
  readonly props: Readonly<Record<string, PropSpec>>;
  readonly additional?: TypeRef;
}

function cleanObject(w: Walk, shape: ObjectShape, value: Record<string, unknown>, path: string, top: boolean): Record<string, unknown> {
  const { props, additional } = shape;
  const out: Record<string, unknown> = {};
  const byLower = new Map(Object.keys(props).map((k) => [k.toLowerCase(), k]));
  for (const [k, v] of Object.entries(value)) {
    // JSON.NET binds property names case-insensitively; the definitions' spelling is kept.
    const name = byLower.get(k.toLowerCase());
    if (name === undefined) {
      if (additional !== undefined) out[k] = v === null ? null : cleanValue(w, additional, v, join(path, k));
      // JSON.NET's own words when missing members are errors (Azure/azure-sdk-for-net#3487).
      else if (w.options.strict && !(top && IDENTIFIERS.has(k))) {
        w.problems.push({ kind: "unknown", path: join(path, k), message: `Could not find member '${k}' on object of type '${shape.name}'. Path '${join(path, k)}'.` });
      }
      continue; // unknown: ignored, as a typed deserializer ignores it
    }
    const p = props[name]!;
    if (top && IDENTIFIERS.has(name)) continue;
    if (p.flags & Flags.ReadOnly && !(p.flags & Flags.Required)) continue;
    if (v === null) {
      if (w.options.partial) out[name] = null;
      continue;
    }
    const cleaned = cleanValue(w, p.type, v, join(path, name));
    if (cleaned !== undefined) out[name] = cleaned;
  }
  if (!w.options.partial) {
    for (const [name, p] of Object.entries(props)) {
      if (!(p.flags & Flags.Required) || (p.flags & Flags.ReadOnly) || (top && IDENTIFIERS.has(name))) continue;
      if (value[name] !== undefined && value[name] !== null) continue;
      if ([...Object.keys(value)].some((k) => k.toLowerCase() === name.toLowerCase() && value[k] !== null)) continue;
      const full = join(path, name);
      w.problems.push({ kind: "missing", path: full, message: `Required property '${full}' is missing (${describe(w.mod, p.type)}).` });
    }
  }
  return out;
}

/**
 * The value without what the service never returns: write-only and sensitive properties (and
 * sensitive strings and objects wherever they sit; the data marks protected settings sensitive). Applied before storing, so secrets are not even persisted.
 */
export function withoutSecrets(mod: ModuleSpec, ref: TypeRef, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const t = mod.types[ref]!;
  switch (t.kind) {
    case "string":
      return t.sensitive ? undefined : value;
    case "array":
      return Array.isArray(value) ? value.map((v) => withoutSecrets(mod, t.item, v)).filter((v) => v !== undefined) : value;
    case "union": {
      // Keep the value unless every member that could hold it is secret.
      const secret = t.members.every((m) => withoutSecrets(mod, m, value) === undefined);
      return secret ? undefined : value;
    }
    case "object":
      if (t.sensitive) return undefined;
      return stripObject(mod, t.props, t.additional, value);
    case "discriminated": {
      const v = value as Record<string, unknown>;
      const key = Object.keys(t.elements).find((k) => k === v[t.discriminator]);
      const el = key === undefined ? undefined : mod.types[t.elements[key]!];
      return stripObject(mod, { ...t.base, ...(el?.kind === "object" ? el.props : {}) }, el?.kind === "object" ? el.additional : undefined, value);
    }
    default:
      return value;
  }
}

function stripObject(mod: ModuleSpec, props: Readonly<Record<string, PropSpec>>, additional: TypeRef | undefined, value: unknown): unknown {
  if (typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = props[k];
    if (p === undefined) {
      const kept = additional === undefined ? v : withoutSecrets(mod, additional, v);
      if (kept !== undefined) out[k] = kept;
      continue;
    }
    if (p.flags & Flags.WriteOnly || p.sensitive) continue;
    const kept = withoutSecrets(mod, p.type, v);
    if (kept !== undefined) out[k] = kept;
  }
  return out;
}

/**
 * `check` of a generated resource type, from its metadata alone (@iac/azure-spec): before any
 * call, every arg is held against the definitions — required properties, types, string patterns
 * and lengths, integer ranges, enums (matched case-insensitively and rewritten in the service's
 * spelling), discriminated objects — and an unknown property is an error naming the nearest valid
 * ones. Read-only properties are refused (they are outputs). Values unknown during preview skip
 * the rules that need them.
 *
 * Known looseness, on purpose: the definitions call every number `int` (a container's `cpu: 1.5`
 * is one), so only ranges are checked, not integrality; a pattern JavaScript cannot compile is
 * skipped rather than guessed at.
 */
import { distance, isReadOnly, isRequired, type ArgSpec, type NamedTypeSpec, type PropertySpec, type TypeKeyRef, type TypeRef } from "@iac/azure-spec";
import { UNKNOWN, type CheckFailure, type PropertyMap, type PropertyValue } from "@iac/sdk/provider";

/** Resolves `@key` references of the resource's module. */
export type NamedTypes = (ref: TypeKeyRef) => NamedTypeSpec;

/** What one check found: the normalized value and the failures under `path`. */
interface Checker {
  readonly named: NamedTypes;
  readonly failures: CheckFailure[];
  /** Compiled patterns (many types share a few dozen). */
  readonly patterns: Map<string, RegExp | null>;
}

function fail(c: Checker, property: string, reason: string): void {
  c.failures.push({ property, reason });
}

function isPlainObject(v: PropertyValue | undefined): v is { [key: string]: PropertyValue } {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

/** A JavaScript RegExp for a definitions' pattern, or null when JavaScript cannot compile it. */
function regexOf(c: Checker, pattern: string): RegExp | null {
  let re = c.patterns.get(pattern);
  if (re !== undefined) return re;
  re = null;
  for (const flags of ["u", ""]) {
    try {
      re = new RegExp(pattern, flags);
      break;
    } catch {
      // try the next flags; null when none compiles
    }
  }
  c.patterns.set(pattern, re);
  return re;
}

/** The nearest of `candidates` to `name` (at most 3), for "did you mean". */
export function nearest(name: string, candidates: Iterable<string>): string[] {
  const lower = name.toLowerCase();
  return [...candidates]
    .map((c) => ({ c, d: c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 3)) || x.c.toLowerCase().includes(lower) || lower.includes(x.c.toLowerCase()))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, 3)
    .map((x) => x.c);
}

function typeName(v: PropertyValue): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : typeof v === "string" ? "a string" : typeof v === "number" ? "a number" : "a boolean";
}

function describeType(c: Checker, t: TypeRef): string {
  if (typeof t === "string") {
    if (t.startsWith("@")) return "an object";
    return t === "int" ? "a number" : t === "bool" ? "a boolean" : t === "string" ? "a string" : t;
  }
  switch (t.type) {
    case "string":
      return "a string";
    case "int":
      return "a number";
    case "literal":
      return `"${t.value}"`;
    case "enum":
      return "a string";
    case "array":
      return "a list";
    case "union":
      return t.of.map((u) => describeType(c, u)).join(" or ");
  }
}

/** Checks `v` against `t`; returns the value with enums and literals in the service's spelling. */
function checkValue(c: Checker, t: TypeRef, v: PropertyValue, path: string, sensitive = false): PropertyValue {
  if (v === UNKNOWN || v === null) return v;
  if (typeof t === "string") {
    switch (t) {
      case "any":
        return v;
      case "null":
        return v;
      case "string":
        if (typeof v !== "string") fail(c, path, `must be a string, not ${typeName(v)}`);
        return v;
      case "int":
        if (typeof v !== "number" || !Number.isFinite(v)) fail(c, path, `must be a number, not ${typeName(v)}`);
        return v;
      case "bool":
        if (typeof v !== "boolean") fail(c, path, `must be true or false, not ${typeName(v)}`);
        return v;
      default:
        return checkNamed(c, t as TypeKeyRef, v, path);
    }
  }
  switch (t.type) {
    case "string": {
      if (typeof v !== "string") {
        fail(c, path, `must be a string, not ${typeName(v)}`);
        return v;
      }
      const shown = t.sensitive || sensitive ? "the value" : `"${v}"`;
      if (t.minLength !== undefined && v.length < t.minLength) fail(c, path, `${shown} is ${v.length} characters long; it must have at least ${t.minLength}`);
      if (t.maxLength !== undefined && v.length > t.maxLength) fail(c, path, `${shown} is ${v.length} characters long; it must have at most ${t.maxLength}`);
      if (t.pattern !== undefined) {
        const re = regexOf(c, t.pattern);
        if (re && !re.test(v)) fail(c, path, `${shown} does not match the pattern ${t.pattern}`);
      }
      return v;
    }
    case "int":
      if (typeof v !== "number" || !Number.isFinite(v)) {
        fail(c, path, `must be a number, not ${typeName(v)}`);
        return v;
      }
      if (t.min !== undefined && v < t.min) fail(c, path, `${v} is below the minimum ${t.min}`);
      if (t.max !== undefined && v > t.max) fail(c, path, `${v} is above the maximum ${t.max}`);
      return v;
    case "literal":
      if (typeof v !== "string" || v.toLowerCase() !== t.value.toLowerCase()) {
        fail(c, path, `must be "${t.value}"`);
        return v;
      }
      return t.value;
    case "enum": {
      if (typeof v !== "string") {
        fail(c, path, `must be ${t.open ? "a string" : `one of ${listOf(t.values)}`}, not ${typeName(v)}`);
        return v;
      }
      const match = t.values.find((x) => x.toLowerCase() === v.toLowerCase());
      if (match !== undefined) return match;
      if (!t.open) {
        const near = nearest(v, t.values);
        fail(c, path, `"${v}" is not one of ${listOf(t.values)}${near.length > 0 ? `; did you mean ${near.map((n) => `"${n}"`).join(" or ")}?` : ""}`);
      }
      return v;
    }
    case "array": {
      if (!Array.isArray(v)) {
        fail(c, path, `must be a list, not ${typeName(v)}`);
        return v;
      }
      if (t.minLength !== undefined && v.length < t.minLength) fail(c, path, `must have at least ${t.minLength} item(s), not ${v.length}`);
      if (t.maxLength !== undefined && v.length > t.maxLength) fail(c, path, `must have at most ${t.maxLength} item(s), not ${v.length}`);
      return v.map((item, i) => checkValue(c, t.items, item, `${path}[${i}]`, sensitive));
    }
    case "union": {
      // The first alternative that takes the value without a failure wins.
      for (const alt of t.of) {
        const trial: Checker = { ...c, failures: [] };
        const out = checkValue(trial, alt, v, path, sensitive);
        if (trial.failures.length === 0) return out;
      }
      fail(c, path, `must be ${describeType(c, t)}`);
      return v;
    }
  }
}

function listOf(values: readonly string[]): string {
  const shown = values.slice(0, 12).map((x) => `"${x}"`);
  return values.length > 12 ? `${shown.join(", ")}, ... (${values.length} values)` : shown.join(", ");
}

/** The properties of an object type, or of a discriminated type's element chosen by `v`. */
function shapeOf(c: Checker, t: NamedTypeSpec, v: { [key: string]: PropertyValue }, path: string): { properties: Record<string, PropertySpec>; additional?: TypeRef; sensitive: boolean } | undefined {
  if (t.kind === "object") return { properties: t.properties, additional: t.additionalProperties, sensitive: t.sensitive === true };
  const d = v[t.discriminator];
  const values = Object.keys(t.elements);
  if (d === UNKNOWN) return undefined;
  if (typeof d !== "string") {
    fail(c, `${path ? `${path}.` : ""}${t.discriminator}`, `is required: one of ${listOf(values)} (it decides the other properties)`);
    return undefined;
  }
  const key = values.find((x) => x.toLowerCase() === d.toLowerCase());
  if (key === undefined) {
    fail(c, `${path ? `${path}.` : ""}${t.discriminator}`, `"${d}" is not one of ${listOf(values)}`);
    return undefined;
  }
  const element = c.named(t.elements[key]!);
  const own = element.kind === "object" ? element.properties : element.base;
  return { properties: { ...t.base, ...own, [t.discriminator]: { type: { type: "literal", value: key }, flags: 1 } }, sensitive: element.kind === "object" && element.sensitive === true };
}

function checkNamed(c: Checker, ref: TypeKeyRef, v: PropertyValue, path: string): PropertyValue {
  const t = c.named(ref);
  if (!isPlainObject(v)) {
    fail(c, path, `must be an object, not ${typeName(v)}`);
    return v;
  }
  const shape = shapeOf(c, t, v, path);
  if (!shape) return v;
  return checkObject(c, shape, v, path);
}

/**
 * A nested object written as Pulumi writes it, with its `properties` flattened (`subnets: [{ name,
 * addressPrefix }]`), in ARM's shape (`{ name, properties: { addressPrefix } }`): keys the object
 * does not have but its `properties` object does are moved there. Both forms are accepted; the
 * inputs are kept in ARM's.
 */
function unflatten(c: Checker, shape: { properties: Record<string, PropertySpec> }, v: { [key: string]: PropertyValue }, path: string): { [key: string]: PropertyValue } {
  const holder = shape.properties.properties;
  if (holder === undefined || isReadOnly(holder) || typeof holder.type !== "string" || !holder.type.startsWith("@")) return v;
  const inner = c.named(holder.type as TypeKeyRef);
  if (inner.kind !== "object") return v;
  const moved: { [key: string]: PropertyValue } = {};
  const rest: { [key: string]: PropertyValue } = {};
  for (const [k, value] of Object.entries(v)) {
    if (shape.properties[k] === undefined && inner.properties[k] !== undefined) moved[k] = value;
    else rest[k] = value;
  }
  if (Object.keys(moved).length === 0) return v;
  const given = rest.properties;
  if (given === undefined) return { ...rest, properties: moved };
  if (!isPlainObject(given)) return v;
  for (const k of Object.keys(moved)) {
    if (given[k] !== undefined) fail(c, `${path === "" ? "" : `${path}.`}${k}`, "is set both directly and inside properties; set it in one place");
  }
  return { ...rest, properties: { ...given, ...moved } };
}

function checkObject(c: Checker, shape: { properties: Record<string, PropertySpec>; additional?: TypeRef; sensitive: boolean }, given: { [key: string]: PropertyValue }, path: string): PropertyValue {
  const at = (k: string) => (path === "" ? k : `${path}.${k}`);
  const v = unflatten(c, shape, given, path);
  const out: { [key: string]: PropertyValue } = {};
  for (const [k, value] of Object.entries(v)) {
    const p = shape.properties[k] ?? Object.entries(shape.properties).find(([name]) => name.toLowerCase() === k.toLowerCase())?.[1];
    if (p === undefined) {
      if (shape.additional !== undefined) {
        out[k] = checkValue(c, shape.additional, value, at(k), shape.sensitive);
        continue;
      }
      const writable = Object.entries(shape.properties).filter(([, s]) => !isReadOnly(s)).map(([name]) => name);
      const near = nearest(k, writable);
      fail(c, at(k), `is not a property of this object${near.length > 0 ? `; did you mean ${near.join(", ")}?` : `; it has ${writable.slice(0, 20).join(", ") || "none"}`}`);
      continue;
    }
    // A read-only property inside an object is what the service returned: an output object passed
    // on as a reference (Pulumi's `subnet: vnet.subnets[0]`). Not sent, not an error.
    if (isReadOnly(p)) continue;
    out[k] = checkValue(c, p.type, value, at(k), shape.sensitive || p.sensitive === true);
  }
  for (const [k, p] of Object.entries(shape.properties)) {
    if (isRequired(p) && !isReadOnly(p) && v[k] === undefined) fail(c, at(k), "is required");
  }
  return out;
}

/** Options of {@link checkArgs}. */
export interface CheckArgsOptions {
  /** The resource's args (argsOf) and outputs (outputsOf) layouts. */
  readonly args: readonly ArgSpec[];
  readonly outputs: readonly ArgSpec[];
  readonly named: NamedTypes;
  /** Arg names the provider fills itself (the autonamed own name): not required of the program. */
  readonly optional?: ReadonlySet<string>;
}

/**
 * Checks a program's args: each against its arg's type, unknown ones named with the nearest valid
 * ones, read-only ones refused, required ones demanded (a required property of `properties` may
 * come flattened or inside `properties`). Returns the args normalized (enums in the service's
 * spelling).
 */
export function checkArgs(news: PropertyMap, o: CheckArgsOptions): { inputs: PropertyMap; failures: CheckFailure[] } {
  return argsChecker(o)(news);
}

/** {@link checkArgs} for one type, with its lookups and compiled patterns made once (the provider's hot path). */
export function argsChecker(o: CheckArgsOptions): (news: PropertyMap) => { inputs: PropertyMap; failures: CheckFailure[] } {
  const byName = new Map(o.args.map((a) => [a.name, a]));
  const outputOnly = new Set(o.outputs.map((a) => a.name).filter((n) => !byName.has(n)));
  const patterns = new Map<string, RegExp | null>();
  return (news) => check(news, o, { named: o.named, failures: [], patterns }, byName, outputOnly);
}

function check(news: PropertyMap, o: CheckArgsOptions, c: Checker, byName: ReadonlyMap<string, ArgSpec>, outputOnly: ReadonlySet<string>): { inputs: PropertyMap; failures: CheckFailure[] } {
  const inputs: PropertyMap = {};
  for (const [k, v] of Object.entries(news)) {
    if (v === undefined) continue;
    const arg = byName.get(k);
    if (arg === undefined) {
      if (outputOnly.has(k) || k === "id") {
        fail(c, k, "is read-only: the service sets it (it is an output of the resource); remove it from the args");
        continue;
      }
      const near = nearest(k, byName.keys());
      fail(c, k, `is not an arg of this resource type${near.length > 0 ? `; did you mean ${near.join(", ")}?` : ""}`);
      continue;
    }
    inputs[k] = checkValue(c, arg.property.type, v, k, arg.property.sensitive === true);
  }
  // `properties` given whole and a flattened property of it given too: one place only.
  const whole = inputs.properties;
  for (const a of o.args) {
    if (a.kind === "properties" && isPlainObject(whole) && whole[a.name] !== undefined && inputs[a.name] !== undefined) {
      fail(c, a.name, `is set both directly and inside properties; set it in one place`);
    }
  }
  for (const a of o.args) {
    if (inputs[a.name] !== undefined || o.optional?.has(a.name)) continue;
    const required = a.kind === "name" ? isRequired(a.property) : isRequired(a.property) && !isReadOnly(a.property);
    if (!required) continue;
    if (a.kind === "properties" && isPlainObject(whole) && whole[a.name] !== undefined) continue;
    // `properties` is satisfied by any flattened property, and when some of those are required
    // themselves, their own failures say more than "properties is required".
    if (a.name === "properties" && o.args.some((x) => x.kind === "properties" && (inputs[x.name] !== undefined || isRequired(x.property)))) continue;
    fail(c, a.name, "is required");
  }
  return { inputs, failures: c.failures };
}

/**
 * Custom resources held to their CRD's structural schema, as the apiserver holds them
 * (apiextensions-apiserver: pruning, defaulting, then kube-openapi validation): fields the schema
 * does not declare are unknown (refused, warned about or silently dropped per `fieldValidation`),
 * `null` where the schema does not say `nullable` is dropped, `default`s fill what is missing, and
 * types, enums, required, lengths, bounds, patterns, formats, item and property counts and
 * `x-kubernetes-list-type: set` are checked. Messages are those a real apiserver (v1.36) wrote for
 * the same objects. CEL rules (`x-kubernetes-validations`) of the subset cel.ts knows are evaluated
 * once the schema passed; when the schema has some and another check failed, the apiserver's "some
 * validation rules were not checked" cause is added instead, as it does.
 */
import { CelError, compileRule } from "./cel.js";
import type { FieldError } from "./errors.js";
import { isPlainObject, type KubeObject } from "./types.js";

type Schema = Record<string, unknown>;

/** What checking an object against its schema found. */
export interface SchemaOutcome {
  /** The object pruned and defaulted. */
  readonly object: KubeObject;
  /** Paths of fields the schema does not declare (`spec.intervall`), sorted. */
  readonly unknown: readonly string[];
  readonly errors: readonly FieldError[];
}

const props = (s: Schema): Record<string, Schema> => (isPlainObject(s["properties"]) ? (s["properties"] as Record<string, Schema>) : {});
const preserves = (s: Schema) => s["x-kubernetes-preserve-unknown-fields"] === true;
const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

/** Prune, default and validate an object against a version's `openAPIV3Schema`. */
export function checkCustomObject(schema: Schema, obj: KubeObject): SchemaOutcome {
  const unknown: string[] = [];
  const out = structuredClone(obj) as Record<string, unknown>;
  const top = props(schema);
  for (const key of Object.keys(out)) {
    if (key === "apiVersion" || key === "kind" || key === "metadata") continue;
    if (top[key] === undefined) {
      if (!preserves(schema)) {
        unknown.push(key);
        delete out[key];
      }
      continue;
    }
    const v = prune(top[key]!, out[key], key, unknown);
    if (v === undefined) delete out[key];
    else out[key] = v;
  }
  for (const [key, s] of Object.entries(top)) {
    if (key === "apiVersion" || key === "kind" || key === "metadata") continue;
    if (out[key] === undefined && s["default"] !== undefined) out[key] = structuredClone(s["default"]);
    if (out[key] !== undefined) out[key] = applyDefaults(s, out[key]);
  }
  const errors: FieldError[] = [];
  for (const [key, s] of Object.entries(top)) {
    if (key === "apiVersion" || key === "kind" || key === "metadata") continue;
    if (out[key] !== undefined) validate(s, out[key], key, errors);
  }
  for (const r of Array.isArray(schema["required"]) ? (schema["required"] as string[]) : []) {
    if (r !== "metadata" && r !== "apiVersion" && r !== "kind" && out[r] === undefined) errors.push({ type: "FieldValueRequired", field: r, detail: "" });
  }
  if (errors.length > 0 && hasCelRules(schema)) {
    errors.push({ type: "FieldValueInvalid", field: "<nil>", value: null, detail: "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation" });
  } else if (errors.length === 0) {
    // CEL rules run only on an object that passed the schema (apiextensions-apiserver).
    for (const [key, s] of Object.entries(top)) {
      if (key === "apiVersion" || key === "kind" || key === "metadata") continue;
      if (out[key] !== undefined) celErrors(s, out[key], key, errors);
    }
  }
  return { object: out as KubeObject, unknown: unknown.sort(), errors };
}

interface Rule {
  readonly rule?: unknown;
  readonly message?: unknown;
  readonly reason?: unknown;
  readonly fieldPath?: unknown;
}

/**
 * `x-kubernetes-validations` of the supported CEL subset (cel.ts), as the apiserver reports a
 * rule that fails: the rule's `message` (else `failed rule: <rule>`), on the node's path (plus
 * `fieldPath`), typed by `reason`; an object's or list's value is not printed. Rules outside the
 * subset, and rules using `oldSelf` (transition rules), are not evaluated.
 */
function celErrors(s: Schema, v: unknown, path: string, errors: FieldError[]): void {
  if (v === null || v === undefined) return;
  const rules = Array.isArray(s["x-kubernetes-validations"]) ? (s["x-kubernetes-validations"] as Rule[]) : [];
  for (const r of rules) {
    if (typeof r.rule !== "string" || /\boldSelf\b/.test(r.rule)) continue;
    const compiled = compileRule(r.rule);
    if (compiled === undefined) continue;
    const text = typeof r.message === "string" && r.message.trim() !== "" ? r.message.trim() : r.rule.trim();
    let ok: boolean;
    try {
      ok = compiled(v);
    } catch (e) {
      if (!(e instanceof CelError)) throw e;
      errors.push({ type: "FieldValueInvalid", field: path, ...celValue(s, v), detail: `${e.message} evaluating rule: ${text}` });
      continue;
    }
    if (ok) continue;
    const detail = typeof r.message === "string" && r.message.trim() !== "" ? r.message.trim() : `failed rule: ${r.rule.trim()}`;
    const field = typeof r.fieldPath === "string" && r.fieldPath !== "" ? `${path}${r.fieldPath.startsWith(".") || r.fieldPath.startsWith("[") ? "" : "."}${r.fieldPath}` : path;
    switch (r.reason) {
      case "FieldValueForbidden":
        errors.push({ type: "FieldValueForbidden", field, detail });
        break;
      case "FieldValueRequired":
        errors.push({ type: "FieldValueRequired", field, detail });
        break;
      case "FieldValueDuplicate":
        errors.push({ type: "FieldValueDuplicate", field, value: v, detail: "" });
        break;
      default:
        errors.push({ type: "FieldValueInvalid", field, ...celValue(s, v), detail });
    }
  }
  if (isPlainObject(v)) {
    const declared = props(s);
    for (const [k, child] of Object.entries(v)) {
      const cs = declared[k] ?? (isPlainObject(s["additionalProperties"]) ? (s["additionalProperties"] as Schema) : undefined);
      if (cs !== undefined) celErrors(cs, child, join(path, k), errors);
    }
  } else if (Array.isArray(v) && isPlainObject(s["items"])) {
    v.forEach((item, i) => celErrors(s["items"] as Schema, item, `${path}[${i}]`, errors));
  }
}

/** The value a failed rule's error shows: none for objects and lists (field.OmitValueType). */
function celValue(s: Schema, v: unknown): { value?: unknown; omitValue?: true } {
  return s["type"] === "object" || s["type"] === "array" || isPlainObject(v) || Array.isArray(v) ? { omitValue: true } : { value: v };
}

function hasCelRules(s: unknown): boolean {
  if (Array.isArray(s)) return s.some(hasCelRules);
  if (!isPlainObject(s)) return false;
  if (Array.isArray(s["x-kubernetes-validations"]) && s["x-kubernetes-validations"].length > 0) return true;
  return Object.values(s).some(hasCelRules);
}

/** Drop unknown fields (recording their paths) and non-nullable nulls; undefined: drop the value. */
function prune(s: Schema, value: unknown, path: string, unknown: string[]): unknown {
  if (value === null) return s["nullable"] === true ? null : undefined;
  if (isPlainObject(value)) {
    const declared = props(s);
    const additional = s["additionalProperties"];
    const embedded = s["x-kubernetes-embedded-resource"] === true;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const child = declared[k] ?? (isPlainObject(additional) ? (additional as Schema) : undefined);
      if (child !== undefined) {
        const pruned = prune(child, v, join(path, k), unknown);
        if (pruned !== undefined) out[k] = pruned;
      } else if (additional === true || preserves(s) || s["x-kubernetes-int-or-string"] === true || (embedded && (k === "apiVersion" || k === "kind" || k === "metadata"))) {
        out[k] = v;
      } else if (s["type"] === undefined && Object.keys(declared).length === 0 && additional === undefined) {
        out[k] = v; // a schema that says nothing about this value's shape
      } else unknown.push(join(path, k));
    }
    return out;
  }
  if (Array.isArray(value) && isPlainObject(s["items"])) return value.map((v, i) => prune(s["items"] as Schema, v, `${path}[${i}]`, unknown) ?? null);
  return value;
}

function applyDefaults(s: Schema, value: unknown): unknown {
  if (isPlainObject(value)) {
    const out = { ...value };
    for (const [k, child] of Object.entries(props(s))) {
      if (out[k] === undefined && child["default"] !== undefined) out[k] = structuredClone(child["default"]);
      if (out[k] !== undefined) out[k] = applyDefaults(child, out[k]);
    }
    if (isPlainObject(s["additionalProperties"])) for (const k of Object.keys(out)) if (props(s)[k] === undefined) out[k] = applyDefaults(s["additionalProperties"] as Schema, out[k]);
    return out;
  }
  if (Array.isArray(value) && isPlainObject(s["items"])) return value.map((v) => applyDefaults(s["items"] as Schema, v));
  return value;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return isPlainObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    default:
      return true;
  }
}

const FORMATS: Record<string, RegExp> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  email: /^[^@\s]+@[^@\s]+$/,
  hostname: /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/,
};

const inBody = (path: string, rest: string) => `${path} in body ${rest}`;

function validate(s: Schema, v: unknown, path: string, errors: FieldError[]): void {
  if (v === null) return; // only a nullable null survives pruning
  const type = typeof s["type"] === "string" ? (s["type"] as string) : undefined;
  if (s["x-kubernetes-int-or-string"] === true) {
    if (typeof v !== "string" && !(typeof v === "number" && Number.isInteger(v))) {
      errors.push({ type: "FieldValueTypeInvalid", field: path, value: typeName(v), detail: inBody(path, `must be of type integer,string: "${typeName(v)}"`) });
      return;
    }
  } else if (type !== undefined && !typeMatches(type, v)) {
    errors.push({ type: "FieldValueTypeInvalid", field: path, value: typeName(v), detail: inBody(path, `must be of type ${type}: "${typeName(v)}"`) });
    if (type === "integer" && typeof v === "number") {
      errors.push({ type: "FieldValueInvalid", field: "<nil>", value: "", detail: `Checked value must be of type integer (default format) in ${path}` });
    }
    return;
  }
  if (Array.isArray(s["enum"]) && !(s["enum"] as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    errors.push({ type: "FieldValueNotSupported", field: path, value: v, detail: `supported values: ${(s["enum"] as unknown[]).map((e) => JSON.stringify(e)).join(", ")}` });
  }
  if (typeof v === "string") validateString(s, v, path, errors);
  else if (typeof v === "number") validateNumber(s, v, path, errors);
  else if (Array.isArray(v)) validateArray(s, v, path, errors);
  else if (isPlainObject(v)) validateObject(s, v, path, errors);
}

function validateString(s: Schema, v: string, path: string, errors: FieldError[]): void {
  const length = [...v].length;
  // kube-openapi's string validator reports the first failing check only.
  if (typeof s["maxLength"] === "number" && Buffer.byteLength(v) > (s["maxLength"] as number) && length > (s["maxLength"] as number)) {
    errors.push({ type: "FieldValueTooLong", field: path, detail: `may not be more than ${s["maxLength"]} bytes` });
  } else if (typeof s["minLength"] === "number" && length < (s["minLength"] as number)) {
    errors.push({ type: "FieldValueInvalid", field: path, value: v, detail: inBody(path, `should be at least ${s["minLength"]} chars long`) });
  } else if (typeof s["pattern"] === "string" && !safeRegExp(s["pattern"] as string)?.test(v)) {
    errors.push({ type: "FieldValueInvalid", field: path, value: v, detail: inBody(path, `should match '${s["pattern"]}'`) });
  } else if (typeof s["format"] === "string" && FORMATS[s["format"] as string] !== undefined && !FORMATS[s["format"] as string]!.test(v)) {
    errors.push({ type: "FieldValueInvalid", field: path, value: v, detail: inBody(path, `must be of type ${s["format"]}: "${v}"`) });
  }
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
}

function validateNumber(s: Schema, v: number, path: string, errors: FieldError[]): void {
  const min = s["minimum"];
  const max = s["maximum"];
  if (typeof min === "number") {
    const exclusive = s["exclusiveMinimum"] === true;
    if (exclusive ? v <= min : v < min) errors.push({ type: "FieldValueInvalid", field: path, value: v, detail: inBody(path, `should be greater than ${exclusive ? "" : "or equal to "}${min}`) });
  }
  if (typeof max === "number") {
    const exclusive = s["exclusiveMaximum"] === true;
    if (exclusive ? v >= max : v > max) errors.push({ type: "FieldValueInvalid", field: path, value: v, detail: inBody(path, `should be less than ${exclusive ? "" : "or equal to "}${max}`) });
  }
  if (typeof s["multipleOf"] === "number" && (s["multipleOf"] as number) !== 0 && !Number.isInteger(v / (s["multipleOf"] as number))) {
    errors.push({ type: "FieldValueInvalid", field: path, value: v, detail: inBody(path, `should be a multiple of ${s["multipleOf"]}`) });
  }
}

function validateArray(s: Schema, v: unknown[], path: string, errors: FieldError[]): void {
  if (isPlainObject(s["items"])) v.forEach((item, i) => validate(s["items"] as Schema, item, `${path}[${i}]`, errors));
  if (typeof s["maxItems"] === "number" && v.length > (s["maxItems"] as number)) {
    errors.push({ type: "FieldValueTooMany", field: path, value: v.length, detail: `must have at most ${s["maxItems"]} item${s["maxItems"] === 1 ? "" : "s"}` });
  }
  if (typeof s["minItems"] === "number" && v.length < (s["minItems"] as number)) {
    errors.push({ type: "FieldValueInvalid", field: path, value: v.length, detail: inBody(path, `should have at least ${s["minItems"]} items`) });
  }
  if (s["x-kubernetes-list-type"] === "set") {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      const key = JSON.stringify(item);
      if (seen.has(key)) errors.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, value: item, detail: "" });
      seen.add(key);
    });
  }
}

function validateObject(s: Schema, v: Record<string, unknown>, path: string, errors: FieldError[]): void {
  const declared = props(s);
  for (const [k, child] of Object.entries(declared)) if (v[k] !== undefined) validate(child, v[k], join(path, k), errors);
  if (isPlainObject(s["additionalProperties"])) {
    for (const [k, child] of Object.entries(v)) if (declared[k] === undefined) validate(s["additionalProperties"] as Schema, child, join(path, k), errors);
  }
  for (const r of Array.isArray(s["required"]) ? (s["required"] as string[]) : []) {
    if (v[r] === undefined) errors.push({ type: "FieldValueRequired", field: join(path, r), detail: "" });
  }
  const count = Object.keys(v).length;
  if (typeof s["maxProperties"] === "number" && count > (s["maxProperties"] as number)) {
    errors.push({ type: "FieldValueTooMany", field: path, value: count, detail: `must have at most ${s["maxProperties"]} item${s["maxProperties"] === 1 ? "" : "s"}` });
  }
  if (typeof s["minProperties"] === "number" && count < (s["minProperties"] as number)) {
    errors.push({ type: "FieldValueInvalid", field: path, value: count, detail: inBody(path, `should have at least ${s["minProperties"]} properties`) });
  }
}

/**
 * What server-side apply refuses before it merges (structured-merge-diff building the typed
 * patch): the apiserver answers 500 `failed to create typed patch object (...)`. Undefined when
 * the applied configuration is well-typed.
 */
export function typedPatchProblem(schema: Schema, applied: Record<string, unknown>): string | undefined {
  const top = { ...applied };
  delete top["apiVersion"];
  delete top["kind"];
  delete top["metadata"];
  return typedProblem(schema, top, "");
}

/** The first undeclared or mistyped field, walking the applied configuration in its own order. */
function typedProblem(s: Schema, v: unknown, path: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  const mismatch = scalarMismatch(s, v, path);
  if (mismatch !== undefined) return mismatch;
  if (isPlainObject(v)) {
    const declared = props(s);
    const additional = s["additionalProperties"];
    for (const [k, child] of Object.entries(v)) {
      const cs = declared[k] ?? (isPlainObject(additional) ? (additional as Schema) : undefined);
      if (cs === undefined) {
        const open = additional === true || preserves(s) || s["x-kubernetes-int-or-string"] === true || (s["x-kubernetes-embedded-resource"] === true && ["apiVersion", "kind", "metadata"].includes(k));
        if (open || (s["type"] === undefined && Object.keys(declared).length === 0 && additional === undefined)) continue;
        return `${path}.${k}: field not declared in schema`;
      }
      const m = typedProblem(cs, child, `${path}.${k}`);
      if (m !== undefined) return m;
    }
  }
  if (Array.isArray(v) && isPlainObject(s["items"])) {
    for (let i = 0; i < v.length; i++) {
      const m = typedProblem(s["items"] as Schema, v[i], `${path}[${i}]`);
      if (m !== undefined) return m;
    }
  }
  return undefined;
}

/** How structured-merge-diff prints a value it did not expect (observed on a v1.36 apiserver). */
export function smdValue(v: unknown): string {
  if (typeof v === "string") return `&{${v}}`;
  if (isPlainObject(v)) return "&value.valueUnstructured{Value:map[]}";
  if (Array.isArray(v)) return "&value.valueUnstructured{Value:[]}";
  return `&value.valueUnstructured{Value:${String(v)}}`;
}

function scalarMismatch(s: Schema, v: unknown, path: string): string | undefined {
  if (v === null || v === undefined || s["x-kubernetes-int-or-string"] === true) return undefined;
  const type = s["type"];
  if ((type === "integer" || type === "number") && typeof v !== "number") return `${path}: expected numeric (int or float), got ${typeof v === "boolean" ? "bool" : typeName(v)}`;
  if (type === "string" && typeof v !== "string") return `${path}: expected string, got ${smdValue(v)}`;
  if (type === "boolean" && typeof v !== "boolean") return `${path}: expected boolean, got ${smdValue(v)}`;
  if (type === "array" && !Array.isArray(v)) return `${path}: expected list, got ${smdValue(v)}`;
  if (type === "object" && !isPlainObject(v)) return `${path}: expected map, got ${smdValue(v)}`;
  return undefined;
}

/**
 * Built-in kinds held to the real apiserver's OpenAPI v3 schemas as `@iac/kubernetes-spec`
 * captured them (packages/kubernetes-spec/data, FORMAT.md; read here by path with the emulator's
 * own reader: the emulator imports none of our packages). The apiserver decodes built-in objects
 * into Go types, so:
 * - a field the type does not have is refused with `fieldValidation=Strict` (kubectl's default),
 *   warned about with `Warn`, dropped with `Ignore` (`unknownBuiltinFields`);
 * - a value of the wrong JSON type fails the decoding (400, Go's `json: cannot unmarshal ...`,
 *   `builtinDecodeError`), and server-side apply refuses both with a 500 from building the typed
 *   patch (`builtinTypedPatchProblem`);
 * - an enum value the type does not know is refused by validation (422 `Unsupported value`,
 *   `builtinEnumErrors`). Other validation rules the Go code has are in validation.ts.
 */
import { readFileSync } from "node:fs";
import type { FieldError } from "./errors.js";
import { smdValue } from "./schema.js";
import { isPlainObject } from "./types.js";

/** A TypeRef of FORMAT.md. */
export type TypeRef = string | { array: TypeRef; listType?: string; listMapKeys?: string[] } | { map: TypeRef; mapType?: string } | { enum: unknown[] } | { object: ObjectSpec } | { type: string };
export interface ObjectSpec {
  readonly properties?: Readonly<Record<string, TypeRef>>;
  readonly required?: readonly string[];
  readonly preserveUnknown?: boolean;
  readonly mapType?: string;
}
export interface KindSpec {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly type: string;
}
export interface SpecData {
  readonly kinds: Readonly<Record<string, KindSpec>>;
  readonly types: Readonly<Record<string, ObjectSpec>>;
}

/** The data folder of `@iac/kubernetes-spec` (a dependency for its data only), as Node resolves it. */
const DATA_DIR = new URL(".", import.meta.resolve("@iac/kubernetes-spec/data/index.json"));

/**
 * The captured schemas, read once on first use (about 140 kB). Undefined when the data is not
 * there (the emulator then checks no built-in kind, as before it had the data).
 */
const loaded: { data?: SpecData | null; descriptions?: Readonly<Record<string, string>> | null } = {};
export function specData(): SpecData | undefined {
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

/** The first paragraphs of the types' and properties' descriptions (600 kB: read only for OpenAPI documents). */
export function specDescriptions(): Readonly<Record<string, string>> {
  if (loaded.descriptions === undefined) {
    try {
      const file = JSON.parse(readFileSync(new URL("descriptions.json", DATA_DIR), "utf8")) as { format: number; descriptions: Record<string, string> };
      loaded.descriptions = file.format === 1 ? file.descriptions : null;
    } catch {
      loaded.descriptions = null;
    }
  }
  return loaded.descriptions ?? {};
}

/** The type key of a built-in kind (`apps.v1.Deployment`), when the data has it. */
export function builtinTypeKey(group: string, version: string, kind: string): string | undefined {
  return specData()?.kinds[`${group === "" ? "core" : group}/${version}/${kind}`]?.type;
}

/** The fields of a built-in object its type does not have (`spec.replica`, `metadata.lables`), in document order. */
export function unknownBuiltinFields(group: string, version: string, kind: string, obj: Record<string, unknown>): string[] | undefined {
  const data = specData();
  const key = builtinTypeKey(group, version, kind);
  if (data === undefined || key === undefined) return undefined;
  const out: string[] = [];
  walkObject(data, `@${key}`, obj, "", out);
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

/**
 * The integer properties the Go types declare as int64 (OpenAPI `format: int64` in the captured
 * v1.36.3 documents, which the compact data leaves out); every other integer is an int32.
 */
const INT64 = new Set([
  "CSIDriverSpec.nodeAllocatableUpdatePeriodSeconds", "Condition.observedGeneration", "ContainerImage.sizeBytes", "ControllerRevision.revision",
  "CronJobSpec.startingDeadlineSeconds", "CustomResourceDefinitionCondition.observedGeneration", "CustomResourceDefinitionStatus.observedGeneration",
  "DaemonSetStatus.observedGeneration", "DeleteOptions.gracePeriodSeconds", "DeploymentStatus.observedGeneration", "DeviceAttribute.int",
  "DeviceSubRequest.count", "DeviceToleration.tolerationSeconds", "ExactDeviceRequest.count", "HorizontalPodAutoscalerStatus.observedGeneration",
  "JSONSchemaProps.maxItems", "JSONSchemaProps.maxLength", "JSONSchemaProps.maxProperties", "JSONSchemaProps.minItems", "JSONSchemaProps.minLength",
  "JSONSchemaProps.minProperties", "JobSpec.activeDeadlineSeconds", "LinuxContainerUser.gid", "LinuxContainerUser.uid", "ListMeta.remainingItemCount",
  "NodeSwapStatus.capacity", "ObjectMeta.deletionGracePeriodSeconds", "ObjectMeta.generation", "PodCondition.observedGeneration",
  "PodDisruptionBudgetStatus.observedGeneration", "PodSecurityContext.fsGroup", "PodSecurityContext.runAsGroup", "PodSecurityContext.runAsUser",
  "PodSpec.activeDeadlineSeconds", "PodSpec.terminationGracePeriodSeconds", "PodStatus.observedGeneration", "Probe.terminationGracePeriodSeconds",
  "ReplicaSetStatus.observedGeneration", "ReplicationControllerStatus.observedGeneration", "ResourcePool.generation", "ResourcePool.resourceSliceCount",
  "SecurityContext.runAsGroup", "SecurityContext.runAsUser", "ServiceAccountTokenProjection.expirationSeconds", "SleepAction.seconds",
  "StatefulSetStatus.observedGeneration", "TokenRequest.expirationSeconds", "TokenRequestSpec.expirationSeconds", "Toleration.tolerationSeconds",
  "ValidatingAdmissionPolicyStatus.observedGeneration",
]);

/** A value whose JSON type the Go field cannot take. */
interface Mismatch {
  /** `spec.template.spec.containers[0].name`. */
  readonly path: string;
  /** Go's field stack: JSON names of the fields from the root, without list indexes or map keys. */
  readonly fieldStack: string;
  /** The Go struct owning the innermost field (`Container`). */
  readonly struct: string;
  /** The Go type the value was decoded into (`int32`, `[]v1.Container`). */
  readonly goType: string;
  /** Go's name of the JSON value (`string`, `number`, `number 1.5`, `bool`, `array`, `object`). */
  readonly jsonValue: string;
  /** structured-merge-diff's complaint, as server-side apply reports it ("" when it has none). */
  readonly smd: string;
  /** What the decoder says (after `cannot be handled as a <Kind>: `). */
  readonly decode: string;
  /** What the conversion after server-side apply's merge says, when the typed patch passed. */
  readonly conversion?: string;
}

/** resource.Quantity's parse error (k8s.io/apimachinery), for a string that is no quantity. */
const QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** Go's `%v` of an unstructured value (`map[a:1 b:[x y]]`). */
function goPrint(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goPrint).join(" ")}]`;
  if (isPlainObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goPrint(v[k])}`).join(" ")}]`;
  if (v === null || v === undefined) return "<nil>";
  return String(v);
}

const pkgName = (key: string) => key.split(".").slice(-2).join(".");
const structName = (key: string) => key.split(".").at(-1)!;

function goTypeOf(ref: TypeRef, owner: string, prop: string): string {
  if (typeof ref === "string") {
    if (ref.startsWith("@")) return pkgName(ref.slice(1));
    switch (ref) {
      case "integer":
        return INT64.has(`${owner}.${prop}`) ? "int64" : "int32";
      case "number":
        return "float64";
      case "boolean":
        return "bool";
      case "int-or-string":
        return "int32"; // IntOrString decodes a non-string into its int32
      default:
        return "string";
    }
  }
  if ("array" in ref) return `[]${goTypeOf(ref.array, owner, prop)}`;
  if ("map" in ref) return `map[string]${goTypeOf(ref.map, owner, prop)}`;
  return "string";
}

function jsonValueName(v: unknown, goType: string): string {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "array";
  if (isPlainObject(v)) return "object";
  // Go names a number an integer field cannot hold with its text: `number 1.5`, `number 3000000000`.
  return goType.startsWith("int") ? `number ${String(v)}` : "number";
}

/**
 * How structured-merge-diff names a list element: by its keys in a `map` list
 * (`containers[name="app"]`, `ports[containerPort=80,protocol="TCP"]`: the apiserver has defaulted
 * a port's protocol by then), by value in a `set` (`[="a"]`), by index otherwise.
 */
function smdElement(ref: { listType?: string; listMapKeys?: string[] }, item: unknown, i: number): string {
  if (ref.listType === "map" && ref.listMapKeys !== undefined && isPlainObject(item)) {
    const keys = ref.listMapKeys.map((k) => {
      const v = item[k] ?? (k === "protocol" ? "TCP" : undefined);
      return v === undefined ? undefined : `${k}=${JSON.stringify(v)}`;
    });
    if (keys.every((k) => k !== undefined)) return `[${keys.join(",")}]`;
  }
  if (ref.listType === "set" && (typeof item === "string" || typeof item === "number" || typeof item === "boolean")) return `[=${JSON.stringify(item)}]`;
  return `[${i}]`;
}

const INT32 = { min: -2147483648, max: 2147483647 };

/** Why the value does not fit the TypeRef (SMD's words), or undefined when it fits. */
function misfit(ref: TypeRef, v: unknown, goType: string, path: string): string | undefined {
  const kind = typeof ref === "string" ? (ref.startsWith("@") ? "object" : ref) : "array" in ref ? "array" : "map" in ref ? "object" : "enum" in ref ? "string" : "object" in ref ? "object" : ref.type;
  switch (kind) {
    case "integer":
    case "number":
      if (typeof v !== "number") return `${path}: expected numeric (int or float), got ${typeof v === "boolean" ? "bool" : Array.isArray(v) ? "array" : typeof v}`;
      // Not a structured-merge-diff error (it takes any number): Go's decoder refuses it.
      if (goType.startsWith("int") && (!Number.isInteger(v) || (goType === "int32" && (v < INT32.min || v > INT32.max)))) return "";
      return undefined;
    case "string":
      return typeof v === "string" ? undefined : `${path}: expected string, got ${smdValue(v)}`;
    case "boolean":
      return typeof v === "boolean" ? undefined : `${path}: expected boolean, got ${smdValue(v)}`;
    case "array":
      return Array.isArray(v) ? undefined : `${path}: expected list, got ${smdValue(v)}`;
    case "object":
      return isPlainObject(v) ? undefined : `${path}: expected map, got ${smdValue(v)}`;
    case "int-or-string":
    case "quantity":
      // Untyped scalars to structured-merge-diff; their own decoders refuse the rest.
      if (isPlainObject(v) || Array.isArray(v)) return `${path}: expected any scalar, got &{${goPrint(v)}}`;
      if (kind === "int-or-string") return typeof v === "string" || (typeof v === "number" && Number.isInteger(v)) ? undefined : "";
      return typeof v === "number" || (typeof v === "string" && QUANTITY.test(v)) ? undefined : "";
    default:
      return undefined; // any: free-form
  }
}

/**
 * Walk a built-in object in document order, calling `visit` for each value with its TypeRef;
 * `visit` returns true to stop. Unknown fields are skipped here (unknownBuiltinFields).
 */
function walkTyped(
  data: SpecData,
  ref: TypeRef,
  value: unknown,
  at: { path: string; smdPath: string; stack: string; struct: string; prop: string },
  visit: (ref: TypeRef, value: unknown, at: { path: string; smdPath: string; stack: string; struct: string; prop: string }) => boolean,
): boolean {
  if (value === null || value === undefined) return false;
  if (visit(ref, value, at)) return true;
  const spec = typeof ref === "string" ? (ref.startsWith("@") ? data.types[ref.slice(1)] : undefined) : "object" in ref ? ref.object : undefined;
  if (spec !== undefined && isPlainObject(value) && spec.preserveUnknown !== true) {
    const owner = typeof ref === "string" ? structName(ref.slice(1)) : at.struct;
    for (const [k, v] of Object.entries(value)) {
      const child = spec.properties?.[k];
      if (child === undefined) continue;
      const next = { path: at.path === "" ? k : `${at.path}.${k}`, smdPath: `${at.smdPath}.${k}`, stack: at.stack === "" ? k : `${at.stack}.${k}`, struct: owner, prop: k };
      if (walkTyped(data, child, v, next, visit)) return true;
    }
    return false;
  }
  if (typeof ref === "object" && "array" in ref && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (walkTyped(data, ref.array, value[i], { ...at, path: `${at.path}[${i}]`, smdPath: `${at.smdPath}${smdElement(ref, value[i], i)}` }, visit)) return true;
    }
  }
  if (typeof ref === "object" && "map" in ref && isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (walkTyped(data, ref.map, v, { ...at, path: `${at.path}.${k}`, smdPath: `${at.smdPath}.${k}` }, visit)) return true;
    }
  }
  return false;
}

function firstMismatch(group: string, version: string, kind: string, obj: Record<string, unknown>): Mismatch | undefined {
  const data = specData();
  const key = builtinTypeKey(group, version, kind);
  if (data === undefined || key === undefined) return undefined;
  let found: Mismatch | undefined;
  walkTyped(data, `@${key}`, obj, { path: "", smdPath: "", stack: "", struct: structName(key), prop: "" }, (ref, value, at) => {
    if (at.path === "") return false;
    const goType = goTypeOf(ref, at.struct, at.prop);
    const smd = misfit(ref, value, goType, at.smdPath);
    if (smd === undefined) return false;
    const jsonValue = jsonValueName(value, goType);
    const decode = ref === "quantity" ? QUANTITY_ERROR : `json: cannot unmarshal ${jsonValue} into Go struct field ${at.struct}.${at.stack} of type ${goType}`;
    const conversion = smd !== "" ? undefined : ref === "quantity" ? QUANTITY_ERROR : ref === "int-or-string" ? `json: cannot unmarshal ${jsonValue} into Go value of type int32` : /^number -?\d*\./.test(jsonValue) ? `cannot convert float64 to ${goType}` : undefined;
    found = { path: at.path, fieldStack: at.stack, struct: at.struct, goType, jsonValue, smd, decode, ...(conversion === undefined ? {} : { conversion }) };
    return true;
  });
  return found;
}

/**
 * The decoding error the apiserver answers (400) for the first value of the wrong JSON type:
 * `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`.
 * Values of enum types are reported as `string` (the Go type's own name, `v1.PullPolicy`, is not in the data).
 */
export function builtinDecodeError(group: string, version: string, kind: string, obj: Record<string, unknown>): string | undefined {
  const m = firstMismatch(group, version, kind, obj);
  if (m === undefined) return undefined;
  return m.decode;
}

/**
 * What server-side apply refuses while building the typed patch: every field the type does not
 * declare and every value of the wrong type (`.spec.replicas: expected numeric (int or float), got
 * string`), in document order (the apiserver's order varies). An integer field given a fraction
 * passes this step and fails the conversion after the merge (`builtinConversionProblem`).
 */
export function builtinTypedPatchProblems(group: string, version: string, kind: string, obj: Record<string, unknown>): string[] {
  const data = specData();
  const key = builtinTypeKey(group, version, kind);
  if (data === undefined || key === undefined) return [];
  const top = { ...obj };
  delete top["apiVersion"];
  delete top["kind"];
  const problems: string[] = [];
  const unknown: string[] = [];
  walkTyped(data, `@${key}`, top, { path: "", smdPath: "", stack: "", struct: structName(key), prop: "" }, (ref, value, at) => {
    if (at.path !== "") {
      const smd = misfit(ref, value, goTypeOf(ref, at.struct, at.prop), at.smdPath);
      if (smd !== undefined && smd !== "") problems.push(smd);
      if (smd !== undefined) return false;
    }
    const spec = typeof ref === "string" ? (ref.startsWith("@") ? data.types[ref.slice(1)] : undefined) : "object" in ref ? ref.object : undefined;
    if (spec !== undefined && isPlainObject(value) && spec.preserveUnknown !== true) {
      for (const k of Object.keys(value)) if (spec.properties?.[k] === undefined) unknown.push(`${at.smdPath}.${k}: field not declared in schema`);
    }
    return false;
  });
  // An undeclared field is reported alone (observed: the first one only); wrong types all together.
  return unknown.length > 0 ? [unknown[0]!] : problems;
}

/**
 * What the apiserver answers after merging an applied configuration whose integer field holds a
 * fraction (or a number out of int32 range): `unable to convert unstructured object to apps/v1,
 * Kind=Deployment: cannot convert float64 to int32`.
 */
export function builtinConversionProblem(group: string, version: string, kind: string, obj: Record<string, unknown>): string | undefined {
  const m = firstMismatch(group, version, kind, obj);
  // A whole number out of int32 range wraps around instead (and validation then judges it).
  if (m?.conversion === undefined) return undefined;
  return `unable to convert unstructured object to ${group === "" ? version : `${group}/${version}`}, Kind=${kind}: ${m.conversion}`;
}

/**
 * Enum values the Go validation refuses (`Unsupported value: "Sometimes": supported values:
 * "Always", "IfNotPresent", "Never"`). The empty string passes: built-in kinds default it. The
 * status is not checked (the emulated controllers write it).
 */
export function builtinEnumErrors(group: string, version: string, kind: string, obj: Record<string, unknown>): FieldError[] {
  const data = specData();
  const key = builtinTypeKey(group, version, kind);
  if (data === undefined || key === undefined) return [];
  const errors: FieldError[] = [];
  const { status: _status, ...rest } = obj;
  walkTyped(data, `@${key}`, rest, { path: "", smdPath: "", stack: "", struct: structName(key), prop: "" }, (ref, value, at) => {
    if (typeof ref === "object" && "enum" in ref && typeof value === "string" && value !== "" && !ref.enum.includes(value)) {
      const allowed = ref.enum.filter((e) => e !== "").map((e) => JSON.stringify(e)).join(", ");
      errors.push({ type: "FieldValueNotSupported", field: at.path, value, detail: `supported values: ${allowed}` });
    }
    return false;
  });
  return errors;
}

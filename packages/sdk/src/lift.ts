/**
 * Deep resolution of program values: Outputs, promises, arrays and plain objects nested at any depth.
 *
 * Two modes share one walk:
 * - `lift` builds an Output's state: the plain value, secret when any part was secret (secrecy is
 *   contagious, as in Pulumi), the union of the resources it came from. Resources stay objects.
 * - `wire` builds what the monitor receives: JSON values with each secret part wrapped in place
 *   ({@link wrapSecret}), unknown parts as {@link UNKNOWN}, Resources as `{ urn, id }`.
 */
import { UNKNOWN, type PropertyValue } from "./provider.js";
import { isSecretValue, wrapSecret } from "./runtime.js";
import { InputError } from "./errors.js";
import { internalsOf, isOutputLike, isResourceLike, OUTPUT_STATE, type OutputState, type ResourceLike } from "./internal.js";

type Mode = "lift" | "wire";

interface Walk {
  readonly mode: Mode;
  readonly resources: Set<ResourceLike>;
  secret: boolean;
}

/** Resolves `value` deeply into an Output state. */
export async function liftDeep(value: unknown): Promise<OutputState<unknown>> {
  const w: Walk = { mode: "lift", resources: new Set(), secret: false };
  const v = await walk(value, w, "");
  return { value: v, secret: w.secret, resources: [...w.resources] };
}

/** What {@link serializeProperty} returns: `value` is undefined when the property is to be omitted. */
export interface Serialized {
  readonly value: PropertyValue | undefined;
  readonly resources: ReadonlySet<ResourceLike>;
}

/**
 * Resolves `value` deeply into a JSON value for the monitor (secrets wrapped where they are).
 * `path` names the property in error messages, e.g. `args.tags`.
 */
export async function serializeProperty(value: unknown, path: string): Promise<Serialized> {
  if (isOutputLike(value)) {
    // The common case (another resource's output passed as an input): one await, no walk, when
    // the Output's value is plain data (it holds no Resource).
    const wire = wireOfState(await value[OUTPUT_STATE]());
    if (wire !== undefined) return { value: wire.value, resources: new Set(wire.resources) };
  }
  const w: Walk = { mode: "wire", resources: new Set(), secret: false };
  const v = (await walk(value, w, path)) as PropertyValue | undefined;
  return { value: v, resources: w.resources };
}

/**
 * The wire form of a settled Output whose value is plain data (it holds no Resource): the value,
 * wrapped when secret, and the Output's resources. Undefined when the value needs the walk.
 */
export function wireOfState(s: OutputState<unknown>): { readonly value: PropertyValue | undefined; readonly resources: readonly ResourceLike[] } | undefined {
  const plain = plainWireValue(s.value);
  if (plain === NOT_PLAIN) return undefined;
  return { value: s.secret ? wrapSecret((plain ?? null) as PropertyValue) : plain, resources: s.resources };
}

/** True when no part of `v` is {@link UNKNOWN}. Does not look into Resources. */
export function isKnownDeep(v: unknown): boolean {
  if (v === UNKNOWN) return false;
  if (v === null || typeof v !== "object" || isResourceLike(v) || isOutputLike(v)) return true;
  if (Array.isArray(v)) return v.every(isKnownDeep);
  return Object.values(v).every(isKnownDeep);
}

/** Removes secret wrappers at any depth; reports whether there were any. */
export function unwrapSecrets(v: PropertyValue): { value: PropertyValue; secret: boolean } {
  if (isSecretValue(v)) return { value: unwrapSecrets(v.value).value, secret: true };
  if (Array.isArray(v)) {
    const items = v.map(unwrapSecrets);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (v !== null && typeof v === "object") {
    let secret = false;
    const out: Record<string, PropertyValue> = {};
    for (const [k, x] of Object.entries(v)) {
      const u = unwrapSecrets(x);
      out[k] = u.value;
      secret ||= u.secret;
    }
    return { value: out, secret };
  }
  return { value: v, secret: false };
}

/** What {@link plainWireValue} returns for a value that needs the asynchronous walk. */
export const NOT_PLAIN: unique symbol = Symbol("iac.sdk.notPlain");

/**
 * The wire form of a plain value (JSON data, Dates, nested arrays and objects of them), made
 * synchronously: the same result {@link serializeProperty} would give, without a promise per
 * level. {@link NOT_PLAIN} when any part is an Output, a promise, a Resource or a secret (or the
 * value is deeper than a plain input plausibly is): those take the asynchronous walk.
 */
export function plainWireValue(v: unknown, depth = 0): PropertyValue | undefined | typeof NOT_PLAIN {
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  // A bigint: the walk reports it.
  if (typeof v !== "object" || depth > 32) return NOT_PLAIN;
  if (isOutputLike(v) || isResourceLike(v) || isSecretValue(v) || isPromiseLike(v)) return NOT_PLAIN;
  if (Array.isArray(v)) {
    const out = new Array<PropertyValue>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = plainWireValue(v[i], depth + 1);
      if (x === NOT_PLAIN) return NOT_PLAIN;
      out[i] = x === undefined ? null : x;
    }
    return out;
  }
  if (v instanceof Date) return v.toISOString();
  const out: Record<string, PropertyValue> = {};
  for (const k of Object.keys(v)) {
    const x = plainWireValue((v as Record<string, unknown>)[k], depth + 1);
    if (x === NOT_PLAIN) return NOT_PLAIN;
    if (x !== undefined) out[k] = x;
  }
  return out;
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as { then?: unknown }).then === "function";
}

async function walk(v: unknown, w: Walk, path: string): Promise<unknown> {
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return w.mode === "wire" && !Number.isFinite(v) ? null : v;
  if (typeof v === "bigint") {
    throw new InputError(`The value at ${path || "(root)"} is a bigint, which cannot be stored as JSON. Convert it to a number or a string.`);
  }
  if (isOutputLike(v)) {
    const s = await v[OUTPUT_STATE]();
    for (const r of s.resources) w.resources.add(r);
    if (w.mode === "lift") {
      w.secret ||= s.secret;
      return s.value;
    }
    // The state's value is plain, but it may hold Resources, which the wire form turns into references.
    const inner = await walk(s.value, w, path);
    return s.secret ? wrapSecret((inner ?? null) as PropertyValue) : inner;
  }
  if (isPromiseLike(v)) return walk(await v, w, path);
  if (isResourceLike(v)) {
    if (w.mode === "lift") return v;
    w.resources.add(v);
    const ri = internalsOf(v);
    const ref: Record<string, unknown> = { urn: ri.urn };
    if (ri.id) ref.id = await walk(ri.id, w, `${path}.id`);
    return ref;
  }
  if (isSecretValue(v)) {
    const inner = await walk(v.value, w, path);
    if (w.mode === "lift") {
      w.secret = true;
      return inner;
    }
    return wrapSecret((inner ?? null) as PropertyValue);
  }
  if (Array.isArray(v)) {
    const items = await Promise.all(v.map((x, i) => walk(x, w, `${path}[${i}]`)));
    // As JSON.stringify does: a hole in an array becomes null rather than shifting the rest.
    return items.map((x) => (x === undefined ? null : x));
  }
  if (v instanceof Date) return v.toISOString();
  const entries = Object.entries(v as object);
  const values = await Promise.all(entries.map(([k, x]) => walk(x, w, path ? `${path}.${k}` : k)));
  const out: Record<string, unknown> = {};
  entries.forEach(([k], i) => {
    if (values[i] !== undefined) out[k] = values[i];
  });
  return out;
}

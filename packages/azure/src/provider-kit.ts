/**
 * What the four providers share: per-call abort signals honouring custom timeouts, turning SDK
 * models into plain JSON values, and projecting a live resource onto the shape of the user's inputs
 * (so that a refresh compares only the properties the user set, never server-filled defaults).
 */
import type { Provider, ProviderContext, PropertyMap, PropertyValue } from "@iac/sdk/provider";

/**
 * A provider with the protocol's `secretInputs` (input paths the cloud treats as secret, `.` for
 * properties and `[*]` for every list element: the engine encrypts the values there even when the
 * program passed plain strings). Declared here too so that this package builds against an SDK
 * whose Provider type does not name it yet.
 */
export type SecretAwareProvider<I extends PropertyMap = PropertyMap, O extends PropertyMap = PropertyMap> = Provider<I, O> & {
  readonly secretInputs?: readonly string[];
};

/** The abort signal for one call: the engine's (interrupt) combined with the custom timeout of `op`. */
export function callSignal(ctx: ProviderContext, op: "create" | "update" | "delete" | "read"): AbortSignal {
  const timeout = op === "read" ? undefined : ctx.timeouts[op];
  return timeout === undefined ? ctx.signal : AbortSignal.any([ctx.signal, AbortSignal.timeout(timeout)]);
}

/** A JSON value from an SDK model: undefined dropped, Dates as ISO strings, functions ignored. */
export function plain(value: unknown): PropertyValue | undefined {
  if (value === undefined || typeof value === "function") return undefined;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => plain(v) ?? null);
  if (typeof value === "object") {
    const out: { [key: string]: PropertyValue } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = plain(v);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return undefined;
}

/** A property map without undefined entries. */
export function compact<T extends Record<string, unknown>>(value: T): PropertyMap {
  return (plain(value) ?? {}) as PropertyMap;
}

function isObject(v: PropertyValue | undefined): v is { [key: string]: PropertyValue } {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

/**
 * The live value cut to the shape of what the user set: object keys the user did not set are
 * dropped (server defaults), lists follow the live list; keys listed in `whole` (tags, metadata)
 * are taken entire, so a tag added outside iac shows as drift.
 */
export function shapeLike(user: PropertyValue | undefined, live: PropertyValue | undefined, whole: readonly string[] = ["tags", "metadata"]): PropertyValue | undefined {
  if (user === undefined) return undefined;
  if (isObject(user) && isObject(live)) {
    const out: { [key: string]: PropertyValue } = {};
    for (const key of Object.keys(user)) {
      const v = whole.includes(key) ? live[key] : shapeLike(user[key], live[key], whole);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (Array.isArray(user) && Array.isArray(live)) {
    return live.map((item, i) => (i < user.length ? (shapeLike(user[i], item, whole) ?? null) : item));
  }
  return live;
}

/**
 * Inputs as read back: the live inputs cut to the old inputs' shape, or all of them when there are
 * no old inputs (an import, where the user has set nothing yet).
 */
export function readInputs(oldInputs: PropertyMap | undefined, liveInputs: PropertyMap): PropertyMap {
  if (oldInputs === undefined || Object.keys(oldInputs).length === 0) return liveInputs;
  return (shapeLike(oldInputs, liveInputs) ?? {}) as PropertyMap;
}

/**
 * From a generated type's flat args to the ARM body and back: each arg's `path` says where it sits
 * (`location` at the top, `addressSpace` under `properties`), `properties` may also come whole.
 * Reading back keeps what the program set and what the service never returns (write-only and
 * sensitive values, which the engine keeps encrypted) so that their absence is not drift.
 */
import { isReadOnly, isSecretProperty, isWriteOnly, type ArgSpec, type PropertySpec, type TypeKeyRef, type TypeRef } from "@iac/azure-spec";
import type { PropertyMap, PropertyValue } from "@iac/sdk/provider";
import type { NamedTypes } from "./validate.js";

function isObject(v: unknown): v is { [key: string]: PropertyValue } {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

/** The ARM body of checked args. */
export function toBody(args: readonly ArgSpec[], inputs: PropertyMap): PropertyMap {
  const body: PropertyMap = {};
  for (const a of args) {
    const v = inputs[a.name];
    if (v === undefined || a.kind === "name") continue;
    if (a.kind === "body") {
      body[a.name] = a.name === "properties" && isObject(v) && isObject(body.properties) ? { ...v, ...body.properties } : v;
    } else {
      const props = isObject(body.properties) ? body.properties : {};
      body.properties = { ...props, [a.name]: v };
    }
  }
  return body;
}

function at(body: PropertyMap, path: readonly string[]): PropertyValue | undefined {
  let v: PropertyValue | undefined = body;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  return v;
}

/** The outputs of a body: every returned property laid out as the outputs are, the name args, and `id`. */
export function outputsOfBody(outputs: readonly ArgSpec[], body: PropertyMap, names: Readonly<Record<string, string>>): PropertyMap {
  const out: PropertyMap = {};
  for (const a of outputs) {
    const v = a.kind === "name" ? names[a.name] : at(body, a.path);
    if (v !== undefined) out[a.name] = v;
  }
  if (typeof body.id === "string") out.id = body.id;
  return out;
}

/** The live args of a body (every writable arg the service returned), the name args included. */
export function liveArgs(args: readonly ArgSpec[], body: PropertyMap, names: Readonly<Record<string, string>>): PropertyMap {
  const out: PropertyMap = {};
  for (const a of args) {
    if (a.kind === "properties" || a.name === "properties") continue;
    const v = a.kind === "name" ? names[a.name] : at(body, a.path);
    if (v !== undefined) out[a.name] = v;
  }
  // `properties` is read back flattened; the program's own `properties` (if it gave it whole) is rebuilt in `project`.
  for (const a of args) {
    if (a.kind !== "properties") continue;
    const v = at(body, a.path);
    if (v !== undefined) out[a.name] = v;
  }
  return out;
}

/** Whether a named type is a secret as a whole (the service never returns it). */
function isSecretObject(ref: TypeKeyRef, named: NamedTypes): boolean {
  const n = named(ref);
  return n.kind === "object" && n.sensitive === true;
}

/** The properties of a named type (a discriminated one: base and every element's). */
function propertiesOf(ref: TypeKeyRef, named: NamedTypes): Record<string, PropertySpec> {
  const n = named(ref);
  if (n.kind === "object") return n.properties;
  const out: Record<string, PropertySpec> = { ...n.base };
  for (const e of Object.values(n.elements)) {
    const el = named(e);
    for (const [k, p] of Object.entries(el.kind === "object" ? el.properties : el.base)) if (!(k in out)) out[k] = p;
  }
  return out;
}

/**
 * The live value cut to the shape of what the program set: keys it did not set are dropped (the
 * service's defaults are not drift), lists follow the live list, maps (`tags`) are taken whole,
 * and a value the program set that the service does not return (write-only, or a secret it never
 * echoes) is kept as the program set it.
 */
export function project(user: PropertyValue | undefined, live: PropertyValue | undefined, t: TypeRef | undefined, named: NamedTypes, hidden = false): PropertyValue | undefined {
  if (user === undefined) return undefined;
  if (live === undefined || live === null) return hidden || (typeof t === "object" && t.type === "string" && t.sensitive) || (typeof t === "string" && t.startsWith("@") && isSecretObject(t as TypeKeyRef, named)) ? user : live === null ? null : undefined;
  if (typeof t === "string" && t.startsWith("@") && isObject(user) && isObject(live)) {
    const n = named(t as TypeKeyRef);
    if (n.kind === "object" && n.additionalProperties !== undefined && Object.keys(n.properties).length === 0) {
      // A map (`tags`, `userAssignedIdentities`): its keys are taken whole, so a key added outside
      // iac is drift; each value is cut like any value, so what the service adds inside one (an
      // identity's principalId and clientId) is not.
      const out: { [key: string]: PropertyValue } = {};
      for (const [k, v] of Object.entries(live)) {
        const cut = k in user ? project(user[k], v, n.additionalProperties, named) : writable(v, n.additionalProperties, named);
        if (cut !== undefined) out[k] = cut;
      }
      return out;
    }
    const props = propertiesOf(t as TypeKeyRef, named);
    const out: { [key: string]: PropertyValue } = {};
    for (const k of Object.keys(user)) {
      const p = props[k];
      const v = project(user[k], live[k], p?.type, named, p !== undefined && (isWriteOnly(p) || isSecretProperty(p)));
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (typeof t === "object" && t.type === "array" && Array.isArray(user) && Array.isArray(live)) {
    return live.map((item, i) => (i < user.length ? (project(user[i], item, t.items, named) ?? null) : item));
  }
  return live;
}

/** A live value without the read-only properties of its objects (what a program could have set). */
function writable(live: PropertyValue, t: TypeRef | undefined, named: NamedTypes): PropertyValue | undefined {
  if (typeof t === "string" && t.startsWith("@") && isObject(live)) {
    const props = propertiesOf(t as TypeKeyRef, named);
    const n = named(t as TypeKeyRef);
    const out: { [key: string]: PropertyValue } = {};
    for (const [k, v] of Object.entries(live)) {
      const p = props[k];
      if (p !== undefined && isReadOnly(p)) continue;
      const w = p === undefined ? (n.kind === "object" && n.additionalProperties !== undefined ? writable(v, n.additionalProperties, named) : v) : writable(v, p.type, named);
      if (w !== undefined) out[k] = w;
    }
    return out;
  }
  if (typeof t === "object" && t.type === "array" && Array.isArray(live)) return live.map((item) => writable(item, t.items, named) ?? null);
  return live;
}

/** The inputs as read back: the live args projected onto the old inputs (all of them on import). */
export function readBack(args: readonly ArgSpec[], olds: PropertyMap | undefined, live: PropertyMap, body: PropertyMap, named: NamedTypes): PropertyMap {
  if (olds === undefined || Object.keys(olds).length === 0) return live;
  const byName = new Map(args.map((a) => [a.name, a]));
  const out: PropertyMap = {};
  for (const [k, user] of Object.entries(olds)) {
    const a = byName.get(k);
    if (a === undefined) continue;
    if (a.kind === "name") {
      if (live[k] !== undefined) out[k] = live[k]!;
      continue;
    }
    const v = project(user, a.name === "properties" ? body.properties : live[k], a.property.type, named, isWriteOnly(a.property) || isSecretProperty(a.property));
    if (v !== undefined) out[k] = v;
  }
  return out;
}

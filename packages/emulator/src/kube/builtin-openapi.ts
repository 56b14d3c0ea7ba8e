/**
 * The OpenAPI v3 schemas of built-in kinds, written back from the compact data of
 * `@iac/kubernetes-spec` (builtin-schema.ts reads it) in the shape the real apiserver publishes
 * them: one component per named type (`io.k8s.api.apps.v1.DeploymentSpec`), properties that
 * reference others through `allOf: [{$ref}]`, the `x-kubernetes-list-*` markers, enums,
 * required, and the kind's `x-kubernetes-group-version-kind`, so that `kubectl explain` reads them
 * as from a real server. Descriptions are the data's first paragraphs (the real documents have
 * the whole text and "More info" links); defaults and the strategic-merge-patch markers are not
 * in the data and are left out.
 */
import { builtinTypeKey, specData, specDescriptions, type ObjectSpec, type TypeRef } from "./builtin-schema.js";

type Schema = Record<string, unknown>;

/** Type keys (FORMAT.md) back to OpenAPI names: the inverse of kubernetes-spec's compaction. */
export function openApiName(key: string): string {
  if (key.startsWith("meta.")) return `io.k8s.apimachinery.pkg.apis.${key}`;
  if (key.startsWith("apiextensions.")) return `io.k8s.apiextensions-apiserver.pkg.apis.${key}`;
  if (key.startsWith("apiregistration.")) return `io.k8s.kube-aggregator.pkg.apis.${key}`;
  return `io.k8s.api.${key}`;
}

const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/** The scalar types the compaction folded into primitives, as the apiserver publishes them. */
const SPECIAL_COMPONENTS: Readonly<Record<string, Schema>> = {
  [INT_OR_STRING]: {
    description: "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
    format: "int-or-string",
    oneOf: [{ type: "integer" }, { type: "string" }],
  },
  [QUANTITY]: {
    description: "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.",
    oneOf: [{ type: "string" }, { type: "number" }],
  },
};

const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });

/** One property's schema; `refs` collects the components it needs. */
function propertySchema(t: TypeRef, refs: Set<string>): Schema {
  if (typeof t === "string") {
    if (t.startsWith("@")) {
      refs.add(t.slice(1));
      return { default: {}, ...ref(openApiName(t.slice(1))) };
    }
    switch (t) {
      case "int-or-string":
        refs.add(INT_OR_STRING);
        return ref(INT_OR_STRING);
      case "quantity":
        refs.add(QUANTITY);
        return ref(QUANTITY);
      case "any":
        return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
      case "number":
        return { type: "number", format: "double" };
      default:
        return { type: t };
    }
  }
  if ("array" in t) {
    return {
      type: "array",
      items: propertySchema(t.array, refs),
      ...(t.listType === undefined ? {} : { "x-kubernetes-list-type": t.listType }),
      ...(t.listMapKeys === undefined ? {} : { "x-kubernetes-list-map-keys": t.listMapKeys }),
    };
  }
  if ("map" in t) return { type: "object", additionalProperties: propertySchema(t.map, refs), ...(t.mapType === undefined ? {} : { "x-kubernetes-map-type": t.mapType }) };
  if ("enum" in t) return { type: "string", enum: t.enum };
  if ("object" in t) return objectSchema(t.object, undefined, refs);
  return { type: t.type };
}

function objectSchema(spec: ObjectSpec, key: string | undefined, refs: Set<string>): Schema {
  const descriptions = specDescriptions();
  const properties: Record<string, Schema> = {};
  for (const [name, t] of Object.entries(spec.properties ?? {})) {
    const description = key === undefined ? undefined : descriptions[`${key}.${name}`];
    properties[name] = { ...(description === undefined ? {} : { description }), ...propertySchema(t, refs) };
  }
  const description = key === undefined ? undefined : descriptions[key];
  return {
    ...(description === undefined ? {} : { description }),
    type: "object",
    ...(spec.required === undefined ? {} : { required: spec.required }),
    properties,
    ...(spec.mapType === undefined ? {} : { "x-kubernetes-map-type": spec.mapType }),
    ...(spec.preserveUnknown === true ? { "x-kubernetes-preserve-unknown-fields": true } : {}),
  };
}

/**
 * The components a built-in kind's schema needs, by OpenAPI name, the kind's own carrying its
 * group-version-kind; undefined when the data does not have the kind.
 */
export function builtinComponents(group: string, version: string, kind: string): Readonly<Record<string, Schema>> | undefined {
  const id = `${group}/${version}/${kind}`;
  if (!memo.has(id)) memo.set(id, buildComponents(group, version, kind));
  return memo.get(id);
}

/** Built once per kind: the documents are rebuilt on every `/openapi/v3` request (for their hashes). */
const memo = new Map<string, Readonly<Record<string, Schema>> | undefined>();

function buildComponents(group: string, version: string, kind: string): Record<string, Schema> | undefined {
  const data = specData();
  const root = builtinTypeKey(group, version, kind);
  if (data === undefined || root === undefined) return undefined;
  const out: Record<string, Schema> = {};
  const pending = [root];
  const seen = new Set<string>(pending);
  while (pending.length > 0) {
    const key = pending.pop()!;
    const special = SPECIAL_COMPONENTS[key];
    if (special !== undefined) {
      out[key] = special;
      continue;
    }
    const spec = data.types[key];
    if (spec === undefined) continue;
    const refs = new Set<string>();
    out[openApiName(key)] = objectSchema(spec, key, refs);
    for (const r of refs) {
      if (!seen.has(r)) {
        seen.add(r);
        pending.push(r);
      }
    }
  }
  const name = openApiName(root);
  out[name] = { ...out[name], "x-kubernetes-group-version-kind": [{ group, kind, version }] };
  return out;
}

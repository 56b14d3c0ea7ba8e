/**
 * A CRD's structural schema (`spec.versions[].schema.openAPIV3Schema`) compacted into
 * @iac/kubernetes-spec's schema language: nested objects inline (`{ object }`), the root's
 * `metadata` as the built-in ObjectMeta, descriptions kept apart by property path for the
 * declarations. Dropped (the API server still enforces them): CEL rules, oneOf/anyOf/allOf/not,
 * defaults, nullable.
 */
import type { ObjectSpec, Primitive, ScalarRef, TypeRef } from "@iac/kubernetes-spec";

type Json = Record<string, any>;

/** Descriptions by path: `spec`, `spec.sourceRef`, `spec.healthChecks[]` (the items). */
export type Descriptions = Map<string, string>;

/** The first paragraph of a description, whitespace folded. */
export function firstParagraph(text: unknown): string | undefined {
  if (typeof text !== "string") return undefined;
  const p = text.split(/\n\s*\n/)[0]!.replace(/\s+/g, " ").trim();
  return p === "" ? undefined : p;
}

/** The root ObjectSpec of a kind. */
export function compactRoot(schema: Json, descriptions: Descriptions): ObjectSpec {
  const root = objectSpec(schema, "", descriptions);
  // CRD schemas may not constrain metadata beyond name/generateName; the built-in type describes it.
  return { ...root, properties: { apiVersion: "string", kind: "string", ...root.properties, metadata: "@meta.v1.ObjectMeta" } };
}

function objectSpec(schema: Json, path: string, descriptions: Descriptions): ObjectSpec {
  const properties: Record<string, TypeRef> = {};
  for (const [name, p] of Object.entries<Json>(schema.properties ?? {})) {
    const at = path === "" ? name : `${path}.${name}`;
    const d = firstParagraph(p.description);
    if (d) descriptions.set(at, d);
    properties[name] = compactSchema(p, at, descriptions);
  }
  const required = Array.isArray(schema.required) ? [...schema.required].sort() : [];
  return {
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(schema["x-kubernetes-preserve-unknown-fields"] === true ? { preserveUnknown: true as const } : {}),
    ...(schema["x-kubernetes-embedded-resource"] === true ? { embedded: true as const } : {}),
    ...(schema["x-kubernetes-map-type"] ? { mapType: schema["x-kubernetes-map-type"] } : {}),
  };
}

/** One schema node as a TypeRef. */
export function compactSchema(schema: Json, path: string, descriptions: Descriptions): TypeRef {
  if (schema["x-kubernetes-int-or-string"] === true) return "int-or-string";
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return { enum: [...schema.enum].filter((v) => v !== null).sort() };
  switch (schema.type) {
    case "object": {
      if (schema.properties) return { object: objectSpec(schema, path, descriptions) };
      if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
        const mapType = schema["x-kubernetes-map-type"];
        const value = schema.additionalProperties === true ? "any" : compactSchema(schema.additionalProperties, `${path}.*`, descriptions);
        return { map: value, ...(mapType ? { mapType } : {}) };
      }
      if (schema["x-kubernetes-preserve-unknown-fields"] === true && schema["x-kubernetes-embedded-resource"] !== true) return "any";
      // An object with no properties: the API server prunes any field given, so none is accepted.
      return { object: objectSpec(schema, path, descriptions) };
    }
    case "array": {
      const items = schema.items ? compactSchema(schema.items, `${path}[]`, descriptions) : "any";
      const listType = schema["x-kubernetes-list-type"];
      const keys = schema["x-kubernetes-list-map-keys"];
      return { array: items, ...(listType ? { listType } : {}), ...(Array.isArray(keys) ? { listMapKeys: keys } : {}) };
    }
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return scalar(schema, schema.type);
    default:
      if (schema["x-kubernetes-preserve-unknown-fields"] === true) return "any";
      return "any";
  }
}

function scalar(schema: Json, type: Primitive): TypeRef {
  const c: { -readonly [K in keyof ScalarRef]?: ScalarRef[K] } = {};
  if (typeof schema.format === "string") c.format = schema.format;
  if (typeof schema.pattern === "string") c.pattern = schema.pattern;
  for (const k of ["minimum", "maximum", "minLength", "maxLength"] as const) if (typeof schema[k] === "number") c[k] = schema[k];
  return Object.keys(c).length === 0 ? type : { type, ...c };
}

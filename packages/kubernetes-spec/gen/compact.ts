/**
 * Compaction of the kube-apiserver's OpenAPI v3 documents (one per group-version, as served at
 * `/openapi/v3/<path>`) into `data/index.json`, `data/types.json` and `data/descriptions.json`
 * (FORMAT.md). Pure over its inputs: the same documents give the same bytes.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { FORMAT_VERSION, groupName, kindKey, type KindSpec, type ObjectSpec, type Primitive, type TypeRef } from "../src/format.js";
import { layoutJson, writeIfChanged } from "./write-json.js";

type Json = Record<string, any>;

/** Named types that are scalars or free-form on the wire: referenced as primitives. */
const SPECIAL: Readonly<Record<string, Primitive>> = {
  "util.intstr.IntOrString": "int-or-string",
  "api.resource.Quantity": "quantity",
  "meta.v1.Time": "string",
  "meta.v1.MicroTime": "string",
  "runtime.RawExtension": "any",
  "apiextensions.v1.JSON": "any",
  "apiextensions.v1.JSONSchemaPropsOrArray": "any",
  "apiextensions.v1.JSONSchemaPropsOrBool": "any",
  "apiextensions.v1.JSONSchemaPropsOrStringArray": "any",
  "meta.v1.FieldsV1": "any",
};

const PREFIXES = ["io.k8s.api.", "io.k8s.apimachinery.pkg.apis.", "io.k8s.apiextensions-apiserver.pkg.apis.", "io.k8s.kube-aggregator.pkg.apis.", "io.k8s.apimachinery.pkg."];

/** `io.k8s.api.apps.v1.DeploymentSpec` -> `apps.v1.DeploymentSpec` (FORMAT.md, "Type keys"). */
export function typeKey(openApiName: string): string {
  for (const p of PREFIXES) if (openApiName.startsWith(p)) return openApiName.slice(p.length);
  return openApiName;
}

/** The first paragraph of a description, without the trailing "More info:" link. */
export function trimDescription(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const first = text.split(/\n\n/)[0]!.replace(/\s*More info: \S+\s*$/, "").replace(/\s+/g, " ").trim();
  return first === "" ? undefined : first;
}

function refName(schema: Json): string | undefined {
  const ref = schema.$ref ?? (Array.isArray(schema.allOf) && schema.allOf.length === 1 ? schema.allOf[0].$ref : undefined);
  return typeof ref === "string" ? typeKey(ref.replace(/^#\/components\/schemas\//, "")) : undefined;
}

function primitiveOf(schema: Json): Primitive | undefined {
  if (schema.format === "int-or-string" || schema["x-kubernetes-int-or-string"] === true) return "int-or-string";
  switch (schema.type) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return schema.type;
    default:
      return undefined;
  }
}

/** One property's schema as a TypeRef. */
export function typeRefOf(schema: Json): TypeRef {
  const ref = refName(schema);
  if (ref !== undefined) return SPECIAL[ref] ?? (`@${ref}` as const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return { enum: [...schema.enum].sort() };
  if (schema.type === "array") {
    const items = typeRefOf(schema.items ?? {});
    const listType = schema["x-kubernetes-list-type"];
    const keys = schema["x-kubernetes-list-map-keys"];
    return { array: items, ...(listType ? { listType } : {}), ...(Array.isArray(keys) ? { listMapKeys: keys } : {}) };
  }
  if (schema.type === "object" && schema.additionalProperties !== undefined && schema.additionalProperties !== false && !schema.properties) {
    const mapType = schema["x-kubernetes-map-type"];
    return { map: schema.additionalProperties === true ? "any" : typeRefOf(schema.additionalProperties), ...(mapType ? { mapType } : {}) };
  }
  if (schema.type === "object" && !schema.properties) return "any";
  return primitiveOf(schema) ?? "any";
}

/** A named object type. */
function objectSpecOf(schema: Json): ObjectSpec {
  const properties: Record<string, TypeRef> = {};
  for (const [name, p] of Object.entries<Json>(schema.properties ?? {})) properties[name] = typeRefOf(p);
  const required = Array.isArray(schema.required) ? [...schema.required].sort() : [];
  const mapType = schema["x-kubernetes-map-type"];
  return { properties, ...(required.length > 0 ? { required } : {}), ...(mapType ? { mapType } : {}) };
}

export interface CompactResult {
  readonly files: number;
  readonly kinds: number;
  readonly types: number;
}

/** Compact the documents under `rawDir` (as tools/real-cluster/capture-openapi.ts saves them) into `outDir`. */
export function compactOpenApi(o: { rawDir: string; outDir: string; read: (file: string) => string }): CompactResult {
  const version = JSON.parse(o.read(join(o.rawDir, "server-version.json"))) as { gitVersion: string };
  const documents = readdirSync(o.rawDir)
    .filter((f) => /^(api|apis_[^_]+)_v[0-9]+[a-z0-9]*\.json$/.test(f))
    .sort();
  const types: Record<string, ObjectSpec> = {};
  const descriptions: Record<string, string> = {};
  const kinds: Record<string, KindSpec> = {};
  for (const file of documents) {
    const doc = JSON.parse(o.read(join(o.rawDir, file))) as Json;
    for (const [name, schema] of Object.entries<Json>(doc.components?.schemas ?? {})) {
      const key = typeKey(name);
      if (SPECIAL[key] !== undefined || types[key] !== undefined) continue;
      types[key] = objectSpecOf(schema);
      const d = trimDescription(schema.description);
      if (d) descriptions[key] = d;
      for (const [prop, p] of Object.entries<Json>(schema.properties ?? {})) {
        const pd = trimDescription(p.description);
        if (pd) descriptions[`${key}.${prop}`] = pd;
      }
    }
    Object.assign(kinds, kindsOf(doc));
  }
  // Lists (DeploymentList) are kinds of the API but not objects anyone declares: only kinds with a path.
  const source = {
    kubernetes: version.gitVersion,
    documents: documents.map((f) => "/openapi/v3/" + f.replace(/\.json$/, "").replace(/_/g, "/")),
    licence: "Apache-2.0 (the Kubernetes Authors); the schemas are generated from the API types of k8s.io/api",
    origin: "captured from kube-apiserver built from k8s.io/kubernetes by tools/real-cluster/capture-openapi.ts",
  };
  let files = 0;
  if (writeIfChanged(join(o.outDir, "index.json"), layoutJson({ format: FORMAT_VERSION, source }, { kinds }))) files++;
  if (writeIfChanged(join(o.outDir, "types.json"), layoutJson({ format: FORMAT_VERSION }, { types }))) files++;
  if (writeIfChanged(join(o.outDir, "descriptions.json"), layoutJson({ format: FORMAT_VERSION }, { descriptions }))) files++;
  return { files, kinds: Object.keys(kinds).length, types: Object.keys(types).length };
}

/** The kinds one group-version document serves, from its paths. */
function kindsOf(doc: Json): Record<string, KindSpec> {
  interface Found { gvk: Json; plural: string; namespaced: boolean; apply: boolean; subresources: Set<string> }
  const found = new Map<string, Found>();
  const subresources: { plural: string; sub: string }[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    if (path.includes("/watch/")) continue;
    // /api/v1/namespaces/{namespace}/pods/{name}[/status] or /apis/apps/v1/deployments/{name}
    const m = /^\/apis?(?:\/[^/]+)?\/v[0-9][a-z0-9]*\/(namespaces\/\{namespace\}\/)?([a-z0-9.-]+)(\/\{name\})?(?:\/([a-z]+))?$/.exec(path);
    if (!m) continue;
    const [, ns, plural, named, sub] = m;
    const gvk = ["get", "put", "post", "patch", "delete"].map((k) => item[k]?.["x-kubernetes-group-version-kind"]).find((g) => g);
    if (!gvk || plural === undefined) continue;
    if (sub !== undefined) {
      // A subresource of `plural` (its gvk may be another kind's, e.g. autoscaling/v1 Scale).
      if (named) subresources.push({ plural, sub });
      continue;
    }
    const key = kindKey({ group: gvk.group, version: gvk.version, kind: gvk.kind });
    const entry = found.get(key) ?? { gvk, plural, namespaced: false, apply: false, subresources: new Set<string>() };
    if (ns) entry.namespaced = true;
    if (named && item.patch) entry.apply = true;
    found.set(key, entry);
  }
  for (const s of subresources) [...found.values()].find((f) => f.plural === s.plural)?.subresources.add(s.sub);
  const schemas: Json = doc.components?.schemas ?? {};
  const out: Record<string, KindSpec> = {};
  for (const [key, e] of found) {
    const typeName = Object.keys(schemas).find((n) =>
      (schemas[n]["x-kubernetes-group-version-kind"] ?? []).some((g: Json) => g.group === e.gvk.group && g.version === e.gvk.version && g.kind === e.gvk.kind),
    );
    if (!typeName) continue;
    out[key] = {
      group: groupName(e.gvk.group),
      version: e.gvk.version,
      kind: e.gvk.kind,
      plural: e.plural,
      namespaced: e.namespaced,
      type: typeKey(typeName),
      apply: e.apply,
      ...(e.subresources.size > 0 ? { subresources: [...e.subresources].sort() } : {}),
    };
  }
  return out;
}

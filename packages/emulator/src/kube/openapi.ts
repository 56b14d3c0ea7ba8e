/**
 * OpenAPI v3: the root index (`/openapi/v3`) and one document per group-version. kubectl's
 * default `--validate=strict` looks, in the document of the object's group-version, for a PATCH
 * operation carrying `x-kubernetes-group-version-kind` of the kind and a `fieldValidation` query
 * parameter (cli-runtime `query_param_verifier_v3.go`); when found it lets the server validate.
 * Built-in kinds carry the real apiserver's schemas (builtin-openapi.ts, from the captured data;
 * open objects for a kind the data lacks); custom kinds carry their CRD's `openAPIV3Schema`.
 */
import { createHash } from "node:crypto";
import { builtinComponents, openApiName } from "./builtin-openapi.js";
import { builtinTypeKey } from "./builtin-schema.js";
import { SERVER_VERSION } from "./discovery.js";
import type { ResourceRegistry } from "./registry.js";
import { apiVersionOf, type ResourceType } from "./types.js";

const SCHEMA_PREFIX: Record<string, string> = {
  "": "io.k8s.api.core",
  "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
  "rbac.authorization.k8s.io": "io.k8s.api.rbac",
  "networking.k8s.io": "io.k8s.api.networking",
  "storage.k8s.io": "io.k8s.api.storage",
  "scheduling.k8s.io": "io.k8s.api.scheduling",
};

function schemaName(t: ResourceType, version: string): string {
  if (t.crd !== undefined) return `${t.group.split(".").reverse().join(".")}.${version}.${t.kind}`;
  return `${SCHEMA_PREFIX[t.group] ?? `io.k8s.api.${t.group}`}.${version}.${t.kind}`;
}

/** Path prefix of a group-version in the v3 index: `api/v1` or `apis/<group>/<version>`. */
export function groupVersionPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

function query(name: string, description: string) {
  return { name, in: "query", description, schema: { type: name === "force" ? "boolean" : "string", uniqueItems: true } };
}

const DRY_RUN = query("dryRun", "When present, indicates that modifications should not be persisted. Valid value: All");
const FIELD_MANAGER = query("fieldManager", "a name associated with the actor or entity that is making these changes");
const FIELD_VALIDATION = query("fieldValidation", "instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict");
const FORCE = query("force", "Force is going to \"force\" Apply requests; it must be unset for non-apply patch requests");

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** ObjectMeta as the apiserver publishes it, with the patch strategies client-side apply needs. */
const OBJECT_META_SCHEMA = {
  type: "object",
  description: "ObjectMeta is metadata that all persisted resources must have.",
  properties: {
    name: { type: "string" },
    generateName: { type: "string" },
    namespace: { type: "string" },
    uid: { type: "string" },
    resourceVersion: { type: "string" },
    generation: { type: "integer", format: "int64" },
    creationTimestamp: { type: "string", format: "date-time" },
    deletionTimestamp: { type: "string", format: "date-time" },
    deletionGracePeriodSeconds: { type: "integer", format: "int64" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
    finalizers: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge" },
    ownerReferences: {
      type: "array",
      items: { type: "object", "x-kubernetes-map-type": "atomic", "x-kubernetes-preserve-unknown-fields": true },
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["uid"],
      "x-kubernetes-patch-merge-key": "uid",
      "x-kubernetes-patch-strategy": "merge",
    },
    managedFields: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, "x-kubernetes-list-type": "atomic" },
  },
};

/** The data's ObjectMeta with the patch markers of the hand-written one (finalizers, ownerReferences). */
function withPatchMarkers(meta: unknown): Record<string, unknown> {
  if (typeof meta !== "object" || meta === null) return OBJECT_META_SCHEMA;
  const m = meta as { properties?: Record<string, Record<string, unknown>> };
  const props = { ...(m.properties ?? {}) };
  for (const key of ["finalizers", "ownerReferences"] as const) {
    const marked = OBJECT_META_SCHEMA.properties[key] as Record<string, unknown>;
    const markers = Object.fromEntries(Object.entries(marked).filter(([k]) => k.startsWith("x-kubernetes-patch")));
    props[key] = { ...(props[key] ?? {}), ...markers };
  }
  return { ...m, properties: props };
}

/** A CRD's schema as published: apiVersion, kind and metadata added, as the apiserver does. */
function publishedCrdSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = typeof schema["properties"] === "object" && schema["properties"] !== null ? (schema["properties"] as Record<string, unknown>) : {};
  return {
    ...schema,
    type: "object",
    properties: {
      ...properties,
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }] },
    },
  };
}

/** The v3 document of one group-version. */
export function groupVersionDocument(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { [OBJECT_META]: OBJECT_META_SCHEMA };
  for (const t of types) {
    const gvk = { group, version, kind: t.kind };
    const builtinKey = t.crd === undefined ? builtinTypeKey(group, version, t.kind) : undefined;
    const builtin = t.crd === undefined ? builtinComponents(group, version, t.kind) : undefined;
    const name = builtinKey !== undefined && builtin !== undefined ? openApiName(builtinKey) : schemaName(t, version);
    const ref = { $ref: `#/components/schemas/${name}` };
    const crdSchema = registry.schemaOf(t, version);
    if (builtin !== undefined) {
      Object.assign(schemas, builtin, { [OBJECT_META]: withPatchMarkers(builtin[OBJECT_META]) });
    } else {
      schemas[name] = {
        ...(crdSchema ? publishedCrdSchema(crdSchema) : { type: "object", "x-kubernetes-preserve-unknown-fields": true }),
        description: crdSchema?.["description"] ?? `${t.kind} (${apiVersionOf(group, version)}), served by the iac local cloud.`,
        // A built-in kind the data lacks gets an open schema without its GVK: kubectl's client-side
        // apply would compute patches from a GVK-tagged open schema and warn "unable to find api field".
        ...(t.crd === undefined ? {} : { "x-kubernetes-group-version-kind": [gvk] }),
      };
    }
    const ok = { "200": { description: "OK", content: { "application/json": { schema: ref } } } };
    const base = `/${groupVersionPath(group, version)}${t.namespaced ? "/namespaces/{namespace}" : ""}/${t.plural}`;
    const op = (action: string, params: unknown[]) => ({
      operationId: `${action}${t.kind}`,
      parameters: params,
      responses: ok,
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
    });
    paths[base] = {
      get: op("list", []),
      post: op("post", [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]),
      parameters: t.namespaced ? [{ name: "namespace", in: "path", required: true, schema: { type: "string" } }] : [],
    };
    paths[`${base}/{name}`] = {
      get: op("get", []),
      put: op("put", [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]),
      patch: {
        ...op("patch", [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE]),
        requestBody: {
          content: Object.fromEntries(
            // Custom resources take no strategic merge patch; kubectl's client-side apply reads this
            // list to choose between a strategic and a JSON merge patch (apply/patcher.go).
            // Built-in kinds do not list strategic merge patch either: their schemas here lack the
            // patch strategies (not in the data), so kubectl falls back to its own Go types, which
            // carry the same strategies the real server's schemas would.
            ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"].map((m) => [m, { schema: { type: "object" } }]),
          ),
          required: true,
        },
      },
      delete: op("delete", [DRY_RUN]),
      parameters: [
        { name: "name", in: "path", required: true, schema: { type: "string" } },
        ...(t.namespaced ? [{ name: "namespace", in: "path", required: true, schema: { type: "string" } }] : []),
      ],
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas },
  };
}

export function documentHash(doc: unknown): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();
}

/**
 * What a group-version's document is made of: its kinds and, for custom kinds, their schemas
 * (built-in kinds' schemas are fixed data). Equal inputs give equal documents.
 */
function documentInputs(registry: ResourceRegistry, group: string, version: string): string {
  return JSON.stringify(registry.inGroupVersion(group, version).map((t) => [t.kind, t.plural, t.namespaced, t.crd ?? null, t.crd === undefined ? null : registry.schemaOf(t, version) ?? null]));
}

/**
 * Hashes of documents by their inputs: hashing means building and serializing every document
 * (the built-in ones are hundreds of kB), and kubectl reads the index on every command.
 */
const hashes = new Map<string, string>();

/** The v3 root: each group-version with a URL whose `hash` changes when its document does. */
export function openApiIndex(registry: ResourceRegistry): unknown {
  const paths: Record<string, unknown> = {};
  const gvs: [string, string][] = [["", "v1"], ...registry.groups().flatMap((g) => g.versions.map((v) => [g.name, v] as [string, string]))];
  for (const [group, version] of gvs) {
    const key = `${group}/${version}:${documentInputs(registry, group, version)}`;
    let hash = hashes.get(key);
    if (hash === undefined) {
      const doc = groupVersionDocument(registry, group, version);
      if (!doc) continue;
      if (hashes.size > 500) hashes.clear();
      hash = documentHash(doc);
      hashes.set(key, hash);
    }
    const p = groupVersionPath(group, version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}

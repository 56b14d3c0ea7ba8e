/**
 * Kubernetes objects as plain JSON: their identity, their id string, and the small facts about
 * built-in kinds the provider needs without asking the cluster (which kinds are cluster-scoped).
 */
import type { PropertyMap, PropertyValue } from "@iac/sdk/provider";
import { kubernetesSpec } from "@iac/kubernetes-spec";
import { KubernetesError } from "./errors.js";

/** An object as written in YAML: `apiVersion`, `kind`, `metadata` and any other fields. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: KubeMetadata;
  readonly [field: string]: PropertyValue | KubeMetadata | undefined;
}

export interface KubeMetadata {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [field: string]: PropertyValue | undefined;
}

/** What names one object in a cluster. */
export interface ObjectKey {
  readonly apiVersion: string;
  readonly kind: string;
  /** Undefined for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
}

/**
 * Built-in kinds that are cluster-scoped (Kubernetes 1.3x discovery). Custom kinds are looked up
 * in the CRDs a program declares; unknown kinds are assumed namespaced, as the API server would
 * tell client-node at apply time.
 */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "VolumeAttachment",
  "CSIDriver",
  "CSINode",
  "PriorityClass",
  "RuntimeClass",
  "IngressClass",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "CertificateSigningRequest",
  "FlowSchema",
  "PriorityLevelConfiguration",
  "ComponentStatus",
  "GatewayClass",
  "ClusterClass",
  "VolumeSnapshotClass",
  "ClusterIssuer",
]);

/** True when `kind` is a built-in cluster-scoped kind (see {@link CLUSTER_SCOPED}). */
export function isClusterScopedKind(kind: string): boolean {
  // The table, then every cluster-scoped kind the captured apiserver serves (@iac/kubernetes-spec).
  return CLUSTER_SCOPED.has(kind) || Object.values(kubernetesSpec.index.kinds).some((k) => !k.namespaced && k.kind === kind);
}

/** The API group of an apiVersion (`""` for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Checks that `value` is an object with `apiVersion`, `kind` and `metadata.name` (strings) and
 * returns it typed; throws a {@link KubernetesError} naming `where` otherwise.
 */
export function asKubeObject(value: unknown, where: string): KubeObject {
  if (!isRecord(value)) throw new KubernetesError(`${where} is not a Kubernetes object (a mapping with apiVersion, kind and metadata).`, { code: "InvalidObject" });
  const missing = ["apiVersion", "kind"].filter((k) => typeof value[k] !== "string" || value[k] === "");
  if (missing.length > 0) throw new KubernetesError(`${where} has no ${missing.join(" or ")}: every object needs apiVersion and kind (e.g. apiVersion: v1, kind: ConfigMap).`, { code: "InvalidObject" });
  const metadata = value.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== "string" || metadata.name === "") {
    throw new KubernetesError(`${where} (${String(value.kind)}) has no metadata.name: give the object a name (generateName is not supported, because iac must find the object again).`, { code: "InvalidObject" });
  }
  return value as unknown as KubeObject;
}

/** The key of an object; `defaultNamespace` is used for a namespaced object that names none. */
export function keyOf(obj: KubeObject, defaultNamespace?: string): ObjectKey {
  const name = obj.metadata.name ?? "";
  if (isClusterScopedKind(obj.kind)) return { apiVersion: obj.apiVersion, kind: obj.kind, name };
  const namespace = obj.metadata.namespace ?? defaultNamespace;
  return namespace === undefined ? { apiVersion: obj.apiVersion, kind: obj.kind, name } : { apiVersion: obj.apiVersion, kind: obj.kind, namespace, name };
}

/**
 * The id of an object: `<apiVersion>/<kind>/<namespace>/<name>`, or `<apiVersion>/<kind>/<name>`
 * for a cluster-scoped one (e.g. `apps/v1/Deployment/web/frontend`, `v1/Namespace/web`).
 */
export function idOf(key: ObjectKey): string {
  return [key.apiVersion, key.kind, ...(key.namespace === undefined ? [] : [key.namespace]), key.name].join("/");
}

/** Parses an id made by {@link idOf} (used by `import`). */
export function parseId(id: string): ObjectKey {
  const parts = id.split("/");
  // A core apiVersion is one segment (`v1`); a group's is two (`apps/v1`). Group names never look like versions.
  const versionSegments = /^v\d+((alpha|beta)\d+)?$/.test(parts[0] ?? "") ? 1 : 2;
  const rest = parts.slice(versionSegments);
  if (parts.length < versionSegments + 2 || rest.length > 3 || rest.some((p) => p === "")) {
    throw new KubernetesError(
      `"${id}" is not a Kubernetes object id. Ids are <apiVersion>/<kind>/<namespace>/<name>, or <apiVersion>/<kind>/<name> for cluster-scoped objects, e.g. apps/v1/Deployment/web/frontend.`,
      { code: "InvalidId" },
    );
  }
  const apiVersion = parts.slice(0, versionSegments).join("/");
  return rest.length === 3 ? { apiVersion, kind: rest[0], namespace: rest[1], name: rest[2] } : { apiVersion, kind: rest[0], name: rest[1] };
}

/** `Kind ns/name` or `Kind name`, for messages. */
export function describe(key: ObjectKey): string {
  return `${key.kind} ${key.namespace === undefined ? "" : `${key.namespace}/`}${key.name}`;
}

/** A deep copy as a plain PropertyMap (client-node mutates what it is given: k8s.md §1.3). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** An object as a PropertyMap (the provider's inputs and outputs). */
export function toPropertyMap(obj: KubeObject): PropertyMap {
  return obj as unknown as PropertyMap;
}

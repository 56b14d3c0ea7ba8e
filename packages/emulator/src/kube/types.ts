/**
 * The data the emulated Kubernetes API server stores and exchanges: objects as plain JSON, the
 * resource types it serves, and the events its store emits.
 */

/** One entry of `metadata.managedFields` (server-side apply field ownership). */
export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion: string;
  readonly time: string;
  readonly fieldsType: "FieldsV1";
  readonly fieldsV1: FieldsV1;
  readonly subresource?: string;
}

/** The FieldsV1 trie: keys `f:<field>`, `k:<json keys>`, `v:<json value>`, `i:<index>` and `.`. */
export interface FieldsV1 {
  readonly [key: string]: FieldsV1;
}

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

/** A Kubernetes object as JSON. The store never hands out its own copy: callers may mutate theirs. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * A kind the server serves: a built-in or one defined by an Established CustomResourceDefinition.
 * `versions` lists the served versions, the preferred one first.
 */
export interface ResourceType {
  readonly group: string;
  readonly versions: readonly string[];
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Writes to the main resource ignore `status`; `/status` writes only change `status`. */
  readonly statusSubresource: boolean;
  /** `metadata.generation` is set and bumped on changes outside metadata and status. */
  readonly generation: boolean;
  /** For custom resources: the CRD's name, whose schema gives list topology and OpenAPI. */
  readonly crd?: string;
}

/** Names one object for the store API; `apiVersion` may be any served version of the kind. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** A change in the store, as a watch delivers it. `object` is the store's copy: do not mutate it. */
export interface StoreEvent {
  readonly type: WatchEventType;
  readonly resourceVersion: number;
  readonly resource: ResourceType;
  readonly object: KubeObject;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `group/version` or `version` for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group === "" ? version : `${group}/${version}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** `configmaps` or `deployments.apps`: how Kubernetes names a resource in messages. */
export function qualifiedResource(type: Pick<ResourceType, "group" | "plural">): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

/** RFC 3339 in seconds, as the apiserver writes timestamps. */
export function kubeTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

/**
 * Rules of the store's write path that need no store state: what field tracking ignores, when
 * `generation` moves, what counts as a no-op write, and which managedFields a write starts from.
 */
import { NAMESPACE_FINALIZER } from "./defaults.js";
import type { FieldPath } from "./field-set.js";
import { decodeManagedFields, type ManagerEntry, type TrackingContext } from "./managed-fields.js";
import type { ResourceRegistry } from "./registry.js";
import { builtinTopology, schemaTopology } from "./topology.js";
import { deepEqual, isPlainObject, type KubeObject, type ResourceType } from "./types.js";

/** Metadata the server owns: never part of a manager's field set. */
const SYSTEM_METADATA = new Set([
  "f:name", "f:namespace", "f:uid", "f:resourceVersion", "f:generation", "f:creationTimestamp",
  "f:deletionTimestamp", "f:deletionGracePeriodSeconds", "f:managedFields", "f:selfLink", "f:generateName",
]);

/**
 * Field tracking for a kind at a version and subresource: its list topology, and the paths left
 * out (identity and system metadata; `status` on the main resource of kinds with a status
 * subresource; everything but `status` on that subresource).
 */
export function trackingContext(registry: ResourceRegistry, type: ResourceType, version: string, subresource: string | undefined): TrackingContext {
  const topology = type.crd === undefined ? builtinTopology : schemaTopology(registry.schemaOf(type, version));
  const ignore = (path: FieldPath): boolean => {
    if (path.length === 1 && (path[0] === "f:apiVersion" || path[0] === "f:kind")) return true;
    if (path.length === 2 && path[0] === "f:metadata" && SYSTEM_METADATA.has(path[1]!)) return true;
    if (subresource === "status") return path.length >= 1 && path[0] !== "f:status";
    return type.statusSubresource && path.length >= 1 && path[0] === "f:status";
  };
  return { topology, ignore };
}

/** Whether anything outside metadata and status changed (what bumps `generation`). */
export function specChanged(old: KubeObject, next: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !deepEqual(strip(old), strip(next));
}

/** Equal but for resourceVersion and managedFields timestamps: a no-op write, which keeps the resourceVersion. */
export function sameContent(old: KubeObject, next: KubeObject): boolean {
  const norm = (o: KubeObject) => {
    const c = structuredClone(o);
    delete c.metadata.resourceVersion;
    c.metadata.managedFields = c.metadata.managedFields?.map((e) => ({ ...e, time: "" }));
    return c;
  };
  return deepEqual(norm(old), norm(next));
}

/** A Namespace whose `spec.finalizers` still holds `kubernetes` (its content is not yet removed). */
export function hasNamespaceFinalizers(type: ResourceType, obj: KubeObject): boolean {
  if (!(type.group === "" && type.kind === "Namespace")) return false;
  const spec = obj["spec"];
  return isPlainObject(spec) && Array.isArray(spec["finalizers"]) && spec["finalizers"].includes(NAMESPACE_FINALIZER);
}

/**
 * The managedFields an update starts from: the old ones, unless the request changed them
 * (clients may rewrite ownership, e.g. Pulumi's `fixCSAFieldManagers` JSON patch); a single
 * empty entry resets them (kubernetes.io SSA: "clearing managedFields").
 */
export function baseManagedFields(old: KubeObject | undefined, next: KubeObject): ManagerEntry[] | "reset" {
  const given = next.metadata.managedFields;
  if (Array.isArray(given) && given.length === 1 && !isPlainObject(given[0]?.fieldsV1) && !given[0]?.manager) return "reset";
  if (Array.isArray(given) && given.length > 0 && !deepEqual(given, old?.metadata.managedFields)) return decodeManagedFields(given);
  return decodeManagedFields(old?.metadata.managedFields);
}

/**
 * Deleting what a Kustomization applied, as kustomize-controller does both when a new revision no
 * longer has an object (`prune`) and when the Kustomization itself is deleted (`finalize`):
 * fluxcd/pkg ssa `ResourceManager.DeleteAll` with the owner labels as inclusions and the
 * `kustomize.toolkit.fluxcd.io/prune: disabled` / `reconcile: disabled` exclusions, background
 * propagation (internal/controller/kustomization_controller.go `prune`, `finalize`).
 */
import type { ClusterAccess, ObjectKey } from "./cluster.js";
import { sortForApply, type InventoryEntry } from "./manifests.js";
import type { KubeObject } from "./objects.js";

export const NAME_LABEL = "kustomize.toolkit.fluxcd.io/name";
export const NAMESPACE_LABEL = "kustomize.toolkit.fluxcd.io/namespace";
/** Label or annotation keys whose value `disabled` keeps an object from being deleted. */
const EXCLUSIONS = ["kustomize.toolkit.fluxcd.io/prune", "kustomize.toolkit.fluxcd.io/reconcile"];

/** The object an inventory entry names (`<ns>_<name>_<group>_<kind>`, version `v`). */
export function keyOfInventoryEntry(entry: InventoryEntry): ObjectKey | undefined {
  const parts = entry.id.split("_");
  if (parts.length !== 4) return undefined;
  const [namespace, name, group, kind] = parts as [string, string, string, string];
  return { apiVersion: group === "" ? entry.v : `${group}/${entry.v}`, kind, name, ...(namespace === "" ? {} : { namespace }) };
}

/** The entries of a Kustomization's `status.inventory` (none when it never applied). */
export function inventoryOf(ks: KubeObject): InventoryEntry[] {
  const inv = ks.status?.["inventory"] as { entries?: InventoryEntry[] } | undefined;
  return Array.isArray(inv?.entries) ? inv!.entries : [];
}

/**
 * The order to delete in: the reverse of Flux's apply order (webhooks and custom objects before the
 * workloads, those before RBAC and CRDs), with Namespaces last so what they hold goes first.
 */
export function deletionOrder(keys: readonly ObjectKey[]): ObjectKey[] {
  const asObjects = keys.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name: k.name, ...(k.namespace === undefined ? {} : { namespace: k.namespace }) } }));
  const reversed = sortForApply(asObjects).reverse();
  const ordered = [...reversed.filter((o) => o.kind !== "Namespace"), ...reversed.filter((o) => o.kind === "Namespace")];
  return ordered.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }) }));
}

function isExcluded(live: KubeObject): boolean {
  return EXCLUSIONS.some((k) => live.metadata.labels?.[k] === "disabled" || live.metadata.annotations?.[k] === "disabled");
}

/**
 * Delete the objects of `entries` that this Kustomization owns (its name/namespace labels) and that
 * are not excluded, in {@link deletionOrder}. Returns the keys it deleted.
 */
export async function deleteOwned(cluster: ClusterAccess, ks: KubeObject, entries: readonly InventoryEntry[]): Promise<ObjectKey[]> {
  const keys = entries.map(keyOfInventoryEntry).filter((k): k is ObjectKey => k !== undefined);
  const deleted: ObjectKey[] = [];
  for (const key of deletionOrder(keys)) {
    const live = cluster.get(key);
    if (live === undefined || live.metadata.deletionTimestamp !== undefined) continue;
    // Only what this Kustomization applied is deleted: Flux checks its ownership labels.
    if (live.metadata.labels?.[NAME_LABEL] !== ks.metadata.name || live.metadata.labels?.[NAMESPACE_LABEL] !== (ks.metadata.namespace ?? "default")) continue;
    if (isExcluded(live)) continue;
    await cluster.delete(key);
    deleted.push(key);
  }
  return deleted;
}

/**
 * Whether deleting this Kustomization deletes what it applied (kustomize-controller
 * `finalizerShouldDeleteResources`): never when suspended or without an inventory; otherwise by
 * `spec.deletionPolicy`: MirrorPrune (the default) follows `spec.prune`, Delete and
 * WaitForTermination always, Orphan never.
 */
export function finalizerDeletesResources(ks: KubeObject): boolean {
  if (ks.spec?.["suspend"] === true || inventoryOf(ks).length === 0) return false;
  const policy = typeof ks.spec?.["deletionPolicy"] === "string" ? (ks.spec!["deletionPolicy"] as string) : "MirrorPrune";
  switch (policy) {
    case "MirrorPrune":
      return ks.spec?.["prune"] === true;
    case "Delete":
    case "WaitForTermination":
      return true;
    default:
      return false;
  }
}

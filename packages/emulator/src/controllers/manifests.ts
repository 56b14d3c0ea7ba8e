/**
 * The order and names Flux gives the objects a Kustomization applies: objects sorted in Flux's
 * apply order (fluxcd/pkg ssa/sort.go `ReconcileOrder`, reference/notes/flux.md §5), CRDs and
 * Namespaces first, webhooks last; inventory entries as `status.inventory` holds them. How the
 * objects are built is kustomize-build.ts.
 */
import { groupOf, versionOf, type KubeObject } from "./objects.js";

const FIRST = [
  "CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterClass", "RuntimeClass", "PriorityClass",
  "StorageClass", "VolumeSnapshotClass", "IngressClass", "GatewayClass", "ClusterRoleBinding", "ResourceQuota",
  "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Service", "LimitRange", "Deployment",
  "StatefulSet", "CronJob", "PodDisruptionBudget",
];
const LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

function rank(kind: string): number {
  const first = FIRST.indexOf(kind);
  if (first >= 0) return first;
  const last = LAST.indexOf(kind);
  return last >= 0 ? 1000 + last : 500;
}

function compare(a: KubeObject, b: KubeObject): number {
  const keys = (o: KubeObject) => [rank(o.kind), groupOf(o.apiVersion), o.kind, o.metadata.namespace ?? "", o.metadata.name] as const;
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] === kb[i]) continue;
    return ka[i]! < kb[i]! ? -1 : 1;
  }
  return 0;
}

/** Sort objects in Flux's apply order. */
export function sortForApply(objects: readonly KubeObject[]): KubeObject[] {
  return [...objects].sort(compare);
}

/** Whether an object goes in Flux's first apply stage (cluster definitions). */
export function isClusterDefinition(obj: KubeObject): boolean {
  return obj.kind === "CustomResourceDefinition" || obj.kind === "Namespace" || obj.kind === "ClusterRole";
}

/** Flux's inventory id of an object: `<namespace>_<name>_<group>_<kind>`. */
export function inventoryId(obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  return `${obj.metadata.namespace ?? ""}_${obj.metadata.name}_${groupOf(obj.apiVersion)}_${obj.kind}`;
}

/** An inventory entry as Flux writes it in `status.inventory.entries`. */
export interface InventoryEntry {
  readonly id: string;
  readonly v: string;
}

export function inventoryEntry(obj: KubeObject): InventoryEntry {
  return { id: inventoryId(obj), v: versionOf(obj.apiVersion) };
}

/**
 * The order in which objects are applied, as Flux applies them (reference/notes/flux.md §5):
 * fluxcd/pkg `ssa/sort.go` ReconcileOrder sorts, and kustomize-controller's `ApplyAllStaged`
 * applies in stages, waiting between them:
 *
 * 1. cluster definitions: CustomResourceDefinitions, Namespaces, ClusterRoles;
 * 2. `*Class` kinds (StorageClass, IngressClass, ...);
 * 3. everything else, in ReconcileOrder;
 *
 * and webhook configurations last of all. iac expresses the stages as dependencies between the
 * child resources of a ConfigFile or Directory, so the engine's scheduler keeps the order while
 * applying each stage in parallel; custom resources also depend on their own CRD, so they wait
 * until it is Established (the CRD's create does not return before).
 */
import type { KubeObject } from "./objects.js";
import { groupOf } from "./objects.js";

/** fluxcd/pkg ssa/sort.go `ReconcileOrder.First` (tag ssa/v0.77.0). */
const FIRST = [
  "CustomResourceDefinition",
  "Namespace",
  "ClusterRole",
  "ClusterClass",
  "RuntimeClass",
  "PriorityClass",
  "StorageClass",
  "VolumeSnapshotClass",
  "IngressClass",
  "GatewayClass",
  "ClusterRoleBinding",
  "ResourceQuota",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "Service",
  "LimitRange",
  "Deployment",
  "StatefulSet",
  "CronJob",
  "PodDisruptionBudget",
] as const;

/** fluxcd/pkg ssa/sort.go `ReconcileOrder.Last`. */
const LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"] as const;

/** Apply stages, earliest first. */
export type Stage = "clusterDefinitions" | "classes" | "rest" | "webhooks";

const STAGES: readonly Stage[] = ["clusterDefinitions", "classes", "rest", "webhooks"];

/** fluxcd/pkg ssa/utils/is.go `IsClusterDefinition`. */
export function isClusterDefinition(kind: string): boolean {
  return kind === "CustomResourceDefinition" || kind === "Namespace" || kind === "ClusterRole";
}

/** The stage an object is applied in. */
export function stageOf(obj: Pick<KubeObject, "kind">): Stage {
  if (isClusterDefinition(obj.kind)) return "clusterDefinitions";
  if (obj.kind.endsWith("Class")) return "classes";
  if ((LAST as readonly string[]).includes(obj.kind)) return "webhooks";
  return "rest";
}

/**
 * The rank of a kind in ReconcileOrder: the index in `First` (negative, earliest first), 0 for
 * every other kind, positive for `Last`.
 */
export function rankOf(kind: string): number {
  const first = (FIRST as readonly string[]).indexOf(kind);
  if (first >= 0) return first - FIRST.length;
  const last = (LAST as readonly string[]).indexOf(kind);
  return last >= 0 ? last + 1 : 0;
}

/**
 * Compares two objects in ReconcileOrder: by rank, then (ties) by API group, kind, namespace and
 * name, as ssa/sort.go does.
 */
export function compareForApply(a: KubeObject, b: KubeObject): number {
  const stage = STAGES.indexOf(stageOf(a)) - STAGES.indexOf(stageOf(b));
  if (stage !== 0) return stage;
  const rank = rankOf(a.kind) - rankOf(b.kind);
  if (rank !== 0) return rank;
  const keys = (o: KubeObject) => [groupOf(o.apiVersion), o.kind, o.metadata.namespace ?? "", o.metadata.name ?? ""];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  }
  return 0;
}

/** The objects sorted for apply (a new array; the sort is stable). */
export function sortForApply<T extends KubeObject>(objects: readonly T[]): T[] {
  return [...objects].sort(compareForApply);
}

/** The `group/kind` a CRD defines, or undefined when `obj` is not a CRD. */
export function definedKind(obj: KubeObject): { group: string; kind: string } | undefined {
  if (obj.kind !== "CustomResourceDefinition") return undefined;
  const spec = obj["spec"] as { group?: unknown; names?: { kind?: unknown } } | undefined;
  if (typeof spec?.group !== "string" || typeof spec.names?.kind !== "string") return undefined;
  return { group: spec.group, kind: spec.names.kind };
}

/**
 * For each object (by index), the indices of the objects it must wait for:
 * every object of an earlier stage, its own CRD, and its Namespace when that is in the set.
 * Within the last stage ("rest") objects are independent: the API server does not need them in
 * order (Flux's in-stage sort is for deterministic output), so the engine may apply them in parallel.
 */
export function applyDependencies(objects: readonly KubeObject[]): number[][] {
  const stageIndex = objects.map((o) => STAGES.indexOf(stageOf(o)));
  const crdOf = new Map<string, number>();
  const nsOf = new Map<string, number>();
  objects.forEach((o, i) => {
    const d = definedKind(o);
    if (d) crdOf.set(`${d.group}/${d.kind}`, i);
    if (o.kind === "Namespace" && o.metadata.name) nsOf.set(o.metadata.name, i);
  });
  return objects.map((o, i) => {
    const deps = new Set<number>();
    // Only the nearest earlier stage present: the stages before it are reached through it.
    const earlier = stageIndex.filter((s) => s < stageIndex[i]);
    const nearest = earlier.length > 0 ? Math.max(...earlier) : undefined;
    if (nearest !== undefined) stageIndex.forEach((s, j) => s === nearest && deps.add(j));
    const crd = crdOf.get(`${groupOf(o.apiVersion)}/${o.kind}`);
    if (crd !== undefined && crd !== i) deps.add(crd);
    const ns = o.metadata.namespace === undefined ? undefined : nsOf.get(o.metadata.namespace);
    if (ns !== undefined && ns !== i) deps.add(ns);
    return [...deps].sort((a, b) => a - b);
  });
}

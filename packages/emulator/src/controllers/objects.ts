/**
 * The shapes the emulated controllers read and write. Kubernetes objects are plain JSON; only the
 * fields the controllers touch are typed.
 */

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  readonly finalizers?: readonly string[];
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status?: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

/** A status condition as Kubernetes and Flux write them (metav1.Condition). */
export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
  /** Deployment conditions also carry this. */
  readonly lastUpdateTime?: string;
}

/** Identifies an object kind in a cluster. */
export interface Kind {
  readonly apiVersion: string;
  readonly kind: string;
}

export const DEPLOYMENT: Kind = { apiVersion: "apps/v1", kind: "Deployment" };
export const GIT_REPOSITORY: Kind = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository" };
export const KUSTOMIZATION: Kind = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization" };

/**
 * The finalizer Flux's controllers put on every object they reconcile (source-controller
 * `SourceFinalizer`, kustomize-controller `KustomizationFinalizer`; reference/notes/flux.md §3.1, §3.2).
 */
export const FLUX_FINALIZER = "finalizers.fluxcd.io";

/** Whether an object carries a finalizer. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/** `<namespace>/<name>` (or `<name>` for cluster-scoped objects), for messages and maps. */
export function keyOf(obj: { readonly metadata: ObjectMeta }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

/** The group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

/** The version of an apiVersion (`apps/v1` -> `v1`). */
export function versionOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? apiVersion : apiVersion.slice(i + 1);
}

/** Read a condition of an object's status. */
export function conditionOf(obj: KubeObject | undefined, type: string): Condition | undefined {
  const conditions = obj?.status?.["conditions"];
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as Condition[]).find((c) => c.type === type);
}

/**
 * Set a condition, keeping `lastTransitionTime` when the status does not change (as
 * apimachinery's `meta.SetStatusCondition` does).
 */
export function withCondition(
  existing: readonly Condition[] | undefined,
  next: Omit<Condition, "lastTransitionTime">,
  now: string,
): Condition[] {
  const list = [...(existing ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prior = i >= 0 ? list[i] : undefined;
  const cond: Condition = { ...next, lastTransitionTime: prior !== undefined && prior.status === next.status ? prior.lastTransitionTime : now };
  if (i >= 0) list[i] = cond;
  else list.push(cond);
  return list;
}

/** Seconds-precision RFC 3339, as the API server writes times. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

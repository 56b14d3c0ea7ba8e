/**
 * The Stack's status conditions, as Flux's controllers write theirs (fluxcd/pkg/apis/meta): `Ready`
 * (True when the last reconciliation applied the source's revision), `Reconciling` (True while one
 * runs, removed after), `Stalled` (True when retrying cannot help until the spec changes). A
 * condition's `lastTransitionTime` changes only when its status does.
 */
import type { Condition } from "./spec.js";

/** Flux's reasons (meta.*Reason and kustomize-controller's), plus the iac-specific `DriftDetected`. */
export type Reason =
  | "ReconciliationSucceeded"
  | "ReconciliationFailed"
  | "Progressing"
  | "ProgressingWithRetry"
  | "DependencyNotReady"
  | "ArtifactFailed"
  | "InvalidSpec"
  | "DriftDetected"
  | "HealthCheckFailed"
  | "Succeeded";

export interface ConditionInput {
  readonly type: "Ready" | "Reconciling" | "Stalled";
  readonly status: Condition["status"];
  readonly reason: Reason;
  readonly message: string;
}

/** `conditions` with `next` set (its transition time kept when the status did not change). */
export function setCondition(conditions: readonly Condition[] | undefined, next: ConditionInput, generation: number | undefined, now: string): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prior = i >= 0 ? list[i] : undefined;
  const condition: Condition = {
    ...next,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: prior !== undefined && prior.status === next.status ? prior.lastTransitionTime : now,
  };
  if (i >= 0) list[i] = condition;
  else list.push(condition);
  // Flux orders Ready first, then the "abnormal-true" ones.
  const order = (t: string) => (t === "Ready" ? 0 : t === "Reconciling" ? 1 : t === "Stalled" ? 2 : 3);
  return list.sort((a, b) => order(a.type) - order(b.type));
}

/** `conditions` without `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: ConditionInput["type"]): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The condition of `type`, if set. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether a Stack is Ready for its current generation (what `dependsOn` waits for, as Flux does). */
export function isReady(obj: { readonly metadata: { readonly generation?: number }; readonly status?: { readonly observedGeneration?: number; readonly conditions?: readonly Condition[] } }): boolean {
  const ready = findCondition(obj.status?.conditions, "Ready");
  return ready?.status === "True" && (obj.metadata.generation === undefined || obj.status?.observedGeneration === obj.metadata.generation);
}

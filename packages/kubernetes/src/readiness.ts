/**
 * When an applied object is ready, where readiness has a meaning: the rules of kstatus
 * (fluxcd/cli-utils pkg/kstatus/status/core.go, reference/notes/flux.md §1.6) for the kinds iac
 * waits on. Other kinds are ready as soon as the API accepted them (as pulumi-kubernetes does for
 * kinds without an awaiter, k8s.md §3).
 */

/** The outcome of one look at an object. */
export type Readiness =
  | { readonly kind: "ready" }
  | { readonly kind: "pending"; readonly message: string }
  | { readonly kind: "failed"; readonly message: string };

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
  /** The generation the controller judged (Flux sets it on each condition). */
  readonly observedGeneration?: number;
}

type Live = { readonly kind?: unknown; readonly metadata?: { generation?: unknown; deletionTimestamp?: unknown }; readonly spec?: unknown; readonly status?: unknown };

function conditions(obj: Live): Condition[] {
  const c = (obj.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
}

function condition(obj: Live, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

const READY: Readiness = { kind: "ready" };

/** Kinds iac waits for after create and update. */
export function hasReadiness(kind: string): boolean {
  return kind === "CustomResourceDefinition" || kind === "Deployment" || kind === "Namespace";
}

/** The readiness of a live object (see the module comment for the rules). */
export function readinessOf(live: object): Readiness {
  const obj = live as Live;
  switch (obj.kind) {
    case "CustomResourceDefinition": {
      const names = condition(obj, "NamesAccepted");
      if (names?.status === "False") return { kind: "failed", message: `the CRD's names were not accepted: ${names.message ?? names.reason ?? "NamesAccepted=False"}` };
      const est = condition(obj, "Established");
      return est?.status === "True" ? READY : { kind: "pending", message: "waiting for the CRD to be Established" };
    }
    case "Namespace": {
      const phase = (obj.status as { phase?: unknown } | undefined)?.phase;
      return phase === undefined || phase === "Active" ? READY : { kind: "pending", message: `the namespace is ${String(phase)}` };
    }
    case "Deployment":
      return deploymentReadiness(obj);
    default:
      return READY;
  }
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

/** kstatus `deploymentConditions`: observed generation, replica counts, Available, progress. */
function deploymentReadiness(obj: Live): Readiness {
  const spec = (obj.spec ?? {}) as { replicas?: unknown; paused?: unknown };
  const status = (obj.status ?? {}) as Record<string, unknown>;
  const generation = obj.metadata?.generation;
  if (generation !== undefined && status.observedGeneration !== generation) {
    return { kind: "pending", message: "waiting for the Deployment controller to observe the latest generation" };
  }
  const progressing = condition(obj, "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return { kind: "failed", message: `the rollout exceeded its progress deadline: ${progressing.message ?? ""}`.trim() };
  }
  const want = typeof spec.replicas === "number" ? spec.replicas : 1;
  const counts = [
    ["updated", num(status.updatedReplicas)],
    ["ready", num(status.readyReplicas)],
    ["available", num(status.availableReplicas)],
  ] as const;
  for (const [what, n] of counts) {
    if (n < want) return { kind: "pending", message: `${n} of ${want} replicas ${what}` };
  }
  if (num(status.replicas) > want) return { kind: "pending", message: `${num(status.replicas)} replicas exist, ${want} wanted: old pods are terminating` };
  const available = condition(obj, "Available");
  if (want > 0 && available?.status !== "True") return { kind: "pending", message: "waiting for the Available condition" };
  return READY;
}

/**
 * A Ready=False that the controller resolves by itself once something else is ready: still
 * progressing, a `dependsOn` not Ready yet, or the source not fetched yet (a Kustomization applied
 * in the same run as its GitRepository). Anything else is the object's own failure.
 */
function isTransient(ready: Condition): boolean {
  if (/progress|reconcil/i.test(ready.reason ?? "") || ready.reason === "DependencyNotReady") return true;
  return ready.reason === "ArtifactFailed" && /^source\b/i.test(ready.message ?? "");
}

/**
 * Flux's readiness for its own objects (flux bootstrap `objectReconciled`): observed generation,
 * `Ready=True`, and (when given) the revision it reached.
 */
export function fluxReadiness(live: object, o: { revision?: string; revisionField?: "artifact" | "lastAttemptedRevision" } = {}): Readiness {
  const obj = live as Live;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  if ((obj.spec as { suspend?: unknown } | undefined)?.suspend === true) return { kind: "failed", message: "it is suspended (spec.suspend: true)" };
  const ready = condition(obj, "Ready");
  const generation = obj.metadata?.generation;
  // A reconciliation that fails and will be retried (a health check that timed out) leaves
  // status.observedGeneration behind (-1 on a new object), but its Ready condition names the
  // generation it judged (seen on the real kustomize-controller): that failure is current.
  const readyIsCurrent = generation !== undefined && ready?.observedGeneration === generation;
  if (readyIsCurrent && ready?.status === "False" && !isTransient(ready)) {
    return { kind: "failed", message: ready.message ?? ready.reason ?? "Ready=False" };
  }
  if (generation !== undefined && status.observedGeneration !== generation) {
    return { kind: "pending", message: "waiting for the controller to observe the latest generation" };
  }
  const stalled = condition(obj, "Stalled");
  if (stalled?.status === "True") return { kind: "failed", message: stalled.message ?? stalled.reason ?? "Stalled" };
  if (ready?.status === "False" && !isTransient(ready)) {
    return { kind: "failed", message: ready.message ?? ready.reason ?? "Ready=False" };
  }
  if (ready?.status !== "True") return { kind: "pending", message: ready?.message ?? "waiting for Ready" };
  if (o.revision !== undefined) {
    const got = o.revisionField === "lastAttemptedRevision" ? status.lastAttemptedRevision : (status.artifact as { revision?: unknown } | undefined)?.revision;
    if (got !== o.revision) return { kind: "pending", message: `at revision ${String(got ?? "(none)")}, waiting for ${o.revision}` };
  }
  return READY;
}

/**
 * Health checks of a Kustomization (`spec.wait`, `spec.healthChecks`, `spec.timeout`), as
 * kustomize-controller runs them with kstatus, and the conditions it writes meanwhile. Observed on
 * the real controller: while checks run, `Reconciling=True/Progressing` and `Healthy=Unknown` say
 * `Running health checks for revision <rev> with a timeout of <t>` and `Ready=Unknown/Progressing`
 * says `Reconciliation in progress`; on timeout `Ready=False/HealthCheckFailed` says `health check
 * failed after <elapsed>: timeout waiting for: [<Kind>/<ns>/<name> status: '<status>']`.
 */
import type { ClusterAccess, ObjectKey } from "./cluster.js";
import { parseDuration } from "./duration.js";
import { conditionOf, withCondition, type Condition, type KubeObject } from "./objects.js";

/** kstatus's verdict on one object. */
export type HealthStatus = "Current" | "InProgress" | "Failed" | "NotFound";

/** kstatus, for what the local cloud runs: Deployments by their rollout, others by their Ready condition. */
export function healthOf(obj: KubeObject | undefined): HealthStatus {
  if (obj === undefined) return "NotFound";
  if (obj.metadata.deletionTimestamp !== undefined) return "InProgress";
  const status = obj.status ?? {};
  const observed = status["observedGeneration"];
  if (typeof observed === "number" && obj.metadata.generation !== undefined && observed !== obj.metadata.generation) return "InProgress";
  if (obj.kind === "Deployment" && obj.apiVersion === "apps/v1") {
    const replicas = typeof obj.spec?.["replicas"] === "number" ? (obj.spec["replicas"] as number) : 1;
    if (observed === undefined) return "InProgress";
    const count = (k: string) => (typeof status[k] === "number" ? (status[k] as number) : 0);
    if (conditionOf(obj, "Progressing")?.reason === "ProgressDeadlineExceeded") return "Failed";
    return count("updatedReplicas") >= replicas && count("availableReplicas") >= replicas && count("replicas") === replicas ? "Current" : "InProgress";
  }
  if (conditionOf(obj, "Stalled")?.status === "True") return "Failed";
  const ready = conditionOf(obj, "Ready");
  if (ready !== undefined) return ready.status === "True" ? "Current" : "InProgress";
  // Flux's kinds report Ready once reconciled; without it they are not there yet.
  if (/\.toolkit\.fluxcd\.io\//.test(obj.apiVersion)) return "InProgress";
  return "Current";
}

/** Go's `time.Duration.String()` for whole and fractional seconds: `30s`, `1m0s`, `30.068s`. */
export function goDuration(ms: number): string {
  if (ms > 0 && ms < 1000) return `${Number.isInteger(ms) ? ms : ms.toFixed(3).replace(/0+$/, "")}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** kustomize-controller `GetTimeout`: `spec.timeout`, else the interval less 30 s; never under 30 s. */
export function timeoutOf(ks: KubeObject): number {
  const interval = parseDuration(ks.spec?.["interval"]) ?? 60_000;
  const given = parseDuration(ks.spec?.["timeout"]);
  return Math.max(30_000, given ?? interval - 30_000);
}

/** What to check for a Kustomization: every applied object with `wait`, else `healthChecks`. */
export function healthChecksOf(ks: KubeObject, applied: readonly ObjectKey[]): ObjectKey[] {
  if (ks.spec?.["wait"] === true) return [...applied];
  const refs = Array.isArray(ks.spec?.["healthChecks"]) ? (ks.spec!["healthChecks"] as Record<string, unknown>[]) : [];
  return refs.map((r) => ({
    apiVersion: String(r["apiVersion"] ?? ""),
    kind: String(r["kind"] ?? ""),
    name: String(r["name"] ?? ""),
    ...(typeof r["namespace"] === "string" ? { namespace: r["namespace"] as string } : {}),
  }));
}

/** The objects among `checks` that are not Current, as Flux lists them. */
export function unhealthy(checks: readonly ObjectKey[], cluster: ClusterAccess): string[] {
  const out: string[] = [];
  for (const key of checks) {
    const status = healthOf(cluster.get(key));
    if (status !== "Current") out.push(`${key.kind}/${key.namespace ? `${key.namespace}/` : ""}${key.name} status: '${status}'`);
  }
  return out;
}

/** Conditions in Flux's order (Reconciling, Ready, Healthy), keeping transition times; `undefined` removes one. */
export function fluxConditions(
  prior: readonly Condition[] | undefined,
  now: string,
  next: Partial<Record<"Reconciling" | "Ready" | "Healthy", Omit<Condition, "lastTransitionTime" | "type"> | undefined>>,
): Condition[] {
  const list: Condition[] = [];
  for (const type of ["Reconciling", "Ready", "Healthy"] as const) {
    const old = prior?.filter((c) => c.type === type);
    if (!(type in next)) {
      list.push(...(old ?? []));
      continue;
    }
    const c = next[type];
    if (c !== undefined) list.push(...withCondition(old, { type, ...c }, now));
  }
  return [...list, ...(prior?.filter((c) => c.type !== "Reconciling" && c.type !== "Ready" && c.type !== "Healthy") ?? [])];
}

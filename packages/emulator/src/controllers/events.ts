/**
 * Events as Flux's controllers record them (core/v1 Events, source.component the controller), so
 * `kubectl events` and `flux events` show what happened: a Kustomization whose Ready condition
 * changes gets `Normal ReconciliationSucceeded "Reconciliation finished in <d>, next run in <i>"`
 * or `Warning <reason> <message>`; a GitRepository that fails gets `Warning <reason> <message>`.
 * One Event per change (the real recorder also counts repeats; the emulation writes on changes only).
 */
import { randomBytes } from "node:crypto";
import type { ClusterAccess } from "./cluster.js";
import { conditionOf, type Condition, type KubeObject } from "./objects.js";

/** The Event for a change of an object's Ready condition, or undefined when nothing worth telling changed. */
export function readyEvent(before: KubeObject, status: Record<string, unknown>, options: { readonly component: string; readonly succeeded: (ready: Condition) => string }): { type: "Normal" | "Warning"; reason: string; message: string } | undefined {
  const next = conditionOf({ ...before, status }, "Ready");
  const prev = conditionOf(before, "Ready");
  if (next === undefined || next.status === "Unknown") return undefined;
  if (prev !== undefined && prev.status === next.status && prev.reason === next.reason && prev.message === next.message) return undefined;
  if (next.reason === "DependencyNotReady" || (next.reason === "ArtifactFailed" && /^Source artifact not found/.test(next.message))) return undefined;
  return next.status === "True" ? { type: "Normal", reason: next.reason, message: options.succeeded(next) } : { type: "Warning", reason: next.reason, message: next.message };
}

/** Record an Event about `obj` (best effort: a failure to record is logged by the caller). */
export async function recordEvent(cluster: ClusterAccess, obj: KubeObject, e: { type: string; reason: string; message: string; component: string; now: string }): Promise<void> {
  const namespace = obj.metadata.namespace ?? "default";
  await cluster.apply(
    {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${obj.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
      reason: e.reason,
      message: e.message,
      type: e.type,
      source: { component: e.component },
      reportingComponent: e.component,
      reportingInstance: `${e.component}-emulated`,
      firstTimestamp: e.now,
      lastTimestamp: e.now,
      count: 1,
    },
    e.component,
  );
}

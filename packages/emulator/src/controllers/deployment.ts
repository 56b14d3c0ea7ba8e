/**
 * The Deployment controller, emulated: no pods run, but the status says every replica is up, as a
 * healthy cluster's would once its ReplicaSet is ready. That is what kstatus (Flux, kubectl wait)
 * and Pulumi-style awaiters read (reference/notes/k8s.md, "Deployment").
 */
import { createHash } from "node:crypto";
import { withCondition, type Condition, type KubeObject } from "./objects.js";

/** Whether the controller still has to write this Deployment's status. */
export function deploymentNeedsStatus(obj: KubeObject): boolean {
  if (obj.metadata.deletionTimestamp !== undefined) return false;
  return obj.status?.["observedGeneration"] !== (obj.metadata.generation ?? 1);
}

/** The pod-template hash a ReplicaSet name carries: stable for one template. */
export function podTemplateHash(obj: KubeObject): string {
  const template = JSON.stringify(obj.spec?.["template"] ?? {});
  return createHash("sha256").update(template).digest("hex").slice(0, 10);
}

/**
 * The status of a Deployment whose new ReplicaSet is fully available. Zero counts are left out,
 * as the API server's omitempty does.
 */
export function availableDeploymentStatus(obj: KubeObject, now: string): Record<string, unknown> {
  const spec = obj.spec ?? {};
  const replicas = typeof spec["replicas"] === "number" ? (spec["replicas"] as number) : 1;
  const prior = Array.isArray(obj.status?.["conditions"]) ? (obj.status!["conditions"] as Condition[]) : undefined;
  const rs = `${obj.metadata.name}-${podTemplateHash(obj)}`;
  let conditions = withCondition(prior, { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", lastUpdateTime: now }, now);
  conditions = withCondition(conditions, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${rs}" has successfully progressed.`, lastUpdateTime: now }, now);
  const counts = replicas > 0 ? { replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas } : {};
  return { observedGeneration: obj.metadata.generation ?? 1, ...counts, conditions };
}

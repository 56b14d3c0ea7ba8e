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
  // Key order is not part of a template (a rollback's copy of it comes back reordered).
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sorted(x)])) : v;
  const template = JSON.stringify(sorted(obj.spec?.["template"] ?? {}));
  return createHash("sha256").update(template).digest("hex").slice(0, 10);
}

/**
 * Which images cannot be pulled, so their pods never become ready: by default an image whose tag
 * is `missing` or starts with `missing-` (`nginx:missing`, `ghcr.io/org/app:missing-v2`), the
 * local cloud's stand-in for a tag that does not exist in the registry, and every image in the
 * reserved registry `unpullable.invalid/` (`.invalid` never resolves, RFC 2606: the marker the real
 * cluster's fake node honours too, docs/real-cluster.md). `IAC_LOCAL_MISSING_IMAGES`
 * adds images: a comma-separated list of image references, `*` matching any run of characters
 * (`ghcr.io/org/private/*`).
 */
export function missingImageRule(env: NodeJS.ProcessEnv = process.env): (image: string) => boolean {
  const extra = (env["IAC_LOCAL_MISSING_IMAGES"] ?? "").split(",").map((s) => s.trim()).filter(Boolean)
    .map((glob) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`));
  return (image) => {
    const tag = /:([^/:@]+)(@.*)?$/.exec(image)?.[1];
    if (image.startsWith("unpullable.invalid/")) return true;
    return tag === "missing" || tag?.startsWith("missing-") === true || extra.some((re) => re.test(image));
  };
}

/** The images of a Deployment's pod template (init containers too) that cannot be pulled. */
export function missingImagesOf(obj: KubeObject, isMissing: (image: string) => boolean): string[] {
  const pod = ((obj.spec?.["template"] as { spec?: Record<string, unknown> } | undefined)?.spec ?? {}) as Record<string, unknown>;
  const containers = [...(Array.isArray(pod["initContainers"]) ? pod["initContainers"] : []), ...(Array.isArray(pod["containers"]) ? pod["containers"] : [])] as { image?: unknown }[];
  return containers.map((c) => (typeof c.image === "string" ? c.image : "")).filter((i) => i !== "" && isMissing(i));
}

/**
 * The status of a Deployment whose pods cannot start (an image that cannot be pulled): the new
 * ReplicaSet exists, its pods are all unavailable, `Available=False` (MinimumReplicasUnavailable),
 * as a cluster shows while the pods sit in ImagePullBackOff.
 */
export function unavailableDeploymentStatus(obj: KubeObject, now: string, deadlineExceeded = false): Record<string, unknown> {
  return deploymentStatus(obj, now, false, deadlineExceeded);
}

/**
 * `spec.progressDeadlineSeconds` in milliseconds (the API server's default: 600 s): how long a
 * rollout may make no progress before the controller says `Progressing=False`,
 * `ProgressDeadlineExceeded` (kubernetes.io/docs/concepts/workloads/controllers/deployment, "Failed
 * Deployment").
 */
export function progressDeadlineMs(obj: KubeObject): number {
  const seconds = obj.spec?.["progressDeadlineSeconds"];
  return (typeof seconds === "number" && seconds > 0 ? seconds : 600) * 1000;
}

/**
 * The status of a Deployment whose new ReplicaSet is fully available. Zero counts are left out,
 * as the API server's omitempty does.
 */
export function availableDeploymentStatus(obj: KubeObject, now: string): Record<string, unknown> {
  return deploymentStatus(obj, now, true);
}

function deploymentStatus(obj: KubeObject, now: string, available: boolean, deadlineExceeded = false): Record<string, unknown> {
  const spec = obj.spec ?? {};
  const replicas = typeof spec["replicas"] === "number" ? (spec["replicas"] as number) : 1;
  const prior = Array.isArray(obj.status?.["conditions"]) ? (obj.status!["conditions"] as Condition[]) : undefined;
  const rs = `${obj.metadata.name}-${podTemplateHash(obj)}`;
  let conditions = withCondition(prior, available
    ? { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", lastUpdateTime: now }
    : { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability.", lastUpdateTime: now }, now);
  conditions = withCondition(conditions, available
    ? { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${rs}" has successfully progressed.`, lastUpdateTime: now }
    : deadlineExceeded
      ? { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${rs}" has timed out progressing.`, lastUpdateTime: now }
      : { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${rs}" is progressing.`, lastUpdateTime: now }, now);
  const up = available ? { readyReplicas: replicas, availableReplicas: replicas } : { unavailableReplicas: replicas };
  const counts = replicas > 0 ? { replicas, updatedReplicas: replicas, ...up } : {};
  return { observedGeneration: obj.metadata.generation ?? 1, ...counts, conditions };
}

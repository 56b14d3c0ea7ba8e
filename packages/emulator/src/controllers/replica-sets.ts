/**
 * The ReplicaSets a Deployment owns, as kube-controller-manager's deployment controller keeps them
 * (no pods are run): one per pod template, named `<deployment>-<pod-template-hash>`, owned by the
 * Deployment (so deleting it deletes them), labelled and selected with `pod-template-hash`,
 * annotated `deployment.kubernetes.io/revision` (1, 2, ... per new template, as `kubectl rollout
 * history` reads them); the current one has the Deployment's replicas, the old ones 0.
 */
import type { ClusterAccess } from "./cluster.js";
import { podTemplateHash } from "./deployment.js";
import type { KubeObject } from "./objects.js";

const REPLICA_SET = { apiVersion: "apps/v1", kind: "ReplicaSet" } as const;
export const REVISION = "deployment.kubernetes.io/revision";
const MANAGER = "kube-controller-manager";

/** The ReplicaSets whose controller owner is this Deployment. */
export function ownedReplicaSets(deployment: KubeObject, cluster: ClusterAccess): KubeObject[] {
  return cluster.list(REPLICA_SET).filter((rs) =>
    rs.metadata.namespace === deployment.metadata.namespace &&
    ((rs["metadata"] as { ownerReferences?: { uid?: string; controller?: boolean }[] }).ownerReferences ?? []).some((o) => o.controller === true && o.uid === deployment.metadata.uid));
}

/**
 * Make the Deployment's ReplicaSets match its template: the current one created (next revision)
 * or scaled, older ones scaled to 0; their status says every replica is up unless `unavailable`.
 */
export async function syncReplicaSets(deployment: KubeObject, cluster: ClusterAccess, options: { readonly unavailable: boolean }): Promise<void> {
  if (deployment.metadata.uid === undefined || deployment.metadata.namespace === undefined) return;
  await syncOwned(deployment, cluster, options);
}

async function syncOwned(deployment: KubeObject, cluster: ClusterAccess, options: { readonly unavailable: boolean }): Promise<void> {
  const spec = deployment.spec ?? {};
  const replicas = typeof spec["replicas"] === "number" ? (spec["replicas"] as number) : 1;
  const hash = podTemplateHash(deployment);
  const name = `${deployment.metadata.name}-${hash}`;
  const owned = ownedReplicaSets(deployment, cluster);
  const revisions = owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0));
  const current = owned.find((rs) => rs.metadata.name === name);
  const newest = Math.max(0, ...revisions);
  // A template rolled back to gets the next revision, as the deployment controller renumbers it.
  const own = Number(current?.metadata.annotations?.[REVISION] ?? 0);
  const revision = current !== undefined && own === newest ? String(own) : String(newest + 1);
  const template = (spec["template"] ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: unknown };
  const selector = (spec["selector"] ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  const labels = { ...(template.metadata?.labels ?? {}), "pod-template-hash": hash };
  const desired: KubeObject = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: deployment.metadata.namespace,
      labels,
      annotations: { [REVISION]: revision, "deployment.kubernetes.io/desired-replicas": String(replicas), "deployment.kubernetes.io/max-replicas": String(replicas + Math.max(1, Math.ceil(replicas / 4))) },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name, uid: deployment.metadata.uid, controller: true, blockOwnerDeletion: true }],
    } as KubeObject["metadata"],
    spec: {
      replicas,
      selector: { ...selector, matchLabels: { ...(selector.matchLabels ?? {}), "pod-template-hash": hash } },
      template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
    },
  };
  const applied = await cluster.apply(desired, MANAGER);
  // The Deployment carries its current revision too (kubectl rollout undo patches that annotation).
  if (deployment.metadata.annotations?.[REVISION] !== revision) {
    await cluster.apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: deployment.metadata.name, namespace: deployment.metadata.namespace!, annotations: { [REVISION]: revision } } }, MANAGER);
  }
  const up = options.unavailable ? 0 : replicas;
  const counts = replicas > 0 ? { replicas, ...(up > 0 ? { fullyLabeledReplicas: replicas, readyReplicas: up, availableReplicas: up } : { fullyLabeledReplicas: replicas }) } : { replicas: 0 };
  await cluster.updateStatus({ ...REPLICA_SET, namespace: applied.metadata.namespace!, name }, { ...counts, observedGeneration: applied.metadata.generation ?? 1 });
  for (const old of owned) {
    if (old.metadata.name === name || old.spec?.["replicas"] === 0) continue;
    // The whole object again: an apply by the same manager without a field would remove it.
    const { metadata, spec: oldSpec } = old;
    await cluster.apply({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: metadata.name, namespace: metadata.namespace!, labels: metadata.labels ?? {}, annotations: { ...(metadata.annotations ?? {}), "deployment.kubernetes.io/desired-replicas": String(replicas) }, ownerReferences: (metadata as { ownerReferences?: unknown }).ownerReferences } as KubeObject["metadata"], spec: { ...(oldSpec ?? {}), replicas: 0 } }, MANAGER);
    await cluster.updateStatus({ ...REPLICA_SET, namespace: old.metadata.namespace!, name: old.metadata.name }, { replicas: 0, observedGeneration: (old.metadata.generation ?? 1) + 1 });
  }
}

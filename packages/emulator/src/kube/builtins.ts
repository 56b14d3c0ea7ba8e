/**
 * The built-in kinds the emulated cluster serves, with the names, short names and scopes that a
 * real 1.32 apiserver's discovery reports (so `kubectl get deploy`, `kubectl get cm` resolve).
 */
import type { ResourceType } from "./types.js";

interface Spec {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly status?: boolean;
  readonly generation?: boolean;
}

const ALL = ["all"];

const SPECS: readonly Spec[] = [
  { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"] },
  { group: "", version: "v1", kind: "Endpoints", plural: "endpoints", namespaced: true, shortNames: ["ep"] },
  { group: "", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"] },
  { group: "", version: "v1", kind: "LimitRange", plural: "limitranges", namespaced: true, shortNames: ["limits"] },
  { group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false, shortNames: ["ns"], status: true },
  { group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false, shortNames: ["no"], status: true },
  { group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", namespaced: true, shortNames: ["pvc"], status: true },
  { group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", namespaced: false, shortNames: ["pv"], status: true },
  { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, shortNames: ["po"], categories: ALL, status: true },
  { group: "", version: "v1", kind: "ResourceQuota", plural: "resourcequotas", namespaced: true, shortNames: ["quota"], status: true },
  { group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true },
  { group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true, shortNames: ["sa"] },
  { group: "", version: "v1", kind: "Service", plural: "services", namespaced: true, shortNames: ["svc"], categories: ALL, status: true },
  { group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions", namespaced: false, shortNames: ["crd", "crds"], categories: ["api-extensions"], status: true, generation: true },
  { group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true, shortNames: ["ds"], categories: ALL, status: true, generation: true },
  { group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true, shortNames: ["deploy"], categories: ALL, status: true, generation: true },
  { group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true, shortNames: ["rs"], categories: ALL, status: true, generation: true },
  { group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true, shortNames: ["sts"], categories: ALL, status: true, generation: true },
  { group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", namespaced: true, shortNames: ["hpa"], categories: ALL, status: true, generation: true },
  { group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", namespaced: true, shortNames: ["cj"], categories: ALL, status: true, generation: true },
  { group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true, categories: ALL, status: true, generation: true },
  { group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true },
  { group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true },
  { group: "networking.k8s.io", version: "v1", kind: "IngressClass", plural: "ingressclasses", namespaced: false, generation: true },
  { group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses", namespaced: true, shortNames: ["ing"], status: true, generation: true },
  { group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy", plural: "networkpolicies", namespaced: true, shortNames: ["netpol"], generation: true },
  { group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", namespaced: true, shortNames: ["pdb"], status: true, generation: true },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true },
  { group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses", namespaced: false, shortNames: ["pc"], generation: true },
  { group: "storage.k8s.io", version: "v1", kind: "StorageClass", plural: "storageclasses", namespaced: false, shortNames: ["sc"] },
];

/** The built-in resource types, sorted by group then plural as discovery lists them. */
export function builtinTypes(): ResourceType[] {
  return SPECS.map((s) => ({
    group: s.group,
    versions: [s.version],
    kind: s.kind,
    listKind: `${s.kind}List`,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    namespaced: s.namespaced,
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    statusSubresource: s.status ?? false,
    generation: s.generation ?? false,
  })).sort((a, b) => (a.group === b.group ? a.plural.localeCompare(b.plural) : a.group.localeCompare(b.group)));
}

/** Groups whose discovery is served under `/api` (the legacy core group) rather than `/apis`. */
export const CORE_GROUP = "";

/**
 * Fields the Kubernetes API refuses to change in place (a 422 "field is immutable"), so a change
 * to them replaces the object. `diff` must not touch the cluster (provider protocol), so instead of
 * a dry-run apply it consults this table, taken from the API's validation code
 * (k8s.io/kubernetes pkg/apis/<group>/validation, `ValidateImmutableField` calls). A field missing
 * here still fails at update with the API's own 422, which the provider reports with the remedy
 * (`replaceOnChanges`).
 */

/** One rule: a path (dot-separated from the object's root) under `group/Kind`. */
export interface ImmutableRule {
  /** `apps/Deployment`, `/Service` for the core group, `*` for every kind. */
  readonly kind: string;
  /** Dot path from the object root, e.g. `spec.selector`; a change at or below it replaces. */
  readonly path: string;
  /** Why, as the user will read it. */
  readonly reason: string;
}

/** The table. Kept short and sourced; extend it when the API adds immutable fields. */
export const IMMUTABLE_FIELDS: readonly ImmutableRule[] = [
  // Identity: another name, namespace or kind is another object.
  { kind: "*", path: "apiVersion", reason: "another apiVersion may be another object; it is recreated" },
  { kind: "*", path: "kind", reason: "the kind of an object cannot change" },
  { kind: "*", path: "metadata.name", reason: "the name of an object cannot change" },
  { kind: "*", path: "metadata.namespace", reason: "an object cannot move to another namespace" },
  // apps/v1 validation: "field is immutable" on the selector (ValidateDeploymentUpdate and friends).
  { kind: "apps/Deployment", path: "spec.selector", reason: "a Deployment's selector is immutable in apps/v1" },
  { kind: "apps/ReplicaSet", path: "spec.selector", reason: "a ReplicaSet's selector is immutable in apps/v1" },
  { kind: "apps/DaemonSet", path: "spec.selector", reason: "a DaemonSet's selector is immutable in apps/v1" },
  { kind: "apps/StatefulSet", path: "spec.selector", reason: "a StatefulSet's selector is immutable" },
  { kind: "apps/StatefulSet", path: "spec.serviceName", reason: "a StatefulSet's serviceName is immutable" },
  { kind: "apps/StatefulSet", path: "spec.volumeClaimTemplates", reason: "a StatefulSet's volumeClaimTemplates are immutable" },
  { kind: "apps/StatefulSet", path: "spec.podManagementPolicy", reason: "a StatefulSet's podManagementPolicy is immutable" },
  // batch/v1: a Job's pod template and selector (ValidateJobUpdate).
  { kind: "batch/Job", path: "spec.selector", reason: "a Job's selector is immutable" },
  { kind: "batch/Job", path: "spec.template", reason: "a Job's pod template is immutable" },
  { kind: "batch/Job", path: "spec.completions", reason: "a Job's completions is immutable (except for elastic indexed jobs)" },
  // core/v1
  { kind: "/Service", path: "spec.clusterIP", reason: "a Service's clusterIP cannot change once set" },
  { kind: "/Service", path: "spec.clusterIPs", reason: "a Service's clusterIPs cannot change once set" },
  { kind: "/PersistentVolumeClaim", path: "spec.storageClassName", reason: "a PVC's storageClassName is immutable" },
  { kind: "/PersistentVolumeClaim", path: "spec.accessModes", reason: "a PVC's accessModes are immutable" },
  { kind: "/PersistentVolumeClaim", path: "spec.volumeName", reason: "a PVC's volumeName is immutable once bound" },
  { kind: "/PersistentVolumeClaim", path: "spec.selector", reason: "a PVC's selector is immutable" },
  { kind: "/Secret", path: "type", reason: "a Secret's type is immutable" },
  { kind: "/Pod", path: "spec.containers", reason: "a Pod's containers cannot change (except their images)" },
  { kind: "/Pod", path: "spec.volumes", reason: "a Pod's volumes are immutable" },
  { kind: "/Pod", path: "spec.nodeName", reason: "a Pod's nodeName is immutable" },
  // rbac: roleRef of bindings (ValidateRoleBindingUpdate: "cannot change roleRef").
  { kind: "rbac.authorization.k8s.io/RoleBinding", path: "roleRef", reason: "a RoleBinding's roleRef cannot change" },
  { kind: "rbac.authorization.k8s.io/ClusterRoleBinding", path: "roleRef", reason: "a ClusterRoleBinding's roleRef cannot change" },
  // storage.k8s.io/v1 StorageClass: parameters, provisioner, reclaimPolicy, volumeBindingMode.
  { kind: "storage.k8s.io/StorageClass", path: "provisioner", reason: "a StorageClass's provisioner is immutable" },
  { kind: "storage.k8s.io/StorageClass", path: "parameters", reason: "a StorageClass's parameters are immutable" },
  { kind: "storage.k8s.io/StorageClass", path: "reclaimPolicy", reason: "a StorageClass's reclaimPolicy is immutable" },
  { kind: "storage.k8s.io/StorageClass", path: "volumeBindingMode", reason: "a StorageClass's volumeBindingMode is immutable" },
  // networking.k8s.io: an IngressClass's controller.
  { kind: "networking.k8s.io/IngressClass", path: "spec.controller", reason: "an IngressClass's controller is immutable" },
  // apiextensions: a CRD's scope and group.
  { kind: "apiextensions.k8s.io/CustomResourceDefinition", path: "spec.scope", reason: "a CRD's scope is immutable" },
  { kind: "apiextensions.k8s.io/CustomResourceDefinition", path: "spec.group", reason: "a CRD's group is the second half of its name and cannot change" },
];

/**
 * The immutable rule a change at `path` (dot path from the object root, list indices as `[n]`)
 * falls under, for an object of `group`/`kind`; undefined when the change can be made in place.
 */
export function immutableRuleFor(group: string, kind: string, path: string): ImmutableRule | undefined {
  const plain = path.replace(/\[\d+\]/g, "");
  return IMMUTABLE_FIELDS.find((r) => (r.kind === "*" || r.kind === `${group}/${kind}`) && (plain === r.path || plain.startsWith(`${r.path}.`)));
}

/**
 * True for a Secret or ConfigMap marked `immutable: true` (then only metadata may change): any
 * other change replaces it.
 */
export function isImmutableObject(obj: { kind: string; [k: string]: unknown }): boolean {
  return (obj.kind === "Secret" || obj.kind === "ConfigMap") && obj["immutable"] === true;
}

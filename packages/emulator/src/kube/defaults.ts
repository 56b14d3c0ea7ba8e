/**
 * The few fields the emulated apiserver sets itself, as a real one does: namespace finalizer,
 * phase and name label; Service cluster IPs; Secret `stringData` folded into `data`; CRD cleanup
 * finalizer and its accepted names and conditions; port protocols; workload `replicas` and the
 * Deployment strategy. Everything else is stored as sent (no pod template defaults such as
 * `imagePullPolicy`, `restartPolicy` or `dnsPolicy`).
 */
import { createHash } from "node:crypto";
import { crdVersions } from "./registry.js";
import { isPlainObject, kubeTime, type KubeObject, type ResourceType } from "./types.js";

export const CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";
export const NAMESPACE_FINALIZER = "kubernetes";

function is(type: ResourceType, group: string, kind: string): boolean {
  return type.group === group && type.kind === kind;
}

function specOf(obj: KubeObject): Record<string, unknown> {
  if (!isPlainObject(obj["spec"])) obj["spec"] = {};
  return obj["spec"] as Record<string, unknown>;
}

/** A stable, plausible cluster IP in 10.96.0.0/12 derived from the Service's uid. */
function clusterIpFor(uid: string): string {
  const h = createHash("sha256").update(uid).digest();
  return `10.96.${h[0]! % 16}.${(h[1]! % 253) + 1}`;
}

function foldStringData(obj: KubeObject): void {
  const stringData = obj["stringData"];
  if (!isPlainObject(stringData)) return;
  const data = isPlainObject(obj["data"]) ? { ...obj["data"] } : {};
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64");
  obj["data"] = data;
  delete obj["stringData"];
}

/** The status an Established CRD carries (what the apiextensions controllers would write). */
export function establishedCrdStatus(crd: KubeObject, now: string): Record<string, unknown> {
  const spec = isPlainObject(crd["spec"]) ? crd["spec"] : {};
  const names = isPlainObject(spec["names"]) ? { ...spec["names"] } : {};
  if (typeof names["kind"] === "string") {
    names["singular"] ??= names["kind"].toLowerCase();
    names["listKind"] ??= `${names["kind"]}List`;
  }
  const storage = crdVersions(crd).find((v) => v.storage === true)?.name;
  const old = isPlainObject(crd["status"]) ? crd["status"] : {};
  const previous = Array.isArray(old["storedVersions"]) ? (old["storedVersions"] as string[]) : [];
  const stored = storage === undefined || previous.includes(storage) ? previous : [...previous, storage];
  return {
    acceptedNames: names,
    conditions: [
      { type: "NamesAccepted", status: "True", lastTransitionTime: now, reason: "NoConflicts", message: "no conflicts found" },
      { type: "Established", status: "True", lastTransitionTime: now, reason: "InitialNamesAccepted", message: "the initial names have been accepted" },
    ],
    storedVersions: stored,
  };
}

/**
 * `protocol: TCP` on container and Service ports that lack one, as the apiserver defaults it.
 * It matters beyond display: those lists are keyed by port and protocol, so an applied
 * configuration is defaulted the same way before it is merged (as the real server does).
 */
export function defaultPortProtocols(value: unknown, key = ""): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (key === "ports" && isPlainObject(item) && (typeof item["containerPort"] === "number" || typeof item["port"] === "number")) item["protocol"] ??= "TCP";
      defaultPortProtocols(item);
    }
    return;
  }
  if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) defaultPortProtocols(v, k);
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "ReplicaSet"]);

/** The workload defaults clients and controllers rely on (replicas, Deployment strategy). */
function defaultWorkload(type: ResourceType, obj: KubeObject): void {
  if (type.group !== "apps" || !WORKLOADS.has(type.kind)) return;
  const spec = specOf(obj);
  spec["replicas"] ??= 1;
  if (type.kind === "Deployment") {
    spec["revisionHistoryLimit"] ??= 10;
    spec["progressDeadlineSeconds"] ??= 600;
    spec["strategy"] ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
  }
}

export interface CreateDefaultsOptions {
  readonly now: Date;
  /** Establish a new CRD within the create itself (no establish delay configured). */
  readonly establishCrds: boolean;
}

/** Fields the server sets when an object is created (uid and metadata are set by the store). */
export function applyCreateDefaults(type: ResourceType, obj: KubeObject, options: CreateDefaultsOptions): void {
  if (type.crd === undefined) defaultPortProtocols(obj);
  defaultWorkload(type, obj);
  if (is(type, "", "Namespace")) {
    const spec = specOf(obj);
    spec["finalizers"] = [NAMESPACE_FINALIZER];
    obj["status"] = { phase: "Active" };
    obj.metadata.labels = { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name! };
  }
  if (is(type, "", "Service")) {
    const spec = specOf(obj);
    spec["type"] ??= "ClusterIP";
    if (spec["type"] !== "ExternalName" && (spec["clusterIP"] === undefined || spec["clusterIP"] === "")) {
      const ip = clusterIpFor(obj.metadata.uid ?? obj.metadata.name ?? "");
      spec["clusterIP"] = ip;
      spec["clusterIPs"] = [ip];
    }
    obj["status"] ??= { loadBalancer: {} };
  }
  if (is(type, "", "Secret")) {
    foldStringData(obj);
    obj["type"] ??= "Opaque";
  }
  if (is(type, "apiextensions.k8s.io", "CustomResourceDefinition")) {
    const finalizers = obj.metadata.finalizers ?? [];
    if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) obj.metadata.finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
    if (options.establishCrds) obj["status"] = establishedCrdStatus(obj, kubeTime(options.now));
  }
}

/** Fields the server keeps or sets on update. */
export function applyUpdateDefaults(type: ResourceType, obj: KubeObject, old: KubeObject, options: CreateDefaultsOptions): void {
  if (type.crd === undefined) defaultPortProtocols(obj);
  defaultWorkload(type, obj);
  if (is(type, "", "Namespace")) {
    // spec.finalizers changes only through the `finalize` subresource.
    specOf(obj)["finalizers"] = isPlainObject(old["spec"]) ? old["spec"]["finalizers"] : undefined;
    obj.metadata.labels = { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name! };
  }
  if (is(type, "", "Service")) {
    const spec = specOf(obj);
    const before = isPlainObject(old["spec"]) ? old["spec"] : {};
    // Clients that omit clusterIP on update keep the allocated one (as the real registry does).
    if ((spec["clusterIP"] === undefined || spec["clusterIP"] === "") && before["clusterIP"] !== undefined) {
      spec["clusterIP"] = before["clusterIP"];
      spec["clusterIPs"] ??= before["clusterIPs"];
    }
    spec["type"] ??= before["type"] ?? "ClusterIP";
  }
  if (is(type, "", "Secret")) {
    foldStringData(obj);
    obj["type"] ??= old["type"] ?? "Opaque";
  }
  if (is(type, "apiextensions.k8s.io", "CustomResourceDefinition") && options.establishCrds && obj.metadata.deletionTimestamp === undefined) {
    const status = isPlainObject(obj["status"]) ? obj["status"] : {};
    const established = establishedCrdStatus(obj, kubeTime(options.now));
    const oldConditions = Array.isArray(status["conditions"]) ? status["conditions"] : [];
    obj["status"] = { ...status, ...established, conditions: oldConditions.length > 0 ? oldConditions : established["conditions"] };
  }
}

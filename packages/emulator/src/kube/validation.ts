/**
 * The validation the apiserver does that clients rely on: name formats, a few required fields,
 * and immutable fields (Deployment `spec.selector`, Service `spec.clusterIP`, Job `spec.template`,
 * RoleBinding `roleRef`, immutable ConfigMaps/Secrets, ...). Messages follow k8s.io/api validation.
 */
import { builtinEnumErrors } from "./builtin-schema.js";
import { invalid, type FieldError } from "./errors.js";
import { deepEqual, isPlainObject, type KubeObject, type ResourceType } from "./types.js";
import { isLease, leaseErrors } from "./lease.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function nameErrors(type: ResourceType, name: string): FieldError[] {
  const field = "metadata.name";
  if (type.group === "rbac.authorization.k8s.io") {
    if (name === "." || name === ".." || /[/%]/.test(name)) {
      return [{ type: "FieldValueInvalid", field, value: name, detail: `may not be '.' or '..' and may not contain '/' or '%'` }];
    }
    return [];
  }
  if (type.group === "" && (type.kind === "Namespace" || type.kind === "Service")) {
    const re = type.kind === "Namespace" ? DNS1123_LABEL : DNS1035_LABEL;
    if (name.length > 63 || !re.test(name)) {
      const what = type.kind === "Namespace"
        ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
      return [{ type: "FieldValueInvalid", field, value: name, detail: what }];
    }
    return [];
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [{
      type: "FieldValueInvalid",
      field,
      value: name,
      detail: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    }];
  }
  return [];
}

function labelErrors(obj: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) {
      out.push({ type: "FieldValueInvalid", field: `metadata.labels`, value: v, detail: "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character" });
    }
    if (k === "" || k.length > 317) out.push({ type: "FieldValueInvalid", field: "metadata.labels", value: k, detail: "name part must be non-empty and no more than 63 characters" });
  }
  return out;
}

function get(obj: unknown, path: string): unknown {
  let node = obj;
  for (const p of path.split(".")) node = isPlainObject(node) ? node[p] : undefined;
  return node;
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]);

const PERCENT = /^[0-9]+%$/;

/** An int-or-string that must be a count or a percentage (`maxSurge`, `maxUnavailable`). */
function countOrPercentErrors(value: unknown, field: string): FieldError[] {
  if (typeof value === "string" && !PERCENT.test(value)) {
    return [{ type: "FieldValueInvalid", field, value, detail: "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')" }];
  }
  if (typeof value === "number" && value < 0) return [{ type: "FieldValueInvalid", field, value, detail: "must be greater than or equal to 0" }];
  return [];
}

function workloadErrors(obj: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const replicas = get(obj, "spec.replicas");
  if (typeof replicas === "number" && replicas < 0) out.push({ type: "FieldValueInvalid", field: "spec.replicas", value: replicas, detail: "must be greater than or equal to 0" });
  const selector = get(obj, "spec.selector");
  if (!isPlainObject(selector)) {
    out.push({ type: "FieldValueRequired", field: "spec.selector", detail: "" });
    return out;
  }
  const matchLabels = isPlainObject(selector["matchLabels"]) ? selector["matchLabels"] : {};
  const labels = get(obj, "spec.template.metadata.labels");
  const templateLabels = isPlainObject(labels) ? labels : {};
  if (Object.keys(matchLabels).length === 0 && !Array.isArray(selector["matchExpressions"])) {
    out.push({ type: "FieldValueInvalid", field: "spec.selector", value: selector, detail: "empty selector is invalid for deployment" });
  } else if (!Object.entries(matchLabels).every(([k, v]) => templateLabels[k] === v)) {
    out.push({ type: "FieldValueInvalid", field: "spec.template.metadata.labels", value: templateLabels, detail: "`selector` does not match template `labels`" });
  }
  const containers = get(obj, "spec.template.spec.containers");
  if (!Array.isArray(containers) || containers.length === 0) out.push({ type: "FieldValueRequired", field: "spec.template.spec.containers", detail: "" });
  for (const f of ["maxSurge", "maxUnavailable"]) out.push(...countOrPercentErrors(get(obj, `spec.strategy.rollingUpdate.${f}`), `spec.strategy.rollingUpdate.${f}`));
  return out;
}

function crdErrors(obj: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const group = get(obj, "spec.group");
  const plural = get(obj, "spec.names.plural");
  const kind = get(obj, "spec.names.kind");
  if (typeof group !== "string" || group === "") out.push({ type: "FieldValueRequired", field: "spec.group", detail: "" });
  if (typeof plural !== "string" || plural === "") out.push({ type: "FieldValueRequired", field: "spec.names.plural", detail: "" });
  if (typeof kind !== "string" || kind === "") out.push({ type: "FieldValueRequired", field: "spec.names.kind", detail: "" });
  if (typeof group === "string" && typeof plural === "string" && obj.metadata.name !== `${plural}.${group}`) {
    out.push({ type: "FieldValueInvalid", field: "metadata.name", value: obj.metadata.name, detail: `must be spec.names.plural+"."+spec.group` });
  }
  const scope = get(obj, "spec.scope");
  if (scope !== "Namespaced" && scope !== "Cluster") out.push({ type: "FieldValueNotSupported", field: "spec.scope", value: scope ?? "", detail: `supported values: "Cluster", "Namespaced"` });
  const versions = get(obj, "spec.versions");
  if (!Array.isArray(versions) || versions.length === 0) out.push({ type: "FieldValueInvalid", field: "spec.versions", value: versions ?? null, detail: "must have exactly one version marked as storage version" });
  else if (versions.filter((v) => isPlainObject(v) && v["storage"] === true).length !== 1) {
    out.push({ type: "FieldValueInvalid", field: "spec.versions", value: versions.map((v) => (isPlainObject(v) ? v["name"] : v)), detail: "must have exactly one version marked as storage version" });
  }
  return out;
}

const PORT_RANGE = "must be between 1 and 65535, inclusive";
const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

function portNumberErrors(value: unknown, field: string, required: boolean): FieldError[] {
  if (value === undefined || value === 0) return required ? [{ type: "FieldValueRequired", field, detail: "" }] : [];
  if (typeof value === "number" && (value < 1 || value > 65535)) return [{ type: "FieldValueInvalid", field, value, detail: PORT_RANGE }];
  return [];
}

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A resource quantity's value (`500m` is 0.5, `1Gi` 2^30), or undefined when it is none (the decoder refused those). */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return undefined;
  const m = /^([+-]?[0-9.]+)(?:([eE][-+]?[0-9]+)|([KMGTPE]i)|([numkMGTPE]?))$/.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] !== undefined) return n * 10 ** Number(m[2].slice(1));
  if (m[3] !== undefined) return n * BINARY[m[3]]!;
  return n * DECIMAL[m[4] ?? ""]!;
}

/** A container's resources (`ValidateResourceRequirements`): no negative quantity, no request above its limit. */
function resourceErrors(resources: unknown, path: string): FieldError[] {
  if (!isPlainObject(resources)) return [];
  const out: FieldError[] = [];
  const limits = isPlainObject(resources["limits"]) ? resources["limits"] : {};
  const requests = isPlainObject(resources["requests"]) ? resources["requests"] : {};
  for (const [kind, list] of [["limits", limits], ["requests", requests]] as const) {
    for (const [name, q] of Object.entries(list)) {
      const v = quantityValue(q);
      if (v !== undefined && v < 0) out.push({ type: "FieldValueInvalid", field: `${path}.${kind}[${name}]`, value: String(q), detail: "must be greater than or equal to 0" });
    }
  }
  for (const [name, q] of Object.entries(requests)) {
    const request = quantityValue(q);
    const limit = quantityValue(limits[name]);
    if (request !== undefined && limit !== undefined && request > limit) {
      out.push({ type: "FieldValueInvalid", field: `${path}.requests`, value: String(q), detail: `must be less than or equal to ${name} limit of ${String(limits[name])}` });
    }
  }
  return out;
}

/**
 * The containers of a pod spec as the Go validation holds them (k8s.io/kubernetes
 * pkg/apis/core/validation `validateContainers`, `validateContainerPorts`): a name that is an
 * RFC 1123 label and unique, an image, port numbers in range, resources without a negative
 * quantity or a request above its limit.
 */
function podSpecErrors(spec: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  const names = new Set<string>();
  for (const list of ["initContainers", "containers"]) {
    const containers = isPlainObject(spec) ? spec[list] : undefined;
    if (!Array.isArray(containers)) continue;
    containers.forEach((c, i) => {
      if (!isPlainObject(c)) return;
      const at = `${path}.${list}[${i}]`;
      const name = c["name"];
      if (typeof name !== "string" || name === "") out.push({ type: "FieldValueRequired", field: `${at}.name`, detail: "" });
      else if (name.length > 63 || !DNS1123_LABEL.test(name)) {
        out.push({ type: "FieldValueInvalid", field: `${at}.name`, value: name, detail: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')" });
      } else if (names.has(name)) out.push({ type: "FieldValueDuplicate", field: `${at}.name`, value: name, detail: "" });
      else names.add(name);
      if (typeof c["image"] !== "string" || c["image"] === "") out.push({ type: "FieldValueRequired", field: `${at}.image`, detail: "" });
      out.push(...resourceErrors(c["resources"], `${at}.resources`));
      const ports = c["ports"];
      if (Array.isArray(ports)) {
        ports.forEach((p, j) => {
          if (!isPlainObject(p)) return;
          const pat = `${at}.ports[${j}]`;
          out.push(...portNumberErrors(p["containerPort"], `${pat}.containerPort`, true));
          out.push(...portNumberErrors(p["hostPort"], `${pat}.hostPort`, false));
        });
      }
    });
  }
  return out;
}

/** Service ports (`ValidateService`): port in range, a numeric targetPort in range, a named one an IANA service name. */
function serviceErrors(obj: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const ports = get(obj, "spec.ports");
  if (!Array.isArray(ports)) return out;
  ports.forEach((p, i) => {
    if (!isPlainObject(p)) return;
    const at = `spec.ports[${i}]`;
    out.push(...portNumberErrors(p["port"], `${at}.port`, true));
    const target = p["targetPort"];
    if (typeof target === "number") out.push(...portNumberErrors(target, `${at}.targetPort`, false));
    else if (typeof target === "string" && target !== "" && !IANA_SVC_NAME.test(target)) {
      out.push({ type: "FieldValueInvalid", field: `${at}.targetPort`, value: target, detail: "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)" });
    }
  });
  return out;
}

/** Where a kind keeps its pod spec. */
function podSpecPath(type: ResourceType): string | undefined {
  if (type.group === "" && type.kind === "Pod") return "spec";
  if (type.group === "" && (type.kind === "ReplicationController" || type.kind === "PodTemplate")) return type.kind === "PodTemplate" ? "template.spec" : "spec.template.spec";
  if ((type.group === "apps" && WORKLOADS.has(type.kind)) || (type.group === "batch" && type.kind === "Job")) return "spec.template.spec";
  if (type.group === "batch" && type.kind === "CronJob") return "spec.jobTemplate.spec.template.spec";
  return undefined;
}

function createErrors(type: ResourceType, obj: KubeObject): FieldError[] {
  const g = type.group;
  const out: FieldError[] = [];
  if (g === "apps" && WORKLOADS.has(type.kind)) out.push(...workloadErrors(obj));
  if (g === "apiextensions.k8s.io" && type.kind === "CustomResourceDefinition") out.push(...crdErrors(obj));
  if (g === "" && type.kind === "Pod") {
    const containers = get(obj, "spec.containers");
    if (!Array.isArray(containers) || containers.length === 0) out.push({ type: "FieldValueRequired", field: "spec.containers", detail: "" });
  }
  const podSpec = podSpecPath(type);
  if (podSpec !== undefined) out.push(...podSpecErrors(get(obj, podSpec), podSpec));
  if (g === "" && type.kind === "Service") out.push(...serviceErrors(obj));
  if (isLease(type)) out.push(...leaseErrors(obj));
  if (type.crd === undefined) {
    const version = typeof obj.apiVersion === "string" ? obj.apiVersion.split("/").at(-1)! : "v1";
    out.push(...builtinEnumErrors(type.group, version, type.kind, obj));
  }
  return out;
}

function immutable(field: string, value: unknown, detail = "field is immutable"): FieldError {
  return { type: "FieldValueInvalid", field, value, detail };
}

function updateErrors(type: ResourceType, obj: KubeObject, old: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const changed = (path: string) => !deepEqual(get(old, path), get(obj, path));
  const g = type.group;
  const k = type.kind;
  if (g === "apps" && WORKLOADS.has(k) && changed("spec.selector")) out.push(immutable("spec.selector", get(obj, "spec.selector")));
  if (g === "apps" && k === "StatefulSet") {
    const allowed = new Set(["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "selector"]);
    const keys = new Set([...Object.keys((get(old, "spec") ?? {}) as object), ...Object.keys((get(obj, "spec") ?? {}) as object)]);
    if ([...keys].some((key) => !allowed.has(key) && changed(`spec.${key}`))) {
      out.push({ type: "FieldValueForbidden", field: "spec", detail: "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" });
    }
  }
  if (g === "batch" && k === "Job") {
    if (changed("spec.selector")) out.push(immutable("spec.selector", get(obj, "spec.selector")));
    if (changed("spec.template")) out.push(immutable("spec.template", get(obj, "spec.template")));
  }
  if (g === "" && k === "Service") {
    const before = get(old, "spec.clusterIP");
    const after = get(obj, "spec.clusterIP");
    if (typeof before === "string" && before !== "" && after !== before) out.push(immutable("spec.clusterIP", after ?? ""));
  }
  if (g === "" && (k === "ConfigMap" || k === "Secret") && old["immutable"] === true) {
    if (obj["immutable"] !== true) out.push(immutable("immutable", obj["immutable"] ?? null, "field is immutable when `immutable` is set"));
    for (const f of ["data", "binaryData"]) if (changed(f)) out.push({ type: "FieldValueForbidden", field: f, detail: "field is immutable when `immutable` is set" });
  }
  if (g === "" && k === "Secret" && old["type"] !== undefined && changed("type")) out.push(immutable("type", obj["type"] ?? ""));
  if (g === "rbac.authorization.k8s.io" && (k === "RoleBinding" || k === "ClusterRoleBinding") && changed("roleRef")) {
    out.push(immutable("roleRef", get(obj, "roleRef"), "cannot change roleRef"));
  }
  if (g === "apiextensions.k8s.io" && k === "CustomResourceDefinition" && changed("spec.group")) out.push(immutable("spec.group", get(obj, "spec.group")));
  return out;
}

/** Validate an object about to be stored; throws 422 Invalid listing every problem. */
export function validateObject(options: { type: ResourceType; obj: KubeObject; old?: KubeObject }): void {
  const { type, obj, old } = options;
  const name = obj.metadata.name ?? "";
  const errors: FieldError[] = [];
  if (name === "") errors.push({ type: "FieldValueRequired", field: "metadata.name", detail: "name or generateName is required" });
  else errors.push(...nameErrors(type, name));
  errors.push(...labelErrors(obj));
  errors.push(...createErrors(type, obj));
  if (old) errors.push(...updateErrors(type, obj, old));
  if (errors.length > 0) throw invalid({ group: type.group, kind: type.kind, name }, errors);
}

/**
 * The server-side printers of the built-in kinds: the columns and cells a real kube-apiserver
 * puts in the `meta.k8s.io/v1` Table that `kubectl get` renders. Column names, types, priorities
 * and cell formats follow kubernetes `pkg/printers/internalversion/printers.go` (1.32); the
 * apiserver always generates the wide (priority 1) cells and kubectl hides them without `-o wide`.
 * Kinds without a printer here fall back to the generic NAME/AGE columns in table.ts.
 */
import { isPlainObject, type KubeObject, type ResourceType } from "./types.js";

/** One column of a Table with the function that computes its cell for an object. */
export interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
  readonly cell: (obj: KubeObject, now: number) => unknown;
}

/** apimachinery `duration.HumanDuration`: 0s, 90s, 5m3s, 2h10m, 3d4h, 2y10d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/** The column every printer starts with. */
export const NAME: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  priority: 0,
  cell: (o) => o.metadata.name,
};

/** `translateTimestampSince(creationTimestamp)`: the humanized age, `<unknown>` without one. */
export const AGE: Column = {
  name: "Age",
  type: "string",
  format: "",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  priority: 0,
  cell: (o, now) => {
    const created = Date.parse(o.metadata.creationTimestamp ?? "");
    return Number.isNaN(created) ? "<unknown>" : humanDuration(now - created);
  },
};

/**
 * The generic `rest.NewDefaultTableConvertor` columns (NAME, CREATED AT as RFC 3339 UTC): what
 * a real server prints for kinds without a printer, CustomResourceDefinitions among them.
 */
export const CREATED_AT: Column = {
  name: "Created At",
  type: "date",
  format: "",
  description: AGE.description,
  priority: 0,
  cell: (o) => {
    const created = Date.parse(o.metadata.creationTimestamp ?? "");
    return Number.isNaN(created) ? null : new Date(created).toISOString().replace(/\.\d{3}Z$/, "Z");
  },
};

function column(name: string, type: "string" | "integer", cell: (o: KubeObject) => unknown, options: { priority?: number; description?: string } = {}): Column {
  return { name, type, format: "", description: options.description ?? "", priority: options.priority ?? 0, cell };
}

function record(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function int(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
}

const spec = (o: KubeObject) => record(o["spec"]);
const status = (o: KubeObject) => record(o["status"]);
const podSpec = (o: KubeObject) => record(record(spec(o)["template"])["spec"]);
const containers = (o: KubeObject) => list(podSpec(o)["containers"]).map(record);

/** `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty. */
function formatLabels(value: unknown): string {
  const entries = Object.entries(record(value)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? "<none>" : entries.map(([k, v]) => `${k}=${String(v)}`).join(",");
}

/** `metav1.LabelSelectorAsSelector(...).String()` for the common forms (matchLabels, In/NotIn/Exists/DoesNotExist). */
function formatSelector(value: unknown): string {
  const sel = record(value);
  const parts: { key: string; text: string }[] = Object.entries(record(sel["matchLabels"])).map(([k, v]) => ({ key: k, text: `${k}=${String(v)}` }));
  for (const e of list(sel["matchExpressions"]).map(record)) {
    const key = String(e["key"] ?? "");
    const values = list(e["values"]).map(String).sort();
    const op = String(e["operator"] ?? "");
    const text = op === "In" ? `${key} in (${values.join(",")})` : op === "NotIn" ? `${key} notin (${values.join(",")})` : op === "Exists" ? key : op === "DoesNotExist" ? `!${key}` : `${key} ${op}`;
    parts.push({ key, text });
  }
  if (parts.length === 0) return "<none>";
  return parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((p) => p.text).join(",");
}

const CONTAINERS = column("Containers", "string", (o) => containers(o).map((c) => String(c["name"] ?? "")).join(","), { priority: 1, description: "Names of each container in the template." });
const IMAGES = column("Images", "string", (o) => containers(o).map((c) => String(c["image"] ?? "")).join(","), { priority: 1, description: "Images referenced by each container in the template." });
const SELECTOR = column("Selector", "string", (o) => formatSelector(spec(o)["selector"]), { priority: 1, description: "Label query over pods that should match the replicas count." });

/** `getServiceExternalIP(svc, wide=true)`. */
function serviceExternalIp(o: KubeObject): string {
  const s = spec(o);
  const externalIps = list(s["externalIPs"]).map(String);
  switch (s["type"] ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return externalIps.length > 0 ? externalIps.join(",") : "<none>";
    case "LoadBalancer": {
      const ingress = list(record(record(status(o)["loadBalancer"]))["ingress"]).map(record);
      const lb = ingress.flatMap((i) => (i["ip"] ? [String(i["ip"])] : i["hostname"] ? [String(i["hostname"])] : [])).join(",");
      if (externalIps.length > 0) return [...(lb ? [lb] : []), ...externalIps].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return String(s["externalName"] ?? "");
    default:
      return "<unknown>";
  }
}

/** `makePortString`: `80/TCP`, `80:30080/TCP` with a node port; `<none>` without ports. */
function servicePorts(o: KubeObject): string {
  const ports = list(spec(o)["ports"]).map(record);
  if (ports.length === 0) return "<none>";
  return ports.map((p) => (int(p["nodePort"]) !== 0 ? `${int(p["port"])}:${int(p["nodePort"])}/${String(p["protocol"] ?? "TCP")}` : `${int(p["port"])}/${String(p["protocol"] ?? "TCP")}`)).join(",");
}

const readyOfDesired = (o: KubeObject) => `${int(status(o)["readyReplicas"])}/${int(spec(o)["replicas"])}`;

function printerOf(group: string, kind: string): readonly Column[] | undefined {
  switch (`${group}/${kind}`) {
    case "apps/Deployment":
      return [
        NAME,
        column("Ready", "string", readyOfDesired, { description: "Number of the pod with ready state" }),
        column("Up-to-date", "string", (o) => int(status(o)["updatedReplicas"])),
        column("Available", "string", (o) => int(status(o)["availableReplicas"])),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
      ];
    case "apps/StatefulSet":
      return [NAME, column("Ready", "string", readyOfDesired, { description: "Number of the pod with ready state" }), AGE, CONTAINERS, IMAGES];
    case "apps/ReplicaSet":
      return [
        NAME,
        column("Desired", "integer", (o) => int(spec(o)["replicas"])),
        column("Current", "integer", (o) => int(status(o)["replicas"])),
        column("Ready", "integer", (o) => int(status(o)["readyReplicas"])),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
      ];
    case "apps/DaemonSet":
      return [
        NAME,
        column("Desired", "integer", (o) => int(status(o)["desiredNumberScheduled"])),
        column("Current", "integer", (o) => int(status(o)["currentNumberScheduled"])),
        column("Ready", "integer", (o) => int(status(o)["numberReady"])),
        column("Up-to-date", "integer", (o) => int(status(o)["updatedNumberScheduled"])),
        column("Available", "integer", (o) => int(status(o)["numberAvailable"])),
        column("Node Selector", "string", (o) => formatLabels(podSpec(o)["nodeSelector"])),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
      ];
    case "/Service":
      return [
        NAME,
        column("Type", "string", (o) => String(spec(o)["type"] ?? "ClusterIP")),
        column("Cluster-IP", "string", (o) => String(list(spec(o)["clusterIPs"])[0] ?? spec(o)["clusterIP"] ?? "<none>")),
        column("External-IP", "string", serviceExternalIp),
        column("Port(s)", "string", servicePorts),
        AGE,
        column("Selector", "string", (o) => formatLabels(spec(o)["selector"]), { priority: 1 }),
      ];
    case "/ConfigMap":
      return [NAME, column("Data", "string", (o) => Object.keys(record(o["data"])).length + Object.keys(record(o["binaryData"])).length), AGE];
    case "/Secret":
      return [NAME, column("Type", "string", (o) => String(o["type"] ?? "Opaque")), column("Data", "string", (o) => Object.keys(record(o["data"])).length), AGE];
    case "/ServiceAccount":
      return [NAME, column("Secrets", "string", (o) => list(o["secrets"]).length), AGE];
    case "/Namespace":
      return [NAME, column("Status", "string", (o) => String(status(o)["phase"] ?? ""), { description: "The status of the namespace" }), AGE];
    case "coordination.k8s.io/Lease":
      return [NAME, column("Holder", "string", (o) => String(spec(o)["holderIdentity"] ?? ""), { description: "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field." }), AGE];
    case "apiextensions.k8s.io/CustomResourceDefinition":
      // The apiextensions server has no printer for CRDs: the default convertor's CREATED AT.
      return [NAME, CREATED_AT];
    default:
      return undefined;
  }
}

/** The columns a real server prints for a built-in type, or undefined when it has none here. */
export function builtinColumns(type: ResourceType): readonly Column[] | undefined {
  return type.crd === undefined ? printerOf(type.group, type.kind) : undefined;
}

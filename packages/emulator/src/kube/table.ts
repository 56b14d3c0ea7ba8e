/**
 * The `meta.k8s.io/v1` Table form `kubectl get` asks for: NAME and AGE columns (what the
 * apiserver's default table convertor gives), or a CRD's `additionalPrinterColumns`.
 */
import type { ResourceRegistry } from "./registry.js";
import { isPlainObject, type KubeObject, type ResourceType } from "./types.js";

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

/** A tiny JSONPath: `.a.b`, `.a[0]`, `.a[?(@.type=="Ready")].status`. */
export function evalJsonPath(obj: unknown, path: string): unknown {
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]/g;
  let node: unknown = obj;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (node === undefined || node === null) return undefined;
    if (m[1] !== undefined) node = isPlainObject(node) ? node[m[1]] : undefined;
    else if (m[2] !== undefined) node = Array.isArray(node) ? node[Number(m[2])] : undefined;
    else {
      const field = m[3]!;
      const want = m[4]!;
      node = Array.isArray(node) ? node.find((x) => isPlainObject(x) && String(x[field]) === want) : undefined;
    }
  }
  return node;
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
  readonly cell: (obj: KubeObject, now: number) => unknown;
}

const NAME: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  priority: 0,
  cell: (o) => o.metadata.name,
};

function age(o: KubeObject, now: number): string {
  const created = Date.parse(o.metadata.creationTimestamp ?? "");
  return Number.isNaN(created) ? "<unknown>" : humanDuration(now - created);
}

const AGE: Column = {
  name: "Age",
  type: "string",
  format: "",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  priority: 0,
  cell: age,
};

function columnsFor(registry: ResourceRegistry, type: ResourceType, version: string): Column[] {
  const printer = registry.printerColumns(type, version);
  if (printer.length === 0) return [NAME, AGE];
  return [
    NAME,
    ...printer.map((c): Column => {
      const path = String(c["jsonPath"] ?? "");
      const isAge = c["type"] === "date";
      return {
        name: String(c["name"] ?? ""),
        type: isAge ? "date" : String(c["type"] ?? "string"),
        format: String(c["format"] ?? ""),
        description: String(c["description"] ?? ""),
        priority: Number(c["priority"] ?? 0),
        cell: (o, now) => {
          const v = evalJsonPath(o, path);
          if (isAge && typeof v === "string") {
            const t = Date.parse(v);
            return Number.isNaN(t) ? v : humanDuration(now - t);
          }
          return v === undefined ? null : v;
        },
      };
    }),
  ];
}

/** Objects as a Table with PartialObjectMetadata rows. */
export function toTable(options: { registry: ResourceRegistry; type: ResourceType; version: string; objects: readonly KubeObject[]; resourceVersion: string }): unknown {
  const columns = columnsFor(options.registry, options.type, options.version);
  const now = Date.now();
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: columns.map(({ cell: _cell, ...c }) => c),
    rows: options.objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}

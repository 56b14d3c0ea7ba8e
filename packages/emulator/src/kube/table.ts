/**
 * The `meta.k8s.io/v1` Table form `kubectl get` asks for: a built-in kind's printer columns
 * (printers.ts), a CRD's `additionalPrinterColumns`, or else NAME and AGE (what the apiextensions
 * server gives a custom resource without printer columns).
 */
import { AGE, builtinColumns, humanDuration, NAME, type Column } from "./printers.js";
import type { ResourceRegistry } from "./registry.js";
import { isPlainObject, type KubeObject, type ResourceType } from "./types.js";

export { humanDuration } from "./printers.js";

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

function columnsFor(registry: ResourceRegistry, type: ResourceType, version: string): readonly Column[] {
  const builtin = builtinColumns(type);
  if (builtin !== undefined) return builtin;
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

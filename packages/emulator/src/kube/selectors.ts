/**
 * Label and field selectors of list and watch requests (`labelSelector=app=web,tier!=db`,
 * `fieldSelector=metadata.name=x`), with the grammar of k8s.io/apimachinery `labels.Parse`.
 */
import { badRequest } from "./errors.js";
import { isPlainObject, type KubeObject } from "./types.js";

export type Requirement =
  | { readonly op: "eq" | "neq"; readonly key: string; readonly value: string }
  | { readonly op: "in" | "notin"; readonly key: string; readonly values: readonly string[] }
  | { readonly op: "exists" | "notexists"; readonly key: string };

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s !== "");
}

/** Parse a label selector; throws 400 with the offending part when it is malformed. */
export function parseLabelSelector(text: string): Requirement[] {
  return splitTopLevel(text).map((part) => {
    let m = /^(!)?\s*([A-Za-z0-9._/-]+)$/.exec(part);
    if (m) return { op: m[1] ? "notexists" : "exists", key: m[2]! } as const;
    m = /^([A-Za-z0-9._/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$/.exec(part);
    if (m) return { op: m[2] === "!=" ? "neq" : "eq", key: m[1]!, value: m[3]! } as const;
    m = /^([A-Za-z0-9._/-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (m) return { op: m[2] as "in" | "notin", key: m[1]!, values: m[3]!.split(",").map((s) => s.trim()).filter((s) => s !== "") } as const;
    throw badRequest(`unable to parse requirement: found '${part}' in label selector "${text}"; use key=value, key!=value, key in (a,b), key or !key`);
  });
}

export function matchesLabels(labels: Readonly<Record<string, string>> | undefined, requirements: readonly Requirement[]): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case "exists":
        return has;
      case "notexists":
        return !has;
      case "eq":
        return has && l[r.key] === r.value;
      case "neq":
        return !has || l[r.key] !== r.value;
      case "in":
        return has && r.values.includes(l[r.key]!);
      case "notin":
        return !has || !r.values.includes(l[r.key]!);
      default: {
        const never: never = r;
        return never;
      }
    }
  });
}

export interface FieldRequirement {
  readonly path: readonly string[];
  readonly op: "eq" | "neq";
  readonly value: string;
}

/** Parse a field selector (`metadata.name=x,status.phase!=Active`). */
export function parseFieldSelector(text: string): FieldRequirement[] {
  return splitTopLevel(text).map((part) => {
    const m = /^([A-Za-z0-9._-]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid field selector "${text}": expected field=value or field!=value, e.g. metadata.name=x`);
    return { path: m[1]!.split("."), op: m[2] === "!=" ? "neq" : "eq", value: m[3]! };
  });
}

export function matchesFields(obj: KubeObject, requirements: readonly FieldRequirement[]): boolean {
  return requirements.every((r) => {
    let node: unknown = obj;
    for (const p of r.path) node = isPlainObject(node) ? node[p] : undefined;
    const actual = node === undefined || node === null ? "" : String(node);
    return r.op === "eq" ? actual === r.value : actual !== r.value;
  });
}

/** A parsed `labelSelector` + `fieldSelector` pair. */
export interface Selector {
  readonly labels: readonly Requirement[];
  readonly fields: readonly FieldRequirement[];
}

export function parseSelector(labelSelector: string | undefined, fieldSelector: string | undefined): Selector {
  return {
    labels: labelSelector ? parseLabelSelector(labelSelector) : [],
    fields: fieldSelector ? parseFieldSelector(fieldSelector) : [],
  };
}

export function matchesSelector(obj: KubeObject, selector: Selector): boolean {
  return matchesLabels(obj.metadata.labels, selector.labels) && matchesFields(obj, selector.fields);
}

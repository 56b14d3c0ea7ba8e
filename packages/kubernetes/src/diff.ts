/**
 * Field-level diff of two desired objects (what was applied before, what the program wants now).
 * The provider compares desired with desired, not desired with live: the API server defaults and
 * adds fields (status, uid, ...), so live never equals desired (k8s.md §5, "honest simplification").
 */
import { UNKNOWN, type DiffResult, type PropertyDiff, type PropertyMap, type PropertyValue } from "@iac/sdk/provider";
import { immutableRuleFor, isImmutableObject } from "./immutable.js";
import { groupOf } from "./objects.js";

/** One changed leaf (or subtree added/removed). */
export interface FieldChange {
  readonly path: string;
  readonly kind: "add" | "update" | "delete";
}

function isMap(v: unknown): v is Record<string, PropertyValue> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function join(base: string, key: string): string {
  // Keys with dots or slashes (labels, annotations) are quoted so that the path stays readable.
  const simple = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (simple) return base === "" ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Every difference between `a` and `b`, as paths from the root; values are compared deeply. */
export function fieldChanges(a: PropertyValue | undefined, b: PropertyValue | undefined, base = ""): FieldChange[] {
  if (a === undefined && b === undefined) return [];
  if (a === undefined) return [{ path: base, kind: "add" }];
  if (b === undefined) return [{ path: base, kind: "delete" }];
  if (b === UNKNOWN) return a === UNKNOWN ? [] : [{ path: base, kind: "update" }];
  if (isMap(a) && isMap(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => fieldChanges(a[k], b[k], join(base, k)));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    const out: FieldChange[] = [];
    for (let i = 0; i < n; i++) out.push(...fieldChanges(a[i], b[i], `${base}[${i}]`));
    return out;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: base, kind: "update" }];
}

/**
 * The diff of an object's desired state: field-level changes, with those under an immutable field
 * (see {@link immutableRuleFor}) marked as replacing. A replace of an object whose name stays the
 * same must delete the old one first (two objects cannot share a name).
 */
export function diffObjects(olds: PropertyMap, news: PropertyMap): DiffResult {
  const changes = fieldChanges(olds, news);
  const kind = typeof news.kind === "string" ? news.kind : String(olds.kind);
  const group = groupOf(typeof news.apiVersion === "string" ? news.apiVersion : String(olds.apiVersion));
  const wholeObject = isImmutableObject(olds as { kind: string }) || isImmutableObject(news as { kind: string });
  const detailed: PropertyDiff[] = changes.map((c) => {
    const rule = immutableRuleFor(group, kind, c.path);
    const dataChange = wholeObject && !c.path.startsWith("metadata");
    if (rule) return { path: c.path, kind: c.kind, replace: true, reason: rule.reason };
    if (dataChange) return { path: c.path, kind: c.kind, replace: true, reason: `the ${kind} is marked immutable: true` };
    return { path: c.path, kind: c.kind, replace: false };
  });
  const replaces = [...new Set(detailed.filter((d) => d.replace).map((d) => topLevel(d.path)))];
  const sameName = JSON.stringify(nameOf(olds)) === JSON.stringify(nameOf(news));
  return {
    changes: detailed.length > 0,
    replaces,
    ...(replaces.length > 0 && sameName ? { deleteBeforeReplace: true } : {}),
    detailed,
  };
}

function topLevel(path: string): string {
  const m = /^[^.[]+/.exec(path);
  return m ? m[0] : path;
}

function nameOf(o: PropertyMap): unknown[] {
  const md = isMap(o.metadata) ? o.metadata : {};
  return [o.kind, md.namespace, md.name];
}

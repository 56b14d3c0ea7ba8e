/**
 * Field ownership (`metadata.managedFields`) and server-side apply, after kubernetes.io
 * "Server-Side Apply" and sigs.k8s.io/structured-merge-diff, on the simplified topology of
 * topology.ts:
 * - an apply claims every field of the applied configuration for its manager (operation Apply);
 * - a field the manager applied before and now omits is removed if no other manager owns it;
 * - setting a field another manager owns to a different value is a conflict (409) unless forced,
 *   and forcing takes the field away from that manager;
 * - other writes (create, update, patch) give their manager (operation Update) the fields they
 *   change and take those fields from everyone else; they never conflict.
 */
import { applyConflict } from "./errors.js";
import {
  fieldSetOf,
  fromFieldsV1,
  listItemElement,
  listTopologyOf,
  pathKey,
  pathOf,
  pathString,
  removeAt,
  toFieldsV1,
  valueAt,
  type FieldPath,
} from "./field-set.js";
import type { Topology } from "./topology.js";
import { deepEqual, isPlainObject, type ManagedFieldsEntry } from "./types.js";

/** A managedFields entry with its field set decoded. */
export interface ManagerEntry {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion: string;
  readonly time: string;
  readonly subresource?: string;
  readonly fields: Set<string>;
}

/** What field tracking needs to know about the object's kind. */
export interface TrackingContext {
  readonly topology: Topology;
  /** Paths never tracked: identity and system metadata, and status or spec depending on the subresource. */
  readonly ignore: (path: FieldPath) => boolean;
}

export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): ManagerEntry[] {
  return (entries ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    ...(e.subresource ? { subresource: e.subresource } : {}),
    fields: fromFieldsV1(e.fieldsV1),
  }));
}

export function encodeManagedFields(entries: readonly ManagerEntry[]): ManagedFieldsEntry[] {
  return entries
    .filter((e) => e.fields.size > 0)
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: "FieldsV1" as const,
      fieldsV1: toFieldsV1(e.fields),
      ...(e.subresource ? { subresource: e.subresource } : {}),
    }));
}

function isItemElement(el: string | undefined): boolean {
  return el !== undefined && (el.startsWith("k:") || el.startsWith("v:"));
}

function sameSub(a: string | undefined, b: string | undefined): boolean {
  return (a ?? "") === (b ?? "");
}

export interface UpdateOptions {
  readonly entries: readonly ManagerEntry[];
  readonly old: unknown;
  readonly next: unknown;
  readonly manager: string;
  readonly apiVersion: string;
  readonly subresource?: string;
  readonly time: string;
  readonly context: TrackingContext;
}

/** Ownership after a create, update or non-apply patch. */
export function recordUpdate(o: UpdateOptions): ManagerEntry[] {
  const opts = { topology: o.context.topology, ignore: o.context.ignore };
  const oldSet = o.old === undefined ? new Set<string>() : fieldSetOf(o.old, opts);
  const newSet = fieldSetOf(o.next, opts);
  const changed = new Set<string>();
  for (const key of newSet) {
    const path = pathOf(key);
    if (!oldSet.has(key)) changed.add(key);
    else if (!isItemElement(path[path.length - 1]) && !deepEqual(valueAt(o.old, path), valueAt(o.next, path))) changed.add(key);
  }
  const removed = [...oldSet].filter((k) => !newSet.has(k));
  const isMine = (e: ManagerEntry) =>
    e.manager === o.manager && e.operation === "Update" && e.apiVersion === o.apiVersion && sameSub(e.subresource, o.subresource);
  const out: ManagerEntry[] = [];
  let mine: ManagerEntry | undefined;
  for (const e of o.entries) {
    const fields = new Set(e.fields);
    for (const k of removed) fields.delete(k);
    if (isMine(e)) {
      for (const k of changed) fields.add(k);
      mine = { ...e, time: changed.size > 0 ? o.time : e.time, fields };
      out.push(mine);
    } else {
      for (const k of changed) fields.delete(k);
      out.push({ ...e, fields });
    }
  }
  if (!mine && changed.size > 0) {
    out.push({ manager: o.manager, operation: "Update", apiVersion: o.apiVersion, time: o.time, ...(o.subresource ? { subresource: o.subresource } : {}), fields: changed });
  }
  return out.filter((e) => e.fields.size > 0);
}

/** Merge an applied configuration into a live value: maps field by field, keyed lists item by item. */
export function mergeApplied(live: unknown, applied: unknown, topology: Topology, names: readonly string[] = []): unknown {
  if (isPlainObject(live) && isPlainObject(applied)) {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(live[k], v, topology, [...names, k]);
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const topo = listTopologyOf(applied, topology.list(names));
    const liveTopo = listTopologyOf(live, topo);
    if (topo.kind === "atomic" || liveTopo.kind === "atomic") return structuredClone(applied);
    const out = live.slice();
    for (const item of applied) {
      const el = listItemElement(item, topo);
      const i = out.findIndex((x) => listItemElement(x, topo) === el);
      if (i < 0) out.push(structuredClone(item));
      else out[i] = topo.kind === "map" ? mergeApplied(out[i], item, topology, names) : out[i];
    }
    return out;
  }
  return structuredClone(applied);
}

export interface ApplyOptions {
  readonly entries: readonly ManagerEntry[];
  /** The live object, or a skeleton (`apiVersion`, `kind`, `metadata`) when the apply creates it. */
  readonly live: Record<string, unknown>;
  readonly applied: Record<string, unknown>;
  readonly manager: string;
  readonly apiVersion: string;
  readonly force: boolean;
  readonly subresource?: string;
  readonly time: string;
  readonly context: TrackingContext;
}

export interface ApplyResult {
  readonly object: Record<string, unknown>;
  readonly entries: ManagerEntry[];
}

/** Server-side apply of one configuration by one manager; throws the 409 conflict Status. */
export function serverSideApply(o: ApplyOptions): ApplyResult {
  const opts = { topology: o.context.topology, ignore: o.context.ignore };
  const appliedSet = fieldSetOf(o.applied, opts);
  const isMine = (e: ManagerEntry) => e.manager === o.manager && e.operation === "Apply" && sameSub(e.subresource, o.subresource);
  const previous = o.entries.find(isMine)?.fields ?? new Set<string>();
  const others = o.entries.filter((e) => !isMine(e));

  const conflicts: { manager: string; field: string; key: string }[] = [];
  for (const key of appliedSet) {
    const path = pathOf(key);
    if (isItemElement(path[path.length - 1])) continue;
    const liveValue = valueAt(o.live, path);
    if (liveValue === undefined || deepEqual(liveValue, valueAt(o.applied, path))) continue;
    for (const e of others) {
      if (e.manager !== o.manager && e.fields.has(key)) conflicts.push({ manager: e.manager, field: pathString(path), key });
    }
  }
  if (conflicts.length > 0 && !o.force) throw applyConflict(conflicts);

  const owned = new Set<string>(appliedSet);
  for (const e of others) for (const k of e.fields) owned.add(k);
  const object = structuredClone(o.live);
  const toRemove = [...previous].filter((k) => !owned.has(k)).map(pathOf).sort((a, b) => a.length - b.length);
  for (const path of toRemove) {
    if (isKeyFieldOfItem(path)) continue;
    const prefix = pathKey(path) + "\u0000";
    if (isItemElement(path[path.length - 1]) && [...owned].some((k) => k.startsWith(prefix))) continue;
    if (removeAt(object, path)) pruneEmptyParents(object, path, owned);
  }
  const merged = mergeApplied(object, o.applied, o.context.topology) as Record<string, unknown>;

  const forced = new Set(conflicts.map((c) => c.key));
  const entries: ManagerEntry[] = [];
  let placed = false;
  for (const e of o.entries) {
    if (isMine(e)) {
      entries.push({ ...e, apiVersion: o.apiVersion, time: o.time, fields: appliedSet });
      placed = true;
      continue;
    }
    const fields = new Set([...e.fields].filter((k) => !forced.has(k)));
    entries.push({ ...e, fields });
  }
  if (!placed) {
    entries.push({ manager: o.manager, operation: "Apply", apiVersion: o.apiVersion, time: o.time, ...(o.subresource ? { subresource: o.subresource } : {}), fields: appliedSet });
  }
  return { object: merged, entries: entries.filter((e) => e.fields.size > 0) };
}

/** Key fields of a keyed-list item stay while the item stays (removing them would orphan it). */
function isKeyFieldOfItem(path: FieldPath): boolean {
  const parent = path[path.length - 2];
  const last = path[path.length - 1];
  if (parent === undefined || last === undefined || !parent.startsWith("k:") || !last.startsWith("f:")) return false;
  const keys = JSON.parse(parent.slice(2)) as Record<string, unknown>;
  return last.slice(2) in keys;
}

/** After a removal, drop maps left empty that no manager owns (but never `metadata` itself). */
function pruneEmptyParents(root: unknown, path: FieldPath, owned: ReadonlySet<string>): void {
  for (let n = path.length - 1; n >= 1; n--) {
    const parentPath = path.slice(0, n);
    if (n === 1 && parentPath[0] === "f:metadata") return;
    const last = parentPath[parentPath.length - 1]!;
    if (!last.startsWith("f:") || owned.has(pathKey(parentPath))) return;
    const value = valueAt(root, parentPath);
    if (!isPlainObject(value) || Object.keys(value).length > 0) return;
    removeAt(root, parentPath);
  }
}

/**
 * Sets of field paths, the unit of server-side apply ownership, and their wire form FieldsV1
 * (a trie with keys `f:<field>`, `k:<json of key fields>`, `v:<json value>`, `.` for the list item
 * itself; kubernetes.io "Server-Side Apply", managed fields). A path is a list of such elements.
 *
 * The set of an object holds its leaves (scalars, atomic lists, empty maps), each keyed list item
 * (`k:`) and each set item (`v:`), as the apiserver's `fieldpath.Set` does.
 */
import type { ListTopology, Topology } from "./topology.js";
import { deepEqual, isPlainObject, type FieldsV1 } from "./types.js";

export type FieldPath = readonly string[];

const SEP = "\u0000";

export function pathKey(path: FieldPath): string {
  return path.join(SEP);
}

export function pathOf(key: string): FieldPath {
  return key === "" ? [] : key.split(SEP);
}

/** The key fields of a keyed-list item, or undefined when the item lacks one (then the list is atomic). */
function itemKey(item: unknown, keys: readonly string[]): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const present = keys.filter((k) => item[k] !== undefined && item[k] !== null);
  // The first key is required (e.g. `name`, `containerPort`); others such as `protocol` may be defaulted.
  if (present.length === 0 || present[0] !== keys[0]) return undefined;
  const obj: Record<string, unknown> = {};
  for (const k of present) obj[k] = item[k];
  return `k:${JSON.stringify(obj)}`;
}

/** The effective topology of a list value: a keyed list whose items lack keys is treated as atomic. */
export function listTopologyOf(list: readonly unknown[], topo: ListTopology): ListTopology {
  if (topo.kind === "map" && !list.every((item) => itemKey(item, topo.keys) !== undefined)) return { kind: "atomic" };
  if (topo.kind === "set" && !list.every((item) => item === null || typeof item !== "object")) return { kind: "atomic" };
  return topo;
}

/** The element naming a list item within its list, per the list's topology. */
export function listItemElement(item: unknown, topo: ListTopology): string | undefined {
  if (topo.kind === "map") return itemKey(item, topo.keys);
  if (topo.kind === "set") return `v:${JSON.stringify(item)}`;
  return undefined;
}

export interface FieldSetOptions {
  readonly topology: Topology;
  /** Paths (and everything under them) left out of the set, e.g. `metadata.resourceVersion`. */
  readonly ignore?: (path: FieldPath) => boolean;
}

/** The set of field paths a value sets. */
export function fieldSetOf(value: unknown, options: FieldSetOptions): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, path: string[], names: string[]) => {
    if (options.ignore?.(path)) return;
    if (isPlainObject(v)) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length === 0 && path.length > 0) out.add(pathKey(path));
      for (const [k, x] of entries) walk(x, [...path, `f:${k}`], [...names, k]);
      return;
    }
    if (Array.isArray(v)) {
      const topo = listTopologyOf(v, options.topology.list(names));
      if (topo.kind === "atomic") {
        out.add(pathKey(path));
        return;
      }
      for (const item of v) {
        const el = listItemElement(item, topo)!;
        out.add(pathKey([...path, el]));
        if (topo.kind === "map" && isPlainObject(item)) {
          for (const [k, x] of Object.entries(item)) if (x !== undefined) walk(x, [...path, el, `f:${k}`], [...names, k]);
        }
      }
      return;
    }
    if (path.length > 0) out.add(pathKey(path));
  };
  walk(value, [], []);
  return out;
}

/** Encode a set as FieldsV1. */
export function toFieldsV1(set: ReadonlySet<string>): FieldsV1 {
  interface Node {
    leaf: boolean;
    children: Map<string, Node>;
  }
  const root: Node = { leaf: false, children: new Map() };
  for (const key of [...set].sort()) {
    let node = root;
    for (const el of pathOf(key)) {
      let child = node.children.get(el);
      if (!child) {
        child = { leaf: false, children: new Map() };
        node.children.set(el, child);
      }
      node = child;
    }
    node.leaf = true;
  }
  const encode = (node: Node): FieldsV1 => {
    const out: Record<string, FieldsV1> = {};
    if (node.leaf && node.children.size > 0) out["."] = {};
    for (const [el, child] of node.children) out[el] = encode(child);
    return out;
  };
  return encode(root);
}

/** Decode FieldsV1 into a set. */
export function fromFieldsV1(fields: FieldsV1 | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (node: FieldsV1, path: string[]) => {
    for (const [el, child] of Object.entries(node)) {
      if (el === ".") {
        out.add(pathKey(path));
        continue;
      }
      const p = [...path, el];
      if (!isPlainObject(child) || Object.keys(child).length === 0) out.add(pathKey(p));
      else walk(child, p);
    }
  };
  if (isPlainObject(fields)) walk(fields, []);
  return out;
}

function findItem(list: readonly unknown[], el: string): number {
  if (el.startsWith("k:")) {
    const keys = JSON.parse(el.slice(2)) as Record<string, unknown>;
    return list.findIndex((item) => isPlainObject(item) && Object.entries(keys).every(([k, v]) => deepEqual(item[k], v)));
  }
  if (el.startsWith("v:")) {
    const value = JSON.parse(el.slice(2)) as unknown;
    return list.findIndex((item) => deepEqual(item, value));
  }
  if (el.startsWith("i:")) return Number(el.slice(2));
  return -1;
}

/** The value at a path, or undefined when the object has nothing there. */
export function valueAt(root: unknown, path: FieldPath): unknown {
  let node: unknown = root;
  for (const el of path) {
    if (el.startsWith("f:")) {
      if (!isPlainObject(node)) return undefined;
      node = node[el.slice(2)];
    } else {
      if (!Array.isArray(node)) return undefined;
      const i = findItem(node, el);
      node = i < 0 ? undefined : node[i];
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** Remove what a path names from a (mutable) object; returns whether something was removed. */
export function removeAt(root: unknown, path: FieldPath): boolean {
  if (path.length === 0) return false;
  const parent = valueAt(root, path.slice(0, -1));
  const el = path[path.length - 1]!;
  if (el.startsWith("f:")) {
    if (!isPlainObject(parent) || !(el.slice(2) in parent)) return false;
    delete parent[el.slice(2)];
    return true;
  }
  if (!Array.isArray(parent)) return false;
  const i = findItem(parent, el);
  if (i < 0) return false;
  parent.splice(i, 1);
  return true;
}

/** A path as the apiserver prints it in conflict messages: `.spec.containers[name="web"].image`. */
export function pathString(path: FieldPath): string {
  let out = "";
  for (const el of path) {
    if (el.startsWith("f:")) out += `.${el.slice(2)}`;
    else if (el.startsWith("k:")) {
      const keys = JSON.parse(el.slice(2)) as Record<string, unknown>;
      out += `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
    } else if (el.startsWith("v:")) out += `[=${el.slice(2)}]`;
    else if (el.startsWith("i:")) out += `[${el.slice(2)}]`;
  }
  return out;
}

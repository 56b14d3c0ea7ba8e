/**
 * The non-apply PATCH formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and the
 * strategic merge patch of k8s.io/apimachinery `strategicpatch`, the latter on the list
 * topology of topology.ts (keyed lists merge by their first key, the `patchMergeKey`).
 */
import { badRequest, KubeApiError } from "./errors.js";
import type { Topology } from "./topology.js";
import { deepEqual, isPlainObject } from "./types.js";

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function decodePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw badRequest(`the json patch path "${pointer}" must start with "/"`);
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

interface Located {
  parent: Record<string, unknown> | unknown[];
  key: string;
}

function locate(doc: unknown, pointer: string): Located {
  const parts = decodePointer(pointer);
  if (parts.length === 0) throw badRequest("the json patch cannot replace the whole document");
  let node: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isPlainObject(node)) node = node[part];
    else node = undefined;
    if (node === undefined) throw jsonPatchError(`the path "${pointer}" does not exist`);
  }
  if (!Array.isArray(node) && !isPlainObject(node)) throw jsonPatchError(`the path "${pointer}" does not exist`);
  return { parent: node, key: parts[parts.length - 1]! };
}

function jsonPatchError(message: string): KubeApiError {
  return new KubeApiError(422, "Invalid", `the server rejected our request due to an error in our request: ${message}`);
}

function getAt(doc: unknown, pointer: string): unknown {
  const { parent, key } = locate(doc, pointer);
  const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (v === undefined) throw jsonPatchError(`the path "${pointer}" does not exist`);
  return v;
}

function addAt(doc: unknown, pointer: string, value: unknown): void {
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw jsonPatchError(`the index in "${pointer}" is out of range`);
    parent.splice(i, 0, value);
  } else parent[key] = value;
}

function removeAtPointer(doc: unknown, pointer: string): unknown {
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw jsonPatchError(`the index in "${pointer}" is out of range`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw jsonPatchError(`the path "${pointer}" does not exist`);
  const v = parent[key];
  delete parent[key];
  return v;
}

/** RFC 6902 operations add, remove, replace, move, copy and test. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest("a json patch must be a JSON array of operations");
  const doc = structuredClone(target);
  for (const op of operations) {
    if (!isPlainObject(op) || typeof op["op"] !== "string" || typeof op["path"] !== "string") {
      throw badRequest(`invalid json patch operation ${JSON.stringify(op)}: each needs "op" and "path"`);
    }
    const path = op["path"];
    switch (op["op"]) {
      case "add":
        addAt(doc, path, structuredClone(op["value"]));
        break;
      case "remove":
        removeAtPointer(doc, path);
        break;
      case "replace":
        removeAtPointer(doc, path);
        addAt(doc, path, structuredClone(op["value"]));
        break;
      case "move":
        addAt(doc, path, removeAtPointer(doc, String(op["from"])));
        break;
      case "copy":
        addAt(doc, path, structuredClone(getAt(doc, String(op["from"]))));
        break;
      case "test":
        if (!deepEqual(getAt(doc, path), op["value"])) throw jsonPatchError(`testing value ${path} failed`);
        break;
      default:
        throw badRequest(`unsupported json patch operation "${op["op"]}"; use add, remove, replace, move, copy or test`);
    }
  }
  return doc;
}

/**
 * Strategic merge patch: a merge patch in which lists with a merge key merge item by item
 * (`$patch: delete` removes an item, `$patch: replace` replaces a list or map), sets of scalars
 * take the union, and `$deleteFromPrimitiveList/<field>` removes scalars. `$setElementOrder` and
 * `$retainKeys` directives are accepted and ignored (order is not significant here).
 */
export function strategicMergePatch(target: unknown, patch: unknown, topology: Topology, names: readonly string[] = []): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  if (patch["$patch"] === "replace") {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch["$patch"] === "delete") return undefined;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(v)) out[field] = current.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const childNames = [...names, k];
    if (Array.isArray(v)) {
      const merged = mergeList(out[k], v, topology, childNames);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
      continue;
    }
    const merged = strategicMergePatch(out[k], v, topology, childNames);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

function mergeList(current: unknown, patch: unknown[], topology: Topology, names: readonly string[]): unknown[] | undefined {
  const topo = topology.list(names);
  if (patch.some((p) => isPlainObject(p) && p["$patch"] === "replace")) {
    return patch.filter((p) => !(isPlainObject(p) && p["$patch"] === "replace")).map((p) => structuredClone(p));
  }
  if (topo.kind === "set" && Array.isArray(current)) {
    const out = current.slice();
    for (const item of patch) if (!out.some((x) => deepEqual(x, item))) out.push(structuredClone(item));
    return out;
  }
  if (topo.kind !== "map" || !Array.isArray(current)) return patch.filter((p) => !(isPlainObject(p) && p["$patch"] === "delete")).map((p) => structuredClone(p));
  const mergeKey = topo.keys[0]!;
  const out = current.slice();
  for (const item of patch) {
    if (!isPlainObject(item)) {
      out.push(structuredClone(item));
      continue;
    }
    const i = out.findIndex((x) => isPlainObject(x) && deepEqual(x[mergeKey], item[mergeKey]));
    if (item["$patch"] === "delete") {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i < 0) out.push(strategicMergePatch(undefined, item, topology, names));
    else out[i] = strategicMergePatch(out[i], item, topology, names);
  }
  return out;
}

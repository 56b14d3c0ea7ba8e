/**
 * How server-side apply and strategic merge patch treat lists: atomic (replaced whole), sets of
 * scalars, or maps keyed by some fields. Kubernetes takes this from its schemas'
 * `x-kubernetes-list-type`/`-list-map-keys` markers; the emulator knows the markers of the
 * built-in lists clients usually touch (the table below, from the k8s.io/api types) and reads the
 * markers of CRD schemas. Any other list is atomic, which is exactly the rule for CRDs without
 * markers (kubernetes.io "Server-Side Apply", merge strategy).
 */
import { isPlainObject } from "./types.js";

export type ListTopology =
  | { readonly kind: "atomic" }
  | { readonly kind: "set" }
  | { readonly kind: "map"; readonly keys: readonly string[] };

/** Decides the topology of the list found at a path of field names (list items add no name). */
export interface Topology {
  list(names: readonly string[]): ListTopology;
}

const ATOMIC: ListTopology = { kind: "atomic" };
const SET: ListTopology = { kind: "set" };
const byName: ListTopology = { kind: "map", keys: ["name"] };

/** Lists in `metadata`, the same for every kind. */
function metadataList(names: readonly string[]): ListTopology | undefined {
  if (names.length === 2 && names[0] === "metadata") {
    if (names[1] === "finalizers") return SET;
    if (names[1] === "ownerReferences") return { kind: "map", keys: ["uid"] };
  }
  return undefined;
}

const POD_SPEC_LISTS: Record<string, ListTopology> = {
  containers: byName,
  initContainers: byName,
  ephemeralContainers: byName,
  volumes: byName,
  imagePullSecrets: byName,
  hostAliases: { kind: "map", keys: ["ip"] },
};

const CONTAINER_LISTS: Record<string, ListTopology> = {
  env: byName,
  ports: { kind: "map", keys: ["containerPort", "protocol"] },
  volumeMounts: { kind: "map", keys: ["mountPath"] },
  volumeDevices: { kind: "map", keys: ["devicePath"] },
};

/** The topology of built-in kinds' lists (kind-independent where the field names are). */
export const builtinTopology: Topology = {
  list(names) {
    const meta = metadataList(names);
    if (meta) return meta;
    const last = names[names.length - 1];
    const parent = names[names.length - 2];
    if (last === undefined) return ATOMIC;
    if (parent !== undefined && ["containers", "initContainers", "ephemeralContainers"].includes(parent)) {
      return CONTAINER_LISTS[last] ?? ATOMIC;
    }
    if (parent === "spec" && last in POD_SPEC_LISTS) return POD_SPEC_LISTS[last]!;
    if (names.length === 2 && names[0] === "spec" && last === "ports") return { kind: "map", keys: ["port", "protocol"] };
    if (names.length === 2 && names[0] === "status" && last === "conditions") return { kind: "map", keys: ["type"] };
    return ATOMIC;
  },
};

/** The topology a CRD's `openAPIV3Schema` gives, plus the metadata lists. */
export function schemaTopology(schema: Record<string, unknown> | undefined): Topology {
  return {
    list(names) {
      const meta = metadataList(names);
      if (meta) return meta;
      let node: unknown = schema;
      for (const name of names) {
        if (!isPlainObject(node)) return ATOMIC;
        // Lists of objects: step into `items` before the next field name.
        if (node["type"] === "array" && isPlainObject(node["items"])) node = node["items"];
        const props = (node as Record<string, unknown>)["properties"];
        node = isPlainObject(props) ? props[name] : undefined;
      }
      if (!isPlainObject(node)) return ATOMIC;
      const type = node["x-kubernetes-list-type"];
      if (type === "set") return SET;
      if (type === "map" && Array.isArray(node["x-kubernetes-list-map-keys"])) {
        return { kind: "map", keys: node["x-kubernetes-list-map-keys"].filter((k): k is string => typeof k === "string") };
      }
      return ATOMIC;
    },
  };
}

/**
 * Discovery documents: `/version`, `/api`, `/apis`, `/apis/<group>`, the resource list of each
 * group-version, and the aggregated form (apidiscovery.k8s.io/v2) kubectl asks for first.
 * Main resources precede their subresources, as client-node takes the first entry of a kind.
 */
import type { ResourceRegistry } from "./registry.js";
import { apiVersionOf, type ResourceType } from "./types.js";

/** The emulated server version: 1.32, so the gcloud kubectl dispatcher picks kubectl 1.32. */
export const SERVER_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4",
  gitCommit: "59526cd4867447956156ae3a602fcbac5b3e0d50",
  gitTreeState: "clean",
  buildDate: "2025-04-22T16:03:19Z",
  goVersion: "go1.23.6",
  compiler: "gc",
  platform: "linux/amd64",
} as const;

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const SUB_VERBS = ["get", "patch", "update"];

export function apiVersions(serverAddress: string): unknown {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function groupEntry(name: string, versions: readonly string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(registry: ResourceRegistry): unknown {
  return { kind: "APIGroupList", apiVersion: "v1", groups: registry.groups().map((g) => groupEntry(g.name, g.versions)) };
}

export function apiGroup(registry: ResourceRegistry, group: string): unknown | undefined {
  const g = registry.groups().find((x) => x.name === group);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupEntry(g.name, g.versions) } : undefined;
}

function subresources(t: ResourceType): { name: string; verbs: string[] }[] {
  const out: { name: string; verbs: string[] }[] = [];
  if (t.group === "" && t.kind === "Namespace") out.push({ name: "finalize", verbs: ["update"] });
  if (t.statusSubresource) out.push({ name: "status", verbs: SUB_VERBS });
  return out;
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): unknown | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    });
    for (const s of subresources(t)) resources.push({ name: `${t.plural}/${s.name}`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: s.verbs });
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf(group, version), resources };
}

function aggregatedVersion(registry: ResourceRegistry, group: string, version: string) {
  return {
    version,
    resources: registry.inGroupVersion(group, version).map((t) => ({
      resource: t.plural,
      responseKind: { group, version, kind: t.kind },
      scope: t.namespaced ? "Namespaced" : "Cluster",
      singularResource: t.singular,
      verbs: VERBS,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
      ...(subresources(t).length > 0
        ? { subresources: subresources(t).map((s) => ({ subresource: s.name, responseKind: { group, version, kind: t.kind }, verbs: s.verbs })) }
        : {}),
    })),
    freshness: "Current",
  };
}

/** The aggregated discovery document for `/api` (core) or `/apis` (every other group). */
export function aggregatedDiscovery(registry: ResourceRegistry, legacy: boolean): unknown {
  const items = legacy
    ? [{ metadata: { creationTimestamp: null }, versions: [aggregatedVersion(registry, "", "v1")] }]
    : registry.groups().map((g) => ({
        metadata: { name: g.name, creationTimestamp: null },
        versions: g.versions.map((v) => aggregatedVersion(registry, g.name, v)),
      }));
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}

export const AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/**
 * Reading a request path as an ARM resource id (notes §0.1 and the RPC's resource-api-reference):
 * `{scope}/providers/{Namespace}/{type}/{name}[/{childType}/{childName}...]`, where the scope is a
 * subscription, a resource group, or another resource (extension resources such as role
 * assignments). What follows the last name tells the operation: nothing (the resource), a type
 * (a collection: list), or, for POST, an action name (a resource function: listKeys...).
 */

/** The scope a resource lives at. */
export type ScopeKind = "subscription" | "resourceGroup" | "resource";

/** A parsed resource path. Names keep the caller's casing. */
export interface ResourcePath {
  readonly subscriptionId: string;
  /** Resource group name as the caller spelled it; undefined at subscription scope. */
  readonly resourceGroup: string | undefined;
  readonly scopeKind: ScopeKind;
  /** Id of the scope (`/subscriptions/{sub}[/resourceGroups/{rg}][/providers/...]`), canonical words. */
  readonly scopeId: string;
  /** Namespace as sent (`Microsoft.Network`). */
  readonly namespace: string;
  /** Type segments as sent (`virtualNetworks`, `subnets`). */
  readonly types: readonly string[];
  /** Names, one per type, except for a collection (one fewer). */
  readonly names: readonly string[];
  /** `resource`: all names given; `collection`: the last type has no name; `action`: a trailing word after the last name. */
  readonly target: "resource" | "collection" | "action";
  /** The trailing word of an `action` target. */
  readonly action?: string;
}

/** The full ARM type (`Microsoft.Network/virtualNetworks/subnets`) as sent. */
export function fullType(p: Pick<ResourcePath, "namespace" | "types">): string {
  return [p.namespace, ...p.types].join("/");
}

/** The id of the resource named by the first `count` type/name pairs. */
export function idOf(p: ResourcePath, count: number = p.names.length): string {
  const parts: string[] = [p.scopeId, "providers", p.namespace];
  for (let i = 0; i < count; i++) parts.push(p.types[i]!, p.names[i]!);
  return parts.join("/");
}

/** The name ARM shows for a nested resource: `vnet1/subnet1`. */
export function nestedName(p: ResourcePath): string {
  return p.names.join("/");
}

/**
 * Parse `segments` (already percent-decoded), or undefined when the path is not a resource path
 * under a subscription (tenant-level paths are not served).
 */
export function parseResourcePath(segments: readonly string[], method: string): ResourcePath | undefined {
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] !== "subscriptions" || segments.length < 2) return undefined;
  const subscriptionId = segments[1]!;
  let i = 2;
  let resourceGroup: string | undefined;
  let scopeId = `/subscriptions/${subscriptionId}`;
  let scopeKind: ScopeKind = "subscription";
  if (lower[i] === "resourcegroups") {
    if (segments[i + 1] === undefined) return undefined;
    resourceGroup = segments[i + 1]!;
    scopeId += `/resourceGroups/${resourceGroup}`;
    scopeKind = "resourceGroup";
    i += 2;
  }
  // Split the rest into provider sections: `providers/{ns}/{t}/{n}...`.
  const sections: { namespace: string; rest: string[] }[] = [];
  while (i < segments.length) {
    if (lower[i] !== "providers" || segments[i + 1] === undefined) return undefined;
    const section = { namespace: segments[i + 1]!, rest: [] as string[] };
    i += 2;
    // Type/name pairs; a `providers` word in type position starts the next section.
    while (i < segments.length && !(lower[i] === "providers" && section.rest.length % 2 === 0 && segments[i + 2] !== undefined)) {
      section.rest.push(segments[i]!);
      i++;
    }
    sections.push(section);
  }
  const last = sections.pop();
  if (last === undefined || last.rest.length === 0) return undefined;
  for (const s of sections) {
    if (s.rest.length % 2 !== 0) return undefined;
    scopeId += `/providers/${s.namespace}/${s.rest.join("/")}`;
    scopeKind = "resource";
  }
  const rest = last.rest;
  const even = rest.length % 2 === 0;
  if (even) {
    return {
      subscriptionId, resourceGroup, scopeKind, scopeId, namespace: last.namespace,
      types: rest.filter((_, k) => k % 2 === 0), names: rest.filter((_, k) => k % 2 === 1), target: "resource",
    };
  }
  // Odd: a collection (GET) or an action on the resource named by the pairs before it (POST).
  if (method === "POST" && rest.length >= 3) {
    const pairs = rest.slice(0, -1);
    return {
      subscriptionId, resourceGroup, scopeKind, scopeId, namespace: last.namespace,
      types: pairs.filter((_, k) => k % 2 === 0), names: pairs.filter((_, k) => k % 2 === 1), target: "action", action: rest[rest.length - 1]!,
    };
  }
  return {
    subscriptionId, resourceGroup, scopeKind, scopeId, namespace: last.namespace,
    types: rest.filter((_, k) => k % 2 === 0), names: rest.filter((_, k) => k % 2 === 1), target: "collection",
  };
}

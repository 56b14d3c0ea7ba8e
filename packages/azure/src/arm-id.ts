/**
 * ARM resource ids: the engine id of every Azure resource IS its ARM id, so read, update and
 * delete find the resource from the id alone (which is all the resource option `import: "<id>"` gives them).
 */
import { ProviderError } from "@iac/sdk/provider";

/** The parts of an ARM id this package needs. */
export interface ArmId {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  /** `Microsoft.Storage` etc.; absent for a resource group's own id. */
  readonly namespace?: string;
  /** Type/name pairs after the namespace, e.g. `[["storageAccounts","sa1"],["fileServices","default"],["shares","s1"]]`. */
  readonly segments: readonly (readonly [type: string, name: string])[];
}

/** Id of a resource group, in the casing ARM returns (`resourceGroups`). */
export function resourceGroupId(subscriptionId: string, resourceGroupName: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`;
}

/** Id of a resource inside a resource group. */
export function resourceId(options: {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly namespace: string;
  readonly segments: readonly (readonly [string, string])[];
}): string {
  const tail = options.segments.map(([t, n]) => `${t}/${n}`).join("/");
  return `${resourceGroupId(options.subscriptionId, options.resourceGroupName)}/providers/${options.namespace}/${tail}`;
}

/**
 * Parse an ARM id. Segment names are matched case-insensitively, as ARM does
 * (reference/notes/azure-arm.md §0.1: `resourcegroups` and `resourceGroups` both occur).
 */
export function parseArmId(id: string, expectedType: string): ArmId {
  const parts = id.split("/").filter((p) => p !== "");
  const bad = (): never => {
    throw new ProviderError(
      `"${id}" is not the ARM id of a ${expectedType}: expected /subscriptions/<id>/resourceGroups/<name>[/providers/<namespace>/<type>/<name>...]. Check the id given to import or stored in state.`,
      { code: "InvalidId" },
    );
  };
  if (parts.length < 4 || parts[0]!.toLowerCase() !== "subscriptions" || parts[2]!.toLowerCase() !== "resourcegroups") bad();
  const subscriptionId = decodeURIComponent(parts[1]!);
  const resourceGroupName = decodeURIComponent(parts[3]!);
  if (parts.length === 4) return { subscriptionId, resourceGroupName, segments: [] };
  if (parts[4]!.toLowerCase() !== "providers" || parts.length < 8 || (parts.length - 6) % 2 !== 0) bad();
  const segments: (readonly [string, string])[] = [];
  for (let i = 6; i < parts.length; i += 2) segments.push([parts[i]!, decodeURIComponent(parts[i + 1]!)]);
  return { subscriptionId, resourceGroupName, namespace: parts[5]!, segments };
}

/** The name of the segment of `type` (case-insensitive) in a parsed id, or a ProviderError. */
export function segmentName(id: ArmId, type: string, raw: string): string {
  const found = id.segments.find(([t]) => t.toLowerCase() === type.toLowerCase());
  if (!found) {
    throw new ProviderError(`"${raw}" has no "${type}" segment; it is not the id this resource type expects.`, { code: "InvalidId" });
  }
  return found[1];
}

/**
 * Resource group rules: check and diff, pure (reference/notes/azure-arm.md §1.1).
 * Name and location cannot change (terraform marks both ForceNew; a PUT with another location
 * answers 409 InvalidResourceGroupLocation); tags update in place.
 */
import type { CheckResult, DiffResult } from "@iac/sdk/provider";
import { conformArgs, fields, type Shape } from "./arg-shapes.js";
import type { CheckEnv } from "./check-env.js";
import { checkTags, Failures, isKnown, knownString, normalizeLocation } from "./check-helpers.js";
import { diffInputs, unknownSuffix, type DiffRules } from "./diff.js";
import { autonameResourceGroup, resourceGroupNameProblem } from "./naming.js";

/** Inputs of `azure:resources:ResourceGroup` as the provider receives them. */
export type ResourceGroupInputs = {
  resourceGroupName?: string;
  location?: string;
  tags?: Record<string, string>;
};

/** The args a resource group takes (arg-shapes.ts). */
export const RESOURCE_GROUP_SHAPE: Shape = fields({ resourceGroupName: "value", location: "value", tags: "any" });

/** Validate, default the location from config, and autoname (keeping the old name). */
export function checkResourceGroup(news: ResourceGroupInputs, olds: ResourceGroupInputs | undefined, env: CheckEnv): CheckResult<ResourceGroupInputs> {
  const failures = new Failures();
  const inputs: ResourceGroupInputs = conformArgs(news, RESOURCE_GROUP_SHAPE, failures);
  if (inputs.resourceGroupName === undefined) {
    inputs.resourceGroupName = olds?.resourceGroupName ?? autonameResourceGroup({ name: env.name, random: env.random });
  }
  const name = knownString(failures, "resourceGroupName", inputs.resourceGroupName);
  if (name !== undefined) {
    const problem = resourceGroupNameProblem(name);
    if (problem) failures.add("resourceGroupName", `resource group name "${name}" ${problem}`);
  }
  checkLocation(failures, inputs, env);
  checkTags(failures, "tags", inputs.tags);
  return { inputs, failures: failures.list };
}

/** Fill `location` from config when absent; fail with the remedy when there is none. */
export function checkLocation(failures: Failures, inputs: { location?: string }, env: CheckEnv): void {
  if (inputs.location === undefined) {
    if (env.defaultLocation === undefined) {
      failures.add("location", "is required: set `location` on the resource or a default with `iac config set azure:location <region>`");
      return;
    }
    inputs.location = env.defaultLocation;
  }
  const location = knownString(failures, "location", inputs.location);
  if (location !== undefined && !/^[A-Za-z0-9 ]+$/.test(location)) {
    failures.add("location", `"${location}" is not an Azure region name (e.g. "westeurope" or "West Europe")`);
  }
}

/** Location equality ignoring case and spaces. */
export function sameLocation(a: unknown, b: unknown): boolean {
  return isKnown(a) && isKnown(b) && typeof a === "string" && typeof b === "string" && normalizeLocation(a) === normalizeLocation(b);
}

const rules: DiffRules = {
  replaceReason(change) {
    switch (change.top) {
      case "resourceGroupName":
        return `a resource group cannot be renamed${unknownSuffix(change)}`;
      case "location":
        return `a resource group cannot move to another location${unknownSuffix(change)}`;
      default:
        return undefined;
    }
  },
  equal: { location: sameLocation },
  uniqueNames: [["resourceGroupName"]],
};

/** Which changes update the group in place (tags) and which replace it (name, location). */
export function diffResourceGroup(olds: ResourceGroupInputs, news: ResourceGroupInputs): DiffResult {
  return diffInputs(olds, news, rules);
}

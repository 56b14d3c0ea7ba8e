/** The `ResourceGroup` resource a program declares. */
import { CustomResource, type CustomResourceOptions, type Inputs, type Output } from "@iac/sdk";
import { MODULE, TYPES } from "./provider-module.js";
import type { ResourceGroupInputs } from "./resource-group-rules.js";

/** Args of {@link ResourceGroup}: any property may be an Input. */
export type ResourceGroupArgs = Inputs<ResourceGroupInputs>;

/**
 * An Azure resource group. Without `resourceGroupName` it is named `<name>-<random8>` at create
 * and keeps that name. Changing the name or location replaces it (and deleting a group deletes
 * everything in it); tags update in place.
 *
 * @example
 * const group = new ResourceGroup("realtime", { location: "westeurope", tags: { app: "realtime" } });
 */
export class ResourceGroup extends CustomResource {
  /** The ARM id, `/subscriptions/<sub>/resourceGroups/<name>` (also the engine id). */
  declare readonly id: Output<string>;
  declare readonly name: Output<string>;
  declare readonly location: Output<string>;
  declare readonly tags: Output<Record<string, string>>;

  constructor(name: string, args: ResourceGroupArgs = {}, opts?: CustomResourceOptions) {
    super(TYPES.resourceGroup, name, args, opts, { module: MODULE, outputs: ["name", "location", "tags", "provisioningState"] });
  }
}

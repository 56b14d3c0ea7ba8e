/**
 * Explicit providers: a provider configuration declared by the program as a resource of type
 * `iac:providers:<package>`, so one program can target two subscriptions or two clusters.
 */
import { CustomResource, type CustomResourceDescriptor } from "./resource.js";
import type { CustomResourceOptions } from "./resource-options.js";
import { RESOURCE_INTERNALS } from "./internal.js";

/**
 * Base of provider packages' `Provider` classes. Its args are the package's configuration
 * (overlaid on the stack config of the package's namespace); resources created with
 * `{ provider: p }` (or under a component given `{ providers: [p] }`) use it.
 *
 * @example
 * export class Provider extends ProviderResource {
 *   constructor(name: string, args: ProviderArgs, opts?: ResourceOptions) {
 *     super("azure", name, args, opts, { module: "@iac/azure" });
 *   }
 * }
 * const west = new Provider("west", { location: "westeurope" });
 * new ResourceGroup("rg", {}, { provider: west });
 */
export class ProviderResource extends CustomResource {
  constructor(pkg: string, name: string, args: object | undefined, opts: CustomResourceOptions | undefined, descriptor: CustomResourceDescriptor) {
    super(`iac:providers:${pkg}`, name, args, opts, descriptor);
  }

  /** The package this provider configures (`azure`, `kubernetes`, `random`). */
  get package(): string {
    return this[RESOURCE_INTERNALS].providerPackage ?? "";
  }
}

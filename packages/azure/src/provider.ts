/** The explicit `Provider` resource: a second subscription, location or endpoint in one program. */
import { ProviderResource, type CustomResourceOptions, type Inputs } from "@iac/sdk";
import { MODULE } from "./provider-module.js";

/** Args of {@link Provider}: the same keys as the `azure:*` stack config, which they overlay. */
export type ProviderArgs = Inputs<{
  subscriptionId?: string;
  location?: string;
  /** ARM base URL (sovereign clouds); public Azure when absent. */
  endpoint?: string;
  tenantId?: string;
  maxRetries?: number;
  retryDelayMs?: number;
  pollIntervalMs?: number;
}>;

/**
 * An Azure provider configuration (type `iac:providers:azure`).
 *
 * @example
 * const us = new Provider("us", { location: "eastus" });
 * new ResourceGroup("us-rg", {}, { provider: us });
 */
export class Provider extends ProviderResource {
  constructor(name: string, args: ProviderArgs = {}, opts?: CustomResourceOptions) {
    super("azure", name, args, opts, { module: MODULE });
  }
}

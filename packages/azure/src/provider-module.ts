/**
 * `iacProviders`: what the engine imports from `@iac/azure`. One configuration (stack config
 * `azure:*`, overlaid by an explicit Provider's inputs) gives one set of SDK clients shared by the
 * four resource types.
 */
import type { PropertyMap, Provider, ProviderModule, ProviderSet } from "@iac/sdk/provider";
import { AzureClients } from "./clients.js";
import { containerGroupProvider } from "./container-group-provider.js";
import { fileShareProvider } from "./file-share-provider.js";
import { randomSuffix, type RandomSuffix } from "./naming.js";
import { resourceGroupProvider } from "./resource-group-provider.js";
import { resolveSettings, type AzureSettings } from "./settings.js";
import { storageAccountProvider } from "./storage-account-provider.js";

/** Type tokens of the resources this package provides. */
export const TYPES = {
  resourceGroup: "azure:resources:ResourceGroup",
  storageAccount: "azure:storage:StorageAccount",
  fileShare: "azure:storage:FileShare",
  containerGroup: "azure:containerinstance:ContainerGroup",
} as const;

/** The module specifier resources name so that the engine finds this package. */
export const MODULE = "@iac/azure";

/** Build the provider set from resolved settings (tests call this directly). */
export function createProviderSet(settings: AzureSettings, options: { random?: RandomSuffix } = {}): ProviderSet {
  const kit = { clients: new AzureClients(settings), random: options.random ?? randomSuffix };
  // Each typed provider is a Provider of its own inputs; the engine hands them plain property maps.
  const providers: Record<string, Provider> = {
    [TYPES.resourceGroup]: resourceGroupProvider(kit) as unknown as Provider<PropertyMap, PropertyMap>,
    [TYPES.storageAccount]: storageAccountProvider(kit) as unknown as Provider<PropertyMap, PropertyMap>,
    [TYPES.fileShare]: fileShareProvider(kit) as unknown as Provider<PropertyMap, PropertyMap>,
    [TYPES.containerGroup]: containerGroupProvider(kit) as unknown as Provider<PropertyMap, PropertyMap>,
  };
  return { provider: (type) => providers[type] };
}

/**
 * The Azure provider module.
 *
 * Config (`iac config set azure:<key> <value>`, or an explicit `Provider`'s args): `subscriptionId`
 * (else AZURE_SUBSCRIPTION_ID), `location` (default for resources that set none), `endpoint` (ARM
 * base URL), `tenantId`, `maxRetries` (default 4), `retryDelayMs`, `pollIntervalMs`. Credentials come
 * from `DefaultAzureCredential`; with IAC_LOCAL_ENDPOINTS set, everything points at the local cloud.
 */
export const iacProviders: ProviderModule = {
  package: "azure",
  configure(config) {
    return createProviderSet(resolveSettings({ config, env: process.env }));
  },
};

/**
 * `@iac/azure`: Azure resources on the official `@azure/arm-*` SDKs.
 *
 * Resources: {@link ResourceGroup}, {@link StorageAccount}, {@link FileShare},
 * {@link ContainerGroup}; their lookups `getResourceGroup`, `getStorageAccount`, `getFileShare`,
 * `getContainerGroup` and `listStorageAccountKeys` (lookups.ts); explicit configurations:
 * {@link Provider}. The engine imports
 * `iacProviders`.
 */
export { ResourceGroup, type ResourceGroupArgs } from "./resource-group.js";
export { StorageAccount, type StorageAccountArgs, type StorageKind, type StorageSkuName } from "./storage-account.js";
export { FileShare, type FileShareArgs } from "./file-share.js";
export { ContainerGroup, type ContainerGroupArgs } from "./container-group.js";
export { Provider, type ProviderArgs } from "./provider.js";
export {
  getResourceGroup,
  getResourceGroupOutput,
  getStorageAccount,
  getStorageAccountOutput,
  getFileShare,
  getFileShareOutput,
  getContainerGroup,
  getContainerGroupOutput,
  listStorageAccountKeys,
  listStorageAccountKeysOutput,
} from "./lookups.js";
export { iacProviders, createProviderSet, TYPES, MODULE } from "./provider-module.js";
export { resolveSettings, localCredential, type AzureSettings } from "./settings.js";
export type { ResourceGroupInputs } from "./resource-group-rules.js";
export type { StorageAccountInputs } from "./storage-account-rules.js";
export type { FileShareInputs } from "./file-share-rules.js";
export type { ContainerGroupInputs, ContainerInput, VolumeInput, PortInput, EnvironmentVariableInput } from "./container-group-rules.js";
export type { ResourceGroupOutputs } from "./resource-group-provider.js";
export type { StorageAccountOutputs } from "./storage-account-provider.js";
export type { FileShareOutputs } from "./file-share-provider.js";
export type { ContainerGroupOutputs, ContainerGroupIpAddress } from "./container-group-provider.js";

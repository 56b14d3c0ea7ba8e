/**
 * Lookups and list functions for the four hand-written types (issue 12, item 3), named as the
 * generated modules name theirs (`get<Class>`, `list<Class><Action>`, and Pulumi's `<name>Output`
 * form): they are the generated functions (docs/providers/azure-generated.md, "Functions and
 * lookups"), so a lookup answers the resource laid out as the generated class's outputs (the ARM
 * body with `properties` flattened), undefined when it does not exist, and a key list is a secret.
 * The storage ones also take `accountName`, the hand-written StorageAccount's (and Pulumi's) name
 * for what the generated modules call `storageAccountName`.
 */
import { output, type Input } from "@iac/sdk";
import type * as ContainerInstance from "../generated/containerinstance.js";
import type * as Resources from "../generated/resources.js";
import type * as Storage from "../generated/storage.js";

// The generated modules are imported on the first call, not with `@iac/azure`: their metadata is
// parsed at import, which a program that looks nothing up should not pay for.
const storage = () => import("../generated/storage.js");

/** A storage account named as `StorageAccount`'s args name it (`accountName`) or as the generated modules do (`storageAccountName`). */
type AccountNamed<A extends { storageAccountName: Input<string> }> = A | (Omit<A, "storageAccountName"> & { accountName: Input<string> });

function generatedNames<A extends { storageAccountName: Input<string> }>(args: AccountNamed<A>): A {
  if (!("accountName" in args)) return args;
  const { accountName, ...rest } = args;
  return { ...rest, storageAccountName: accountName } as unknown as A;
}

/**
 * Reads an existing resource group without managing it; undefined when it does not exist.
 *
 * @example
 * const shared = getResourceGroup({ resourceGroupName: "shared" });
 * export const where = shared.apply((g) => g?.location);
 */
export function getResourceGroup(args: Resources.GetResourceGroupArgs): ReturnType<typeof Resources.getResourceGroup> {
  return output(import("../generated/resources.js").then((m) => m.getResourceGroup(args)));
}

/**
 * Reads an existing storage account without managing it; undefined when it does not exist.
 *
 * @example
 * const logs = getStorageAccount({ resourceGroupName: "shared", accountName: "sharedlogs" });
 * export const blobEndpoint = logs.apply((a) => a?.primaryEndpoints?.blob);
 */
export function getStorageAccount(args: AccountNamed<Storage.GetStorageAccountArgs>): ReturnType<typeof Storage.getStorageAccount> {
  return output(storage().then((m) => m.getStorageAccount(generatedNames(args))));
}

/**
 * Reads an existing file share without managing it; undefined when it does not exist.
 *
 * @example
 * const certs = getFileShare({ resourceGroupName: "shared", accountName: "sharedlogs", shareName: "certs" });
 */
export function getFileShare(args: AccountNamed<Storage.GetFileShareArgs>): ReturnType<typeof Storage.getFileShare> {
  return output(storage().then((m) => m.getFileShare(generatedNames(args))));
}

/**
 * Reads an existing container group without managing it; undefined when it does not exist.
 *
 * @example
 * const app = getContainerGroup({ resourceGroupName: "apps", containerGroupName: "web" });
 * export const ip = app.apply((g) => g?.ipAddress?.ip);
 */
export function getContainerGroup(args: ContainerInstance.GetContainerGroupArgs): ReturnType<typeof ContainerInstance.getContainerGroup> {
  return output(import("../generated/containerinstance.js").then((m) => m.getContainerGroup(args)));
}

/**
 * A storage account's access keys (`POST .../listKeys`): a secret Output, in state and output alike.
 *
 * @example
 * const keys = listStorageAccountKeys({ resourceGroupName: group.name, accountName: account.name });
 * const primary = keys.apply((k) => k.keys?.[0]?.value ?? "");
 */
export function listStorageAccountKeys(args: AccountNamed<Storage.ListStorageAccountKeysArgs>): ReturnType<typeof Storage.listStorageAccountKeys> {
  return output(storage().then((m) => m.listStorageAccountKeys(generatedNames(args))));
}

// Pulumi's names for the forms that return an Output: the same functions.
export const getResourceGroupOutput = getResourceGroup;
export const getStorageAccountOutput = getStorageAccount;
export const getFileShareOutput = getFileShare;
export const getContainerGroupOutput = getContainerGroup;
export const listStorageAccountKeysOutput = listStorageAccountKeys;

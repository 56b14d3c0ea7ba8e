/** The `StorageAccount` resource a program declares. */
import { CustomResource, type CustomResourceOptions, type Inputs, type Output } from "@iac/sdk";
import { MODULE, TYPES } from "./provider-module.js";
import type { STORAGE_KINDS, STORAGE_SKUS, StorageAccountInputs } from "./storage-account-rules.js";

/** A SKU name of @azure/arm-storage's KnownSkuName. */
export type StorageSkuName = (typeof STORAGE_SKUS)[number];
/** A kind of @azure/arm-storage's KnownKind. */
export type StorageKind = (typeof STORAGE_KINDS)[number];

/**
 * Args of {@link StorageAccount}, named as the ARM API (and @azure/arm-storage's
 * StorageAccountCreateParameters) names them, `properties` flattened. Any property may be an Input.
 * The enums are open, as the service's are: the known values complete in an editor, any case of
 * them is accepted (`"standard_lrs"`) and sent in the service's spelling; others are refused by check.
 */
export type StorageAccountArgs = Inputs<
  Omit<StorageAccountInputs, "sku" | "kind" | "accessTier" | "minimumTlsVersion"> & {
    sku: { name: StorageSkuName | (string & {}) };
    kind: StorageKind | (string & {});
    accessTier?: "Hot" | "Cool" | "Cold" | "Premium" | (string & {});
    minimumTlsVersion?: "TLS1_0" | "TLS1_1" | "TLS1_2" | "TLS1_3" | (string & {});
  }
>;

/**
 * An Azure storage account. Without `accountName` it is named from the logical name (lowercase
 * letters and digits, cut to 16) plus 8 random characters. `primaryKey` is a secret output.
 * Name, resource group, location, tier, replication family (LRS/GRS vs ZRS), `kind` (except
 * Storage to StorageV2) and `isHnsEnabled` replace; the rest updates in place.
 *
 * @example
 * const account = new StorageAccount("data", {
 *   resourceGroupName: group.name,
 *   sku: { name: "Standard_LRS" },
 *   kind: "StorageV2",
 *   minimumTlsVersion: "TLS1_2",
 * });
 * export const key = account.primaryKey; // secret
 */
export class StorageAccount extends CustomResource {
  declare readonly id: Output<string>;
  declare readonly name: Output<string>;
  declare readonly location: Output<string>;
  declare readonly sku: Output<{ name: string; tier?: string }>;
  declare readonly kind: Output<string>;
  declare readonly tags: Output<Record<string, string>>;
  /** `{ blob, queue, table, file, dfs, web }` URLs. */
  declare readonly primaryEndpoints: Output<Record<string, string>>;
  /** Key 1 of the account: a secret. */
  declare readonly primaryKey: Output<string>;

  constructor(name: string, args: StorageAccountArgs, opts?: CustomResourceOptions) {
    super(TYPES.storageAccount, name, args, opts, {
      module: MODULE,
      outputs: ["name", "resourceGroupName", "location", "sku", "kind", "tags", "primaryEndpoints", "primaryKey", "accessTier", "provisioningState"],
    });
  }
}

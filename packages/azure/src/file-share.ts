/** The `FileShare` resource a program declares. */
import { CustomResource, type CustomResourceOptions, type Inputs, type Output } from "@iac/sdk";
import type { FileShareInputs } from "./file-share-rules.js";
import { MODULE, TYPES } from "./provider-module.js";

/** Args of {@link FileShare} (ARM's FileShare properties, flattened); any property may be an Input. */
export type FileShareArgs = Inputs<
  Omit<FileShareInputs, "enabledProtocols" | "accessTier"> & {
    enabledProtocols?: "SMB" | "NFS";
    accessTier?: "TransactionOptimized" | "Hot" | "Cool" | "Premium";
  }
>;

/**
 * An Azure Files share in a storage account. Without `shareName` it is named from the logical
 * name (lowercase, hyphens) plus 8 random characters. `enabledProtocols` and the names replace;
 * quota, access tier and metadata update in place.
 *
 * @example
 * const share = new FileShare("certs", { resourceGroupName: group.name, accountName: account.name, shareQuota: 1 });
 */
export class FileShare extends CustomResource {
  declare readonly id: Output<string>;
  declare readonly name: Output<string>;
  declare readonly shareQuota: Output<number | undefined>;
  declare readonly enabledProtocols: Output<string | undefined>;
  declare readonly metadata: Output<Record<string, string>>;

  constructor(name: string, args: FileShareArgs, opts?: CustomResourceOptions) {
    super(TYPES.fileShare, name, args, opts, {
      module: MODULE,
      outputs: ["name", "resourceGroupName", "accountName", "shareQuota", "enabledProtocols", "accessTier", "metadata"],
    });
  }
}

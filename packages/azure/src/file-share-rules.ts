/**
 * File share rules: check and diff, pure (reference/notes/azure-arm.md §1.3).
 * `enabledProtocols` can only be set at creation (x-ms-mutability create/read), so changing it
 * replaces, as do the names; quota, metadata and access tier are PATCHed.
 */
import type { CheckResult, DiffResult } from "@iac/sdk/provider";
import { conformArgs, fields, oneOf, type Shape } from "./arg-shapes.js";
import type { CheckEnv } from "./check-env.js";
import { checkOneOf, Failures, isUnknown, knownNumber, knownObject, knownString } from "./check-helpers.js";
import { diffInputs, unknownSuffix, type DiffRules } from "./diff.js";
import { autonameShare, shareNameProblem, storageAccountNameProblem } from "./naming.js";
import { checkResourceGroupName } from "./storage-account-rules.js";

/** Inputs of `azure:storage:FileShare` (the FileShare model of @azure/arm-storage, flattened). */
export type FileShareInputs = {
  resourceGroupName: string;
  accountName: string;
  shareName?: string;
  shareQuota?: number;
  enabledProtocols?: string;
  accessTier?: string;
  metadata?: Record<string, string>;
  rootSquash?: string;
};

/** Largest quota of a large file share, in GiB; 5120 without large file shares (checked by the cloud: the share cannot see its account). */
export const MAX_SHARE_QUOTA_GIB = 102400;

const PROTOCOLS = ["SMB", "NFS"] as const;
const SHARE_TIERS = ["TransactionOptimized", "Hot", "Cool", "Premium"] as const;
const ROOT_SQUASH = ["NoRootSquash", "RootSquash", "AllSquash"] as const;

/** The args a file share takes (arg-shapes.ts): unknown ones refused, enums in the service's spelling. */
export const FILE_SHARE_SHAPE: Shape = fields({
  resourceGroupName: "value",
  accountName: "value",
  shareName: "value",
  shareQuota: "value",
  enabledProtocols: oneOf(PROTOCOLS),
  accessTier: oneOf(SHARE_TIERS),
  metadata: "any",
  rootSquash: oneOf(ROOT_SQUASH),
});

/** Validate and autoname (keeping the old name). */
export function checkFileShare(news: FileShareInputs, olds: FileShareInputs | undefined, env: CheckEnv): CheckResult<FileShareInputs> {
  const failures = new Failures();
  const inputs: FileShareInputs = conformArgs(news, FILE_SHARE_SHAPE, failures);
  if (inputs.shareName === undefined) inputs.shareName = olds?.shareName ?? autonameShare({ name: env.name, random: env.random });
  const name = knownString(failures, "shareName", inputs.shareName);
  if (name !== undefined) {
    const problem = shareNameProblem(name);
    if (problem) failures.add("shareName", `share name "${name}" ${problem}`);
  }
  checkResourceGroupName(failures, inputs.resourceGroupName);
  if (inputs.accountName === undefined) failures.add("accountName", "is required: pass the storage account's name (e.g. `accountName: account.name`)");
  const account = knownString(failures, "accountName", inputs.accountName);
  const accountProblem = account === undefined ? undefined : storageAccountNameProblem(account);
  if (accountProblem) failures.add("accountName", `storage account name "${account}" ${accountProblem}`);
  const quota = knownNumber(failures, "shareQuota", inputs.shareQuota);
  if (quota !== undefined && (!Number.isInteger(quota) || quota < 1 || quota > MAX_SHARE_QUOTA_GIB)) {
    failures.add("shareQuota", `must be a whole number of GiB from 1 to ${MAX_SHARE_QUOTA_GIB} (5120 unless the account enables large file shares); got ${quota}`);
  }
  checkOneOf(failures, { property: "enabledProtocols", value: inputs.enabledProtocols, allowed: PROTOCOLS });
  checkOneOf(failures, { property: "accessTier", value: inputs.accessTier, allowed: SHARE_TIERS });
  checkOneOf(failures, { property: "rootSquash", value: inputs.rootSquash, allowed: ROOT_SQUASH });
  if (inputs.rootSquash !== undefined && inputs.enabledProtocols !== "NFS" && !isUnknown(inputs.enabledProtocols)) {
    failures.add("rootSquash", 'applies only to NFS shares: set enabledProtocols: "NFS" or remove rootSquash');
  }
  const metadata = knownObject(failures, "metadata", inputs.metadata);
  for (const [key, value] of Object.entries(metadata ?? {})) {
    // Metadata names are HTTP headers (x-ms-meta-<name>) and must be valid C# identifiers.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) failures.add(`metadata.${key}`, "metadata names must start with a letter or '_' and contain only letters, digits and '_'");
    if (!isUnknown(value) && typeof value !== "string") failures.add(`metadata.${key}`, `metadata values must be strings (got ${JSON.stringify(value)})`);
  }
  return { inputs, failures: failures.list };
}

const rules: DiffRules = {
  replaceReason(change) {
    switch (change.top) {
      case "resourceGroupName":
      case "accountName":
        return `a share cannot move to another storage account${unknownSuffix(change)}`;
      case "shareName":
        return `a share cannot be renamed${unknownSuffix(change)}`;
      case "enabledProtocols":
        return `the protocol (enabledProtocols) can only be set when the share is created${unknownSuffix(change)}`;
      default:
        return undefined;
    }
  },
  // An absent protocol is SMB, the service default.
  defaults: { enabledProtocols: "SMB" },
  uniqueNames: [["resourceGroupName", "accountName", "shareName"]],
};

/** Which changes update the share in place and which replace it, with reasons. */
export function diffFileShare(olds: FileShareInputs, news: FileShareInputs): DiffResult {
  return diffInputs(olds, news, rules);
}

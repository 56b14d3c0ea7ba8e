/**
 * Storage account rules: check and diff, pure (reference/notes/azure-arm.md §1.2).
 *
 * Replacement follows terraform's storage_account_resource.go, which encodes what the service
 * refuses to change: name, resource group and location; the account tier (first part of the
 * SKU); `kind` except the in-place upgrade Storage -> StorageV2; the replication family (LRS, GRS,
 * RAGRS vs ZRS, GZRS, RAGZRS); `isHnsEnabled`, `enableNfsV3`, `dnsEndpointType`; and
 * `largeFileSharesState` going from Enabled to Disabled. Everything else is a PATCH.
 */
import type { CheckResult, DiffResult } from "@iac/sdk/provider";
import { conformArgs, fields, oneOf, type Shape } from "./arg-shapes.js";
import type { CheckEnv } from "./check-env.js";
import { checkBoolean, checkOneOf, checkTags, Failures, knownObject, knownString } from "./check-helpers.js";
import { diffInputs, unknownSuffix, type DiffRules, type LeafChange } from "./diff.js";
import { autonameStorageAccount, resourceGroupNameProblem, storageAccountNameProblem } from "./naming.js";
import { checkLocation, sameLocation } from "./resource-group-rules.js";

/** Inputs of `azure:storage:StorageAccount`: `StorageAccountCreateParameters` of @azure/arm-storage, flattened. */
export type StorageAccountInputs = {
  resourceGroupName: string;
  accountName?: string;
  location?: string;
  sku: { name: string };
  kind: string;
  tags?: Record<string, string>;
  accessTier?: string;
  enableHttpsTrafficOnly?: boolean;
  minimumTlsVersion?: string;
  allowBlobPublicAccess?: boolean;
  allowSharedKeyAccess?: boolean;
  isHnsEnabled?: boolean;
  enableNfsV3?: boolean;
  largeFileSharesState?: string;
  publicNetworkAccess?: string;
  dnsEndpointType?: string;
};

/** SKU names the service knows (KnownSkuName in @azure/arm-storage 21). */
export const STORAGE_SKUS = [
  "Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS",
  "Premium_LRS", "Premium_ZRS",
  "StandardV2_LRS", "StandardV2_GRS", "StandardV2_ZRS", "StandardV2_GZRS",
  "PremiumV2_LRS", "PremiumV2_ZRS",
] as const;
export const STORAGE_KINDS = ["Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage"] as const;
const ACCESS_TIERS = ["Hot", "Cool", "Cold", "Premium"] as const;
const TLS_VERSIONS = ["TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3"] as const;
const ENABLED_DISABLED = ["Enabled", "Disabled"] as const;
const DNS_ENDPOINT_TYPES = ["Standard", "AzureDnsZone"] as const;

/** The args a storage account takes (arg-shapes.ts): unknown ones refused, enums in the service's spelling. */
export const STORAGE_ACCOUNT_SHAPE: Shape = fields({
  resourceGroupName: "value",
  accountName: "value",
  location: "value",
  sku: fields({ name: oneOf(STORAGE_SKUS) }),
  kind: oneOf(STORAGE_KINDS),
  tags: "any",
  accessTier: oneOf(ACCESS_TIERS),
  enableHttpsTrafficOnly: "value",
  minimumTlsVersion: oneOf(TLS_VERSIONS),
  allowBlobPublicAccess: "value",
  allowSharedKeyAccess: "value",
  isHnsEnabled: "value",
  enableNfsV3: "value",
  largeFileSharesState: oneOf(ENABLED_DISABLED),
  publicNetworkAccess: oneOf([...ENABLED_DISABLED, "SecuredByPerimeter"]),
  dnsEndpointType: oneOf(DNS_ENDPOINT_TYPES),
});

/** Validate, default the location, and autoname (keeping the old name). */
export function checkStorageAccount(news: StorageAccountInputs, olds: StorageAccountInputs | undefined, env: CheckEnv): CheckResult<StorageAccountInputs> {
  const failures = new Failures();
  const inputs: StorageAccountInputs = conformArgs(news, STORAGE_ACCOUNT_SHAPE, failures);
  if (inputs.accountName === undefined) {
    inputs.accountName = olds?.accountName ?? autonameStorageAccount({ name: env.name, random: env.random });
  }
  const name = knownString(failures, "accountName", inputs.accountName);
  if (name !== undefined) {
    const problem = storageAccountNameProblem(name);
    if (problem) failures.add("accountName", `storage account name "${name}" ${problem}`);
  }
  checkResourceGroupName(failures, inputs.resourceGroupName);
  checkLocation(failures, inputs, env);
  if (inputs.sku === undefined) failures.add("sku", 'is required, e.g. { name: "Standard_LRS" }');
  else {
    const sku = knownObject(failures, "sku", inputs.sku);
    if (sku) checkOneOf(failures, { property: "sku.name", value: sku.name, allowed: STORAGE_SKUS });
    if (sku && sku.name === undefined) failures.add("sku.name", 'is required, e.g. "Standard_LRS"');
  }
  if (inputs.kind === undefined) failures.add("kind", 'is required, e.g. "StorageV2"');
  checkOneOf(failures, { property: "kind", value: inputs.kind, allowed: STORAGE_KINDS });
  checkOneOf(failures, { property: "accessTier", value: inputs.accessTier, allowed: ACCESS_TIERS });
  checkOneOf(failures, { property: "minimumTlsVersion", value: inputs.minimumTlsVersion, allowed: TLS_VERSIONS });
  checkOneOf(failures, { property: "largeFileSharesState", value: inputs.largeFileSharesState, allowed: ENABLED_DISABLED });
  checkOneOf(failures, { property: "publicNetworkAccess", value: inputs.publicNetworkAccess, allowed: [...ENABLED_DISABLED, "SecuredByPerimeter"] });
  checkOneOf(failures, { property: "dnsEndpointType", value: inputs.dnsEndpointType, allowed: DNS_ENDPOINT_TYPES });
  for (const flag of ["enableHttpsTrafficOnly", "allowBlobPublicAccess", "allowSharedKeyAccess", "isHnsEnabled", "enableNfsV3"] as const) {
    checkBoolean(failures, flag, inputs[flag]);
  }
  checkTags(failures, "tags", inputs.tags);
  return { inputs, failures: failures.list };
}

/** `resourceGroupName` is required and follows the resource group name rule. */
export function checkResourceGroupName(failures: Failures, value: unknown): void {
  if (value === undefined) {
    failures.add("resourceGroupName", "is required: pass the resource group's name (e.g. `resourceGroupName: group.name`)");
    return;
  }
  const name = knownString(failures, "resourceGroupName", value);
  const problem = name === undefined ? undefined : resourceGroupNameProblem(name);
  if (problem) failures.add("resourceGroupName", `resource group name "${name}" ${problem}`);
}

/** `Standard_LRS` -> tier `Standard`, replication `LRS`. */
function splitSku(name: string): { tier: string; replication: string } {
  const i = name.indexOf("_");
  return i < 0 ? { tier: name, replication: "" } : { tier: name.slice(0, i), replication: name.slice(i + 1) };
}

/** The replication family: LRS/GRS/RAGRS or ZRS/GZRS/RAGZRS. */
function replicationFamily(replication: string): "zonal" | "local" {
  return replication.includes("ZRS") ? "zonal" : "local";
}

function skuReason(change: LeafChange): string | undefined {
  if (typeof change.old !== "string" || typeof change.new !== "string") return `the SKU cannot change this way${unknownSuffix(change)}`;
  const a = splitSku(change.old);
  const b = splitSku(change.new);
  if (a.tier !== b.tier) return `the account tier cannot change (${a.tier} to ${b.tier})`;
  if (replicationFamily(a.replication) !== replicationFamily(b.replication)) {
    return `replication cannot change between the LRS/GRS/RAGRS and ZRS/GZRS/RAGZRS families (${change.old} to ${change.new})`;
  }
  return undefined;
}

const rules: DiffRules = {
  replaceReason(change) {
    switch (change.top) {
      case "resourceGroupName":
        return `a storage account cannot move to another resource group${unknownSuffix(change)}`;
      case "accountName":
        return `a storage account cannot be renamed${unknownSuffix(change)}`;
      case "location":
        return `a storage account cannot move to another location${unknownSuffix(change)}`;
      case "sku":
        return skuReason(change);
      case "kind":
        return change.old === "Storage" && change.new === "StorageV2"
          ? undefined
          : `the kind can only be upgraded in place from Storage to StorageV2${unknownSuffix(change)}`;
      case "isHnsEnabled":
        return `the hierarchical namespace (isHnsEnabled) can only be set when the account is created${unknownSuffix(change)}`;
      case "enableNfsV3":
        return `NFS v3 (enableNfsV3) can only be set when the account is created${unknownSuffix(change)}`;
      case "dnsEndpointType":
        return `the DNS endpoint type can only be set when the account is created${unknownSuffix(change)}`;
      case "largeFileSharesState":
        return change.old === "Enabled" ? "large file shares cannot be disabled once enabled" : undefined;
      default:
        return undefined;
    }
  },
  equal: { location: sameLocation },
  // Account names are unique across all of Azure, whatever the resource group.
  uniqueNames: [["accountName"]],
};

/** Which changes update the account in place and which replace it, with reasons. */
export function diffStorageAccount(olds: StorageAccountInputs, news: StorageAccountInputs): DiffResult {
  return diffInputs(olds, news, rules);
}

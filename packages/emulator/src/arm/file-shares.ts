/**
 * Microsoft.Storage/storageAccounts/fileServices/shares (notes §1.3): PUT 201/200 synchronous,
 * PATCH 200 (only what is sent changes; a missing share fails), DELETE 200 (204 when missing).
 * `enabledProtocols` can only be set at creation.
 */
import { createHash } from "node:crypto";
import type { ArmContext } from "./context.js";
import { ArmError, parentResourceNotFound, storageServiceMessage } from "./errors.js";
import { objectProp, type ArmRequest, type ArmResponse } from "./http.js";
import type { FileShareRecord, Json, StorageAccountRecord } from "./model.js";
import { paged } from "./list-query.js";
import { checkShareName } from "./names.js";
import { requireGroup, requireWritableGroup } from "./resource-groups.js";
import { storageAccountId } from "./storage-accounts.js";
import { STORAGE_ACCOUNT_TYPE } from "./storage-view.js";

export const FILE_SHARE_TYPE = "Microsoft.Storage/storageAccounts/fileServices/shares";
const READ_ONLY = ["lastModifiedTime", "etag", "leaseStatus", "leaseState", "leaseDuration", "accessTierChangeTime", "shareUsageBytes", "deleted", "deletedTime", "remainingRetentionDays", "version"];

export function fileShareId(sub: string, rg: string, account: string, share: string): string {
  return `${storageAccountId(sub, rg, account)}/fileServices/default/shares/${share}`;
}

/** The parent account: nested resources of a missing (or still creating) account are refused. */
function requireParent(ctx: ArmContext, sub: string, rg: string, account: string): StorageAccountRecord {
  const a = ctx.store.get(storageAccountId(sub, rg, account));
  if (a?.kind !== "storageAccount" || a.createOperation !== undefined) throw parentResourceNotFound(account);
  return a;
}

function checkFileServiceName(name: string): void {
  // "The fileServices name must be `default`" (notes §1.3).
  if (name.toLowerCase() !== "default") {
    throw new ArmError({ status: 400, code: "InvalidResourceName", message: `The file service name '${name}' is invalid; it must be 'default'.`, target: name });
  }
}

/**
 * 404 `ShareNotFound`, "The specified share does not exist", as real traffic shows it for
 * `FileSharesClient#Get` (quoted in the `isRetriableError` tests of kubernetes-sigs' Azure CSI drivers:
 * `Status=404 Code="ShareNotFound" Message="The specified share does not exist"`). Like other errors the
 * RP passes through from the data plane, the message carries RequestId/Time lines (the data plane's
 * own ShareNotFound in Azure/azure-sdk-for-js storage-file-share recordings ends the same way).
 */
function shareNotFound(now: number): ArmError {
  return new ArmError({ status: 404, code: "ShareNotFound", message: storageServiceMessage("The specified share does not exist.", now) });
}

function maxQuota(a: StorageAccountRecord): number {
  const large = a.accountKind === "FileStorage" || a.properties["largeFileSharesState"] === "Enabled";
  return large ? 102400 : 5120;
}

/** Premium (FileStorage) shares start at 100 GiB (hashicorp/terraform-provider-azurerm#4782, #23545). */
function minQuota(a: StorageAccountRecord): number {
  return a.accountKind === "FileStorage" ? 100 : 1;
}

function sharePropertiesOf(body: unknown, account: StorageAccountRecord, now: number): Record<string, unknown> {
  const b = body === undefined || body === null ? {} : (body as Record<string, unknown>);
  const p = { ...objectProp(b, "properties") };
  for (const k of READ_ONLY) delete p[k];
  const quota = p["shareQuota"];
  if (quota !== undefined && (typeof quota !== "number" || !Number.isInteger(quota) || quota < minQuota(account) || quota > maxQuota(account))) {
    // Range from the SDK docs (notes §1.3). Real Azure passes the data plane's refusal of the
    // x-ms-share-quota header through: 400 `InvalidHeaderValue`, "The value for one of the HTTP
    // headers is not in the correct format." with RequestId/Time lines, and no hint of the range
    // (hashicorp/terraform-provider-azurerm#14737 `shares.Client#Create`, Azure/azure-powershell#25667
    // through FileSharesOperations.Create, pulumi/pulumi-azure-native#786, microsoft/lisa#3611).
    throw new ArmError({
      status: 400,
      code: "InvalidHeaderValue",
      message: storageServiceMessage("The value for one of the HTTP headers is not in the correct format.", now),
    });
  }
  const protocols = p["enabledProtocols"];
  if (protocols !== undefined && protocols !== "SMB" && protocols !== "NFS") {
    throw new ArmError({ status: 400, code: "InvalidParameter", message: `enabledProtocols must be 'SMB' or 'NFS', not '${String(protocols)}'.`, target: "enabledProtocols" });
  }
  return p;
}

/**
 * NFS shares exist only on premium file accounts (kind FileStorage): "NFS 4.1 shares are only
 * available as premium file shares" (MicrosoftDocs/azure-docs#77555). Elsewhere the RP answers
 * `FeatureNotSupportedForAccount`, "NfsFileShares is not supported for the account." (Azure/azure-cli#32510,
 * a Standard_LRS StorageV2 account; older service versions answered 400 InvalidHeaderValue,
 * hashicorp/terraform-provider-azurerm#24269). Status GUESS 400.
 */
function refuseNfsOnAccount(account: StorageAccountRecord, properties: Record<string, unknown>): void {
  if (properties["enabledProtocols"] !== "NFS" || account.accountKind === "FileStorage") return;
  throw new ArmError({ status: 400, code: "FeatureNotSupportedForAccount", message: "NfsFileShares is not supported for the account." });
}

function etagOf(id: string, now: number): string {
  return `"0x8D${createHash("sha1").update(`${id}:${now}`).digest("hex").slice(0, 13).toUpperCase()}"`;
}

export function fileShareView(s: FileShareRecord, account: StorageAccountRecord | undefined): Json {
  const premium = account?.accountKind === "FileStorage";
  return {
    id: s.id,
    name: s.name,
    type: FILE_SHARE_TYPE,
    etag: s.etag,
    properties: {
      accessTier: premium ? "Premium" : "TransactionOptimized",
      enabledProtocols: "SMB",
      shareQuota: account ? maxQuota(account) : 5120,
      ...s.properties,
      lastModifiedTime: s.lastModifiedTime,
      accessTierChangeTime: s.lastModifiedTime,
      leaseStatus: "unlocked",
      leaseState: "available",
    },
  };
}

export function putFileShare(ctx: ArmContext, req: ArmRequest, p: ShareParams): ArmResponse {
  requireWritableGroup(ctx, p.sub, p.rg);
  const account = requireParent(ctx, p.sub, p.rg, p.account);
  checkFileServiceName(p.service);
  checkShareName(p.share, req.now);
  const properties = sharePropertiesOf(req.body, account, req.now);
  refuseNfsOnAccount(account, properties);
  const id = fileShareId(p.sub, p.rg, p.account, p.share);
  const existing = ctx.store.get(id);
  if (existing?.kind === "fileShare") refuseProtocolChange(existing, properties, p.share);
  const record: FileShareRecord = {
    kind: "fileShare",
    id,
    subscriptionId: p.sub,
    resourceGroup: p.rg,
    accountName: p.account,
    name: p.share,
    location: account.location,
    // PUT replaces what the caller set, except the create-only protocol.
    properties: existing?.kind === "fileShare" && existing.properties["enabledProtocols"] !== undefined
      ? { ...properties, enabledProtocols: existing.properties["enabledProtocols"] }
      : properties,
    etag: etagOf(id, req.now),
    lastModifiedTime: new Date(req.now).toISOString().replace(/\.\d+Z$/, "Z"),
  };
  ctx.store.put(record);
  return { status: existing ? 200 : 201, body: fileShareView(record, account) };
}

/** Path parameters of a share. */
export interface ShareParams {
  readonly sub: string;
  readonly rg: string;
  readonly account: string;
  readonly service: string;
  readonly share: string;
}

function requireShare(ctx: ArmContext, p: ShareParams, now: number): { share: FileShareRecord; account: StorageAccountRecord } {
  requireGroup(ctx, p.sub, p.rg);
  const account = requireParent(ctx, p.sub, p.rg, p.account);
  checkFileServiceName(p.service);
  const share = ctx.store.get(fileShareId(p.sub, p.rg, p.account, p.share));
  if (share?.kind !== "fileShare") throw shareNotFound(now);
  return { share, account };
}

export function getFileShare(ctx: ArmContext, req: ArmRequest, p: ShareParams): ArmResponse {
  const { share, account } = requireShare(ctx, p, req.now);
  return { status: 200, body: fileShareView(share, account) };
}

/** PATCH: "Properties not mentioned in the request will not be changed." */
/**
 * enabledProtocols "can only be specified when creating a share" (x-ms-mutability create/read, notes
 * §1.3). No public source shows what the service answers to a change; code and status are our choice.
 */
function refuseProtocolChange(share: FileShareRecord, properties: Json, shareName: string): void {
  const was = share.properties["enabledProtocols"] ?? "SMB";
  if (properties["enabledProtocols"] !== undefined && properties["enabledProtocols"] !== was) {
    throw new ArmError({
      status: 400,
      code: "InvalidParameter",
      message: `enabledProtocols of share '${shareName}' cannot change from ${String(was)} to ${String(properties["enabledProtocols"])}; delete the share and create it again.`,
      target: "enabledProtocols",
    });
  }
}

export function patchFileShare(ctx: ArmContext, req: ArmRequest, p: ShareParams): ArmResponse {
  requireWritableGroup(ctx, p.sub, p.rg);
  const { share, account } = requireShare(ctx, p, req.now);
  const properties = sharePropertiesOf(req.body, account, req.now);
  refuseProtocolChange(share, properties, p.share);
  const updated: FileShareRecord = {
    ...share,
    // Each property sent replaces the stored one (metadata is replaced as a whole, not merged).
    properties: { ...share.properties, ...properties },
    etag: etagOf(share.id, req.now),
    lastModifiedTime: new Date(req.now).toISOString().replace(/\.\d+Z$/, "Z"),
  };
  ctx.store.put(updated);
  return { status: 200, body: fileShareView(updated, account) };
}

export function deleteFileShare(ctx: ArmContext, p: ShareParams): ArmResponse {
  requireGroup(ctx, p.sub, p.rg);
  requireParent(ctx, p.sub, p.rg, p.account);
  const share = ctx.store.get(fileShareId(p.sub, p.rg, p.account, p.share));
  if (share?.kind !== "fileShare") return { status: 204 };
  ctx.store.remove(share.id);
  return { status: 200 };
}

export function listFileShares(ctx: ArmContext, req: ArmRequest, p: Omit<ShareParams, "share">): ArmResponse {
  // `$filter`: "When specified, only share names starting with the filter will be listed" (FileShares_List).
  const prefix = (req.query.get("$filter") ?? "").toLowerCase();
  requireGroup(ctx, p.sub, p.rg);
  const account = requireParent(ctx, p.sub, p.rg, p.account);
  const value = ctx.store
    .under(`${account.id}/fileServices/default/shares`)
    .filter((r): r is FileShareRecord => r.kind === "fileShare" && r.name.toLowerCase().startsWith(prefix))
    .map((s) => fileShareView(s, account));
  return paged(req, value, ctx.pageSize);
}

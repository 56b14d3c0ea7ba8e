/**
 * Microsoft.Storage/storageAccounts/fileServices/shares (notes §1.3): PUT 201/200 synchronous,
 * PATCH 200 (only what is sent changes; a missing share fails), DELETE 200 (204 when missing).
 * `enabledProtocols` can only be set at creation.
 */
import { createHash } from "node:crypto";
import type { ArmContext } from "./context.js";
import { ArmError, parentResourceNotFound } from "./errors.js";
import { objectProp, type ArmRequest, type ArmResponse } from "./http.js";
import type { FileShareRecord, Json, StorageAccountRecord } from "./model.js";
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
  if (a?.kind !== "storageAccount" || a.createOperation !== undefined) throw parentResourceNotFound(STORAGE_ACCOUNT_TYPE, account);
  return a;
}

function checkFileServiceName(name: string): void {
  // "The fileServices name must be `default`" (notes §1.3).
  if (name.toLowerCase() !== "default") {
    throw new ArmError({ status: 400, code: "InvalidResourceName", message: `The file service name '${name}' is invalid; it must be 'default'.`, target: name });
  }
}

function shareNotFound(share: string): ArmError {
  // Code and message are a GUESS modelled on the storage data plane's ShareNotFound.
  return new ArmError({ status: 404, code: "ShareNotFound", message: `The specified share '${share}' does not exist.` });
}

function maxQuota(a: StorageAccountRecord): number {
  const large = a.accountKind === "FileStorage" || a.properties["largeFileSharesState"] === "Enabled";
  return large ? 102400 : 5120;
}

function sharePropertiesOf(body: unknown, account: StorageAccountRecord): Record<string, unknown> {
  const b = body === undefined || body === null ? {} : (body as Record<string, unknown>);
  const p = { ...objectProp(b, "properties") };
  for (const k of READ_ONLY) delete p[k];
  const quota = p["shareQuota"];
  if (quota !== undefined && (typeof quota !== "number" || !Number.isInteger(quota) || quota < 1 || quota > maxQuota(account))) {
    // Range from the SDK docs (notes §1.3); code and status are a GUESS.
    throw new ArmError({
      status: 400,
      code: "InvalidParameter",
      message: `shareQuota ${String(quota)} is out of range: it must be a whole number of GiB from 1 to ${maxQuota(account)} for account '${account.name}' (102400 needs large file shares).`,
      target: "shareQuota",
    });
  }
  const protocols = p["enabledProtocols"];
  if (protocols !== undefined && protocols !== "SMB" && protocols !== "NFS") {
    throw new ArmError({ status: 400, code: "InvalidParameter", message: `enabledProtocols must be 'SMB' or 'NFS', not '${String(protocols)}'.`, target: "enabledProtocols" });
  }
  return p;
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
  checkShareName(p.share);
  const properties = sharePropertiesOf(req.body, account);
  const id = fileShareId(p.sub, p.rg, p.account, p.share);
  const existing = ctx.store.get(id);
  if (existing?.kind === "fileShare") {
    const was = existing.properties["enabledProtocols"] ?? "SMB";
    if (properties["enabledProtocols"] !== undefined && properties["enabledProtocols"] !== was) {
      // "Can only be specified when creating a share" (x-ms-mutability create/read, notes §1.3); code GUESS.
      throw new ArmError({
        status: 400,
        code: "InvalidParameter",
        message: `enabledProtocols of share '${p.share}' cannot change from ${String(was)} to ${String(properties["enabledProtocols"])}; delete the share and create it again.`,
        target: "enabledProtocols",
      });
    }
  }
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

function requireShare(ctx: ArmContext, p: ShareParams): { share: FileShareRecord; account: StorageAccountRecord } {
  requireGroup(ctx, p.sub, p.rg);
  const account = requireParent(ctx, p.sub, p.rg, p.account);
  checkFileServiceName(p.service);
  const share = ctx.store.get(fileShareId(p.sub, p.rg, p.account, p.share));
  if (share?.kind !== "fileShare") throw shareNotFound(p.share);
  return { share, account };
}

export function getFileShare(ctx: ArmContext, p: ShareParams): ArmResponse {
  const { share, account } = requireShare(ctx, p);
  return { status: 200, body: fileShareView(share, account) };
}

/** PATCH: "Properties not mentioned in the request will not be changed." */
export function patchFileShare(ctx: ArmContext, req: ArmRequest, p: ShareParams): ArmResponse {
  requireWritableGroup(ctx, p.sub, p.rg);
  const { share, account } = requireShare(ctx, p);
  const properties = sharePropertiesOf(req.body, account);
  const was = share.properties["enabledProtocols"] ?? "SMB";
  if (properties["enabledProtocols"] !== undefined && properties["enabledProtocols"] !== was) {
    throw new ArmError({
      status: 400,
      code: "InvalidParameter",
      message: `enabledProtocols of share '${p.share}' cannot change from ${String(was)} to ${String(properties["enabledProtocols"])}; delete the share and create it again.`,
      target: "enabledProtocols",
    });
  }
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

export function listFileShares(ctx: ArmContext, p: Omit<ShareParams, "share">): ArmResponse {
  requireGroup(ctx, p.sub, p.rg);
  const account = requireParent(ctx, p.sub, p.rg, p.account);
  const value = ctx.store
    .under(`${account.id}/fileServices/default/shares`)
    .filter((r): r is FileShareRecord => r.kind === "fileShare")
    .map((s) => fileShareView(s, account));
  return { status: 200, body: { value } };
}

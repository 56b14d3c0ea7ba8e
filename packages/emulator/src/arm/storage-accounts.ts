/**
 * Microsoft.Storage/storageAccounts (notes §1.2): creation is a long-running operation answered
 * 202 + Location (`…/locations/{region}/asyncoperations/{id}?monitor=true`), the account stays
 * invisible until it ends and the last poll returns 200 with the account; a re-PUT of an existing
 * account is a synchronous 200; PATCH 200; DELETE 200 (204 when missing); listKeys and regenerateKey.
 * Names are global: taken in any group of any subscription means taken.
 */
import { newKeyNonce } from "./key-secret.js";
import type { ArmContext } from "./context.js";
import { ArmError, invalidRequestContent, resourceNotFound, storageAccountNotFound } from "./errors.js";
import { objectBody, objectProp, tagsOf, type ArmRequest, type ArmResponse } from "./http.js";
import { noFilter, paged } from "./list-query.js";
import { checkLocation, sameLocation } from "./locations.js";
import type { Json, StorageAccountRecord, StorageKey } from "./model.js";
import { checkStorageAccountName } from "./names.js";
import { isDone, startOperationFields } from "./operations.js";
import { requireGroup, requireWritableGroup } from "./resource-groups.js";
import { STORAGE_ACCOUNT_TYPE, STORAGE_READ_ONLY, storageAccountView } from "./storage-view.js";

const SKUS = [
  "Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS",
  "Premium_LRS", "Premium_ZRS", "StandardV2_LRS", "StandardV2_GRS", "StandardV2_ZRS", "StandardV2_GZRS",
  "PremiumV2_LRS", "PremiumV2_ZRS",
];
const KINDS = ["Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage"];
/** Top-level request fields kept as sent besides the modelled ones. */
const EXTRA_FIELDS = ["identity", "extendedLocation", "zones", "placement"];

export function storageAccountId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

function newKey(keyName: "key1" | "key2", now: number): StorageKey {
  // The value is 64 bytes as an 88-character base64 string ending in "==", derived when listed
  // (key-secret.ts). Not verified: the spec example and the SDK recordings carry sanitized
  // placeholders, so the real length is unconfirmed (notes §1.2).
  return { keyName, nonce: newKeyNonce(), creationTime: new Date(now).toISOString() };
}

/**
 * A visible (fully created) account, or 404; the group must exist. What the storage RP serves (GET,
 * PATCH) answers `StorageAccountNotFound`; actions ARM routes (POST listKeys, regenerateKey) answer
 * ARM's `ResourceNotFound` (see errors.ts for the sources).
 */
export function requireAccount(ctx: ArmContext, sub: string, rg: string, name: string, answeredBy: "rp" | "arm" = "rp"): StorageAccountRecord {
  requireGroup(ctx, sub, rg);
  const a = ctx.store.get(storageAccountId(sub, rg, name));
  // While its creation runs the account is not visible (RPC async-api-reference, notes §1.2).
  if (a?.kind !== "storageAccount" || a.createOperation !== undefined) {
    throw answeredBy === "rp" ? storageAccountNotFound(name) : resourceNotFound(STORAGE_ACCOUNT_TYPE, name, rg);
  }
  return a;
}

function userProperties(body: Record<string, unknown>): Record<string, unknown> {
  const p = { ...objectProp(body, "properties") };
  for (const k of STORAGE_READ_ONLY) delete p[k];
  return p;
}

function extraOf(body: Record<string, unknown>, base: Json = {}): Json {
  const out: Record<string, unknown> = { ...base };
  for (const k of EXTRA_FIELDS) if (body[k] !== undefined) out[k] = body[k];
  return out;
}

function skuOf(body: Record<string, unknown>, required: boolean): string | undefined {
  const sku = body["sku"];
  if (sku === undefined && !required) return undefined;
  const name = typeof sku === "object" && sku !== null ? (sku as Record<string, unknown>)["name"] : undefined;
  if (typeof name !== "string") throw invalidRequestContent("Required property 'sku.name' not found in JSON");
  if (!SKUS.includes(name)) {
    throw new ArmError({ status: 400, code: "InvalidRequestPropertyValue", message: `The value '${name}' is not allowed for property sku.name. Allowed values: ${SKUS.join(", ")}.`, target: "sku.name" });
  }
  return name;
}

function kindOf(body: Record<string, unknown>, required: boolean): string | undefined {
  const kind = body["kind"];
  if (kind === undefined && !required) return undefined;
  if (typeof kind !== "string") throw invalidRequestContent("Required property 'kind' not found in JSON");
  if (!KINDS.includes(kind)) {
    throw new ArmError({ status: 400, code: "InvalidRequestPropertyValue", message: `The value '${kind}' is not allowed for property kind. Allowed values: ${KINDS.join(", ")}.`, target: "kind" });
  }
  return kind;
}

/** The replication families an account can move within in place (see {@link checkSkuChange}). */
function skuFamily(sku: string): string {
  const [tier = "", replication = ""] = sku.split("_");
  if (tier.startsWith("Premium")) return sku; // Premium_LRS, Premium_ZRS...: never changes
  if (replication === "ZRS") return sku;
  return /GZRS$/.test(replication) ? `${tier}/GZRS` : `${tier}/LRS`;
}

/**
 * A SKU change by PATCH (or re-PUT) the service does not make in place: another tier (Standard ->
 * Premium), to or from Standard_ZRS / Premium_LRS / Premium_ZRS (SDK doc of StorageAccounts.update,
 * notes §1.2), or across replication families (ZRS -> GZRS, LRS -> GZRS: a migration, not an update;
 * hashicorp/terraform-provider-azurerm#17639 shows PATCH `{"sku":{"name":"Standard_GZRS"}}` answered
 * 400). Code and message as Set-AzStorageAccount reports them: `InvalidValuesForRequestParameters`,
 * "Values for request parameters are invalid: sku." (MicrosoftDocs/azure-docs#47207, #96815).
 */
function checkSkuChange(from: string, to: string | undefined): void {
  if (to === undefined || to === from || skuFamily(to) === skuFamily(from)) return;
  throw new ArmError({ status: 400, code: "InvalidValuesForRequestParameters", message: "Values for request parameters are invalid: sku.", target: "sku" });
}

/**
 * Enforce global uniqueness (notes §1.2): a name held in another subscription is
 * `StorageAccountAlreadyTaken` (409, hashicorp/terraform#11485; Azure/azure-cli#19184 shows it for the
 * same name in another subscription), one held in another group of the same subscription is
 * `StorageAccountInAnotherResourceGroup` (code and message: MicrosoftDocs/azure-docs
 * error-storage-account-name.md).
 */
function checkNameFree(ctx: ArmContext, self: string, sub: string, name: string): void {
  for (const r of ctx.store.all()) {
    if (r.kind !== "storageAccount" || r.name.toLowerCase() !== name.toLowerCase() || r.id.toLowerCase() === self.toLowerCase()) continue;
    if (r.subscriptionId.toLowerCase() !== sub.toLowerCase()) {
      throw new ArmError({ status: 409, code: "StorageAccountAlreadyTaken", message: `The storage account named ${name} is already taken.`, target: name });
    }
    // No public source shows this one's HTTP status (docs and reports quote code and message only);
    // 409 as for StorageAccountAlreadyTaken, its sibling.
    throw new ArmError({ status: 409, code: "StorageAccountInAnotherResourceGroup", message: `The account ${name} is already in another resource group in this subscription.`, target: name });
  }
}

function pollLocation(req: ArmRequest, sub: string, location: string, opId: string): string {
  return `${req.baseUrl}/subscriptions/${sub}/providers/Microsoft.Storage/locations/${location}/asyncoperations/${opId}?monitor=true&api-version=${req.apiVersion ?? "2026-09-01"}`;
}

function accepted(ctx: ArmContext, req: ArmRequest, sub: string, location: string, opId: string): ArmResponse {
  return {
    status: 202,
    headers: { location: pollLocation(req, sub, location, opId), ...ctx.timing.retryAfter("storageCreate"), "content-type": "text/plain; charset=utf-8" },
  };
}

export function putStorageAccount(ctx: ArmContext, req: ArmRequest, sub: string, rg: string, name: string): ArmResponse {
  checkStorageAccountName(name);
  requireWritableGroup(ctx, sub, rg);
  const body = objectBody(req.body);
  const id = storageAccountId(sub, rg, name);
  checkNameFree(ctx, id, sub, name);
  const existing = ctx.store.get(id);
  if (existing?.kind === "storageAccount") {
    const location = typeof body["location"] === "string" ? body["location"] : existing.location;
    if (!sameLocation(location, existing.location)) {
      // Code and message from error-storage-account-name.md (notes §1.2); no public source shows the
      // HTTP status, 409 (a conflict with an existing resource) is our choice.
      throw new ArmError({
        status: 409,
        code: "InvalidResourceLocation",
        message: `The resource '${name}' already exists in location '${existing.location}' in resource group '${rg}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
      });
    }
    if (existing.createOperation !== undefined) return accepted(ctx, req, sub, existing.location, existing.createOperation);
    // "If an account is already created and a subsequent create request is issued with different
    // properties, the account properties will be updated" (SDK doc, notes §1.2): synchronous 200.
    checkSkuChange(existing.sku.name, skuOf(body, false));
    const updated: StorageAccountRecord = {
      ...existing,
      id,
      sku: { name: skuOf(body, false) ?? existing.sku.name },
      accountKind: kindOf(body, false) ?? existing.accountKind,
      tags: body["tags"] === undefined ? existing.tags : tagsOf(body),
      properties: { ...existing.properties, ...userProperties(body) },
      extra: extraOf(body, existing.extra),
    };
    ctx.store.put(updated);
    return { status: 200, body: storageAccountView(updated) };
  }
  const sku = skuOf(body, true)!;
  const accountKind = kindOf(body, true)!;
  const location = checkLocation(body["location"], { code: "LocationNotAvailableForResourceType", what: "resource type 'Microsoft.Storage/storageAccounts'" });
  const op = { kind: "storageCreate" as const, ...startOperationFields(ctx, req.now, id, { failable: true, kind: "storageCreate" }), location };
  const opId = op.id;
  const record: StorageAccountRecord = {
    kind: "storageAccount",
    id,
    subscriptionId: sub,
    resourceGroup: rg,
    name,
    location,
    tags: tagsOf(body),
    sku: { name: sku },
    accountKind,
    properties: userProperties(body),
    extra: extraOf(body),
    creationTime: new Date(req.now).toISOString(),
    keys: [newKey("key1", req.now), newKey("key2", req.now)],
    createOperation: opId,
  };
  ctx.store.put(record);
  ctx.store.putOperation(op);
  return accepted(ctx, req, sub, location, opId);
}

/**
 * GET of the creation's Location: 202 while running; then 200 with the account, or, when the
 * creation failed, **200** with the body `{"status":"Failed","error":{"code":…,"message":…}}`, as
 * real Azure answers (Azure/azure-rest-api-specs#18844, where the storage team calls it correct;
 * hashicorp/terraform-provider-azurerm#16573), the account rolled back (GET: 404
 * StorageAccountNotFound; `settle` drops it when the operation ends).
 *
 * The SDKs poll this URL in "ResourceLocation" mode, where the HTTP status alone decides, so they
 * report that 200 as a *successful* creation whose result is the envelope (every account field
 * undefined; pulumi/pulumi-azure-native#4835 had to detect it). Emulated on purpose: a client must
 * detect it as it must on Azure (@iac/azure's storage provider does).
 */
export function pollStorageCreate(ctx: ArmContext, req: ArmRequest, sub: string, opId: string): ArmResponse {
  const op = ctx.store.operation(opId);
  if (op?.kind !== "storageCreate") {
    throw new ArmError({ status: 404, code: "OperationNotFound", message: `The operation '${opId}' could not be found. It may have ended more than an hour ago.` });
  }
  if (!isDone(op, req.now)) return accepted(ctx, req, sub, op.location, opId);
  if (op.failure) return { status: 200, body: { status: "Failed", error: { code: op.failure.code, message: op.failure.message } } };
  const account = ctx.store.get(op.resourceKey);
  if (account?.kind !== "storageAccount") {
    throw new ArmError({ status: 404, code: "ResourceNotFound", message: `The storage account created by operation '${opId}' no longer exists; it was deleted after its creation.` });
  }
  return { status: 200, body: storageAccountView(account) };
}

export function getStorageAccount(ctx: ArmContext, sub: string, rg: string, name: string): ArmResponse {
  return { status: 200, body: storageAccountView(requireAccount(ctx, sub, rg, name)) };
}

/** PATCH: SKU, encryption, access tier, tags... (notes §1.2); location and name cannot change. */
export function patchStorageAccount(ctx: ArmContext, req: ArmRequest, sub: string, rg: string, name: string): ArmResponse {
  requireWritableGroup(ctx, sub, rg);
  const a = requireAccount(ctx, sub, rg, name);
  const body = objectBody(req.body);
  const kind = kindOf(body, false);
  if (kind !== undefined && kind !== a.accountKind && !(a.accountKind === "Storage" && kind === "StorageV2")) {
    throw new ArmError({ status: 400, code: "InvalidRequestPropertyValue", message: `The account kind of '${name}' cannot change from ${a.accountKind} to ${kind}; only Storage -> StorageV2 is an in-place upgrade.`, target: "kind" });
  }
  checkSkuChange(a.sku.name, skuOf(body, false));
  const updated: StorageAccountRecord = {
    ...a,
    sku: { name: skuOf(body, false) ?? a.sku.name },
    accountKind: kind ?? a.accountKind,
    tags: body["tags"] === undefined ? a.tags : tagsOf(body),
    // Properties not sent keep their value; each one sent replaces the stored one.
    properties: { ...a.properties, ...userProperties(body) },
    extra: extraOf(body, a.extra),
  };
  ctx.store.put(updated);
  return { status: 200, body: storageAccountView(updated) };
}

/** DELETE: synchronous 200 (empty body), 204 when there is nothing to delete; shares go with it. */
export function deleteStorageAccount(ctx: ArmContext, sub: string, rg: string, name: string): ArmResponse {
  requireGroup(ctx, sub, rg);
  const a = ctx.store.get(storageAccountId(sub, rg, name));
  if (a?.kind !== "storageAccount") return { status: 204 };
  for (const child of ctx.store.under(a.id)) ctx.store.remove(child.id);
  ctx.store.remove(a.id);
  return { status: 200 };
}

function keysView(ctx: ArmContext, a: StorageAccountRecord): Json {
  return { keys: a.keys.map((k) => ({ creationTime: k.creationTime, keyName: k.keyName, value: ctx.keys.derive(a.id, k.keyName, k.nonce), permissions: "FULL" })) };
}

export function listKeys(ctx: ArmContext, sub: string, rg: string, name: string): ArmResponse {
  return { status: 200, body: keysView(ctx, requireAccount(ctx, sub, rg, name, "arm")) };
}

export function regenerateKey(ctx: ArmContext, req: ArmRequest, sub: string, rg: string, name: string): ArmResponse {
  const a = requireAccount(ctx, sub, rg, name, "arm");
  const keyName = objectBody(req.body)["keyName"];
  if (keyName !== "key1" && keyName !== "key2") {
    throw new ArmError({ status: 400, code: "InvalidValuesForRequestParameters", message: `keyName must be 'key1' or 'key2', not '${String(keyName)}'.`, target: "keyName" });
  }
  const keys: [StorageKey, StorageKey] = keyName === "key1" ? [newKey("key1", req.now), a.keys[1]] : [a.keys[0], newKey("key2", req.now)];
  const updated: StorageAccountRecord = { ...a, keys };
  ctx.store.put(updated);
  return { status: 200, body: keysView(ctx, updated) };
}

export function listStorageAccounts(ctx: ArmContext, req: ArmRequest, sub: string, rg?: string): ArmResponse {
  noFilter(req);
  if (rg !== undefined) requireGroup(ctx, sub, rg);
  const prefix = (rg === undefined ? `/subscriptions/${sub}/` : `/subscriptions/${sub}/resourceGroups/${rg}/`).toLowerCase();
  const value = ctx.store
    .all()
    .filter((r): r is StorageAccountRecord => r.kind === "storageAccount" && r.createOperation === undefined && r.id.toLowerCase().startsWith(prefix))
    .map(storageAccountView);
  return paged(req, value, ctx.pageSize);
}

/** POST checkNameAvailability: `{ nameAvailable, reason?, message? }`. */
export function checkNameAvailability(ctx: ArmContext, req: ArmRequest): ArmResponse {
  const name = objectBody(req.body)["name"];
  if (typeof name !== "string") throw invalidRequestContent("Required property 'name' not found in JSON");
  try {
    checkStorageAccountName(name);
  } catch (err) {
    return { status: 200, body: { nameAvailable: false, reason: "AccountNameInvalid", message: (err as Error).message } };
  }
  const taken = ctx.store.all().some((r) => r.kind === "storageAccount" && r.name.toLowerCase() === name.toLowerCase());
  return {
    status: 200,
    body: taken ? { nameAvailable: false, reason: "AlreadyExists", message: `The storage account named ${name} is already taken.` } : { nameAvailable: true },
  };
}

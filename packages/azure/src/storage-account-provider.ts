/**
 * Storage account operations through @azure/arm-storage (notes §1.2): create is a long-running
 * PUT (202 + Location, the account invisible until done), update a synchronous PATCH, delete
 * synchronous (204 when missing). The key comes from listKeys and is a secret output.
 */
import type { StorageAccount as ArmStorageAccount, StorageAccountCreateParameters, StorageAccountUpdateParameters } from "@azure/arm-storage";
import { ConflictError, ProviderError, type Provider, type ProviderContext } from "@iac/sdk/provider";
import { parseArmId, segmentName } from "./arm-id.js";
import { cloudFailure, isNotFound, toProviderError } from "./errors.js";
import { failedOperationOf } from "./failed-operation-policy.js";
import { settleCreation } from "./pending-create.js";
import { callSignal, compact, plain, readInputs } from "./provider-kit.js";
import { alreadyExists, type TypeProviderOptions } from "./resource-group-provider.js";
import { sameLocation } from "./resource-group-rules.js";
import { checkStorageAccount, diffStorageAccount, type StorageAccountInputs } from "./storage-account-rules.js";

/** Outputs of a storage account. `primaryKey` is secret. */
export type StorageAccountOutputs = {
  id: string;
  name: string;
  resourceGroupName: string;
  location: string;
  sku: { name: string; tier?: string };
  kind: string;
  tags: Record<string, string>;
  primaryEndpoints: Record<string, string>;
  primaryKey: string;
  accessTier?: string;
  provisioningState?: string;
};

/** The settable properties, i.e. the inputs minus the names that address the account. */
const SETTABLE = [
  "accessTier",
  "enableHttpsTrafficOnly",
  "minimumTlsVersion",
  "allowBlobPublicAccess",
  "allowSharedKeyAccess",
  "isHnsEnabled",
  "enableNfsV3",
  "largeFileSharesState",
  "publicNetworkAccess",
  "dnsEndpointType",
] as const;

/** Of these, the ones a PATCH may carry (the others only change by replacement). */
const PATCHABLE = ["accessTier", "enableHttpsTrafficOnly", "minimumTlsVersion", "allowBlobPublicAccess", "allowSharedKeyAccess", "largeFileSharesState", "publicNetworkAccess"] as const;

function createParameters(news: StorageAccountInputs): StorageAccountCreateParameters {
  const params: Record<string, unknown> = { sku: { name: news.sku.name }, kind: news.kind, location: news.location!, tags: news.tags };
  for (const key of SETTABLE) if (news[key] !== undefined) params[key] = news[key];
  return params as unknown as StorageAccountCreateParameters;
}

function liveInputs(sa: ArmStorageAccount, resourceGroupName: string, old: StorageAccountInputs | undefined): StorageAccountInputs {
  const live: Record<string, unknown> = {
    resourceGroupName,
    accountName: sa.name,
    location: old?.location !== undefined && sameLocation(old.location, sa.location) ? old.location : sa.location,
    sku: sa.sku === undefined ? undefined : { name: sa.sku.name },
    kind: sa.kind,
    tags: sa.tags,
  };
  for (const key of SETTABLE) live[key] = (sa as unknown as Record<string, unknown>)[key];
  return compact(live) as StorageAccountInputs;
}

function endpointsOf(sa: ArmStorageAccount): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sa.primaryEndpoints ?? {})) if (typeof v === "string") out[k] = v;
  return out;
}

/** The provider of `azure:storage:StorageAccount`. */
export function storageAccountProvider({ clients, random }: TypeProviderOptions): Provider<StorageAccountInputs, StorageAccountOutputs> {
  const api = async () => (await clients.storage()).storageAccounts;
  const address = (id: string) => {
    const parsed = parseArmId(id, "storage account");
    return { resourceGroupName: parsed.resourceGroupName, accountName: segmentName(parsed, "storageAccounts", id) };
  };
  const get = async (rg: string, name: string, ctx: ProviderContext) => {
    try {
      return await (await api()).getProperties(rg, name, { abortSignal: callSignal(ctx, "read") });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toProviderError(err, `Reading storage account "${name}" in resource group "${rg}"`);
    }
  };
  const primaryKey = async (rg: string, name: string, ctx: ProviderContext): Promise<string> => {
    try {
      const keys = await (await api()).listKeys(rg, name, { abortSignal: callSignal(ctx, "read") });
      const key = keys.keys?.find((k) => k.keyName === "key1") ?? keys.keys?.[0];
      if (!key?.value) throw new ProviderError(`Storage account "${name}" returned no keys; is shared key access disabled (allowSharedKeyAccess: false)?`, { code: "NoStorageKey" });
      return key.value;
    } catch (err) {
      throw toProviderError(err, `Listing the keys of storage account "${name}"`);
    }
  };
  const nameAvailable = async (name: string, ctx: ProviderContext): Promise<boolean> => {
    try {
      const r = await (await api()).checkNameAvailability({ name, type: "Microsoft.Storage/storageAccounts" }, { abortSignal: callSignal(ctx, "read") });
      return r.nameAvailable === true;
    } catch (err) {
      throw toProviderError(err, `Checking whether the storage account name "${name}" is taken`);
    }
  };
  /** The account a creation that looked wrong really left, or the error saying why there is none. */
  const verifyCreated = async (rg: string, name: string, result: ArmStorageAccount, action: string, ctx: ProviderContext): Promise<ArmStorageAccount> => {
    const envelope = failedOperationOf(result);
    const live = await get(rg, name, ctx);
    if (live?.id !== undefined && (live.provisioningState as string | undefined) !== "Failed" && envelope === undefined) return live;
    if (live !== undefined) await (await api()).delete(rg, name).catch(() => undefined);
    const code = envelope?.code ?? (live === undefined ? "StorageAccountCreationFailed" : "ProvisioningFailed");
    const message =
      envelope?.message ??
      (live === undefined
        ? "Azure reported the creation done but the account does not exist (Azure rolls back a failed creation and answers its last poll with 200)"
        : "the account ended in provisioningState Failed");
    throw new ProviderError(`${action} failed: ${code}: ${message}. Nothing was created; fix the cause and retry.`, { code });
  };
  const outputsOf = async (sa: ArmStorageAccount, rg: string, ctx: ProviderContext): Promise<StorageAccountOutputs> =>
    compact({
      id: sa.id,
      name: sa.name,
      resourceGroupName: rg,
      location: sa.location,
      sku: plain(sa.sku),
      kind: sa.kind,
      tags: sa.tags ?? {},
      primaryEndpoints: endpointsOf(sa),
      primaryKey: await primaryKey(rg, sa.name!, ctx),
      accessTier: sa.accessTier,
      provisioningState: sa.provisioningState,
    }) as StorageAccountOutputs;

  return {
    secretOutputs: ["primaryKey"],
    // What a PATCH (sku, tags, access tier, TLS, ...; notes §1.2) never changes: the identity, the
    // endpoints built from the name, the tier (the first half of the SKU: a change replaces), and
    // the key (only RegenerateKey rotates it). Endpoints are listed one by one because the in-place
    // upgrade from Storage to StorageV2 adds dfs and web: the object grows, the old entries stay.
    stableOutputs: [
      "id",
      "name",
      "resourceGroupName",
      "location",
      "sku.tier",
      "primaryKey",
      ...["blob", "queue", "table", "file", "dfs", "web"].map((service) => `primaryEndpoints.${service}`),
    ],
    async check(news, olds, ctx) {
      return checkStorageAccount(news, olds, { name: ctx.name, defaultLocation: clients.settings.location, random });
    },
    async diff(_id, olds, news) {
      return diffStorageAccount(olds.inputs, news);
    },
    async create(news, ctx) {
      const rg = news.resourceGroupName;
      const name = news.accountName!;
      // A PUT on an existing account updates it (notes §1.2): refuse rather than adopt silently.
      const existing = await get(rg, name, ctx);
      if (existing) throw new ConflictError(alreadyExists(`Storage account "${name}" in resource group "${rg}"`, existing.id!, "accountName"));
      ctx.log.debug(`creating storage account ${name} in ${rg}`);
      const action = `Creating storage account "${name}" in resource group "${rg}"`;
      let sa: ArmStorageAccount;
      try {
        sa = await (await api()).create(rg, name, createParameters(news), { abortSignal: callSignal(ctx, "create"), ...clients.lroOptions() });
      } catch (err) {
        // A failed operation leaves no account behind on Azure; make sure of it before reporting.
        if (cloudFailure(err).code !== "Cancelled") await (await api()).delete(rg, name).catch(() => undefined);
        throw toProviderError(err, action);
      }
      // Azure answers the last poll of a failed creation with 200 and a `{status: "Failed", error}`
      // envelope the SDK takes for the account (Azure/azure-rest-api-specs#18844). The client's
      // policy turns the envelope into an error; should one still come through (no id, or a
      // Failed state), the account is verified with a GET before anything is reported created.
      if (sa.id === undefined || (sa.provisioningState as string | undefined) === "Failed") sa = await verifyCreated(rg, name, sa, action, ctx);
      return { id: sa.id!, outputs: await outputsOf(sa, rg, ctx) };
    },
    async find(inputs, ctx) {
      if (inputs.accountName === undefined) return undefined;
      const rg = inputs.resourceGroupName;
      const name = inputs.accountName;
      // An account is invisible to GET and to listings until its creation ends (notes §1.2), but
      // its name is taken from the first moment: checkNameAvailability tells "surely absent" (the
      // PUT never arrived, or Azure rolled a failed creation back) from "maybe still creating".
      const sa = await settleCreation<ArmStorageAccount>({
        what: `storage account "${name}" in resource group "${rg}"`,
        ctx,
        intervalMs: clients.settings.pollIntervalMs,
        probe: async () => {
          const live = await get(rg, name, ctx);
          if (live) return { kind: "found", value: live };
          if (await nameAvailable(name, ctx)) return { kind: "absent" };
          return { kind: "unsure", why: "its name is taken but the account is not visible in the resource group (Azure hides an account until its creation ends; the name may also be another subscription's)" };
        },
      });
      return sa && { id: sa.id!, outputs: await outputsOf(sa, rg, ctx) };
    },
    async read(id, olds, ctx) {
      const { resourceGroupName: rg, accountName } = address(id);
      const sa = await get(rg, accountName, ctx);
      if (!sa) return undefined;
      return {
        inputs: readInputs(olds.inputs, liveInputs(sa, rg, olds.inputs)) as StorageAccountInputs,
        outputs: await outputsOf(sa, rg, ctx),
      };
    },
    async update(id, olds, news, ctx) {
      const { resourceGroupName: rg, accountName } = address(id);
      const patch: Record<string, unknown> = { sku: { name: news.sku.name }, tags: news.tags ?? {} };
      // kind only ever changes in place from Storage to StorageV2 (the diff replaces otherwise).
      if (news.kind !== olds.inputs.kind) patch.kind = news.kind;
      for (const key of PATCHABLE) if (news[key] !== undefined) patch[key] = news[key];
      try {
        const sa = await (await api()).update(rg, accountName, patch as StorageAccountUpdateParameters, { abortSignal: callSignal(ctx, "update") });
        return { outputs: await outputsOf(sa, rg, ctx) };
      } catch (err) {
        throw toProviderError(err, `Updating storage account "${accountName}" in resource group "${rg}"`);
      }
    },
    async delete(id, _olds, ctx) {
      const { resourceGroupName: rg, accountName } = address(id);
      try {
        await (await api()).delete(rg, accountName, { abortSignal: callSignal(ctx, "delete") });
      } catch (err) {
        if (isNotFound(err)) return;
        throw toProviderError(err, `Deleting storage account "${accountName}" in resource group "${rg}"`);
      }
    },
  };
}

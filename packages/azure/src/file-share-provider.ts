/**
 * File share operations on the generic ARM transport (generic/transport.ts; notes §1.3): PUT and
 * PATCH synchronous, DELETE 200/204. The PUT response is minimal, so outputs come from a GET after it.
 */
import { ConflictError, type Provider, type ProviderContext } from "@iac/sdk/provider";
import { parseArmId, segmentName } from "./arm-id.js";
import { isNotFound, toProviderError } from "./errors.js";
import { checkFileShare, diffFileShare, type FileShareInputs } from "./file-share-rules.js";
import { callSignal, compact, readInputs } from "./provider-kit.js";
import { alreadyExists, type TypeProviderOptions } from "./resource-group-provider.js";

/** File shares' api-version (the generated `Microsoft.Storage/storageAccounts/fileServices/shares`'s). */
const API_VERSION = "2026-04-01";

/** A share as this provider reads it: ARM's body with its `properties` lifted to the top. */
type ArmFileShare = {
  id?: string;
  name?: string;
  shareQuota?: number;
  enabledProtocols?: string;
  accessTier?: string;
  metadata?: Record<string, string>;
  rootSquash?: string;
};

/** Outputs of a file share. */
export type FileShareOutputs = {
  id: string;
  name: string;
  resourceGroupName: string;
  accountName: string;
  shareQuota?: number;
  enabledProtocols?: string;
  accessTier?: string;
  metadata: Record<string, string>;
};

const SETTABLE = ["shareQuota", "enabledProtocols", "accessTier", "metadata", "rootSquash"] as const;
/** Not `enabledProtocols`: it can only be set at creation. */
const PATCHABLE = ["shareQuota", "accessTier", "rootSquash"] as const;

/** ARM's body of a PUT or PATCH: the settable properties under `properties`. */
function body(news: FileShareInputs, keys: readonly (keyof FileShareInputs)[], extra: Record<string, unknown> = {}): { properties: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (news[key] !== undefined) out[key] = news[key];
  return { properties: { ...out, ...extra } };
}

/** The provider of `azure:storage:FileShare`. */
export function fileShareProvider({ clients, random }: TypeProviderOptions): Provider<FileShareInputs, FileShareOutputs> {
  const idOf = (a: { rg: string; account: string; share: string }) =>
    `/subscriptions/${encodeURIComponent(clients.subscriptionId)}/resourceGroups/${encodeURIComponent(a.rg)}/providers/Microsoft.Storage/storageAccounts/${encodeURIComponent(a.account)}/fileServices/default/shares/${encodeURIComponent(a.share)}`;
  const address = (id: string) => {
    const parsed = parseArmId(id, "file share");
    return { rg: parsed.resourceGroupName, account: segmentName(parsed, "storageAccounts", id), share: segmentName(parsed, "shares", id) };
  };
  const where = (a: { rg: string; account: string; share: string }) => `share "${a.share}" of storage account "${a.account}"`;
  const get = async (a: { rg: string; account: string; share: string }, ctx: ProviderContext) => {
    try {
      const live = (await clients.arm().get(idOf(a), API_VERSION, { signal: callSignal(ctx, "read") })) as { id?: string; name?: string; properties?: Omit<ArmFileShare, "id" | "name"> } | undefined;
      return live && ({ ...live.properties, id: live.id, name: live.name } as ArmFileShare);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toProviderError(err, `Reading ${where(a)}`);
    }
  };
  const outputsOf = (s: ArmFileShare, a: { rg: string; account: string }): FileShareOutputs =>
    compact({
      id: s.id,
      name: s.name,
      resourceGroupName: a.rg,
      accountName: a.account,
      shareQuota: s.shareQuota,
      enabledProtocols: s.enabledProtocols,
      accessTier: s.accessTier,
      metadata: s.metadata ?? {},
    }) as FileShareOutputs;
  const liveInputs = (s: ArmFileShare, a: { rg: string; account: string }): FileShareInputs =>
    compact({
      resourceGroupName: a.rg,
      accountName: a.account,
      shareName: s.name,
      shareQuota: s.shareQuota,
      enabledProtocols: s.enabledProtocols,
      accessTier: s.accessTier,
      metadata: s.metadata,
      rootSquash: s.rootSquash,
    }) as FileShareInputs;

  return {
    // A PATCH changes quota, tier and metadata; the protocols are set at creation (notes §1.3).
    stableOutputs: ["id", "name", "resourceGroupName", "accountName", "enabledProtocols"],
    async check(news, olds, ctx) {
      return checkFileShare(news, olds, { name: ctx.name, defaultLocation: clients.settings.location, random });
    },
    async diff(_id, olds, news) {
      return diffFileShare(olds.inputs, news);
    },
    async create(news, ctx) {
      const a = { rg: news.resourceGroupName, account: news.accountName, share: news.shareName! };
      const existing = await get(a, ctx);
      if (existing) throw new ConflictError(alreadyExists(`The ${where(a)}`, existing.id!, "shareName"));
      try {
        await clients.arm().put(idOf(a), API_VERSION, body(news, SETTABLE), { signal: callSignal(ctx, "create") });
      } catch (err) {
        throw toProviderError(err, `Creating ${where(a)}`);
      }
      const created = await get(a, ctx);
      if (!created) throw toProviderError(new Error("the share was created but cannot be read back"), `Creating ${where(a)}`);
      return { id: created.id!, outputs: outputsOf(created, a) };
    },
    async find(inputs, ctx) {
      if (inputs.shareName === undefined) return undefined;
      // A share's PUT is synchronous (notes §1.3): GET is the truth, 404 is "absent".
      const a = { rg: inputs.resourceGroupName, account: inputs.accountName, share: inputs.shareName };
      const s = await get(a, ctx);
      return s && { id: s.id!, outputs: outputsOf(s, a) };
    },
    async read(id, olds, ctx) {
      const a = address(id);
      const s = await get(a, ctx);
      if (!s) return undefined;
      return { inputs: readInputs(olds.inputs, liveInputs(s, a)) as FileShareInputs, outputs: outputsOf(s, a) };
    },
    async update(id, _olds, news, ctx) {
      const a = address(id);
      try {
        // Absent metadata is sent as {} so that removing it from the program clears it.
        await clients.arm().patch(idOf(a), API_VERSION, body(news, PATCHABLE, { metadata: news.metadata ?? {} }), { signal: callSignal(ctx, "update") });
      } catch (err) {
        throw toProviderError(err, `Updating ${where(a)}`);
      }
      const s = await get(a, ctx);
      if (!s) throw toProviderError(new Error("the share disappeared during the update"), `Updating ${where(a)}`);
      return { outputs: outputsOf(s, a) };
    },
    async delete(id, _olds, ctx) {
      const a = address(id);
      try {
        await clients.arm().delete(idOf(a), API_VERSION, { signal: callSignal(ctx, "delete") });
      } catch (err) {
        if (isNotFound(err)) return;
        throw toProviderError(err, `Deleting ${where(a)}`);
      }
    },
  };
}

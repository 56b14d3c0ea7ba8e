/**
 * Resource group operations on the generic ARM transport (generic/transport.ts; notes §1.1): PUT
 * is synchronous, DELETE is a long-running operation (202 + Location) that cascades to everything
 * inside. The body is ARM's own JSON, sent and read as is.
 */
import { ConflictError, type Provider, type ProviderContext } from "@iac/sdk/provider";
import { parseArmId } from "./arm-id.js";
import type { AzureClients } from "./clients.js";
import { isNotFound, toProviderError } from "./errors.js";
import type { RandomSuffix } from "./naming.js";
import { callSignal, compact, readInputs } from "./provider-kit.js";
import { checkResourceGroup, diffResourceGroup, sameLocation, type ResourceGroupInputs } from "./resource-group-rules.js";

/** Resource groups' api-version (the generated `Microsoft.Resources/resourceGroups`'s). */
const API_VERSION = "2025-04-01";

/** A resource group as ARM returns it. */
interface ArmResourceGroup {
  id?: string;
  name?: string;
  location: string;
  tags?: Record<string, string>;
  properties?: { provisioningState?: string };
}

/** Outputs of a resource group. */
export type ResourceGroupOutputs = {
  id: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  resourceGroupName: string;
  provisioningState?: string;
};

function outputsOf(rg: ArmResourceGroup): ResourceGroupOutputs {
  return compact({
    id: rg.id!,
    name: rg.name!,
    resourceGroupName: rg.name!,
    location: rg.location,
    tags: rg.tags ?? {},
    provisioningState: rg.properties?.provisioningState,
  }) as ResourceGroupOutputs;
}

/** The inputs a live group corresponds to (the user's spelling of the location kept when equal). */
function liveInputs(rg: ArmResourceGroup, old: ResourceGroupInputs | undefined): ResourceGroupInputs {
  return compact({
    resourceGroupName: rg.name,
    location: old?.location !== undefined && sameLocation(old.location, rg.location) ? old.location : rg.location,
    tags: rg.tags,
  }) as ResourceGroupInputs;
}

/** The message of a create that found the name taken: adopt the resource, or pick another name. */
export function alreadyExists(what: string, id: string, nameProperty: string): string {
  return `${what} already exists. To manage it with iac, adopt it with the resource option { import: "${id}" }; otherwise choose another ${nameProperty} (or leave it unset to get a generated name).`;
}

/** Options of {@link resourceGroupProvider}. */
export interface TypeProviderOptions {
  readonly clients: AzureClients;
  readonly random: RandomSuffix;
}

/** The provider of `azure:resources:ResourceGroup`. */
export function resourceGroupProvider({ clients, random }: TypeProviderOptions): Provider<ResourceGroupInputs, ResourceGroupOutputs> {
  const nameOf = (id: string) => parseArmId(id, "resource group").resourceGroupName;
  const idOf = (name: string) => `/subscriptions/${encodeURIComponent(clients.subscriptionId)}/resourceGroups/${encodeURIComponent(name)}`;
  const get = async (name: string, ctx: ProviderContext) => {
    try {
      return (await clients.arm().get(idOf(name), API_VERSION, { signal: callSignal(ctx, "read") })) as ArmResourceGroup | undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toProviderError(err, `Reading resource group "${name}"`);
    }
  };
  const put = async (name: string, body: ArmResourceGroup, signal: AbortSignal) => (await clients.arm().put(idOf(name), API_VERSION, body, { signal })) as ArmResourceGroup;
  return {
    // A PUT changes only the tags (name and location replace, notes §1.1), so a preview of a tags
    // update shows dependents of the identity as unchanged.
    stableOutputs: ["id", "name", "resourceGroupName", "location"],
    async check(news, olds, ctx) {
      return checkResourceGroup(news, olds, { name: ctx.name, defaultLocation: clients.settings.location, random });
    },
    async diff(_id, olds, news) {
      return diffResourceGroup(olds.inputs, news);
    },
    async create(news, ctx) {
      const name = news.resourceGroupName!;
      // PUT on an existing group would silently adopt (and retag) it: refuse instead.
      const existing = await get(name, ctx);
      if (existing) throw new ConflictError(alreadyExists(`Resource group "${name}"`, existing.id!, "resourceGroupName"));
      ctx.log.debug(`creating resource group ${name}`);
      try {
        const rg = await put(name, { location: news.location!, tags: news.tags }, callSignal(ctx, "create"));
        return { id: rg.id!, outputs: outputsOf(rg) };
      } catch (err) {
        throw toProviderError(err, `Creating resource group "${name}"`);
      }
    },
    async find(inputs, ctx) {
      // A group's PUT is synchronous: once ARM accepted it GET shows the group, so 404 is "absent".
      const rg = inputs.resourceGroupName === undefined ? undefined : await get(inputs.resourceGroupName, ctx);
      return rg && { id: rg.id!, outputs: outputsOf(rg) };
    },
    async read(id, olds, ctx) {
      const rg = await get(nameOf(id), ctx);
      if (!rg) return undefined;
      return { inputs: readInputs(olds.inputs, liveInputs(rg, olds.inputs)) as ResourceGroupInputs, outputs: outputsOf(rg) };
    },
    async update(id, olds, news, ctx) {
      const name = nameOf(id);
      try {
        // A PUT replaces the tags as a whole (an absent tags map clears them), which is what the user asked for.
        const rg = await put(name, { location: news.location ?? olds.outputs.location, tags: news.tags ?? {} }, callSignal(ctx, "update"));
        return { outputs: outputsOf(rg) };
      } catch (err) {
        throw toProviderError(err, `Updating resource group "${name}"`);
      }
    },
    async delete(id, _olds, ctx) {
      const name = nameOf(id);
      ctx.log.debug(`deleting resource group ${name} (and everything in it)`);
      try {
        await clients.arm().delete(idOf(name), API_VERSION, { signal: callSignal(ctx, "delete") });
      } catch (err) {
        if (isNotFound(err)) return;
        throw toProviderError(err, `Deleting resource group "${name}"`);
      }
    },
  };
}

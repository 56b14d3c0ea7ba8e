/**
 * The one provider behind every generated Azure type (`provider(type)` of the azure provider set
 * serves every token of @iac/azure-spec's metadata that has no hand-written provider).
 *
 * - check: from the metadata (validate.ts); the own name autonamed by the type's rules, `location`
 *   defaulted from `azure:location` where the body has one.
 * - diff: the inputs against the old inputs; name args, `location` and the curated create-only
 *   properties (replace-rules.ts) replace, with the reason; everything else updates in place.
 * - create: refuses to PUT over an existing resource (adopt it with `import`), PUTs the body and
 *   follows the operation to its end; a resource left behind by a failed operation is reported
 *   with its id so that nothing is orphaned.
 * - read: GET, projected onto what the program set (read-only properties are outputs and never
 *   drift; write-only and secret values the service does not return are kept).
 * - update: a full PUT (ARM's PUT replaces the resource's settable state, write-only values re-sent).
 * - delete: DELETE to its end; gone is success.
 * - find: GET by the recorded name; a resource still provisioning is waited for.
 */
import type { ArgSpec, AzureSpec, ResourceSpec, TypeKeyRef } from "@iac/azure-spec";
import { moduleOfArmType } from "@iac/azure-spec";
import { ConflictError, PartialCreateError, ProviderError, UNKNOWN, type CheckFailure, type PropertyMap, type ProviderContext } from "@iac/sdk/provider";
import { diffInputs, unknownSuffix, type DiffRules } from "../diff.js";
import { cloudFailure, toProviderError } from "../errors.js";
import type { RandomSuffix } from "../naming.js";
import { settleCreation } from "../pending-create.js";
import { callSignal, type SecretAwareProvider } from "../provider-kit.js";
import { alreadyExists } from "../resource-group-provider.js";
import { sameLocation } from "../resource-group-rules.js";
import type { AzureSettings } from "../settings.js";
import { liveArgs, outputsOfBody, readBack, toBody } from "./body.js";
import { autonameFor, fillId, fixedName, nameValues, namesFromId } from "./names.js";
import { GUID, NAME_IS_GUID } from "./replace-rules.js";
import { CREATE_ONLY } from "./replace-rules.js";
import { secretPaths, topLevel } from "./secrets.js";
import type { ArmTransport } from "./transport.js";
import { argsChecker, type NamedTypes } from "./validate.js";

/** What one generic provider is made of. */
export interface GenericProviderOptions {
  readonly resource: ResourceSpec;
  readonly spec: AzureSpec;
  readonly transport: () => ArmTransport;
  readonly settings: AzureSettings;
  readonly random: RandomSuffix;
}

const IN_FLIGHT = /^(Accepted|Creating|Updating|Provisioning|Running|Pending|InProgress|Migrating|RegisteringDns)$/i;

function isObject(v: unknown): v is PropertyMap {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

/** The provider of one generated resource type. */
export function genericProvider(o: GenericProviderOptions): SecretAwareProvider {
  const r = o.resource;
  const module = moduleOfArmType(r.armType);
  const named: NamedTypes = (ref) => o.spec.namedType(module, ref);
  const args: readonly ArgSpec[] = o.spec.argsOf(r);
  const outputs: readonly ArgSpec[] = o.spec.outputsOf(r);
  const hasLocation = args.some((a) => a.name === "location" && a.kind === "body");
  // A body told apart by a discriminator (`Microsoft.Web/sites/config` by its name) lays its args
  // out with the first element's types: each element's secrets count too (a connection string's value).
  const body = named(r.body as TypeKeyRef);
  const views: readonly ResourceSpec[] = body.kind === "discriminated" ? [r, ...Object.values(body.elements).map((e) => ({ ...r, body: e }))] : [r];
  const secretInputs = [...new Set(views.flatMap((v) => secretPaths(o.spec.argsOf(v), named)))].sort();
  const secretOutputs = [...new Set(views.flatMap((v) => topLevel(secretPaths(o.spec.outputsOf(v), named))))].sort();
  const checkArgs = argsChecker({ args, outputs, named, optional: new Set([r.nameArg]) });
  const createOnly = CREATE_ONLY[r.armType.toLowerCase()] ?? {};
  const fixedNames: Readonly<Record<string, string>> = r.fixedNames ?? {};
  const what = (names: Readonly<Record<string, string>>) => `${r.class} "${names[r.nameArg]}"${names.resourceGroupName ? ` in resource group "${names.resourceGroupName}"` : ""}`;

  const rules: DiffRules = {
    replaceReason(change) {
      const a = args.find((x) => x.name === change.top);
      if (a?.kind === "name") return `the name args of a ${r.class} (${r.nameArgs.join(", ")}) address it: a change makes another resource${unknownSuffix(change)}`;
      if (change.top === "location") return `a ${r.class} cannot move to another location${unknownSuffix(change)}`;
      const path = change.path.startsWith("properties.") ? change.path.slice("properties.".length) : change.path;
      for (const [p, reason] of Object.entries(createOnly)) {
        if (path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)) return `${reason}${unknownSuffix(change)}`;
      }
      return undefined;
    },
    equal: { location: sameLocation },
    uniqueNames: [r.nameArgs.filter((n) => n !== "scope")],
  };

  const namesOf = (inputs: PropertyMap): Record<string, string> => {
    const names = nameValues(r, inputs);
    if (!names) throw new ProviderError(`${r.class}: the name args ${r.nameArgs.join(", ")} must all be known strings before a call.`, { code: "MissingName" });
    return names;
  };
  const idOf = (names: Readonly<Record<string, string>>) => fillId(r.idTemplate, names, o.transport().subscriptionId);
  const get = async (id: string, ctx: ProviderContext, action: string): Promise<PropertyMap | undefined> => {
    try {
      const body = await o.transport().get(id, r.apiVersion, { signal: callSignal(ctx, "read") });
      return isObject(body) ? body : undefined;
    } catch (err) {
      throw toProviderError(err, action);
    }
  };
  const outputsOf = (body: PropertyMap, names: Readonly<Record<string, string>>) => outputsOfBody(outputs, body, names);
  const addressOf = (id: string, olds: PropertyMap | undefined): Record<string, string> => {
    const fromId = namesFromId(r.idTemplate, id);
    if (fromId) return fromId;
    const names = olds && nameValues(r, olds);
    if (names) return names;
    throw new ProviderError(`"${id}" is not the id of a ${r.class} (${r.armType}); its ids look like ${r.idTemplate}.`, { code: "InvalidId" });
  };

  return {
    secretInputs,
    secretOutputs,
    stableOutputs: ["id", ...r.nameArgs, ...(hasLocation ? ["location"] : [])],
    async check(news, olds, ctx) {
      const inputs: PropertyMap = { ...news };
      const failures: CheckFailure[] = [];
      // Name args the definitions fix (a storage account's `fileServices/default`): never asked of the program.
      for (const [k, v] of Object.entries(fixedNames)) if (inputs[k] === undefined) inputs[k] = v;
      if (inputs[r.nameArg] === undefined) {
        const previous = olds?.[r.nameArg];
        const name = typeof previous === "string" ? previous : (fixedName(r.nameType) ?? autonameFor(r, ctx.name, o.random));
        const t = r.nameType;
        if (name === undefined) {
          failures.push({
            property: r.nameArg,
            reason:
              typeof t === "object" && t.type === "enum"
                ? `is required: the name of a ${r.class} says which one it is, one of ${t.values.map((v) => `"${v}"`).join(", ")}`
                : `is required: no generated name fits the rules of a ${r.class} name${typeof t === "object" && t.type === "string" && t.pattern ? ` (pattern ${t.pattern})` : ""}`,
          });
        }
        else inputs[r.nameArg] = name;
      } else if (NAME_IS_GUID.has(r.armType.toLowerCase()) && typeof inputs[r.nameArg] === "string" && !GUID.test(inputs[r.nameArg] as string)) {
        failures.push({
          property: r.nameArg,
          reason: `must be a GUID (Azure names a ${r.class} by one), not "${inputs[r.nameArg] as string}": leave ${r.nameArg} out to get a random GUID kept in state, or give one (crypto.randomUUID() once, then the same value)`,
        });
      }
      if (hasLocation && inputs.location === undefined && o.settings.location !== undefined) inputs.location = o.settings.location;
      const checked = checkArgs(inputs);
      return { inputs: checked.inputs, failures: [...failures, ...checked.failures] };
    },
    async diff(_id, olds, news) {
      return diffInputs(olds.inputs, news, rules);
    },
    async create(news, ctx) {
      const names = namesOf(news);
      const id = idOf(names);
      const action = `Creating ${what(names)}`;
      // A PUT on an existing resource would silently take it over and change it: refuse instead.
      const existing = await get(id, ctx, `Reading ${what(names)}`);
      if (existing) throw new ConflictError(alreadyExists(what(names), id, r.nameArg));
      ctx.log.debug(`creating ${r.armType} ${id}`);
      try {
        const body = await o.transport().put(id, r.apiVersion, toBody(args, news), { signal: callSignal(ctx, "create") });
        const live = isObject(body) ? body : ((await get(id, ctx, `Reading ${what(names)}`)) ?? {});
        return { id: typeof live.id === "string" ? live.id : id, outputs: outputsOf(live, names) };
      } catch (err) {
        const error = toProviderError(err, action);
        if (cloudFailure(err).code === "Cancelled") throw error;
        // A failed operation may leave the resource behind (in state Failed): name it so it is recorded.
        const left = await o.transport().get(id, r.apiVersion).catch(() => undefined);
        if (isObject(left)) throw new PartialCreateError(`${error.message} The resource exists in a failed state; it is recorded so that the next run updates, replaces or deletes it.`, { id, outputs: outputsOf(left, names), cause: error });
        throw error;
      }
    },
    async read(id, olds, ctx) {
      const names = addressOf(id, olds.inputs);
      const body = await get(id, ctx, `Reading ${what(names)}`);
      if (!body) return undefined;
      const live = liveArgs(args, body, names);
      const inputs = readBack(args, olds.inputs, live, body, named);
      if (olds.inputs.location !== undefined && sameLocation(olds.inputs.location, inputs.location)) inputs.location = olds.inputs.location;
      return { inputs, outputs: outputsOf(body, names) };
    },
    async update(id, _olds, news, ctx) {
      const names = namesOf(news);
      try {
        const body = await o.transport().put(id, r.apiVersion, toBody(args, news), { signal: callSignal(ctx, "update") });
        return { outputs: outputsOf(isObject(body) ? body : {}, names) };
      } catch (err) {
        const e = toProviderError(err, `Updating ${what(names)}`);
        const status = cloudFailure(err).statusCode;
        if (status === 400 || status === 409) {
          throw new ProviderError(`${e.message}. If the service cannot change this property in place, revert the change, or list the property in the resource's replaceOnChanges option so that iac replaces the resource.`, { code: e.code, cause: e });
        }
        throw e;
      }
    },
    async delete(id, olds, ctx) {
      const names = addressOf(id, olds.inputs);
      ctx.log.debug(`deleting ${r.armType} ${id}`);
      try {
        await o.transport().delete(id, r.apiVersion, { signal: callSignal(ctx, "delete") });
      } catch (err) {
        throw toProviderError(err, `Deleting ${what(names)}`);
      }
    },
    async find(inputs, ctx) {
      const names = nameValues(r, inputs);
      if (!names || Object.values(names).includes(UNKNOWN)) return undefined;
      const id = idOf(names);
      // ARM records a resource when it accepts the PUT, so GET is the truth; one still provisioning
      // is waited for (its outputs come at the end), then adopted either way.
      const body = await settleCreation<PropertyMap>({
        what: what(names),
        ctx,
        intervalMs: o.settings.pollIntervalMs,
        probe: async () => {
          const live = await get(id, ctx, `Reading ${what(names)}`);
          if (!live) return { kind: "absent" };
          const state = isObject(live.properties) && typeof live.properties.provisioningState === "string" ? live.properties.provisioningState : "Succeeded";
          return IN_FLIGHT.test(state) ? { kind: "creating", value: live, state } : { kind: "found", value: live };
        },
      });
      return body && { id: typeof body.id === "string" ? body.id : id, outputs: outputsOf(body, names) };
    },
  };
}

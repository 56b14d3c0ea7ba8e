/**
 * The parts of ARM the SDKs and credentials may touch around the resources: subscriptions,
 * resource providers (always Registered, so no `MissingSubscriptionRegistration` ever), the cloud
 * metadata endpoint, and generic resource listing.
 */
import { supportedApiVersions } from "./api-versions.js";
import type { ArmContext } from "./context.js";
import { ArmError } from "./errors.js";
import type { ArmRequest, ArmResponse } from "./http.js";
import { paged, parseFilter, type FilterField } from "./list-query.js";
import type { Json, ResourceRecord } from "./model.js";
import { RESOURCE_GROUP_TYPE } from "./resource-groups.js";

/** The emulated tenant. */
export const TENANT_ID = "00000000-0000-4000-8000-00000000a11c";

function subscriptionView(id: string): Json {
  return {
    id: `/subscriptions/${id}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: id,
    tenantId: TENANT_ID,
    displayName: "iac local cloud",
    state: "Enabled",
    subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
  };
}

/** Subscriptions known: the default one and any that holds resources. */
function knownSubscriptions(ctx: ArmContext, defaultId: string): string[] {
  const ids = new Map<string, string>([[defaultId.toLowerCase(), defaultId]]);
  for (const r of ctx.store.all()) if (!ids.has(r.subscriptionId.toLowerCase())) ids.set(r.subscriptionId.toLowerCase(), r.subscriptionId);
  return [...ids.values()];
}

export function listSubscriptions(ctx: ArmContext, defaultId: string): ArmResponse {
  const value = knownSubscriptions(ctx, defaultId).map(subscriptionView);
  return { status: 200, body: { value, count: { type: "Total", value: value.length } } };
}

export function getSubscription(ctx: ArmContext, defaultId: string, id: string): ArmResponse {
  const found = knownSubscriptions(ctx, defaultId).find((s) => s.toLowerCase() === id.toLowerCase());
  if (found === undefined) {
    throw new ArmError({ status: 404, code: "SubscriptionNotFound", message: `The subscription '${id}' could not be found.` });
  }
  return { status: 200, body: subscriptionView(found) };
}

const PROVIDERS: readonly { namespace: string; types: readonly { type: string; family: "resources" | "storage" | "containerinstance" }[] }[] = [
  { namespace: "Microsoft.Resources", types: [{ type: "resourceGroups", family: "resources" }, { type: "subscriptions", family: "resources" }] },
  { namespace: "Microsoft.Storage", types: [{ type: "storageAccounts", family: "storage" }, { type: "storageAccounts/fileServices/shares", family: "storage" }, { type: "checkNameAvailability", family: "storage" }] },
  { namespace: "Microsoft.ContainerInstance", types: [{ type: "containerGroups", family: "containerinstance" }] },
];

function providerView(sub: string | undefined, p: (typeof PROVIDERS)[number]): Json {
  return {
    ...(sub === undefined ? {} : { id: `/subscriptions/${sub}/providers/${p.namespace}` }),
    namespace: p.namespace,
    registrationState: "Registered",
    registrationPolicy: "RegistrationRequired",
    resourceTypes: p.types.map((t) => ({ resourceType: t.type, locations: [], apiVersions: [...supportedApiVersions(t.family)] })),
  };
}

export function listProviders(sub: string | undefined): ArmResponse {
  return { status: 200, body: { value: PROVIDERS.map((p) => providerView(sub, p)) } };
}

/** GET (or POST …/register) of one provider: always Registered. */
export function getProvider(ctx: ArmContext, sub: string | undefined, namespace: string): ArmResponse {
  const p = PROVIDERS.find((x) => x.namespace.toLowerCase() === namespace.toLowerCase());
  if (!p && ctx.catalog.hasNamespace(namespace)) {
    // A namespace served from the type definitions: its types with the api-versions the data knows.
    const types = ctx.catalog.typesOf(namespace);
    const name = types[0]?.armType.split("/")[0] ?? ctx.catalog.namespaces().find((n) => n.toLowerCase() === namespace.toLowerCase()) ?? namespace;
    return {
      status: 200,
      body: {
        ...(sub === undefined ? {} : { id: `/subscriptions/${sub}/providers/${name}` }),
        namespace: name,
        registrationState: "Registered",
        registrationPolicy: "RegistrationRequired",
        resourceTypes: types.map((t) => ({ resourceType: t.armType.split("/").slice(1).join("/"), locations: [], apiVersions: [...t.apiVersions] })),
      },
    };
  }
  if (!p) {
    throw new ArmError({ status: 404, code: "InvalidResourceNamespace", message: `The resource namespace '${namespace}' is invalid. The local cloud serves ${PROVIDERS.map((x) => x.namespace).join(", ")} and the namespaces of the Azure type definitions.` });
  }
  return { status: 200, body: providerView(sub, p) };
}

/** `GET /metadata/endpoints`: the public cloud's well-known endpoints, with ARM pointing here. */
export function metadataEndpoints(armUrl: string): ArmResponse {
  return {
    status: 200,
    body: {
      galleryEndpoint: "https://gallery.azure.com/",
      graphEndpoint: "https://graph.windows.net/",
      portalEndpoint: "https://portal.azure.com/",
      resourceManager: `${armUrl}/`,
      authentication: { loginEndpoint: "https://login.microsoftonline.com/", audiences: ["https://management.core.windows.net/", "https://management.azure.com/"] },
    },
  };
}

const TYPES: Readonly<Record<Exclude<ResourceRecord["kind"], "generic">, string>> = {
  resourceGroup: RESOURCE_GROUP_TYPE,
  storageAccount: "Microsoft.Storage/storageAccounts",
  fileShare: "Microsoft.Storage/storageAccounts/fileServices/shares",
  containerGroup: "Microsoft.ContainerInstance/containerGroups",
};

/** The ARM type of a stored record. */
export function typeOf(r: ResourceRecord): string {
  return r.kind === "generic" ? r.type : TYPES[r.kind];
}

/** Whether `GET …/resources` lists a record: top-level resources that exist (not groups, not nested). */
function listed(r: ResourceRecord): boolean {
  switch (r.kind) {
    case "storageAccount":
      return r.createOperation === undefined;
    case "containerGroup":
      return true;
    case "generic":
      return r.type.split("/").length === 2 && !r.id.toLowerCase().includes("/providers/", r.id.toLowerCase().indexOf("/providers/") + 1);
    default:
      return false;
  }
}

/** `GET …/resources`: top-level resources (no groups, no nested shares), generic shape. */
/** What Resources - List filters on (its docs: resourceType, name, location, resourceGroup, tags, substringof). */
const RESOURCE_FILTER = new Set<FilterField>(["name", "resourceType", "location", "resourceGroup", "tagName", "tagValue", "substringof"]);

export function listGenericResources(ctx: ArmContext, req: ArmRequest, prefix: string): ArmResponse {
  const p = prefix.toLowerCase() + "/";
  const filter = parseFilter(req.query.get("$filter"), RESOURCE_FILTER);
  const value = ctx.store
    .all()
    .filter((r) => listed(r) && r.id.toLowerCase().startsWith(p))
    .filter((r) => filter === undefined || filter.test({ name: r.name, type: typeOf(r), location: r.location, resourceGroup: r.resourceGroup, tags: r.tags }))
    .map((r) => ({
      id: r.id,
      name: r.name,
      type: typeOf(r),
      location: r.location,
      ...(r.tags === undefined || filter?.byTag ? {} : { tags: r.tags }),
      ...(r.kind === "storageAccount" ? { kind: r.accountKind, sku: { name: r.sku.name, tier: r.sku.name.startsWith("Premium") ? "Premium" : "Standard" } } : {}),
      ...(r.kind === "generic" && r.body["sku"] !== undefined ? { sku: r.body["sku"] } : {}),
      ...(r.kind === "generic" && r.body["kind"] !== undefined ? { kind: r.body["kind"] } : {}),
    }));
  return paged(req, value, ctx.pageSize);
}

/**
 * Microsoft.Resources/resourceGroups (notes §1.1): PUT 201/200 synchronous, PATCH for tags and
 * managedBy, DELETE as a long-running operation (202 + Location, polls 202, then 200 with an empty
 * body) that takes everything inside the group with it.
 */
import type { ArmContext } from "./context.js";
import { ArmError, resourceGroupBeingDeleted, resourceGroupNotFound } from "./errors.js";
import { objectBody, tagsOf, type ArmRequest, type ArmResponse } from "./http.js";
import { paged, parseFilter, type FilterField } from "./list-query.js";
import { checkLocation, sameLocation } from "./locations.js";
import type { Json, ResourceGroupRecord } from "./model.js";
import { checkResourceGroupName } from "./names.js";
import { isDone, startOperationFields } from "./operations.js";

export const RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups";

/** The id ARM gives a group: camel-case `resourceGroups` whatever the request path said (notes §1.1). */
export function resourceGroupId(subscriptionId: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
}

/** The group, or 404 `ResourceGroupNotFound`. */
export function requireGroup(ctx: ArmContext, subscriptionId: string, name: string): ResourceGroupRecord {
  const g = ctx.store.get(resourceGroupId(subscriptionId, name));
  if (g?.kind !== "resourceGroup") throw resourceGroupNotFound(name);
  return g;
}

/** The group for a write into it: also refused while the group is being deleted (409). */
export function requireWritableGroup(ctx: ArmContext, subscriptionId: string, name: string): ResourceGroupRecord {
  const g = requireGroup(ctx, subscriptionId, name);
  if (g.deleteOperation !== undefined) throw resourceGroupBeingDeleted(g.name);
  return g;
}

export function resourceGroupView(g: ResourceGroupRecord): Json {
  return {
    id: g.id,
    name: g.name,
    type: RESOURCE_GROUP_TYPE,
    location: g.location,
    ...(g.tags === undefined ? {} : { tags: g.tags }),
    ...(g.managedBy === undefined ? {} : { managedBy: g.managedBy }),
    properties: { provisioningState: g.deleteOperation === undefined ? "Succeeded" : "Deleting" },
  };
}

export function putResourceGroup(ctx: ArmContext, req: ArmRequest, sub: string, name: string): ArmResponse {
  checkResourceGroupName(name);
  const body = objectBody(req.body);
  const location = checkLocation(body["location"], { code: "LocationNotAvailableForResourceGroup", what: "resource group" });
  const existing = ctx.store.get(resourceGroupId(sub, name));
  if (existing?.kind === "resourceGroup") {
    if (existing.deleteOperation !== undefined) throw resourceGroupBeingDeleted(existing.name);
    if (!sameLocation(existing.location, location)) {
      throw new ArmError({
        status: 409,
        code: "InvalidResourceGroupLocation",
        message: `Invalid resource group location '${String(body["location"])}'. The Resource group already exists in location '${existing.location}'.`,
      });
    }
  }
  const record: ResourceGroupRecord = {
    kind: "resourceGroup",
    // The casing of the last PUT is kept (RPC "Put Resource"); the key stays case-insensitive.
    id: resourceGroupId(sub, name),
    subscriptionId: sub,
    resourceGroup: name,
    name,
    location,
    tags: tagsOf(body),
    managedBy: typeof body["managedBy"] === "string" ? body["managedBy"] : undefined,
  };
  ctx.store.put(record);
  return { status: existing ? 200 : 201, body: resourceGroupView(record) };
}

export function getResourceGroup(ctx: ArmContext, sub: string, name: string): ArmResponse {
  return { status: 200, body: resourceGroupView(requireGroup(ctx, sub, name)) };
}

/** HEAD (CheckExistence): 204 or 404, no body. */
export function headResourceGroup(ctx: ArmContext, sub: string, name: string): ArmResponse {
  const g = ctx.store.get(resourceGroupId(sub, name));
  return { status: g?.kind === "resourceGroup" ? 204 : 404 };
}

/** PATCH: "If a field is unspecified, the current value is retained." */
export function patchResourceGroup(ctx: ArmContext, req: ArmRequest, sub: string, name: string): ArmResponse {
  const g = requireWritableGroup(ctx, sub, name);
  const body = objectBody(req.body);
  if (body["location"] !== undefined && (typeof body["location"] !== "string" || !sameLocation(body["location"], g.location))) {
    throw new ArmError({
      status: 409,
      code: "InvalidResourceGroupLocation",
      message: `Invalid resource group location '${String(body["location"])}'. The Resource group already exists in location '${g.location}'.`,
    });
  }
  const updated: ResourceGroupRecord = {
    ...g,
    tags: body["tags"] === undefined ? g.tags : tagsOf(body),
    managedBy: typeof body["managedBy"] === "string" ? body["managedBy"] : g.managedBy,
  };
  ctx.store.put(updated);
  return { status: 200, body: resourceGroupView(updated) };
}

/** Resource groups filter by tag only ("$filter=tagName eq 'tag1' and tagValue eq 'Value1'", ResourceGroups - List docs). */
const GROUP_FILTER = new Set<FilterField>(["tagName", "tagValue"]);

export function listResourceGroups(ctx: ArmContext, req: ArmRequest, sub: string): ArmResponse {
  const filter = parseFilter(req.query.get("$filter"), GROUP_FILTER);
  const value = ctx.store
    .all()
    .filter((r): r is ResourceGroupRecord => r.kind === "resourceGroup" && r.subscriptionId.toLowerCase() === sub.toLowerCase())
    .filter((g) => filter === undefined || filter.test({ name: g.name, type: "Microsoft.Resources/resourceGroups", location: g.location, resourceGroup: g.name, tags: g.tags }))
    .map(resourceGroupView);
  return paged(req, value, ctx.pageSize);
}

function deleteLocation(req: ArmRequest, sub: string, opId: string): string {
  return `${req.baseUrl}/subscriptions/${sub}/operationresults/${opId}?api-version=${req.apiVersion ?? "2025-04-01"}`;
}

/** DELETE: 202 + Location; a second DELETE while it runs answers the same operation. */
export function deleteResourceGroup(ctx: ArmContext, req: ArmRequest, sub: string, name: string): ArmResponse {
  const g = requireGroup(ctx, sub, name);
  let opId = g.deleteOperation;
  if (opId === undefined) {
    const op = { kind: "resourceGroupDelete" as const, ...startOperationFields(ctx, req.now, g.id, { failable: false, kind: "resourceGroupDelete" }) };
    opId = op.id;
    ctx.store.putOperation(op);
    ctx.store.put({ ...g, deleteOperation: opId });
  }
  // Real ARM says Retry-After: 15 here; the initial response's value is ignored by the pollers (notes §0.3).
  return { status: 202, headers: { location: deleteLocation(req, sub, opId), ...ctx.timing.retryAfter("resourceGroupDelete") } };
}

/**
 * GET of the delete operation's Location: 202 while running, then 200 with an EMPTY body. Not 204:
 * arm-resources 8 accepts only 200/202 here and real ARM answers 200 (notes §0.3, §1.1).
 */
export function pollResourceGroupDelete(ctx: ArmContext, req: ArmRequest, sub: string, opId: string): ArmResponse {
  const op = ctx.store.operation(opId);
  if (op?.kind !== "resourceGroupDelete") {
    throw new ArmError({ status: 404, code: "OperationNotFound", message: `The operation '${opId}' could not be found. It may have ended more than an hour ago.` });
  }
  if (!isDone(op, req.now)) {
    return { status: 202, headers: { location: deleteLocation(req, sub, opId), ...ctx.timing.retryAfter("resourceGroupDelete") } };
  }
  return { status: 200 };
}

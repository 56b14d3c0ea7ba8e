/**
 * Which handler answers which path. Paths match case-insensitively (the SDKs send `resourcegroups`
 * and `resourceGroups`, notes §0.1), parameters keep the caller's casing.
 */
import { checkApiVersion, type ApiFamily } from "./api-versions.js";
import type { ArmContext } from "./context.js";
import { ArmError } from "./errors.js";
import type { ArmRequest, ArmResponse } from "./http.js";
import * as cg from "./container-groups.js";
import * as fs from "./file-shares.js";
import { handleGeneric } from "./generic.js";
import { pollGenericOperation, pollGenericResult } from "./generic-actions.js";
import * as rg from "./resource-groups.js";
import * as sa from "./storage-accounts.js";
import * as subs from "./subscriptions.js";
import * as tags from "./tags.js";

type Params = Readonly<Record<string, string>>;
type Handler = (ctx: ArmContext, req: ArmRequest, p: Params) => ArmResponse;

interface Route {
  /** Segments; `:name` captures one segment. */
  readonly pattern: readonly string[];
  /** Whose api-versions apply; `any` for operation polls (ACI's carry their own version). */
  readonly family: ApiFamily | "any";
  readonly type: string;
  readonly methods: Readonly<Partial<Record<string, Handler>>>;
}

function route(pattern: string, family: Route["family"], type: string, methods: Route["methods"]): Route {
  return { pattern: pattern.split("/"), family, type, methods };
}

const RG = "subscriptions/:sub/resourcegroups/:rg";
const SA = `${RG}/providers/microsoft.storage/storageaccounts/:account`;
const CG = `${RG}/providers/microsoft.containerinstance/containergroups/:name`;

/** Builds the route table; `defaultSubscription` is the one `GET /subscriptions` always lists. */
export function routes(defaultSubscription: string): readonly Route[] {
  const share = (p: Params): fs.ShareParams => ({ sub: p["sub"]!, rg: p["rg"]!, account: p["account"]!, service: p["service"]!, share: p["share"]! });
  return [
    route("subscriptions", "subscriptions", "subscriptions", { GET: (c) => subs.listSubscriptions(c, defaultSubscription) }),
    route("subscriptions/:sub", "subscriptions", "subscriptions", { GET: (c, _r, p) => subs.getSubscription(c, defaultSubscription, p["sub"]!) }),
    route("providers", "resources", "providers", { GET: () => subs.listProviders(undefined) }),
    route("providers/:ns", "resources", "providers", { GET: (c, _r, p) => subs.getProvider(c, undefined, p["ns"]!) }),
    route("subscriptions/:sub/providers", "resources", "providers", { GET: (_c, _r, p) => subs.listProviders(p["sub"]) }),
    route("subscriptions/:sub/resources", "resources", "resources", { GET: (c, r, p) => subs.listGenericResources(c, r, `/subscriptions/${p["sub"]}`) }),
    route("subscriptions/:sub/operationresults/:op", "any", "operationresults", { GET: (c, r, p) => rg.pollResourceGroupDelete(c, r, p["sub"]!, p["op"]!) }),
    route("subscriptions/:sub/tagnames", "resources", "tagNames", { GET: (c, _r, p) => tags.listTagNames(c, p["sub"]!) }),
    route("subscriptions/:sub/tagnames/:tag", "resources", "tagNames", {
      PUT: (c, _r, p) => tags.putTagName(c, p["sub"]!, p["tag"]!),
      DELETE: (c, _r, p) => tags.deleteTagName(c, p["sub"]!, p["tag"]!),
    }),
    route("subscriptions/:sub/tagnames/:tag/tagvalues/:value", "resources", "tagNames", {
      PUT: (c, _r, p) => tags.putTagName(c, p["sub"]!, p["tag"]!, p["value"]!),
      DELETE: (c, _r, p) => tags.deleteTagName(c, p["sub"]!, p["tag"]!, p["value"]!),
    }),
    route("subscriptions/:sub/resourcegroups", "resources", "resourceGroups", { GET: (c, r, p) => rg.listResourceGroups(c, r, p["sub"]!) }),
    route(RG, "resources", "resourceGroups", {
      PUT: (c, r, p) => rg.putResourceGroup(c, r, p["sub"]!, p["rg"]!),
      GET: (c, _r, p) => rg.getResourceGroup(c, p["sub"]!, p["rg"]!),
      HEAD: (c, _r, p) => rg.headResourceGroup(c, p["sub"]!, p["rg"]!),
      PATCH: (c, r, p) => rg.patchResourceGroup(c, r, p["sub"]!, p["rg"]!),
      DELETE: (c, r, p) => rg.deleteResourceGroup(c, r, p["sub"]!, p["rg"]!),
    }),
    route(`${RG}/resources`, "resources", "resources", {
      GET: (c, r, p) => {
        const g = rg.requireGroup(c, p["sub"]!, p["rg"]!);
        return subs.listGenericResources(c, r, g.id);
      },
    }),
    route("subscriptions/:sub/providers/microsoft.storage/checknameavailability", "storage", "checkNameAvailability", { POST: (c, r) => sa.checkNameAvailability(c, r) }),
    route("subscriptions/:sub/providers/microsoft.storage/storageaccounts", "storage", "storageAccounts", { GET: (c, r, p) => sa.listStorageAccounts(c, r, p["sub"]!) }),
    route("subscriptions/:sub/providers/microsoft.storage/locations/:loc/asyncoperations/:op", "any", "locations/asyncoperations", {
      GET: (c, r, p) => sa.pollStorageCreate(c, r, p["sub"]!, p["op"]!),
    }),
    route("subscriptions/:sub/providers/microsoft.containerinstance/containergroups", "containerinstance", "containerGroups", {
      GET: (c, r, p) => cg.listContainerGroups(c, r, p["sub"]!),
    }),
    route("subscriptions/:sub/providers/microsoft.containerinstance/locations/:loc/operations/:op", "any", "locations/operations", {
      GET: (c, r, p) => cg.pollContainerGroupOperation(c, r, p["op"]!),
    }),
    route("subscriptions/:sub/providers/:ns/locations/:loc/operationstatuses/:op", "any", "locations/operationStatuses", {
      GET: (c, r, p) => pollGenericOperation(c, r, p["op"]!),
    }),
    route("subscriptions/:sub/providers/:ns/locations/:loc/operationresults/:op", "any", "locations/operationResults", {
      GET: (c, r, p) => pollGenericResult(c, r, p["op"]!),
    }),
    route("subscriptions/:sub/providers/:ns", "resources", "providers", { GET: (c, _r, p) => subs.getProvider(c, p["sub"], p["ns"]!) }),
    route("subscriptions/:sub/providers/:ns/register", "resources", "providers", { POST: (c, _r, p) => subs.getProvider(c, p["sub"], p["ns"]!) }),
    route(`${RG}/providers/microsoft.storage/storageaccounts`, "storage", "storageAccounts", { GET: (c, r, p) => sa.listStorageAccounts(c, r, p["sub"]!, p["rg"]) }),
    route(SA, "storage", "storageAccounts", {
      PUT: (c, r, p) => sa.putStorageAccount(c, r, p["sub"]!, p["rg"]!, p["account"]!),
      GET: (c, _r, p) => sa.getStorageAccount(c, p["sub"]!, p["rg"]!, p["account"]!),
      PATCH: (c, r, p) => sa.patchStorageAccount(c, r, p["sub"]!, p["rg"]!, p["account"]!),
      DELETE: (c, _r, p) => sa.deleteStorageAccount(c, p["sub"]!, p["rg"]!, p["account"]!),
    }),
    route(`${SA}/listkeys`, "storage", "storageAccounts/listKeys", { POST: (c, _r, p) => sa.listKeys(c, p["sub"]!, p["rg"]!, p["account"]!) }),
    route(`${SA}/regeneratekey`, "storage", "storageAccounts/regenerateKey", { POST: (c, r, p) => sa.regenerateKey(c, r, p["sub"]!, p["rg"]!, p["account"]!) }),
    route(`${SA}/fileservices/:service/shares`, "storage", "storageAccounts/fileServices/shares", {
      GET: (c, r, p) => fs.listFileShares(c, r, { sub: p["sub"]!, rg: p["rg"]!, account: p["account"]!, service: p["service"]! }),
    }),
    route(`${SA}/fileservices/:service/shares/:share`, "storage", "storageAccounts/fileServices/shares", {
      PUT: (c, r, p) => fs.putFileShare(c, r, share(p)),
      GET: (c, r, p) => fs.getFileShare(c, r, share(p)),
      PATCH: (c, r, p) => fs.patchFileShare(c, r, share(p)),
      DELETE: (c, _r, p) => fs.deleteFileShare(c, share(p)),
    }),
    route(`${RG}/providers/microsoft.containerinstance/containergroups`, "containerinstance", "containerGroups", {
      GET: (c, r, p) => cg.listContainerGroups(c, r, p["sub"]!, p["rg"]),
    }),
    route(CG, "containerinstance", "containerGroups", {
      PUT: (c, r, p) => cg.putContainerGroup(c, r, p["sub"]!, p["rg"]!, p["name"]!),
      GET: (c, r, p) => cg.getContainerGroup(c, r, p["sub"]!, p["rg"]!, p["name"]!),
      PATCH: (c, r, p) => cg.patchContainerGroup(c, r, p["sub"]!, p["rg"]!, p["name"]!),
      DELETE: (c, r, p) => cg.deleteContainerGroup(c, r, p["sub"]!, p["rg"]!, p["name"]!),
    }),
    route(`${CG}/restart`, "containerinstance", "containerGroups/restart", { POST: (c, r, p) => cg.restartContainerGroup(c, r, { sub: p["sub"]!, rg: p["rg"]!, name: p["name"]! }) }),
    route(`${CG}/stop`, "containerinstance", "containerGroups/stop", { POST: (c, r, p) => cg.stopContainerGroup(c, r, { sub: p["sub"]!, rg: p["rg"]!, name: p["name"]! }) }),
    route(`${CG}/start`, "containerinstance", "containerGroups/start", { POST: (c, r, p) => cg.startContainerGroup(c, r, { sub: p["sub"]!, rg: p["rg"]!, name: p["name"]! }) }),
    route(`${CG}/containers/:container/logs`, "containerinstance", "containerGroups/containers/logs", {
      GET: (c, r, p) => cg.containerLogs(c, r, { sub: p["sub"]!, rg: p["rg"]!, name: p["name"]!, container: p["container"]! }),
    }),
  ];
}

function match(route: Route, req: ArmRequest): Params | undefined {
  if (route.pattern.length !== req.lower.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < route.pattern.length; i++) {
    const part = route.pattern[i]!;
    if (part.startsWith(":")) params[part.slice(1)] = req.segments[i]!;
    else if (part !== req.lower[i]) return undefined;
  }
  return params;
}

/** Answer a request from the table, or ARM's 404/405. */
export function dispatchArm(table: readonly Route[], ctx: ArmContext, req: ArmRequest): ArmResponse {
  for (const r of table) {
    const params = match(r, req);
    if (params === undefined) continue;
    const handler = r.methods[req.method];
    if (handler === undefined) {
      throw new ArmError({ status: 405, code: "HttpMethodNotAllowed", message: `The requested resource does not support http method '${req.method}'.` });
    }
    if (r.family !== "any") checkApiVersion({ family: r.family, version: req.apiVersion!, type: r.type });
    return handler(ctx, req, params);
  }
  // Tags of any scope (a resource's path is of any length).
  const tagsScope = tags.tagsScopeOf(req.lower);
  if (tagsScope !== undefined) {
    checkApiVersion({ family: "resources", version: req.apiVersion!, type: "tags" });
    return tags.handleTagsAtScope(ctx, req, tagsScope);
  }
  // Every other type: served from the type definitions.
  return handleGeneric(ctx, req);
}

/**
 * Generic types: finding what a path names. The type at a known api-version and scope, the scope
 * and the parents that must exist, the resource itself (or a fixed-name child that exists with its
 * parent), and ARM's errors when something is not there.
 */
import { createHash } from "node:crypto";
import { supportedApiVersions, type ApiFamily } from "./api-versions.js";
import type { ArmContext } from "./context.js";
import { ArmError, parentResourceNotFound } from "./errors.js";
import type { ArmRequest } from "./http.js";
import type { GenericRecord, ResourceRecord } from "./model.js";
import { requireGroup, requireWritableGroup } from "./resource-groups.js";
import { fullType, idOf, type ResourcePath } from "./resource-path.js";
import { Scopes, type ResourceSpec } from "./spec/model.js";

/** The type, at a known api-version and a scope it can live at. */
export function requireType(ctx: ArmContext, req: ArmRequest, path: ResourcePath): ResourceSpec {
  const type = fullType(path);
  const spec = ctx.catalog.resource(type);
  if (spec === undefined) {
    // Code and message as ARM sends them (Azure/azure-rest-api-specs#14807, status 404).
    throw new ArmError({
      status: 404,
      code: "InvalidResourceType",
      message: `The resource type '${path.types.join("/")}' could not be found in the namespace '${path.namespace}' for api version '${req.apiVersion}'.`,
    });
  }
  const stored = path.target === "resource" ? ctx.store.get(idOf(path))?.location : undefined;
  checkVersion(req, path, [...spec.apiVersions, ...familyVersions(path.namespace)], spec.armType, stored || undefined);
  const scopes = req.method === "GET" || req.method === "HEAD" ? spec.readableScopes | spec.writableScopes : spec.writableScopes;
  const bit = path.scopeKind === "subscription" ? Scopes.Subscription : path.scopeKind === "resourceGroup" ? Scopes.ResourceGroup : Scopes.Extension;
  // Listing an RG-scoped type across a subscription is ARM's ListBySubscription.
  const listing = path.target === "collection" && path.scopeKind === "subscription" && scopes & Scopes.ResourceGroup;
  if (!(scopes & bit) && !(scopes & Scopes.Extension) && !listing) {
    throw new ArmError({
      status: 400,
      code: "InvalidResourceType",
      message: `The resource type '${spec.armType}' cannot be used at ${path.scopeKind === "resourceGroup" ? "resource group" : path.scopeKind} scope; it lives at ${scopeNames(scopes)} scope.`,
    });
  }
  return spec;
}

function scopeNames(bits: number): string {
  const names: string[] = [];
  if (bits & Scopes.Tenant) names.push("tenant");
  if (bits & Scopes.ManagementGroup) names.push("management group");
  if (bits & Scopes.Subscription) names.push("subscription");
  if (bits & Scopes.ResourceGroup) names.push("resource group");
  if (bits & Scopes.Extension) names.push("resource (extension)");
  return names.join(" or ");
}

/**
 * A resource provider accepts its api-versions for all its types: the versions the specialised
 * handlers of a namespace accept (what @azure/arm-storage sends for blob containers, say) are
 * good for its generic types too, besides the one the definitions give.
 */
function familyVersions(namespace: string): readonly string[] {
  const family = FAMILY_OF_NAMESPACE[namespace.toLowerCase()];
  return family === undefined ? [] : supportedApiVersions(family);
}

const FAMILY_OF_NAMESPACE: Readonly<Record<string, ApiFamily>> = {
  "microsoft.storage": "storage",
  "microsoft.containerinstance": "containerinstance",
  "microsoft.resources": "resources",
};

/** 400 NoRegisteredProviderFound, with the words ARM uses (pulumi/pulumi-azure-nextgen#170). */
export function checkVersion(req: ArmRequest, path: ResourcePath, versions: readonly string[], armType: string, location?: string): void {
  const v = req.apiVersion ?? "";
  if (versions.some((x) => x.toLowerCase() === v.toLowerCase())) return;
  const loc = location ?? locationOf(req.body) ?? "global";
  throw new ArmError({
    status: 400,
    code: "NoRegisteredProviderFound",
    message: `No registered resource provider found for location '${loc}' and API version '${v}' for type '${armType.split("/").slice(1).join("/") || path.types.join("/")}'. The supported api-versions are '${versions.join(", ")}'.`,
  });
}

function locationOf(body: unknown): string | undefined {
  const l = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["location"] : undefined;
  return typeof l === "string" ? l : undefined;
}

/** The scope must exist: the group (writable for writes), or the resource an extension sits on. */
export function requireScope(ctx: ArmContext, path: ResourcePath, write: boolean): void {
  if (path.resourceGroup !== undefined) {
    if (write) requireWritableGroup(ctx, path.subscriptionId, path.resourceGroup);
    else requireGroup(ctx, path.subscriptionId, path.resourceGroup);
  }
  if (path.scopeKind === "resource" && !visible(ctx.store.get(path.scopeId))) {
    throw new ArmError({ status: 404, code: "ResourceNotFound", message: `The Resource '${path.scopeId}' (the scope of this extension resource) was not found.` });
  }
}

/** Whether a stored record exists for clients (a storage account still being created does not). */
function visible(r: ResourceRecord | undefined): boolean {
  if (r === undefined) return false;
  if (r.kind === "storageAccount") return r.createOperation === undefined;
  return true;
}

/** Every ancestor of a nested resource must exist; `default` singletons exist with their parent. */
export function requireParents(ctx: ArmContext, path: ResourcePath): void {
  for (let k = path.names.length - 1; k >= 1; k--) {
    if (visible(ctx.store.get(idOf(path, k)))) return;
    if (path.names[k - 1]!.toLowerCase() === "default") continue;
    throw parentResourceNotFound(path.names[k - 1]!);
  }
}

export function notFound(path: ResourcePath, spec: ResourceSpec): ArmError {
  // ARM's words (notes §1.2); a nested resource is named by its whole path under the namespace.
  const name = [spec.armType.split("/")[0], ...path.types.flatMap((t, i) => [t, path.names[i]])].join("/");
  const where = path.resourceGroup === undefined ? `subscription '${path.subscriptionId}'` : `resource group '${path.resourceGroup}'`;
  return new ArmError({ status: 404, code: "ResourceNotFound", message: `The Resource '${name}' under ${where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix` });
}

export function requireResource(ctx: ArmContext, path: ResourcePath, spec: ResourceSpec): GenericRecord {
  requireScope(ctx, path, false);
  requireParents(ctx, path);
  const r = ctx.store.get(idOf(path));
  if (r?.kind === "generic") return r;
  const name = path.names[path.names.length - 1]!;
  if (path.names.length > 1 && fixedName(spec, name)) return implicitChild(path, spec, name);
  throw notFound(path, spec);
}

/** HEAD (CheckExistenceById): whether GET would find the resource. */
export function exists(ctx: ArmContext, path: ResourcePath, spec: ResourceSpec): boolean {
  try {
    requireResource(ctx, path, spec);
    return true;
  } catch (err) {
    if (err instanceof ArmError && err.status === 404) return false;
    throw err;
  }
}

/** Whether the type's names are a fixed set holding `name` (`blobServices/default`, a site's `ftp`/`scm` policy). */
function fixedName(spec: ResourceSpec, name: string): boolean {
  const t = spec.nameType === undefined ? undefined : spec.module.types[spec.nameType];
  const literals = t?.kind === "literal" ? [t] : t?.kind === "union" ? t.members.map((m) => spec.module.types[m]) : [];
  return literals.length > 0 && literals.every((l) => l?.kind === "literal") && literals.some((l) => l?.kind === "literal" && String(l.value).toLowerCase() === name.toLowerCase());
}

/**
 * A child with a fixed name exists as soon as its parent does (Azure makes `blobServices/default`
 * with the account): it reads as an empty resource until written, and is not stored before.
 */
function implicitChild(path: ResourcePath, spec: ResourceSpec, name: string): GenericRecord {
  const parent = path.names.slice(0, -1).join("/");
  return {
    kind: "generic",
    id: idOf(path),
    subscriptionId: path.subscriptionId,
    resourceGroup: path.resourceGroup ?? "",
    name,
    location: "",
    type: spec.armType,
    apiVersion: spec.apiVersions[0] ?? "",
    body: { properties: {} },
    assigned: {},
    etag: `W/"${createHash("sha1").update(`${parent}|${name}`).digest("hex").slice(0, 32)}"`,
    createdAt: new Date(0).toISOString(),
  };
}

/**
 * Every resource type the type definitions know, served from them: PUT/GET/PATCH/DELETE/HEAD of
 * a resource, GET of a collection, POST of a resource function, at subscription, resource group
 * or resource (extension) scope. The router falls through to here when no specialised handler
 * (resource groups, storage accounts, file shares, container groups) matches.
 *
 * Rules (docs/local-cloud-arm.md, "Every other type"):
 * - the namespace, type, api-version and scope must be known to the definitions, with ARM's
 *   errors otherwise (InvalidResourceNamespace, InvalidResourceType, NoRegisteredProviderFound);
 * - a nested resource needs its parent (ParentResourceNotFound); a parent named `default` is a
 *   singleton the service creates itself (`blobServices/default`) and only its own parent counts;
 * - bodies are checked against the definitions (spec/validate.ts); secrets are never stored;
 * - a type whose body has a read-only `provisioningState` is long-running: PUT answers 201/200
 *   with `Azure-AsyncOperation`, DELETE 202 with `Azure-AsyncOperation` and `Location`; the
 *   operation takes two `lroStepMs` steps. Other types answer synchronously.
 */
import { createHash } from "node:crypto";
import { assignedAtCreate, behaviourFunction, decorateView } from "./behaviours.js";
import type { ArmContext } from "./context.js";
import { ArmError, invalidRequestContent, parentResourceNotFound } from "./errors.js";
import { objectBody, tagsOf, type ArmRequest, type ArmResponse } from "./http.js";
import { checkLocation, sameLocation } from "./locations.js";
import type { GenericRecord, Json, OperationRecord, ResourceRecord } from "./model.js";
import { isDone, operationStatus, startOperationFields } from "./operations.js";
import { requireGroup, requireWritableGroup } from "./resource-groups.js";
import { fullType, idOf, parseResourcePath, type ResourcePath } from "./resource-path.js";
import { Scopes, type ModuleSpec, type ResourceSpec, type TypeRef } from "./spec/model.js";
import { sample } from "./spec/sample.js";
import { checkValue, cleanBody, describe, withoutSecrets, type Problem } from "./spec/validate.js";

/** Answer a request no specialised handler took, or ARM's 404. */
export function handleGeneric(ctx: ArmContext, req: ArmRequest): ArmResponse {
  const path = parseResourcePath(req.segments, req.method);
  if (path === undefined) {
    throw new ArmError({ status: 404, code: "NotFound", message: `No HTTP resource was found that matches the request URI '/${req.segments.join("/")}'.` });
  }
  if (!ctx.catalog.hasNamespace(path.namespace)) {
    throw new ArmError({
      status: 404,
      code: "InvalidResourceNamespace",
      message: `The resource namespace '${path.namespace}' is invalid. The local cloud serves the namespaces of the Azure type definitions (packages/azure-spec/data).`,
    });
  }
  if (path.target === "action") return action(ctx, req, path);
  const spec = requireType(ctx, req, path);
  if (path.target === "collection") {
    if (req.method !== "GET") throw methodNotAllowed(req.method);
    return list(ctx, path, spec);
  }
  switch (req.method) {
    case "PUT":
      return put(ctx, req, path, spec);
    case "GET":
      return { status: 200, body: view(ctx, requireResource(ctx, path, spec), spec, req.now) };
    case "HEAD":
      return { status: ctx.store.get(idOf(path))?.kind === "generic" ? 204 : 404 };
    case "PATCH":
      return patch(ctx, req, path, spec);
    case "DELETE":
      return remove(ctx, req, path, spec);
    default:
      throw methodNotAllowed(req.method);
  }
}

function methodNotAllowed(method: string): ArmError {
  return new ArmError({ status: 405, code: "HttpMethodNotAllowed", message: `The requested resource does not support http method '${method}'.` });
}

/** The type, at a known api-version and a scope it can live at. */
function requireType(ctx: ArmContext, req: ArmRequest, path: ResourcePath): ResourceSpec {
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
  checkVersion(req, path, spec.apiVersions, spec.armType, stored || undefined);
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

/** 400 NoRegisteredProviderFound, with the words ARM uses (pulumi/pulumi-azure-nextgen#170). */
function checkVersion(req: ArmRequest, path: ResourcePath, versions: readonly string[], armType: string, location?: string): void {
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
function requireScope(ctx: ArmContext, path: ResourcePath, write: boolean): void {
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
function requireParents(ctx: ArmContext, path: ResourcePath): void {
  for (let k = path.names.length - 1; k >= 1; k--) {
    if (visible(ctx.store.get(idOf(path, k)))) return;
    if (path.names[k - 1]!.toLowerCase() === "default") continue;
    throw parentResourceNotFound(path.names[k - 1]!);
  }
}

function notFound(path: ResourcePath, spec: ResourceSpec): ArmError {
  // ARM's words (notes §1.2); a nested resource is named by its whole path under the namespace.
  const name = [spec.armType.split("/")[0], ...path.types.flatMap((t, i) => [t, path.names[i]])].join("/");
  const where = path.resourceGroup === undefined ? `subscription '${path.subscriptionId}'` : `resource group '${path.resourceGroup}'`;
  return new ArmError({ status: 404, code: "ResourceNotFound", message: `The Resource '${name}' under ${where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix` });
}

function requireResource(ctx: ArmContext, path: ResourcePath, spec: ResourceSpec): GenericRecord {
  requireScope(ctx, path, false);
  requireParents(ctx, path);
  const r = ctx.store.get(idOf(path));
  if (r?.kind !== "generic") throw notFound(path, spec);
  return r;
}

/** The body's `properties` object type, when it has one. */
function propertiesType(spec: ResourceSpec): { mod: ModuleSpec; ref: TypeRef } | undefined {
  const body = spec.module.types[spec.body];
  if (body?.kind !== "object") return undefined;
  const p = body.props["properties"];
  return p === undefined ? undefined : { mod: spec.module, ref: p.type };
}

/** Where the type reports provisioningState: `properties`, the top level, or nowhere (not long-running). */
function provisioningStateAt(spec: ResourceSpec): "properties" | "top" | undefined {
  const body = spec.module.types[spec.body];
  if (body?.kind !== "object") return undefined;
  const p = propertiesType(spec);
  const pt = p === undefined ? undefined : p.mod.types[p.ref];
  if (pt?.kind === "object" && pt.props["provisioningState"] !== undefined) return "properties";
  if (body.props["provisioningState"] !== undefined) return "top";
  return undefined;
}

function hasTopLevel(spec: ResourceSpec, name: string): boolean {
  const body = spec.module.types[spec.body];
  return body?.kind === "object" && body.props[name] !== undefined;
}

function requireValid(problems: readonly Problem[], spec: ResourceSpec): void {
  if (problems.length === 0) return;
  const first = problems[0]!;
  const details = problems.map((p) => ({ code: codeOf(p), target: p.path, message: p.message }));
  if (first.kind === "value") {
    throw new ArmError({ status: 400, code: "InvalidRequestPropertyValue", message: `${first.message} (${spec.armType})`, target: first.path, details });
  }
  const e = invalidRequestContent(`${first.message} (${spec.armType})`);
  throw new ArmError({ status: 400, code: e.code, message: e.message, target: first.path, details });
}

function codeOf(p: Problem): string {
  return p.kind === "value" ? "InvalidRequestPropertyValue" : p.kind === "missing" ? "MissingRequiredProperty" : "InvalidRequestContent";
}

function etagOf(id: string, now: number): string {
  return `W/"${createHash("sha1").update(`${id}|${now}|${Math.random()}`).digest("hex").slice(0, 32)}"`;
}

/** Body fields kept in the record besides location and tags. */
function storedBody(spec: ResourceSpec, clean: Record<string, unknown>): Json {
  const stripped = withoutSecrets(spec.module, spec.body, clean) as Record<string, unknown>;
  const { location: _l, tags: _t, id: _i, name: _n, type: _y, apiVersion: _a, ...rest } = stripped;
  return rest;
}

/**
 * The body as checked: a few types (`Microsoft.Web/sites/config`...) are told apart by their
 * name, which the URL gives, not the body.
 */
function bodyWithUrlName(spec: ResourceSpec, body: Record<string, unknown>, name: string): Record<string, unknown> {
  const t = spec.module.types[spec.body];
  return t?.kind === "discriminated" && t.discriminator === "name" ? { ...body, name } : body;
}

/**
 * The own name against the type's rules (pattern, lengths, or the fixed names of a singleton).
 * Code GUESS: each RP has its own (`VaultNameNotValid`, `AccountNameInvalid`...); this one is
 * the generic ARM word, and the message gives the rule.
 */
function checkName(spec: ResourceSpec, name: string): void {
  if (spec.nameType === undefined) return;
  if (checkValue(spec.module, spec.nameType, name, "name").length === 0) return;
  const t = spec.module.types[spec.nameType]!;
  const rule = t.kind === "string"
    ? [t.pattern === undefined ? "" : `match the pattern '${t.pattern}'`, t.minLength !== undefined || t.maxLength !== undefined ? `be ${t.minLength ?? 1} to ${t.maxLength ?? "any number of"} characters long` : ""].filter((x) => x !== "").join(" and ")
    : `be ${describe(spec.module, spec.nameType)}`;
  throw new ArmError({
    status: 400,
    code: "InvalidResourceName",
    message: `The resource name '${name}' is invalid for type '${spec.armType}': it must ${rule}.`,
    target: "name",
  });
}

function put(ctx: ArmContext, req: ArmRequest, path: ResourcePath, spec: ResourceSpec): ArmResponse {
  requireScope(ctx, path, true);
  requireParents(ctx, path);
  checkName(spec, path.names[path.names.length - 1]!);
  const body = objectBody(req.body);
  const { value, problems } = cleanBody(spec.module, spec.body, bodyWithUrlName(spec, body, path.names[path.names.length - 1]!), { partial: false });
  requireValid(problems, spec);
  const id = idOf(path);
  const existing = ctx.store.get(id);
  if (existing !== undefined && existing.kind !== "generic") {
    throw new ArmError({ status: 409, code: "Conflict", message: `The resource '${id}' is held by a specialised handler of the local cloud; this should not happen, please report it.` });
  }
  if (existing?.deleteOperation !== undefined) throw beingDeleted(path);
  const location = locationFor(body, existing, path, spec);
  const now = new Date(req.now).toISOString();
  const base = {
    kind: "generic" as const,
    id,
    subscriptionId: path.subscriptionId,
    resourceGroup: path.resourceGroup ?? "",
    name: path.names[path.names.length - 1]!,
    location,
    ...(tagsOf(body) === undefined ? {} : { tags: tagsOf(body) }),
    type: spec.armType,
    apiVersion: req.apiVersion!,
    body: storedBody(spec, value),
    etag: etagOf(id, req.now),
    createdAt: existing?.createdAt ?? now,
  };
  const lro = provisioningStateAt(spec) !== undefined;
  let operation: OperationRecord | undefined;
  if (lro) {
    operation = { kind: "genericPut", ...startOperationFields(ctx, req.now, id, { failable: true }) };
    ctx.store.putOperation(operation);
  }
  const record: GenericRecord = { ...base, assigned: existing?.assigned ?? assignedAtCreate(ctx, base), ...(operation ? { operation: operation.id } : {}) };
  ctx.store.put(record);
  const headers: Record<string, string> = operation ? { "azure-asyncoperation": asyncUrl(req, path, location, operation.id), "retry-after": String(ctx.retryAfterSeconds) } : {};
  return { status: existing ? 200 : 201, body: view(ctx, record, spec, req.now, existing ? "Updating" : "Creating"), headers };
}

function beingDeleted(path: ResourcePath): ArmError {
  return new ArmError({
    status: 409,
    code: "AnotherOperationInProgress",
    message: `The resource '${path.names.join("/")}' is being deleted; wait for the delete to end, then send the request again.`,
  });
}

/** The location: as sent (checked, normalised), or the parent's for nested types, kept across updates. */
function locationFor(body: Record<string, unknown>, existing: GenericRecord | undefined, path: ResourcePath, spec: ResourceSpec): string {
  const sent = body["location"];
  if (sent === undefined || sent === null) return existing?.location ?? "";
  if (typeof sent === "string" && sent.toLowerCase() === "global") return "global";
  const loc = checkLocation(sent, { code: "LocationNotAvailableForResourceType", what: `resource type '${spec.armType}'` });
  if (existing !== undefined && existing.location !== "" && !sameLocation(existing.location, loc)) {
    throw new ArmError({
      status: 409,
      code: "InvalidResourceLocation",
      message: `The resource '${path.names.join("/")}' already exists in location '${existing.location}' in resource group '${path.resourceGroup ?? ""}'. A resource with the same name cannot be created in location '${loc}'. Please select a new resource name.`,
    });
  }
  return loc;
}

function asyncUrl(req: ArmRequest, path: ResourcePath, location: string, opId: string): string {
  return `${req.baseUrl}/subscriptions/${path.subscriptionId}/providers/${path.namespace}/locations/${location || "global"}/operationStatuses/${opId}?api-version=${req.apiVersion}`;
}

function resultUrl(req: ArmRequest, path: ResourcePath, location: string, opId: string): string {
  return `${req.baseUrl}/subscriptions/${path.subscriptionId}/providers/${path.namespace}/locations/${location || "global"}/operationResults/${opId}?api-version=${req.apiVersion}`;
}

/** JSON merge patch (RFC 7396): objects merge, `null` removes, anything else replaces. */
function merge(target: unknown, patchValue: unknown): unknown {
  if (typeof patchValue !== "object" || patchValue === null || Array.isArray(patchValue)) return patchValue;
  const out: Record<string, unknown> = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patchValue)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

function patch(ctx: ArmContext, req: ArmRequest, path: ResourcePath, spec: ResourceSpec): ArmResponse {
  requireScope(ctx, path, true);
  const r = requireResource(ctx, path, spec);
  if (r.deleteOperation !== undefined) throw beingDeleted(path);
  const body = objectBody(req.body);
  const { value, problems } = cleanBody(spec.module, spec.body, bodyWithUrlName(spec, body, r.name), { partial: true });
  requireValid(problems, spec);
  if (value["location"] !== undefined && value["location"] !== null && !sameLocation(String(value["location"]), r.location || String(value["location"]))) {
    throw new ArmError({ status: 400, code: "LocationCannotBeChanged", message: `The location of '${path.names.join("/")}' cannot change from '${r.location}' to '${String(value["location"])}'; delete the resource and create it again.`, target: "location" });
  }
  const merged = merge({ ...r.body, ...(r.tags === undefined ? {} : { tags: r.tags }) }, value) as Record<string, unknown>;
  const tags = merged["tags"] as Record<string, string> | undefined;
  const updated: GenericRecord = {
    ...r,
    tags,
    body: storedBody(spec, merged),
    apiVersion: req.apiVersion!,
    etag: etagOf(r.id, req.now),
  };
  ctx.store.put(updated);
  return { status: 200, body: view(ctx, updated, spec, req.now) };
}

function remove(ctx: ArmContext, req: ArmRequest, path: ResourcePath, spec: ResourceSpec): ArmResponse {
  requireScope(ctx, path, false);
  const r = ctx.store.get(idOf(path));
  if (r?.kind !== "generic") {
    requireParents(ctx, path);
    return { status: 204 };
  }
  if (provisioningStateAt(spec) === undefined) {
    // Nested resources go with their parent.
    for (const child of ctx.store.under(r.id)) ctx.store.remove(child.id);
    ctx.store.remove(r.id);
    return { status: 200 };
  }
  let opId = r.deleteOperation;
  if (opId === undefined) {
    const op: OperationRecord = { kind: "genericDelete", ...startOperationFields(ctx, req.now, r.id, { failable: false }) };
    opId = op.id;
    ctx.store.putOperation(op);
    ctx.store.put({ ...r, deleteOperation: opId });
  }
  return {
    status: 202,
    headers: {
      "azure-asyncoperation": asyncUrl(req, path, r.location, opId),
      location: resultUrl(req, path, r.location, opId),
      "retry-after": String(ctx.retryAfterSeconds),
    },
  };
}

function list(ctx: ArmContext, path: ResourcePath, spec: ResourceSpec): ArmResponse {
  requireScope(ctx, path, false);
  const now = Date.now();
  let parent: string;
  if (path.names.length > 0) {
    // A child collection: the parent must exist (or be a `default` singleton of one that does).
    requireParents(ctx, { ...path, names: [...path.names, "x"], types: path.types });
    parent = idOf(path);
  } else {
    parent = path.scopeId;
  }
  const depth = path.types.length;
  const value = ctx.store
    .under(parent)
    .filter((r): r is GenericRecord => r.kind === "generic" && r.type.toLowerCase() === spec.armType.toLowerCase())
    // Direct children only: same number of type segments (a listing by subscription spans groups).
    .filter((r) => r.type.split("/").length - 1 === depth)
    .filter((r) => path.scopeKind !== "resource" || r.id.toLowerCase().startsWith(`${path.scopeId.toLowerCase()}/providers/`))
    .map((r) => view(ctx, r, spec, now));
  return { status: 200, body: { value } };
}

/** provisioningState of a record now. */
function stateOf(ctx: ArmContext, r: GenericRecord, now: number, fresh?: "Creating" | "Updating"): string {
  if (r.deleteOperation !== undefined) return "Deleting";
  if (r.operation === undefined) return "Succeeded";
  const op = ctx.store.operation(r.operation);
  if (op === undefined) return "Succeeded";
  const s = operationStatus(op, now);
  if (s === "Succeeded" || s === "Failed") return s;
  return fresh ?? (Date.parse(r.createdAt) >= op.startedAt ? "Creating" : "Updating");
}

/** The resource as GET returns it: stored body, identifiers, computed read-only values, no secrets. */
export function view(ctx: ArmContext, r: GenericRecord, spec: ResourceSpec, now: number, fresh?: "Creating" | "Updating"): Json {
  const out: Record<string, unknown> = {
    id: r.id,
    name: r.name,
    type: spec.armType,
    ...(r.location === "" ? {} : { location: r.location }),
    ...(r.tags === undefined ? {} : { tags: r.tags }),
    ...r.body,
  };
  if (hasTopLevel(spec, "etag")) out["etag"] = r.etag;
  const at = provisioningStateAt(spec);
  if (at === "properties") out["properties"] = { ...((r.body["properties"] as Json | undefined) ?? {}), provisioningState: stateOf(ctx, r, now, fresh) };
  else if (at === "top") out["provisioningState"] = stateOf(ctx, r, now, fresh);
  decorateView({ ctx, record: r }, out);
  return out;
}

/** POST `…/{resource}/{function}`: a resource function of the type, answered from its output type. */
function action(ctx: ArmContext, req: ArmRequest, path: ResourcePath): ArmResponse {
  const type = fullType(path);
  const spec = ctx.catalog.resource(type);
  const fn = spec?.functions.find((f) => f.name.toLowerCase() === path.action!.toLowerCase());
  if (spec === undefined || fn === undefined) {
    throw new ArmError({
      status: 404,
      code: "InvalidResourceType",
      message: `The resource type '${[...path.types, path.action].join("/")}' could not be found in the namespace '${path.namespace}' for api version '${req.apiVersion}'. The local cloud answers the resource functions of the type definitions${spec ? ` (${spec.functions.map((f) => f.name).join(", ") || "none for this type"})` : ""}.`,
    });
  }
  checkVersion(req, path, [fn.apiVersion, ...spec.apiVersions], `${spec.armType}/${fn.name}`);
  const r = requireResource(ctx, path, spec);
  if (fn.input !== undefined && req.body !== undefined) {
    const body = objectBody(req.body);
    const { problems } = cleanBody(spec.module, fn.input, body, { partial: false });
    requireValid(problems, spec);
  }
  const special = behaviourFunction(spec.armType, fn.name);
  if (special !== undefined) return { status: 200, body: special({ ctx, record: r }) };
  if (fn.output === undefined) return { status: 200 };
  const output = sample(spec.module, fn.output, {
    seed: `${r.id.toLowerCase()}|${fn.name}`,
    secret: (p) => ctx.keys.derive(r.id, `${fn.name}|${p}`, r.createdAt),
  });
  return { status: 200, body: output };
}

/** GET of an `Azure-AsyncOperation` URL: the RPC's operation status body. */
export function pollGenericOperation(ctx: ArmContext, req: ArmRequest, opId: string): ArmResponse {
  const op = ctx.store.operation(opId);
  if (op === undefined || (op.kind !== "genericPut" && op.kind !== "genericDelete")) {
    throw new ArmError({ status: 404, code: "OperationNotFound", message: `The operation '${opId}' could not be found. It may have ended more than an hour ago.` });
  }
  const status = operationStatus(op, req.now);
  return {
    status: 200,
    headers: { "retry-after": String(ctx.retryAfterSeconds) },
    body: {
      id: `/${req.segments.join("/")}`,
      name: opId,
      status,
      startTime: new Date(op.startedAt).toISOString(),
      ...(isDone(op, req.now) ? { endTime: new Date(op.startedAt + 2 * op.stepMs).toISOString() } : {}),
      ...(status === "Failed" && op.failure ? { error: { code: op.failure.code, message: op.failure.message } } : {}),
    },
  };
}

/** GET of a delete's `Location`: 202 while it runs, then 200 with no body (as for groups, notes §1.1). */
export function pollGenericResult(ctx: ArmContext, req: ArmRequest, opId: string): ArmResponse {
  const op = ctx.store.operation(opId);
  if (op === undefined || (op.kind !== "genericPut" && op.kind !== "genericDelete")) {
    throw new ArmError({ status: 404, code: "OperationNotFound", message: `The operation '${opId}' could not be found. It may have ended more than an hour ago.` });
  }
  if (!isDone(op, req.now)) {
    return { status: 202, headers: { location: `${req.baseUrl}/${req.segments.join("/")}?api-version=${req.apiVersion}`, "retry-after": String(ctx.retryAfterSeconds) } };
  }
  if (op.failure) throw new ArmError({ status: 400, code: op.failure.code, message: op.failure.message });
  return { status: 200 };
}

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
 *   operation takes two steps (timing.ts). Other types answer synchronously.
 */
import { createHash } from "node:crypto";
import { assignedAtCreate, decorateView } from "./behaviours.js";
import { agentTakesDelete, agentTakesPut, checkFluxExtensionSettings } from "./flux-agent.js";
import type { ArmContext } from "./context.js";
import { ArmError, invalidRequestContent } from "./errors.js";
import { action } from "./generic-actions.js";
import { exists, requireParents, requireResource, requireScope, requireType } from "./generic-lookup.js";
import { objectBody, tagsOf, type ArmRequest, type ArmResponse } from "./http.js";
import { checkLocation, sameLocation } from "./locations.js";
import type { GenericRecord, Json, OperationRecord } from "./model.js";
import { operationStatus, startOperationFields } from "./operations.js";
import { inlineViews, syncInlineChildren, withoutInline } from "./inline-children.js";
import { idOf, parseResourcePath, type ResourcePath } from "./resource-path.js";
import type { ModuleSpec, ResourceSpec, TypeRef } from "./spec/model.js";
import { checkLinkedIds } from "./linked-ids.js";
import { noFilter, paged } from "./list-query.js";
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
    return list(ctx, req, path, spec);
  }
  switch (req.method) {
    case "PUT":
      return put(ctx, req, path, spec);
    case "GET":
      return { status: 200, body: view(ctx, requireResource(ctx, path, spec), spec, req.now) };
    case "HEAD":
      return { status: exists(ctx, path, spec) ? 204 : 404 };
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

/**
 * Resource providers whose deserializer refuses unknown members (400 InvalidRequestContent, "The
 * request content was invalid and could not be deserialized: 'Could not find member 'X' on object of
 * type 'Y'. Path '…''"): Microsoft.Compute (Azure/azure-sdk-for-net#3487 for disks; the VM scale set
 * docs quote "Could not find member 'scheduledEventsProfile' on object of type
 * 'VirtualMachineProfile'") and Microsoft.Authorization (policy definitions: "Could not find member
 * 'name' on object of type 'PolicyDefinitionProperties'", quoted in public policy READMEs) and
 * Microsoft.ContainerInstance (container-group-checks.ts). The
 * others ignore unknown properties, as a typed deserializer does.
 */
const STRICT_NAMESPACES = new Set(["microsoft.compute", "microsoft.authorization", "microsoft.containerinstance"]);

function strictFor(spec: ResourceSpec): boolean {
  return STRICT_NAMESPACES.has(spec.armType.split("/")[0]!.toLowerCase());
}

export function requireValid(problems: readonly Problem[], spec: ResourceSpec): void {
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

/**
 * Body fields kept in the record besides location and tags: without secrets, write-only values and
 * what the data marks sensitive beyond the definitions (the protected settings of VM extensions and
 * Kubernetes configurations, which carry keys and tokens: @iac/azure-spec gen/secret-rules.json),
 * which ARM takes and never returns. flux-agent.ts gets a Flux configuration's in memory.
 */
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
  const { value, problems } = cleanBody(spec.module, spec.body, bodyWithUrlName(spec, body, path.names[path.names.length - 1]!), { partial: false, strict: strictFor(spec) });
  requireValid(problems, spec);
  checkLinkedIds(body["properties"]);
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
    body: withoutInline(ctx, spec, storedBody(spec, value)),
    etag: etagOf(id, req.now),
    createdAt: existing?.createdAt ?? now,
  };
  const lro = provisioningStateAt(spec) !== undefined;
  let operation: OperationRecord | undefined;
  // AKS's managed Flux (flux-agent.ts) ends the operation once the cluster has what was asked.
  const agent = lro && ctx.agent !== undefined && agentTakesPut(spec.armType, base.body);
  if (agent) checkFluxExtensionSettings(spec.armType, base.body);
  if (lro) {
    operation = { kind: "genericPut", ...startOperationFields(ctx, req.now, id, { failable: true, kind: "genericPut" }), ...(agent ? { agent: "running" as const } : {}) };
    ctx.store.putOperation(operation);
  }
  const record: GenericRecord = { ...base, assigned: existing?.assigned ?? assignedAtCreate(ctx, base), ...(operation ? { operation: operation.id } : {}) };
  ctx.store.put(record);
  syncInlineChildren(ctx, { parent: record, spec, sent: value, now: req.now });
  if (agent) {
    // Never stored (sensitive): handed to the agent in memory, which puts them in a Secret on the cluster, as AKS's agent does.
    const protectedSettings = (body["properties"] as Record<string, unknown> | undefined)?.["configurationProtectedSettings"];
    if (typeof protectedSettings === "object" && protectedSettings !== null) ctx.agent!.protectedSettings(operation!.id, protectedSettings as Record<string, string>);
    ctx.agent!.kick();
  }
  const headers: Record<string, string> = operation ? { "azure-asyncoperation": asyncUrl(req, path, location, operation.id), ...ctx.timing.retryAfter("genericPut") } : {};
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
  const { value, problems } = cleanBody(spec.module, spec.body, bodyWithUrlName(spec, body, r.name), { partial: true, strict: strictFor(spec) });
  requireValid(problems, spec);
  checkLinkedIds(body["properties"]);
  if (value["location"] !== undefined && value["location"] !== null && !sameLocation(String(value["location"]), r.location || String(value["location"]))) {
    throw new ArmError({ status: 400, code: "LocationCannotBeChanged", message: `The location of '${path.names.join("/")}' cannot change from '${r.location}' to '${String(value["location"])}'; delete the resource and create it again.`, target: "location" });
  }
  const merged = merge({ ...r.body, ...(r.tags === undefined ? {} : { tags: r.tags }) }, value) as Record<string, unknown>;
  const tags = merged["tags"] as Record<string, string> | undefined;
  const newBody = withoutInline(ctx, spec, storedBody(spec, merged));
  // AKS's managed Flux: a PATCH of the microsoft.flux extension (its settings) is an operation the agent ends, as a PUT's.
  const agent = provisioningStateAt(spec) !== undefined && ctx.agent !== undefined && agentTakesPut(spec.armType, newBody);
  if (agent) checkFluxExtensionSettings(spec.armType, newBody);
  const operation: OperationRecord | undefined = agent ? { kind: "genericPut", ...startOperationFields(ctx, req.now, r.id, { failable: true, kind: "genericPut" }), agent: "running" as const } : undefined;
  if (operation) ctx.store.putOperation(operation);
  const updated: GenericRecord = {
    ...r,
    tags,
    body: newBody,
    apiVersion: req.apiVersion!,
    etag: etagOf(r.id, req.now),
    ...(operation ? { operation: operation.id } : {}),
  };
  ctx.store.put(updated);
  syncInlineChildren(ctx, { parent: updated, spec, sent: value, now: req.now });
  if (operation) {
    ctx.agent!.kick();
    return { status: 200, body: view(ctx, updated, spec, req.now, "Updating"), headers: { "azure-asyncoperation": asyncUrl(req, path, r.location, operation.id), ...ctx.timing.retryAfter("genericPut") } };
  }
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
    const agent = ctx.agent !== undefined && agentTakesDelete(r);
    const op: OperationRecord = { kind: "genericDelete", ...startOperationFields(ctx, req.now, r.id, { failable: false, kind: "genericDelete" }), ...(agent ? { agent: "running" as const } : {}) };
    opId = op.id;
    ctx.store.putOperation(op);
    ctx.store.put({ ...r, deleteOperation: opId });
    if (agent) ctx.agent!.kick();
  }
  return {
    status: 202,
    headers: {
      "azure-asyncoperation": asyncUrl(req, path, r.location, opId),
      location: resultUrl(req, path, r.location, opId),
      ...ctx.timing.retryAfter("genericDelete"),
    },
  };
}

function list(ctx: ArmContext, req: ArmRequest, path: ResourcePath, spec: ResourceSpec): ArmResponse {
  requireScope(ctx, path, false);
  noFilter(req);
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
  return paged(req, value, ctx.pageSize);
}

/** provisioningState of a record now. */
export function stateOf(ctx: ArmContext, r: GenericRecord, now: number, fresh?: "Creating" | "Updating"): string {
  if (r.deleteOperation !== undefined) return "Deleting";
  if (r.operation === undefined) return "Succeeded";
  const op = ctx.store.operation(r.operation);
  if (op === undefined) return r.failed ? "Failed" : "Succeeded";
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
  const children = inlineViews(ctx, { parent: r, spec, childView: (c, cs) => view(ctx, c, cs, now) });
  if (at === "properties" || Object.keys(children).length > 0) {
    out["properties"] = {
      ...((r.body["properties"] as Json | undefined) ?? {}),
      ...children,
      ...(at === "properties" ? { provisioningState: stateOf(ctx, r, now, fresh) } : {}),
    };
  }
  if (at === "top") out["provisioningState"] = stateOf(ctx, r, now, fresh);
  decorateView({ ctx, record: r }, out);
  return out;
}

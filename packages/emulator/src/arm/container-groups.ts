/**
 * Microsoft.ContainerInstance/containerGroups (notes §1.4): PUT 201 (200 on update) with
 * provisioningState Pending and an `Azure-AsyncOperation` header whose status document goes
 * Pending -> Creating -> Succeeded (or Failed); PATCH of tags; DELETE 200 with the group (204 when
 * missing). The emulator runs no containers: instance views report what ACI would.
 */
import { randomInt } from "node:crypto";
import type { ArmContext } from "./context.js";
import { ArmError, invalidRequestContent, resourceNotFound } from "./errors.js";
import { objectBody, objectProp, tagsOf, type ArmRequest, type ArmResponse } from "./http.js";
import { aciLocation, checkLocation, normalizeLocation, sameLocation } from "./locations.js";
import type { ContainerGroupOperation, ContainerGroupRecord, Json, OperationStatus } from "./model.js";
import { checkContainerGroupName } from "./names.js";
import { operationStatus, startOperationFields } from "./operations.js";
import { requireGroup, requireWritableGroup } from "./resource-groups.js";
import { immutableChange, validateContainerGroup, withoutSecrets } from "./container-group-spec.js";
import { checkDnsLabel, checkNetwork, FAILED_MOUNT, mountFailure, refusePatchWithVolumes, refuseUnknownMembers, requireVolumeKeys } from "./container-group-checks.js";
import { checkLinkedIds } from "./linked-ids.js";
import { noFilter, paged } from "./list-query.js";

export const CONTAINER_GROUP_TYPE = "Microsoft.ContainerInstance/containerGroups";
const EXTRA_FIELDS = ["identity", "zones"];
/** ACI's operation documents carry their own api-version (notes §1.4, recorded trace). */
const AAO_API_VERSION = "2018-06-01";
const READ_ONLY = ["provisioningState", "instanceView"];

type Obj = Record<string, unknown>;

export function containerGroupId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;
}

function statusOf(ctx: ArmContext, g: ContainerGroupRecord, now: number): OperationStatus {
  const op = ctx.store.operation(g.operation);
  // An operation forgotten after an hour ended long ago; only failures are remembered on the group.
  return op === undefined ? "Succeeded" : operationStatus(op, now);
}

function containerInstanceView(image: string, state: OperationStatus, since: string, options: { readonly stopped: boolean; readonly mountFailed: boolean }): Json {
  const event = (name: string, message: string) => ({ count: 1, firstTimestamp: since, lastTimestamp: since, name, message, type: "Normal" });
  // GUESS: a stopped group's containers read Terminated with detailStatus "Stopped" (no public trace).
  if (options.stopped) return { restartCount: 0, currentState: { state: "Terminated", detailStatus: "Stopped" }, events: [] };
  // The image was pulled, then the volume did not mount: the container waits (ContainerGroupsGet_Failed.json).
  if (options.mountFailed) {
    return { restartCount: 0, currentState: { state: "Waiting", startTime: since, detailStatus: "" }, events: [event("Pulling", `pulling image "${image}"`), event("Pulled", `Successfully pulled image "${image}"`)] };
  }
  if (state !== "Succeeded") return { restartCount: 0, currentState: { state: "Waiting", detailStatus: "" }, events: [] };
  return {
    restartCount: 0,
    currentState: { state: "Running", startTime: since, detailStatus: "" },
    events: [event("Pulling", `pulling image "${image}"`), event("Pulled", `Successfully pulled image "${image}"`), event("Started", "Started container")],
  };
}

/** The group as GET returns it at `now`. */
export function containerGroupView(ctx: ArmContext, g: ContainerGroupRecord, now: number): Json {
  const state = statusOf(ctx, g, now);
  const op = ctx.store.operation(g.operation);
  const started = op ? op.startedAt + 2 * op.stepMs : Date.parse(g.createdAt);
  const since = new Date(Math.max(started, g.restartedAt === undefined ? 0 : Date.parse(g.restartedAt))).toISOString();
  const stopped = g.stopped === true;
  const mountFailed = state === "Failed" && op?.failure?.code === FAILED_MOUNT;
  const p = g.properties;
  const containers = (p["containers"] as Obj[]).map((c) => {
    const cp = (c["properties"] ?? {}) as Obj;
    return {
      name: c["name"],
      properties: {
        command: [],
        ports: [],
        environmentVariables: [],
        ...cp,
        instanceView: containerInstanceView(String(cp["image"]), state, since, { stopped, mountFailed }),
      },
    };
  });
  // An Azure Files volume is read-write unless said otherwise (ContainerGroupsGet_*.json show readOnly: false).
  const volumes = Array.isArray(p["volumes"])
    ? (p["volumes"] as Obj[]).map((v) => (typeof v["azureFile"] === "object" && v["azureFile"] !== null ? { ...v, azureFile: { readOnly: false, ...(v["azureFile"] as Obj) } } : v))
    : undefined;
  const ip = p["ipAddress"] as Obj | undefined;
  const ipView = ip === undefined
    ? undefined
    : {
        ...ip,
        ports: (ip["ports"] as Obj[]).map((port) => ({ port: port["port"], protocol: typeof port["protocol"] === "string" ? port["protocol"].toUpperCase() : "TCP" })),
        ip: g.ip,
        ...(typeof ip["dnsNameLabel"] === "string" ? { fqdn: `${ip["dnsNameLabel"]}.${normalizeLocation(g.location)}.azurecontainer.io` } : {}),
      };
  return {
    id: g.id,
    location: g.location,
    name: g.name,
    type: CONTAINER_GROUP_TYPE,
    ...(g.tags === undefined ? {} : { tags: g.tags }),
    ...g.extra,
    properties: {
      sku: "Standard",
      initContainers: [],
      imageRegistryCredentials: [],
      restartPolicy: "Always",
      ...p,
      containers,
      ...(volumes === undefined ? {} : { volumes }),
      ...(ipView === undefined ? {} : { ipAddress: ipView }),
      provisioningState: state,
      instanceView: { events: groupEvents(op, state, since), state: stopped ? "Stopped" : state === "Succeeded" ? "Running" : "Pending" },
    },
  };
}

/** A failed mount shows as the group's event (ContainerGroupsGet_Failed.json; container-group-checks.ts). */
function groupEvents(op: { readonly failure?: { readonly code: string; readonly message: string } } | undefined, state: OperationStatus, since: string): Json[] {
  if (state !== "Failed" || op?.failure === undefined || op.failure.code !== FAILED_MOUNT) return [];
  return [{ count: 1, firstTimestamp: since, lastTimestamp: since, name: FAILED_MOUNT, message: op.failure.message, type: "Warning" }];
}

function publicIp(type: unknown): string {
  return type === "Private" ? `10.0.${randomInt(0, 256)}.${randomInt(4, 255)}` : `20.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

function asyncOperationUrl(req: ArmRequest, sub: string, location: string, opId: string): string {
  return `${req.baseUrl}/subscriptions/${sub}/providers/Microsoft.ContainerInstance/locations/${normalizeLocation(location)}/operations/${opId}?api-version=${AAO_API_VERSION}`;
}

export function putContainerGroup(ctx: ArmContext, req: ArmRequest, sub: string, rg: string, name: string): ArmResponse {
  requireWritableGroup(ctx, sub, rg);
  checkContainerGroupName(name);
  const body = objectBody(req.body);
  checkLocation(body["location"], { code: "LocationNotAvailableForResourceType", what: `resource type '${CONTAINER_GROUP_TYPE}'` });
  const location = aciLocation(String(body["location"]));
  const properties = { ...objectProp(body, "properties") };
  for (const k of READ_ONLY) delete properties[k];
  if (Object.keys(properties).length === 0) throw invalidRequestContent("Required property 'properties' not found in JSON");
  validateContainerGroup(name, properties);
  refuseUnknownMembers(ctx, body);
  checkNetwork(name, properties);
  checkLinkedIds(properties);
  requireVolumeKeys(name, properties);
  const id = containerGroupId(sub, rg, name);
  checkDnsLabel(ctx, { id, group: name, location, properties });
  const existing = ctx.store.get(id);
  const clean = withoutSecrets(properties);
  if (existing?.kind === "containerGroup") {
    if (!sameLocation(existing.location, location)) {
      throw new ArmError({
        status: 409,
        code: "InvalidResourceLocation",
        message: `The resource '${name}' already exists in location '${existing.location}' in resource group '${rg}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
      });
    }
    const changed = immutableChange(existing.properties, clean);
    if (changed !== undefined) {
      // Code and message from a real deployment error body ({"error":{"code":"InvalidContainerGroupUpdate",
      // "message":"The updates on container group '…' are invalid. …"}}, quoted in a public repository's
      // notes; same text in MicrosoftDocs/azure-docs#38067, #37604, pulumi/pulumi-azure-native#918).
      // No source shows the HTTP status; 409 is kept because @iac/azure maps it to ConflictError.
      throw new ArmError({
        status: 409,
        code: "InvalidContainerGroupUpdate",
        message: `The updates on container group '${name}' are invalid. If you are going to update the os type, restart policy, network profile, CPU, memory or GPU resources for a container group, you must delete it first and then create a new one. (Changed: ${changed}.)`,
      });
    }
  }
  // Checked before the secrets go: the keys are compared, never stored.
  const mount = mountFailure(ctx, properties);
  const fields = startOperationFields(ctx, req.now, id, { failable: true, kind: "containerGroupCreate" });
  const op: ContainerGroupOperation = { kind: "containerGroupCreate", ...fields, ...(fields.failure === undefined && mount !== undefined ? { failure: mount } : {}), location };
  const opId = op.id;
  ctx.store.putOperation(op);
  const prevIp = existing?.kind === "containerGroup" ? existing.ip : undefined;
  const record: ContainerGroupRecord = {
    kind: "containerGroup",
    id,
    subscriptionId: sub,
    resourceGroup: rg,
    name,
    location,
    tags: tagsOf(body),
    properties: clean,
    extra: Object.fromEntries(EXTRA_FIELDS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])),
    ip: prevIp ?? publicIp((properties["ipAddress"] as Obj | undefined)?.["type"]),
    createdAt: existing?.kind === "containerGroup" ? existing.createdAt : new Date(req.now).toISOString(),
    operation: opId,
  };
  ctx.store.put(record);
  // Recorded traffic: 201 + Azure-AsyncOperation, no Retry-After (notes §1.4).
  return {
    status: existing ? 200 : 201,
    body: containerGroupView(ctx, record, req.now),
    headers: { "azure-asyncoperation": asyncOperationUrl(req, sub, location, opId) },
  };
}

/** The Azure-AsyncOperation document: `{ id, status, startTime, properties: { events }, error? }`. */
export function pollContainerGroupOperation(ctx: ArmContext, req: ArmRequest, opId: string): ArmResponse {
  const op = ctx.store.operation(opId);
  if (op?.kind !== "containerGroupCreate") {
    throw new ArmError({ status: 404, code: "OperationNotFound", message: `The operation '${opId}' could not be found. It may have ended more than an hour ago.` });
  }
  const status = operationStatus(op, req.now);
  const group = ctx.store.get(op.resourceKey);
  const done = status === "Succeeded" || status === "Failed";
  const body = {
    id: group?.id ?? op.resourceKey,
    status,
    startTime: new Date(op.startedAt).toISOString(),
    ...(done ? { endTime: new Date(op.startedAt + 2 * op.stepMs).toISOString() } : {}),
    properties: { events: [] },
    ...(status === "Failed" && op.failure ? { error: { code: op.failure.code, message: op.failure.message } } : {}),
  };
  return { status: 200, body, headers: done ? {} : ctx.timing.retryAfter("containerGroupCreate") };
}

function requireContainerGroup(ctx: ArmContext, sub: string, rg: string, name: string): ContainerGroupRecord {
  requireGroup(ctx, sub, rg);
  const g = ctx.store.get(containerGroupId(sub, rg, name));
  if (g?.kind !== "containerGroup") throw resourceNotFound(CONTAINER_GROUP_TYPE, name, rg);
  return g;
}

export function getContainerGroup(ctx: ArmContext, req: ArmRequest, sub: string, rg: string, name: string): ArmResponse {
  return { status: 200, body: containerGroupView(ctx, requireContainerGroup(ctx, sub, rg, name), req.now) };
}

/** PATCH: "Resource with just the tags to be updated", synchronous 200. */
export function patchContainerGroup(ctx: ArmContext, req: ArmRequest, sub: string, rg: string, name: string): ArmResponse {
  requireWritableGroup(ctx, sub, rg);
  const g = requireContainerGroup(ctx, sub, rg, name);
  refusePatchWithVolumes(g);
  const body = objectBody(req.body);
  const updated: ContainerGroupRecord = { ...g, tags: body["tags"] === undefined ? g.tags : tagsOf(body) };
  ctx.store.put(updated);
  return { status: 200, body: containerGroupView(ctx, updated, req.now) };
}

/** DELETE: 200 with the group's last body (recorded trace), 204 when there is none. */
export function deleteContainerGroup(ctx: ArmContext, req: ArmRequest, sub: string, rg: string, name: string): ArmResponse {
  requireGroup(ctx, sub, rg);
  const g = ctx.store.get(containerGroupId(sub, rg, name));
  if (g?.kind !== "containerGroup") return { status: 204 };
  const body = containerGroupView(ctx, g, req.now);
  // Extension resources on the group (role assignments...) go with it.
  for (const child of ctx.store.under(g.id)) ctx.store.remove(child.id);
  ctx.store.remove(g.id);
  return { status: 200, body };
}

export function listContainerGroups(ctx: ArmContext, req: ArmRequest, sub: string, rg?: string): ArmResponse {
  noFilter(req);
  if (rg !== undefined) requireGroup(ctx, sub, rg);
  const prefix = (rg === undefined ? `/subscriptions/${sub}/` : `/subscriptions/${sub}/resourceGroups/${rg}/`).toLowerCase();
  const value = ctx.store
    .all()
    .filter((r): r is ContainerGroupRecord => r.kind === "containerGroup" && r.id.toLowerCase().startsWith(prefix))
    .map((g) => containerGroupView(ctx, g, req.now));
  return paged(req, value, ctx.pageSize);
}

/**
 * POST restart: "Restarts all containers in a container group in place" (ContainerGroups_Restart);
 * 204, done at once (the spec marks it long-running but lists 204 only). The containers' start time
 * moves to now; a stopped group runs again.
 */
export function restartContainerGroup(ctx: ArmContext, req: ArmRequest, p: { sub: string; rg: string; name: string }): ArmResponse {
  requireWritableGroup(ctx, p.sub, p.rg);
  const g = requireContainerGroup(ctx, p.sub, p.rg, p.name);
  ctx.store.put({ ...g, stopped: undefined, restartedAt: new Date(req.now).toISOString() });
  return { status: 204 };
}

/** POST stop: "Stops all containers in a container group" (ContainerGroups_Stop), 204; the group shows `Stopped`. */
export function stopContainerGroup(ctx: ArmContext, _req: ArmRequest, p: { sub: string; rg: string; name: string }): ArmResponse {
  requireWritableGroup(ctx, p.sub, p.rg);
  const g = requireContainerGroup(ctx, p.sub, p.rg, p.name);
  ctx.store.put({ ...g, stopped: true });
  return { status: 204 };
}

/**
 * POST start: "Starts all containers in a container group" (ContainerGroups_Start): 202 with
 * `Azure-AsyncOperation`, whose document goes Pending -> Creating -> Succeeded as for a PUT.
 */
export function startContainerGroup(ctx: ArmContext, req: ArmRequest, p: { sub: string; rg: string; name: string }): ArmResponse {
  requireWritableGroup(ctx, p.sub, p.rg);
  const g = requireContainerGroup(ctx, p.sub, p.rg, p.name);
  const op: ContainerGroupOperation = { kind: "containerGroupCreate", ...startOperationFields(ctx, req.now, g.id, { failable: false, kind: "containerGroupCreate" }), location: g.location };
  ctx.store.putOperation(op);
  ctx.store.put({ ...g, stopped: undefined, restartedAt: undefined, operation: op.id });
  return { status: 202, headers: { "azure-asyncoperation": asyncOperationUrl(req, p.sub, g.location, op.id), ...ctx.timing.retryAfter("containerGroupCreate") } };
}

/** Container logs: `{ content }`. No container really runs, and the content says so. */
export function containerLogs(ctx: ArmContext, req: ArmRequest, p: { sub: string; rg: string; name: string; container: string }): ArmResponse {
  const g = requireContainerGroup(ctx, p.sub, p.rg, p.name);
  const c = (g.properties["containers"] as Obj[]).find((x) => String(x["name"]).toLowerCase() === p.container.toLowerCase());
  if (!c) {
    // No public source shows ACI's answer for logs of an unknown container; code and message are ours.
    throw new ArmError({ status: 404, code: "ContainerNotFound", message: `The container '${p.container}' could not be found in container group '${g.name}'.` });
  }
  const image = String(((c["properties"] ?? {}) as Obj)["image"]);
  const running = statusOf(ctx, g, req.now) === "Succeeded" && g.stopped !== true;
  const lines = running ? [`[iac local cloud] container '${String(c["name"])}' (image ${image}) is emulated; no process runs, so there is no output.`] : [];
  // `tail`: "The number of lines to show from the tail of the container instance log" (ContainerGroups_ListLogs).
  const tail = req.query.get("tail");
  const shown = tail !== null && /^\d+$/.test(tail) ? lines.slice(Math.max(0, lines.length - Number(tail))) : lines;
  return { status: 200, body: { content: shown.map((l) => `${l}\n`).join("") } };
}

/**
 * The Kubernetes API over HTTP: routing of `/api`, `/apis`, `/openapi/v3` and resource paths
 * (`/api/v1/namespaces/{ns}/{plural}/{name}/{subresource}`, `/apis/{group}/{version}/...`) onto
 * the store, with the apiserver's status codes and `Status` bodies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import {
  AGGREGATED_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION,
} from "./discovery.js";
import { badRequest, invalid, KubeApiError, methodNotAllowed, notAcceptableForm, pathNotFound, successStatus, unauthorized, unsupportedMediaType } from "./errors.js";
import { mediaType, parseJson, readBody, readRawBody, sendError, sendJson, metadataOnlyForm, wantsAggregatedDiscovery, wantsTable } from "./http-util.js";
import { decodeProtobufObject, PROTOBUF } from "./protobuf.js";
import { selfSubjectAccessReview } from "./access-review.js";
import { serveScale } from "./scale.js";
import { groupVersionDocument, openApiIndex } from "./openapi.js";
import { parseSelector } from "./selectors.js";
import type { FieldValidation, PatchType, PropagationPolicy, StoreCore, Target } from "./store.js";
import { toTable } from "./table.js";
import { apiVersionOf, isPlainObject, type KubeObject, type ResourceType } from "./types.js";
import { serveWatch } from "./watch.js";

export interface HttpContext {
  readonly store: StoreCore;
  /** `host:port` the server is reached at (for `/api`'s serverAddressByClientCIDRs). */
  readonly serverAddress: () => string;
  readonly streams: Set<ServerResponse>;
  /** Answer `/api` and `/apis` in the aggregated form when asked (default true). */
  readonly aggregatedDiscovery: boolean;
}

const PUBLIC_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

interface ResourcePath {
  readonly target: Target;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

function dryRunOf(q: URLSearchParams, body?: Record<string, unknown>): boolean {
  const values = [...q.getAll("dryRun"), ...(Array.isArray(body?.["dryRun"]) ? (body["dryRun"] as unknown[]).map(String) : [])];
  for (const v of values) {
    if (v !== "All") {
      throw invalid({ group: "meta.k8s.io", kind: "DeleteOptions", name: "" }, [{ type: "FieldValueNotSupported", field: "dryRun", value: v, detail: `supported values: "All"` }]);
    }
  }
  return values.length > 0;
}

/** `fieldValidation`: Strict, Warn (the apiserver's default) or Ignore; anything else is refused as the apiserver does. */
function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get("fieldValidation");
  if (v === null || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

/** `Warning: 299 - "<text>"` headers, as the apiserver sends them. */
function setWarnings(res: ServerResponse, warnings: readonly string[] | undefined): void {
  if (warnings === undefined || warnings.length === 0) return;
  res.setHeader("warning", warnings.map((w) => `299 - ${JSON.stringify(w)}`));
}

/** Field manager of a non-apply write: `fieldManager`, else the User-Agent's product (apiserver `prefixFromUserAgent`). */
function managerOf(req: IncomingMessage, q: URLSearchParams): string {
  const given = q.get("fieldManager");
  if (given) return given;
  const ua = req.headers["user-agent"] ?? "unknown";
  return ua.split("/")[0]!.slice(0, 128);
}

/** Handle one Kubernetes API request. */
export async function handleKubeRequest(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await route(ctx, req, res);
  } catch (err) {
    if (err instanceof KubeApiError) {
      if (!res.headersSent) {
        setWarnings(res, err.warnings);
        sendError(res, err);
      }
      else res.end();
      return;
    }
    throw err;
  }
}

async function route(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "https://kubernetes.local");
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const method = req.method ?? "GET";
  if (PUBLIC_PATHS.has(path)) {
    if (path === "/version") return sendJson(res, 200, SERVER_VERSION);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
    return;
  }
  const auth = req.headers["authorization"] ?? "";
  if (!/^Bearer\s+\S+/i.test(auth) && !/^Basic\s+\S+/i.test(auth)) throw unauthorized();

  const store = ctx.store;
  const registry = store.registry;
  const seg = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
  const accept = req.headers["accept"];

  if (seg[0] === "openapi") {
    if (seg[1] !== "v3") throw pathNotFound();
    if (seg.length === 2) return sendJson(res, 200, openApiIndex(registry));
    const group = seg[2] === "api" ? "" : seg[3] ?? "";
    const version = seg[2] === "api" ? seg[3] ?? "" : seg[4] ?? "";
    const doc = groupVersionDocument(registry, group, version);
    if (!doc) throw pathNotFound();
    return sendJson(res, 200, doc);
  }

  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (seg[0] === "api") {
    if (seg.length === 1) {
      if (ctx.aggregatedDiscovery && wantsAggregatedDiscovery(accept)) return sendJson(res, 200, aggregatedDiscovery(registry, true), AGGREGATED_CONTENT_TYPE);
      return sendJson(res, 200, apiVersions(ctx.serverAddress()));
    }
    group = "";
    version = seg[1];
    rest = seg.slice(2);
  } else if (seg[0] === "apis") {
    if (seg.length === 1) {
      if (ctx.aggregatedDiscovery && wantsAggregatedDiscovery(accept)) return sendJson(res, 200, aggregatedDiscovery(registry, false), AGGREGATED_CONTENT_TYPE);
      return sendJson(res, 200, apiGroupList(registry));
    }
    group = seg[1]!;
    if (seg.length === 2) {
      const doc = apiGroup(registry, group);
      if (!doc) throw pathNotFound();
      return sendJson(res, 200, doc);
    }
    version = seg[2];
    rest = seg.slice(3);
  } else throw pathNotFound();

  if (rest.length === 0) {
    const list = apiResourceList(registry, group, version!);
    if (!list) throw pathNotFound();
    return sendJson(res, 200, list);
  }
  if (group === "authorization.k8s.io" && version === "v1" && rest.length === 1 && rest[0] === "selfsubjectaccessreviews" && method === "POST") {
    return sendJson(res, 201, await selfSubjectAccessReview(req));
  }
  const rp = resolvePath(ctx, group, version!, rest);
  await serveResource(ctx, req, res, rp, url.searchParams, method, accept);
}

function resolvePath(ctx: HttpContext, group: string, version: string, rest: string[]): ResourcePath {
  const registry = ctx.store.registry;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const type = registry.byResource(group, version, rest[2]!);
    if (type?.namespaced) {
      if (rest.length > 5) throw pathNotFound();
      return { target: { type, version }, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
  }
  const type = registry.byResource(group, version, rest[0]!);
  if (!type || rest.length > 3) throw pathNotFound();
  if (type.namespaced && rest.length > 1) throw pathNotFound();
  return { target: { type, version }, namespace: undefined, name: rest[1], subresource: rest[2] };
}

function checkSubresource(rp: ResourcePath, method: string): "status" | "finalize" | "scale" | undefined {
  const sub = rp.subresource;
  if (sub === undefined) return undefined;
  const t = rp.target.type;
  if (sub === "scale" && t.group === "apps" && ["Deployment", "ReplicaSet", "StatefulSet"].includes(t.kind) && ["GET", "PUT", "PATCH"].includes(method)) return "scale";
  if (sub === "status" && t.statusSubresource) return "status";
  if (sub === "finalize" && t.group === "" && t.kind === "Namespace" && method === "PUT") return "finalize";
  throw pathNotFound();
}

function parseObjectBody(text: string, rp: ResourcePath, what: string): KubeObject {
  return checkObjectBody(parseJson(text, what), rp, what);
}

function checkObjectBody(body: unknown, rp: ResourcePath, what: string): KubeObject {
  if (!isPlainObject(body)) throw badRequest(`the ${what} must be a JSON object`);
  const t = rp.target;
  const expected = apiVersionOf(t.type.group, t.version);
  if (body["apiVersion"] !== undefined && body["apiVersion"] !== expected) {
    throw badRequest(`the API version in the data (${String(body["apiVersion"])}) does not match the expected API version (${expected})`);
  }
  if (body["kind"] !== undefined && body["kind"] !== t.type.kind) {
    throw badRequest(`the kind in the data (${String(body["kind"])}) does not match the expected kind (${t.type.kind})`);
  }
  if (!isPlainObject(body["metadata"])) body["metadata"] = {};
  return body as KubeObject;
}

/**
 * `limit` and `continue`: the continue token names the last object returned (namespace/name), so
 * a paged list is consistent with the key order even when objects come and go between pages.
 */
function paginate(items: KubeObject[], q: URLSearchParams): { items: KubeObject[]; meta: Record<string, unknown> } {
  const token = q.get("continue");
  let start = 0;
  if (token) {
    let after: string;
    try {
      after = String((JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown }).after);
    } catch {
      throw new KubeApiError(400, "BadRequest", "continue key is not valid: restart the list without `continue`");
    }
    start = items.findIndex((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}` > after);
    if (start < 0) start = items.length;
  }
  const limit = Number(q.get("limit") ?? "0");
  if (!Number.isInteger(limit) || limit <= 0 || start + limit >= items.length) return { items: items.slice(start), meta: {} };
  const pageItems = items.slice(start, start + limit);
  const last = pageItems[pageItems.length - 1]!;
  const next = Buffer.from(JSON.stringify({ after: `${last.metadata.namespace ?? ""}/${last.metadata.name}` })).toString("base64url");
  return { items: pageItems, meta: { continue: next, remainingItemCount: items.length - start - limit } };
}

/** A POST or PUT body: JSON (or YAML-as-JSON), or protobuf as kubectl's typed clients send it (protobuf.ts). */
async function readObjectBody(req: IncomingMessage, rp: ResourcePath): Promise<KubeObject> {
  if (mediaType(req.headers["content-type"]) === PROTOBUF) return checkObjectBody(decodeProtobufObject(await readRawBody(req)), rp, "request body");
  return parseObjectBody(await readBody(req), rp, "request body");
}

const JSON_BODIES = new Set(["", "application/json", "application/yaml", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml"]);

async function serveResource(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, rp: ResourcePath, q: URLSearchParams, method: string, accept: string | undefined): Promise<void> {
  const store = ctx.store;
  const bodyType = mediaType(req.headers["content-type"]);
  if ((method === "POST" || method === "PUT") && !JSON_BODIES.has(bodyType) && bodyType !== PROTOBUF) {
    // CBOR is not decoded here; client-go answers a 415 by retrying the request as JSON.
    throw unsupportedMediaType(bodyType, ["application/json", "application/yaml", PROTOBUF]);
  }
  const t = rp.target;
  const sub = checkSubresource(rp, method);
  if (rp.name === undefined) {
    const selector = parseSelector(q.get("labelSelector") ?? undefined, q.get("fieldSelector") ?? undefined);
    if (method === "GET") {
      if (q.get("watch") === "true" || q.get("watch") === "1") {
        const timeout = q.get("timeoutSeconds");
        return serveWatch(store, req, res, {
          target: t,
          namespace: rp.namespace,
          selector,
          resourceVersion: q.get("resourceVersion") ?? undefined,
          timeoutSeconds: timeout === null ? undefined : Number(timeout),
          streams: ctx.streams,
          ...(wantsTable(accept) ? { asTable: (o: KubeObject) => toTable({ registry: store.registry, type: t.type, version: t.version, objects: [o], resourceVersion: o.metadata.resourceVersion ?? "" }) } : {}),
        });
      }
      const page = paginate(store.list(t, rp.namespace, selector), q);
      const rv = String(store.resourceVersion());
      const listMeta = { resourceVersion: rv, ...page.meta };
      if (wantsTable(accept)) {
        const table = toTable({ registry: store.registry, type: t.type, version: t.version, objects: page.items, resourceVersion: rv }) as Record<string, unknown>;
        return sendJson(res, 200, { ...table, metadata: listMeta });
      }
      const metadataOnly = metadataOnlyForm(accept);
      if (metadataOnly === "PartialObjectMetadata") throw notAcceptableForm(metadataOnly, goTypeOf(t.type, true));
      if (metadataOnly === "PartialObjectMetadataList") {
        return sendJson(res, 200, { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: listMeta, items: page.items.map(partialMetadata) });
      }
      return sendJson(res, 200, { kind: t.type.listKind, apiVersion: apiVersionOf(t.type.group, t.version), metadata: listMeta, items: page.items });
    }
    if (method === "POST") {
      const body = await readObjectBody(req, rp);
      if (t.type.namespaced) {
        if (rp.namespace === undefined) throw methodNotAllowed();
        if (body.metadata.namespace !== undefined && body.metadata.namespace !== rp.namespace) {
          throw badRequest(`the namespace of the provided object (${body.metadata.namespace}) does not match the namespace sent on the request (${rp.namespace})`);
        }
        body.metadata.namespace = rp.namespace;
      }
      const result = store.create(t, body, { fieldManager: managerOf(req, q), dryRun: dryRunOf(q), fieldValidation: fieldValidationOf(q) });
      setWarnings(res, result.warnings);
      return sendJson(res, 201, result.object);
    }
    if (method === "DELETE") {
      const text = await readBody(req);
      const opts = text.trim() === "" ? {} : (parseJson(text, "DeleteOptions") as Record<string, unknown>);
      const dryRun = dryRunOf(q, opts);
      const policy = (q.get("propagationPolicy") ?? opts["propagationPolicy"] ?? undefined) as PropagationPolicy | undefined;
      const deleted: KubeObject[] = [];
      for (const o of store.list(t, rp.namespace, selector)) {
        try {
          deleted.push(store.delete(t, o.metadata.namespace, o.metadata.name!, { propagationPolicy: policy, dryRun }).object);
        } catch (err) {
          if (!(err instanceof KubeApiError && err.code === "NotFound")) throw err;
        }
      }
      return sendJson(res, 200, { kind: t.type.listKind, apiVersion: apiVersionOf(t.type.group, t.version), metadata: { resourceVersion: String(store.resourceVersion()) }, items: deleted });
    }
    throw methodNotAllowed();
  }

  const name = rp.name;
  if (sub === "scale") return serveScale({ store, req, res, rp, name, method, q, fieldManager: managerOf(req, q), dryRun: dryRunOf(q) });
  switch (method) {
    case "GET": {
      if (q.get("watch") === "true") throw methodNotAllowed("watch a single object with a list request and fieldSelector=metadata.name=<name>");
      const obj = store.get(t, rp.namespace, name);
      if (wantsTable(accept)) return sendJson(res, 200, toTable({ registry: store.registry, type: t.type, version: t.version, objects: [obj], resourceVersion: obj.metadata.resourceVersion ?? "" }));
      const metadataOnly = metadataOnlyForm(accept);
      if (metadataOnly === "PartialObjectMetadataList") throw notAcceptableForm(metadataOnly, goTypeOf(t.type, false));
      if (metadataOnly === "PartialObjectMetadata") return sendJson(res, 200, partialMetadata(obj));
      return sendJson(res, 200, obj);
    }
    case "PUT": {
      const body = await readObjectBody(req, rp);
      if (sub === "finalize") {
        const spec = isPlainObject(body["spec"]) ? body["spec"] : {};
        const finalizers = Array.isArray(spec["finalizers"]) ? spec["finalizers"].map(String) : [];
        return sendJson(res, 200, store.finalizeNamespace(name, finalizers, { dryRun: dryRunOf(q) }).object);
      }
      const result = store.update(t, rp.namespace, name, body, { fieldManager: managerOf(req, q), dryRun: dryRunOf(q), subresource: sub, fieldValidation: fieldValidationOf(q) });
      setWarnings(res, result.warnings);
      // 201 when the PUT created the object (a Lease: its registry allows create on update).
      return sendJson(res, result.created ? 201 : 200, result.object);
    }
    case "PATCH": {
      const ctype = mediaType(req.headers["content-type"]);
      const text = await readBody(req);
      const force = q.get("force");
      const dryRun = dryRunOf(q);
      const subresource = sub === "status" ? "status" : undefined;
      if (ctype === "application/apply-patch+yaml" || ctype === "application/apply-patch+cbor") {
        let body: unknown;
        try {
          body = parseYaml(text);
        } catch (err) {
          throw badRequest(`error decoding YAML: ${(err as Error).message}`);
        }
        if (!isPlainObject(body)) throw badRequest("the applied configuration must be a YAML or JSON object");
        const result = store.apply(t, rp.namespace, name, body as KubeObject, { fieldManager: q.get("fieldManager") ?? "", force: force === "true", dryRun, subresource });
        return sendJson(res, result.created ? 201 : 200, result.object);
      }
      const types: Record<string, PatchType> = {
        "application/merge-patch+json": "merge",
        "application/strategic-merge-patch+json": "strategic",
        "application/json-patch+json": "json",
      };
      const patchType = types[ctype];
      const accepted = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"];
      if (patchType === undefined) throw unsupportedMediaType(ctype, t.type.crd === undefined ? [...accepted, "application/strategic-merge-patch+json"] : accepted);
      if (patchType === "strategic" && t.type.crd !== undefined) throw unsupportedMediaType(ctype, accepted);
      if (force !== null) {
        throw new KubeApiError(422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch`, {
          group: "meta.k8s.io",
          kind: "PatchOptions",
          causes: [{ reason: "FieldValueForbidden", message: "Forbidden: may not be specified for non-apply patch", field: "force" }],
        });
      }
      const result = store.patch(t, rp.namespace, name, { type: patchType, body: parseJson(text, "patch") }, { fieldManager: managerOf(req, q), dryRun, subresource, fieldValidation: fieldValidationOf(q) });
      setWarnings(res, result.warnings);
      return sendJson(res, 200, result.object);
    }
    case "DELETE": {
      if (sub !== undefined) throw methodNotAllowed();
      const text = await readBody(req);
      const opts = text.trim() === "" ? {} : (parseJson(text, "DeleteOptions") as Record<string, unknown>);
      const policy = (q.get("propagationPolicy") ?? opts["propagationPolicy"] ?? undefined) as PropagationPolicy | undefined;
      if (policy !== undefined && !["Foreground", "Background", "Orphan"].includes(policy)) {
        throw invalid({ group: "meta.k8s.io", kind: "DeleteOptions", name: "" }, [{ type: "FieldValueNotSupported", field: "propagationPolicy", value: policy, detail: `supported values: "Foreground", "Background", "Orphan"` }]);
      }
      const orphan = q.get("orphanDependents") ?? opts["orphanDependents"];
      const pre = isPlainObject(opts["preconditions"]) ? opts["preconditions"] : {};
      const result = store.delete(t, rp.namespace, name, {
        propagationPolicy: policy ?? (orphan === true || orphan === "true" ? "Orphan" : undefined),
        dryRun: dryRunOf(q, opts),
        preconditions: {
          ...(typeof pre["uid"] === "string" ? { uid: pre["uid"] } : {}),
          ...(typeof pre["resourceVersion"] === "string" ? { resourceVersion: pre["resourceVersion"] } : {}),
        },
      });
      if (result.kind === "pending") return sendJson(res, 200, result.object);
      return sendJson(res, 200, successStatus(t.type, name, result.object.metadata.uid));
    }
    default:
      throw methodNotAllowed();
  }
}

/** An object as `meta.k8s.io/v1` PartialObjectMetadata: its metadata only. */
function partialMetadata(o: KubeObject): { kind: string; apiVersion: string; metadata: KubeObject["metadata"] } {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

/** The apiserver's internal Go type of a kind (named in a 406): `core.Secret`, `apps.DeploymentList`; custom resources are unstructured. */
function goTypeOf(type: ResourceType, list: boolean): string {
  if (type.crd !== undefined) return list ? "unstructured.UnstructuredList" : "unstructured.Unstructured";
  const pkg = type.group === "" ? "core" : type.group.split(".")[0]!;
  return `${pkg}.${list ? type.listKind : type.kind}`;
}

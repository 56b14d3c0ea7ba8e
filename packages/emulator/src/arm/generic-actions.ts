/**
 * Generic types, continued: resource functions (POST `…/{resource}/{function}`) and the polling
 * URLs of generic long-running operations.
 */
import { behaviourFunction } from "./behaviours.js";
import type { ArmContext } from "./context.js";
import { ArmError } from "./errors.js";
import { requireValid } from "./generic.js";
import { checkVersion, requireResource } from "./generic-lookup.js";
import { objectBody, type ArmRequest, type ArmResponse } from "./http.js";
import { isDone, operationStatus } from "./operations.js";
import { fullType, type ResourcePath } from "./resource-path.js";
import { sample } from "./spec/sample.js";
import { cleanBody } from "./spec/validate.js";

/** POST `…/{resource}/{function}`: a resource function of the type, answered from its output type. */
export function action(ctx: ArmContext, req: ArmRequest, path: ResourcePath): ArmResponse {
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
    headers: ctx.timing.retryAfter("genericPut"),
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
    return { status: 202, headers: { location: `${req.baseUrl}/${req.segments.join("/")}?api-version=${req.apiVersion}`, ...ctx.timing.retryAfter("genericPut") } };
  }
  if (op.failure) throw new ArmError({ status: 400, code: op.failure.code, message: op.failure.message });
  return { status: 200 };
}

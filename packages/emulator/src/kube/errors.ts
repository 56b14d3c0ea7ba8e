/**
 * Errors of the emulated Kubernetes API, shaped exactly as the apiserver's `Status` bodies
 * (apimachinery `pkg/api/errors`), so clients branch on `reason` and `code` as against a real cluster.
 */
import { qualifiedResource, type ResourceType } from "./types.js";

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** A `kind: Status` body. */
export interface StatusBody {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Success" | "Failure";
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

/**
 * The one error type of the Kubernetes emulator. `code` is the stable Status `reason`
 * (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...); `httpStatus` the HTTP status.
 */
export class KubeApiError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly status: StatusBody;
  /** Warnings the answer carries (`Warning: 299` headers), e.g. unknown fields beside a 422. */
  warnings: readonly string[] = [];

  /** An empty `reason` is left out of the Status, as the apiserver does for some 500s. */
  constructor(httpStatus: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = "KubeApiError";
    this.code = reason;
    this.httpStatus = httpStatus;
    this.status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      ...(reason === "" ? {} : { reason }),
      ...(details === undefined ? {} : { details }),
      code: httpStatus,
    };
  }
}

/** The error, carrying warnings for the client. */
export function withWarnings(err: KubeApiError, warnings: readonly string[]): KubeApiError {
  err.warnings = warnings;
  return err;
}

type Res = Pick<ResourceType, "group" | "plural">;

function resourceDetails(type: Res, name: string): StatusDetails {
  return type.group === "" ? { name, kind: type.plural } : { name, group: type.group, kind: type.plural };
}

export function notFound(type: Res, name: string): KubeApiError {
  return new KubeApiError(404, "NotFound", `${qualifiedResource(type)} "${name}" not found`, resourceDetails(type, name));
}

/** The answer for a path that names no resource the server knows. */
export function pathNotFound(): KubeApiError {
  return new KubeApiError(404, "NotFound", "the server could not find the requested resource", {});
}

export function alreadyExists(type: Res, name: string, beingDeleted = false): KubeApiError {
  const prefix = beingDeleted ? "object is being deleted: " : "";
  return new KubeApiError(409, "AlreadyExists", `${prefix}${qualifiedResource(type)} "${name}" already exists`, resourceDetails(type, name));
}

export function staleConflict(type: Res, name: string): KubeApiError {
  return new KubeApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    resourceDetails(type, name),
  );
}

export interface FieldError {
  /** `FieldValueInvalid`, `FieldValueRequired`, `FieldValueForbidden`, `FieldValueNotSupported`. */
  readonly type:
    | "FieldValueInvalid"
    | "FieldValueTypeInvalid"
    | "FieldValueRequired"
    | "FieldValueForbidden"
    | "FieldValueNotSupported"
    | "FieldValueTooLong"
    | "FieldValueTooMany"
    | "FieldValueDuplicate";
  readonly field: string;
  /** For `FieldValueInvalid`: the rejected value, rendered as JSON in the message. */
  readonly value?: unknown;
  /** Leave the value out (`Invalid value: <detail>`), as apimachinery's `field.OmitValueType`. */
  readonly omitValue?: true;
  readonly detail: string;
}

function fieldErrorBody(e: FieldError): string {
  switch (e.type) {
    case "FieldValueInvalid":
    case "FieldValueTypeInvalid":
      return e.omitValue === true ? `Invalid value: ${e.detail}` : `Invalid value: ${JSON.stringify(e.value ?? null)}: ${e.detail}`;
    case "FieldValueTooLong":
      return `Too long: ${e.detail}`;
    case "FieldValueTooMany":
      return `Too many: ${JSON.stringify(e.value ?? null)}: ${e.detail}`;
    case "FieldValueDuplicate":
      return `Duplicate value: ${JSON.stringify(e.value ?? null)}`;
    case "FieldValueRequired":
      return `Required value${e.detail ? `: ${e.detail}` : ""}`;
    case "FieldValueForbidden":
      return `Forbidden: ${e.detail}`;
    case "FieldValueNotSupported":
      return `Unsupported value: ${JSON.stringify(e.value ?? null)}: ${e.detail}`;
    default: {
      const never: never = e.type;
      return never;
    }
  }
}

/** 422 Invalid, as `NewInvalid`: `Deployment.apps "web" is invalid: spec.selector: Invalid value: ...`. */
export function invalid(target: { group: string; kind: string; name: string }, errors: readonly FieldError[]): KubeApiError {
  const qualifiedKind = target.group === "" ? target.kind : `${target.kind}.${target.group}`;
  const parts = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
  const aggregate = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  return new KubeApiError(422, "Invalid", `${qualifiedKind} "${target.name}" is invalid: ${aggregate}`, {
    name: target.name,
    ...(target.group === "" ? {} : { group: target.group }),
    kind: target.kind,
    causes: errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
  });
}

export function forbidden(type: Res, name: string, reason: string): KubeApiError {
  return new KubeApiError(403, "Forbidden", `${qualifiedResource(type)} "${name}" is forbidden: ${reason}`, resourceDetails(type, name));
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, "BadRequest", message);
}

export function methodNotAllowed(message = "the server does not allow this method on the requested resource"): KubeApiError {
  return new KubeApiError(405, "MethodNotAllowed", message);
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): KubeApiError {
  return new KubeApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    { causes: [{ reason: "UnexpectedServerResponse", message: contentType }] },
  );
}

/**
 * A metadata-only form that does not fit the request (a list asked as PartialObjectMetadata, one
 * object as PartialObjectMetadataList), as the apiserver words it; `goType` is the object's
 * internal type (`core.SecretList`, `apps.Deployment`, `unstructured.Unstructured`).
 */
export function notAcceptableForm(asked: "PartialObjectMetadataList" | "PartialObjectMetadata", goType: string): KubeApiError {
  const what = asked === "PartialObjectMetadata" ? "is a list" : "is not a list";
  return new KubeApiError(406, "NotAcceptable", `you requested ${asked}, but the requested object ${what} (*${goType})`);
}

export function unauthorized(): KubeApiError {
  return new KubeApiError(401, "Unauthorized", "Unauthorized");
}

/** A watch from a resourceVersion the server no longer remembers. */
export function expired(requested: number, oldest: number): KubeApiError {
  return new KubeApiError(410, "Expired", `too old resource version: ${requested} (${oldest})`);
}

/** 409 from server-side apply, as `NewApplyConflict`. */
export function applyConflict(conflicts: readonly { manager: string; field: string }[]): KubeApiError {
  const n = conflicts.length;
  const lines = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`);
  const message = n === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${n} conflicts: ${lines.join("\n")}`;
  return new KubeApiError(409, "Conflict", message, {
    causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with "${c.manager}"`, field: c.field })),
  });
}

/** The `Status` a successful DELETE of an object that vanished at once returns. */
export function successStatus(type: Res, name: string, uid: string | undefined): StatusBody {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { ...resourceDetails(type, name), ...(uid === undefined ? {} : { uid }) },
    code: 200,
  } as StatusBody;
}

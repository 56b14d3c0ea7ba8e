/**
 * Errors of the Kubernetes provider. Every error is a {@link ProviderError} (the SDK's one base
 * class, with a stable `code`); the helpers here turn client-node's `ApiException` (status code
 * plus the raw Status body) into one at the boundary. The request is never kept as `cause`: its
 * headers carry the bearer token and its body may carry a Secret's data.
 */
import { ConflictError, NotFoundError, ProviderError, ThrottledError } from "@iac/sdk/provider";

/** The parts of a failed API call that are safe to keep (k8s.md §2.4: a `Status` object). */
export interface ApiFailure {
  /** HTTP status; undefined for transport errors and client-side errors. */
  readonly status?: number;
  /** The Status `reason` (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...) or a local code. */
  readonly reason: string;
  readonly message: string;
}

/** The code of a kind the API server does not serve (yet): no CRD, or not Established. */
export const NO_MATCH = "NoMatch";

/** Read what a client-node call failed with (ApiException, discovery Error, fetch error). */
export function apiFailure(err: unknown): ApiFailure {
  if (err instanceof ProviderError) return { reason: err.code, message: err.message };
  if (!(err instanceof Error)) return { reason: "Unknown", message: String(err) };
  const e = err as Error & { code?: unknown; body?: unknown };
  if (e.name === "AbortError") return { reason: "Cancelled", message: "the operation was cancelled (interrupted or timed out)" };
  // client-node's discovery: "Unrecognized API version and kind" (group-version served, kind not) or
  // "Failed to fetch resource metadata for g/v/K: HTTP-Code: 404" (group-version not served), k8s.md §1.3.
  if (/^Unrecognized API version and kind/.test(e.message) || (/^Failed to fetch resource metadata/.test(e.message) && e.code === 404)) {
    return { status: 404, reason: NO_MATCH, message: e.message.split("\n")[0] };
  }
  if (typeof e.code === "number") {
    const body = parseStatus(e.body);
    const typed = e.code === 500 ? typedPatchFailure(body?.message) : undefined;
    if (typed !== undefined) return { status: e.code, reason: "Invalid", message: typed };
    return { status: e.code, reason: body?.reason ?? `Http${e.code}`, message: body?.message ?? firstLine(e.message) };
  }
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === "string") return { reason: cause.code, message: `${e.message}: ${String(cause.message ?? cause.code)}` };
  return { reason: e.name === "Error" ? "Error" : e.name, message: e.message };
}

/**
 * A server-side apply whose body does not fit the object's schema (a string where a custom
 * resource's CRD says integer) is refused with HTTP 500 and no reason: the apiserver fails to build
 * the typed patch (`failed to create typed patch object (<name>; <gvk>): .spec.size: expected
 * numeric (int or float), got string`), before validation would answer 422. It is the caller's
 * input, not a server fault: returns the field and what is wrong with it, else undefined.
 */
export function typedPatchFailure(message: string | undefined): string | undefined {
  const m = /failed to create typed patch object \([^)]*\): (.*)$/s.exec(message ?? "");
  return m ? `${m[1]!.trim().replace(/^\./, "")} (the value does not fit the object's schema)` : undefined;
}

function firstLine(s: string): string {
  return s.split("\n").slice(0, 2).join(" ");
}

/** The `message` of a Status body (string or parsed), if any. */
export function statusMessage(body: unknown): string | undefined {
  return parseStatus(body)?.message;
}

function parseStatus(body: unknown): { reason?: string; message?: string } | undefined {
  let v: unknown = body;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      const text = v as string;
      return text.trim() === "" ? undefined : { message: text.slice(0, 500) };
    }
  }
  if (v === null || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  return {
    reason: typeof o.reason === "string" && o.reason !== "" ? o.reason : undefined,
    message: typeof o.message === "string" ? o.message : undefined,
  };
}

/** True when the object (or its kind) does not exist. */
export function isNotFound(err: unknown): boolean {
  const f = apiFailure(err);
  return f.status === 404 || f.reason === "NotFound" || f.reason === NO_MATCH;
}

/** True when the kind is not served: a CRD missing or not yet Established. */
export function isNoMatch(err: unknown): boolean {
  return apiFailure(err).reason === NO_MATCH;
}

/** True for a 422 that names an immutable field ("field is immutable"). */
export function isImmutableFieldError(err: unknown): boolean {
  const f = apiFailure(err);
  return f.status === 422 && /immutable/i.test(f.message);
}

/** Remedies for the failures a user can act on. */
function hint(f: ApiFailure): string | undefined {
  if (f.reason === NO_MATCH) return "Apply the CustomResourceDefinition first (and wait until it is Established), or fix apiVersion/kind.";
  if (f.status === 401) return "Check the credentials of the kubeconfig (kubernetes:kubeconfig / KUBECONFIG).";
  if (f.status === 403) return "Give the kubeconfig's user RBAC permission for this object, or use another context.";
  if (f.status === 409 && /conflict/i.test(f.message)) return "Another field manager owns these fields; iac applies with force, so retry the update.";
  if (f.status === 500 && f.reason === "Invalid") return "Give the field a value of the type the object's schema says (for a custom resource, its CRD's openAPIV3Schema)";
  if (f.status === 422 && /immutable/i.test(f.message)) return "The API cannot change this field in place: add it to replaceOnChanges, or delete and recreate the object.";
  if (f.reason === "ECONNREFUSED") return "Is the cluster running? Check the kubeconfig's server address (or start the local cloud with `iac local serve`).";
  return undefined;
}

/**
 * A ProviderError for a failed call: what was attempted on which object, the API's reason and
 * message, and a remedy where there is one.
 */
export function toProviderError(err: unknown, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const f = apiFailure(err);
  const h = hint(f);
  const status = f.status === undefined ? "" : ` (HTTP ${f.status})`;
  const message = `${action} failed: ${f.reason}: ${f.message}${status}${h ? `. ${h}` : ""}`;
  const cause = new Error(`${f.reason}: ${f.message}`);
  if (f.status === 404 || f.reason === "NotFound") return new NotFoundError(message, { cause });
  if (f.status === 409) return new ConflictError(message, { cause });
  if (f.status === 429) return new ThrottledError(message, { cause });
  return new ProviderError(message, { code: f.reason === NO_MATCH ? NO_MATCH : f.status === undefined || (f.status === 500 && f.reason === "Invalid") ? f.reason : `Http${f.status}`, cause });
}

/** Kubernetes provider errors that are not an API call's: bad YAML, bad input, timeouts. */
export class KubernetesError extends ProviderError {
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options);
    this.name = "KubernetesError";
  }
}

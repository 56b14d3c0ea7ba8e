/**
 * Vendor errors become ProviderErrors here, at the boundary. The SDK's RestError carries the
 * request (whose body can hold a storage key or a secure environment value, and whose headers hold
 * the bearer token), so it is never passed on as `cause`: only its status, code and message are.
 */
import { ConflictError, NotFoundError, ProviderError, ThrottledError } from "@iac/sdk/provider";

/** The parts of a failed SDK call that are safe to keep. */
export interface CloudFailure {
  readonly statusCode?: number;
  readonly code: string;
  readonly message: string;
}

/** Prefix core-lro puts on a failed operation (notes §0.3: "The long-running operation has failed. <code>. <message>"). */
const LRO_FAILED = /^The long-running operation has failed(?:\. ([^.\s]+)\. ([\s\S]*))?$/;

/** What a failed SDK call said, without the request it carried. */
export function cloudFailure(err: unknown): CloudFailure {
  if (!(err instanceof Error)) return { code: "Unknown", message: String(err) };
  const e = err as Error & { statusCode?: number; code?: string; details?: unknown };
  if (e.name === "AbortError") return { code: "Cancelled", message: "the operation was cancelled (interrupted or timed out)" };
  const lro = LRO_FAILED.exec(e.message);
  if (lro) return { code: lro[1] ?? "OperationFailed", message: lro[2] ?? "the long-running operation ended in state Failed" };
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  // Modular clients give code from the body; fall back to the body's error.code when only details has it.
  const detailsCode = (e.details as { error?: { code?: unknown } } | undefined)?.error?.code;
  const code = typeof e.code === "string" && e.code !== "" ? e.code : typeof detailsCode === "string" ? detailsCode : status === undefined ? e.name : `Http${status}`;
  return { statusCode: status, code, message: e.message };
}

/** True for a 404 from ARM (the thing, or its resource group, does not exist). */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: unknown } | null)?.statusCode === 404;
}

/** Remedies for the codes a user can act on. */
const HINTS: Readonly<Record<string, string>> = {
  StorageAccountAlreadyTaken: "Storage account names are global: choose another accountName, or leave it unset to get a generated one.",
  StorageAccountInAnotherResourceGroup: "Choose another accountName, or adopt the existing account with the resource option `import` (its id).",
  AuthorizationFailed: "Give the identity iac runs as a role (e.g. Contributor) on the subscription or resource group, then retry.",
  AuthenticationFailed: "Sign in (`az login`) or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET.",
  ResourceGroupNotFound: "Create the resource group first, or fix resourceGroupName.",
  ResourceGroupBeingDeleted: "Wait until the resource group's deletion finishes, then retry.",
  InvalidResourceGroupLocation: "A resource group cannot move: keep its location, or give the new one another name.",
  Throttled: "Azure is throttling requests: retry later or lower --parallel.",
};

/**
 * A ProviderError for a failed call: names what was attempted, carries the cloud's code and
 * message, and a remedy where there is one.
 */
export function toProviderError(err: unknown, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const f = cloudFailure(err);
  const hint = HINTS[f.code] ?? (f.statusCode === 429 ? HINTS.Throttled : undefined);
  const status = f.statusCode === undefined ? "" : ` (HTTP ${f.statusCode})`;
  const message = `${action} failed: ${f.code}: ${f.message}${status}${hint ? `. ${hint}` : ""}`;
  const cause = new Error(`${f.code}: ${f.message}`);
  if (f.statusCode === 404) return new NotFoundError(message, { cause });
  if (f.statusCode === 409) return withCode(new ConflictError(message, { cause }), f.code);
  if (f.statusCode === 429) return new ThrottledError(message, { cause });
  return new ProviderError(message, { code: f.code, cause });
}

/** A ConflictError keeps code "Conflict"; the cloud's own code is in the message and in `cloudCode`. */
function withCode<E extends ProviderError>(e: E, cloudCode: string): E & { cloudCode: string } {
  return Object.assign(e, { cloudCode });
}

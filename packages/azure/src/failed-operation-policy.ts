/**
 * The storage resource provider answers the last poll of a FAILED account creation with HTTP 200
 * and the body `{"status":"Failed","error":{"code":…,"message":…}}`, then rolls the account back
 * (Azure/azure-rest-api-specs#18844; pulumi/pulumi-azure-native#4835). The SDK polls that
 * Location URL in "ResourceLocation" mode, where the HTTP status alone decides, so it would report
 * a successful creation whose result has no field at all. This pipeline policy turns such a
 * response into an error carrying the cloud's code and message, so the poller rejects with them.
 */
import type { StorageManagementClient } from "@azure/arm-storage";

/** The pipeline policy type, taken from the client so no extra dependency is needed. */
type PipelinePolicy = Parameters<StorageManagementClient["pipeline"]["addPolicy"]>[0];

/** The error the policy throws: `code` and `message` are the cloud's, nothing of the request is kept. */
export class FailedOperationResponse extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "FailedOperationResponse";
    this.code = code;
  }
}

/** The failure a 200 body reports, if it is a failed-operation envelope (and not a resource). */
export function failedOperationOf(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b["status"] !== "string" || b["status"].toLowerCase() !== "failed" || ("id" in b && "properties" in b)) return undefined;
  const error = typeof b["error"] === "object" && b["error"] !== null ? (b["error"] as Record<string, unknown>) : {};
  return {
    code: typeof error["code"] === "string" && error["code"] !== "" ? error["code"] : "OperationFailed",
    message: typeof error["message"] === "string" && error["message"] !== "" ? error["message"] : "the operation ended in status Failed",
  };
}

/** Operation-status URLs of the storage RP (`…/locations/{region}/asyncoperations/{id}`). */
const OPERATION_URL = /\/asyncoperations\//i;

/**
 * A policy that fails a 200 poll response whose body says `status: "Failed"`. Added without a
 * phase, it runs outside the retry policy: the failure is final, never retried.
 */
export function failedOperationPolicy(): PipelinePolicy {
  return {
    name: "iacFailedOperationPolicy",
    async sendRequest(request, next) {
      const response = await next(request);
      if (request.method !== "GET" || response.status !== 200 || !OPERATION_URL.test(new URL(request.url).pathname)) return response;
      let body: unknown;
      try {
        body = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
      } catch {
        return response;
      }
      const failure = failedOperationOf(body);
      if (failure) throw new FailedOperationResponse(failure.code, failure.message);
      return response;
    },
  };
}

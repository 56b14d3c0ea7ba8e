/**
 * The retry policy of every Azure client of this package, in place of the SDK's default one.
 *
 * Why not the SDK's: its throttling strategy retries a 429 only when the response carries
 * `Retry-After` (or `retry-after-ms`), and its exponential strategy only 408 and 5xx; a 429 without
 * the header fails the call at once (@typespec/ts-http-runtime's retryStrategies, checked in
 * 1.25.1). ARM front doors and proxies do send such 429s, and a run failed on them (issue 8, item 7).
 *
 * What it retries, up to `maxRetries` times, while the call's abort signal (the custom timeout, or
 * an interrupt) allows:
 * - 429 and 503 with Retry-After / retry-after-ms / x-ms-retry-after-ms: after that delay;
 * - 429 without it, 408, and 5xx except 501 and 505: exponential backoff with jitter;
 * - dropped or refused connections (ECONNRESET, ECONNREFUSED, ETIMEDOUT, EPIPE, ...): the same.
 * Each wait is reported through the provider context's logger of the call, when there is one.
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import type { ProviderLogger } from "@iac/sdk/provider";

/** Options of {@link iacRetryPolicy}. */
export interface RetryPolicyOptions {
  readonly maxRetries: number;
  /** First delay of the exponential backoff, in ms. */
  readonly retryDelayMs: number;
  /** Longest backoff delay, in ms (a Retry-After the cloud sends is honoured as it is). */
  readonly maxRetryDelayMs: number;
  /** The logger of the provider call this request belongs to, if any. */
  readonly log?: () => ProviderLogger | undefined;
}

/** The policy's name (tests remove or find it by this). */
export const RETRY_POLICY_NAME = "iacRetryPolicy";

/** Socket-level failures worth a retry: the request may not have been processed. */
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "ESOCKETTIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "UND_ERR_SOCKET"]);

/** Why a response or error is retried, and after how long; undefined when it is final. */
export type RetryDecision = { readonly reason: string; readonly delayMs: number } | undefined;

/** The delay a throttling response asks for, in ms, from its headers; undefined when it names none. */
export function retryAfterMs(response: PipelineResponse, now = Date.now()): number | undefined {
  for (const header of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const v = response.headers.get(header);
    if (v !== undefined && v.trim() !== "" && Number.isFinite(Number(v))) return Math.max(0, Number(v));
  }
  const v = response.headers.get("retry-after");
  if (v === undefined || v.trim() === "") return undefined;
  if (Number.isFinite(Number(v))) return Math.max(0, Number(v) * 1000);
  const date = Date.parse(v);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** The exponential backoff delay of retry number `attempt` (0-based), with ±20% jitter. */
export function backoffMs(attempt: number, o: { retryDelayMs: number; maxRetryDelayMs: number }, random: () => number = Math.random): number {
  const base = Math.min(o.maxRetryDelayMs, o.retryDelayMs * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Whether (and when) to retry after this outcome of attempt `attempt`. */
export function decide(outcome: { response?: PipelineResponse; error?: unknown }, attempt: number, o: { retryDelayMs: number; maxRetryDelayMs: number }): RetryDecision {
  const { response, error } = outcome;
  if (error !== undefined) {
    if ((error as { name?: string }).name === "AbortError") return undefined;
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && TRANSIENT_CODES.has(code)) return { reason: `the connection failed (${code})`, delayMs: backoffMs(attempt, o) };
    return undefined;
  }
  if (response === undefined) return undefined;
  const status = response.status;
  if (status === 429 || status === 503) {
    const asked = retryAfterMs(response);
    const what = status === 429 ? "Azure is throttling requests (HTTP 429)" : "the service is unavailable (HTTP 503)";
    if (asked !== undefined) return { reason: `${what}, Retry-After ${Math.round(asked / 100) / 10} s`, delayMs: asked };
    return { reason: `${what} without Retry-After`, delayMs: backoffMs(attempt, o) };
  }
  if (status === 408 || (status >= 500 && status !== 501 && status !== 505)) return { reason: `the service answered HTTP ${status}`, delayMs: backoffMs(attempt, o) };
  return undefined;
}

function wait(ms: number, signal: PipelineRequest["abortSignal"]): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(): Error {
  const e = new Error("The operation was aborted while waiting to retry.");
  e.name = "AbortError";
  return e;
}

/** The request's method and path, without query (which may carry a SAS) or host. */
function describe(request: PipelineRequest): string {
  try {
    return `${request.method} ${new URL(request.url).pathname}`;
  } catch {
    return request.method;
  }
}

/** The policy (phase "Retry"). */
export function iacRetryPolicy(o: RetryPolicyOptions): PipelinePolicy {
  return {
    name: RETRY_POLICY_NAME,
    async sendRequest(request, next) {
      for (let attempt = 0; ; attempt++) {
        let response: PipelineResponse | undefined;
        let error: unknown;
        try {
          response = await next(request);
        } catch (err) {
          error = err;
        }
        const decision = attempt < o.maxRetries && !request.abortSignal?.aborted ? decide({ response, error }, attempt, o) : undefined;
        if (decision === undefined) {
          if (error !== undefined) throw error;
          return response!;
        }
        o.log?.()?.info(`${describe(request)}: ${decision.reason}; retrying in ${(decision.delayMs / 1000).toFixed(1)} s (retry ${attempt + 1} of ${o.maxRetries})`);
        await wait(decision.delayMs, request.abortSignal);
      }
    },
  };
}

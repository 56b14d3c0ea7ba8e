/**
 * How long operations take, the `Retry-After` values poll responses carry, and throttling.
 *
 * - `fast` (default): every operation takes two `lroStepMs` steps, polls say `Retry-After: 0` (the
 *   client's own interval applies), and the rate-limit headers only count down (hourly limits of the
 *   old model: 12000 reads, 1200 writes, 15000 deletes; notes §2), never answering 429.
 * - `azure` (`iac local serve --timing=azure`): the durations and `Retry-After` values ARM really
 *   uses, and throttling per subscription with real 429s, so reliability tests reproduce the windows
 *   that matter. `factor` scales the clock (0.01: a 25 s creation takes 250 ms, buckets refill 100
 *   times faster); `Retry-After` values are scaled too and rounded to whole seconds (0 lets the
 *   client's interval apply), so tests stay fast and never need a time assertion.
 */
import type { OperationRecord } from "./model.js";
import type { LimitKind } from "./http.js";

export type TimingProfile = "fast" | "azure";
type OperationKind = OperationRecord["kind"];

/**
 * The azure profile per operation: milliseconds per step (an operation ends after two steps) and
 * the `Retry-After` (seconds) of its poll responses, `undefined` for none.
 */
const AZURE: Readonly<Record<OperationKind, { readonly stepMs: number; readonly retryAfter: number | undefined }>> = {
  // Storage account creation: "tens of seconds", invisible to GET until done (notes §1.2); the
  // recorded traffic polls with Retry-After: 17 (recording_storageaccounts_create_test.json). 2 x 12.5 s.
  storageCreate: { stepMs: 12_500, retryAfter: 17 },
  // Resource group deletion: recorded polls carry Retry-After: 15 (recording_resourcegroups_delete_test.json);
  // an empty group takes about one poll interval or two. 2 x 10 s (GUESS for the duration).
  resourceGroupDelete: { stepMs: 10_000, retryAfter: 15 },
  // Container groups: visible at once, Pending then Creating (image pull) then Succeeded; the
  // recorded PUT carries no Retry-After (notes §1.4), so none is sent. 2 x 15 s (GUESS).
  containerGroupCreate: { stepMs: 15_000, retryAfter: undefined },
  // Other long-running types: no single figure; 2 x 5 s and Retry-After: 10 (GUESS).
  genericPut: { stepMs: 5_000, retryAfter: 10 },
  genericDelete: { stepMs: 5_000, retryAfter: 10 },
};

/**
 * ARM's token buckets per subscription (azure.microsoft.com/updates/azure-resource-manager-throttling,
 * 2024-03-13: "the read bucket size is 250 tokens", "write operations … 200 tokens … refills at a rate
 * of 10 tokens per second"; reads refill 25/s and deletes 200/10 per the token-bucket table of
 * request-limits-and-throttling.md). At zero the answer is 429 `SubscriptionRequestsThrottled`.
 */
const BUCKETS: Readonly<Record<LimitKind, { readonly size: number; readonly refillPerSecond: number }>> = {
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
};

/** The fast profile's hourly counters (notes §2). */
const HOURLY: Readonly<Record<LimitKind, number>> = { reads: 12000, writes: 1200, deletes: 15000 };

/** What spending a request's token says. */
export type Admission =
  | { readonly kind: "admitted"; readonly remaining: number }
  | { readonly kind: "throttled"; readonly retryAfterSeconds: number };

export interface Timing {
  readonly profile: TimingProfile;
  /** Milliseconds per step of an operation of this kind. */
  stepMs(kind: OperationKind): number;
  /** The `Retry-After` header of a poll response for this kind (empty: no header). */
  retryAfter(kind: OperationKind): Record<string, string>;
  /** Spend one token of `bucket` (a subscription id, or "tenant") for a request of `limit`. */
  admit(bucket: string, limit: LimitKind, now: number): Admission;
}

export interface TimingOptions {
  readonly profile: TimingProfile;
  /** Clock factor of the azure profile (default 1). */
  readonly factor?: number;
  /** Step of the fast profile. */
  readonly lroStepMs: number;
  /** Retry-After of the fast profile. */
  readonly retryAfterSeconds: number;
}

export function createTiming(options: TimingOptions): Timing {
  return options.profile === "azure" ? azureTiming(options.factor ?? 1) : fastTiming(options.lroStepMs, options.retryAfterSeconds);
}

function fastTiming(stepMs: number, retryAfterSeconds: number): Timing {
  // Counters per window: they only decrease, as the headers Azure sends.
  let window = { start: Date.now(), used: { reads: 0, writes: 0, deletes: 0 } as Record<LimitKind, number> };
  return {
    profile: "fast",
    stepMs: () => stepMs,
    retryAfter: () => ({ "retry-after": String(retryAfterSeconds) }),
    admit: (_bucket, limit, now) => {
      if (now - window.start >= 3600_000) window = { start: now, used: { reads: 0, writes: 0, deletes: 0 } };
      window.used[limit] += 1;
      return { kind: "admitted", remaining: Math.max(0, HOURLY[limit] - window.used[limit]) };
    },
  };
}

function azureTiming(factor: number): Timing {
  if (!Number.isFinite(factor) || factor <= 0) throw new Error(`the timing factor must be a positive number, not ${factor}`);
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    profile: "azure",
    stepMs: (kind) => AZURE[kind].stepMs * factor,
    retryAfter: (kind): Record<string, string> => {
      const s = AZURE[kind].retryAfter;
      return s === undefined ? {} : { "retry-after": String(Math.round(s * factor)) };
    },
    admit: (bucket, limit, now) => {
      const spec = BUCKETS[limit];
      const key = `${bucket.toLowerCase()}|${limit}`;
      const b = buckets.get(key) ?? { tokens: spec.size, at: now };
      // Refill for the time since the last request, at the scaled clock's rate.
      b.tokens = Math.min(spec.size, b.tokens + ((now - b.at) / 1000 / factor) * spec.refillPerSecond);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens < 1) {
        const seconds = ((1 - b.tokens) / spec.refillPerSecond) * factor;
        return { kind: "throttled", retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
      }
      b.tokens -= 1;
      return { kind: "admitted", remaining: Math.floor(b.tokens) };
    },
  };
}

/**
 * Faults and latency on demand, for tests and benchmarks: added latency per operation, 429 with
 * Retry-After, 5xx, failed long-running operations, dropped connections. Rules are set at start
 * and can be changed while running (through {@link Faults.set} or `PUT /_iac/faults` on any
 * service's port).
 */
import type { ServiceName } from "./service.js";

export interface FaultRule {
  /** Service the rule applies to; all when absent. */
  readonly service?: ServiceName;
  /** HTTP method (upper case); all when absent. */
  readonly method?: string;
  /** Regular expression matched against the request path (without query), case-insensitive. */
  readonly path?: string;
  /** Added delay before the request is handled, in milliseconds. */
  readonly latencyMs?: number;
  /** Answer with this status instead of handling the request (429, 500, 503, ...). */
  readonly status?: number;
  /** With status 429 or 503: the Retry-After header, in seconds. */
  readonly retryAfterSeconds?: number;
  /** Destroy the socket without answering. */
  readonly drop?: boolean;
  /** ARM only: the long-running operation this request starts ends in provisioningState Failed. */
  readonly failOperation?: { readonly code: string; readonly message: string };
  /** Apply to this many matching requests, then retire; unlimited when absent. */
  readonly times?: number;
}

export interface MatchedFault {
  readonly latencyMs: number;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly drop?: boolean;
  readonly failOperation?: { readonly code: string; readonly message: string };
}

interface LiveRule {
  readonly rule: FaultRule;
  readonly re?: RegExp;
  remaining: number;
}

export class Faults {
  #rules: LiveRule[] = [];

  constructor(rules: readonly FaultRule[] = []) {
    this.set(rules);
  }

  /** Replace every rule. */
  set(rules: readonly FaultRule[]): void {
    this.#rules = rules.map((rule) => ({
      rule,
      re: rule.path === undefined ? undefined : new RegExp(rule.path, "i"),
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
    }));
  }

  /** Add rules after the existing ones. */
  add(...rules: FaultRule[]): void {
    this.set([...this.rules(), ...rules]);
  }

  clear(): void {
    this.#rules = [];
  }

  /** The rules still in force (with `times` counted down). */
  rules(): FaultRule[] {
    return this.#rules
      .filter((r) => r.remaining > 0)
      .map((r) => (Number.isFinite(r.remaining) ? { ...r.rule, times: r.remaining } : r.rule));
  }

  /**
   * The combined effect of the rules matching a request: latencies add up, the first rule with
   * a status, drop or failOperation decides that. Each matching rule with `times` is counted down.
   */
  match(service: ServiceName, method: string, path: string): MatchedFault | undefined {
    let latencyMs = 0;
    let decided: FaultRule | undefined;
    let any = false;
    for (const live of this.#rules) {
      const { rule } = live;
      if (live.remaining <= 0) continue;
      if (rule.service !== undefined && rule.service !== service) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (live.re !== undefined && !live.re.test(path)) continue;
      any = true;
      live.remaining -= 1;
      latencyMs += rule.latencyMs ?? 0;
      if (decided === undefined && (rule.status !== undefined || rule.drop || rule.failOperation)) decided = rule;
    }
    if (!any) return undefined;
    return {
      latencyMs,
      status: decided?.status,
      retryAfterSeconds: decided?.retryAfterSeconds,
      drop: decided?.drop,
      failOperation: decided?.failOperation,
    };
  }
}

const applied = new WeakMap<object, MatchedFault>();

/** Records the fault the server matched for a request, so a handler can honour `failOperation`. */
export function attachFault(req: object, fault: MatchedFault): void {
  applied.set(req, fault);
}

/** The fault the server matched for this request, if any. */
export function requestFault(req: object): MatchedFault | undefined {
  return applied.get(req);
}

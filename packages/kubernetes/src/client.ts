/**
 * The provider's Kubernetes client: `@kubernetes/client-node`'s `KubernetesObjectApi` (its
 * discovery, authentication and TLS), with three changes made by subclassing rather than patching:
 *
 * - bodies are sent as the program wrote them: client-node serialises built-in kinds through its
 *   typed models, which silently drops fields its models do not know (k8s.md §1.4);
 * - responses come back as plain JSON (no `Date` objects, unknown fields kept);
 * - paths are not lower-cased and inputs are not mutated (k8s.md §1.3 step 3 and 4).
 *
 * Every write uses server-side apply under one field manager, `iac` (`force=true`: iac is the
 * owner of what a program declares, as `flux` and `kubectl apply --server-side --force-conflicts` are).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ProviderLogger } from "@iac/sdk/provider";
import {
  ApiException,
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type Configuration,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
} from "@kubernetes/client-node";
import { isNoMatch, isNotFound, KubernetesError, statusMessage, toProviderError, typedPatchFailure } from "./errors.js";
import { describe, type KubeObject, type ObjectKey } from "./objects.js";
import type { Readiness } from "./readiness.js";
import type { KubeSettings } from "./settings.js";

/** The field manager of every apply iac makes. */
export const FIELD_MANAGER = "iac";

/** A live object as the API returns it. */
export type LiveObject = KubeObject & { readonly status?: unknown };

type Method = (typeof HttpMethod)[keyof typeof HttpMethod];

/** Retries of a throttled (429), unavailable (5xx) or dropped request: 250 ms doubling, at most 6. */
export const RETRY = { maxRetries: 6, retryDelayMs: 250, maxRetryDelayMs: 30_000 } as const;

/** Socket-level failures worth a retry. */
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/**
 * Whether (and after how long) to retry a failed request: 429 and 503 after their Retry-After (the
 * API server's priority and fairness sends one), else, like 5xx (not 501) and dropped connections,
 * after an exponential backoff with jitter. Every write iac makes is an apply, a merge patch or a
 * delete, so repeating one is safe.
 */
export function retryDecision(err: unknown, attempt: number, random: () => number = Math.random): { reason: string; delayMs: number } | undefined {
  const backoff = Math.round(Math.min(RETRY.maxRetryDelayMs, RETRY.retryDelayMs * 2 ** attempt) * (0.8 + 0.4 * random()));
  if (err instanceof ApiException) {
    const status = err.code;
    if (status === 429 || status === 503) {
      const header = Object.entries(err.headers ?? {}).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
      const seconds = header === undefined ? NaN : Number(header);
      const what = status === 429 ? "the API server is throttling requests (HTTP 429)" : "the API server is unavailable (HTTP 503)";
      return Number.isFinite(seconds) && seconds >= 0 ? { reason: `${what}, Retry-After ${seconds} s`, delayMs: seconds * 1000 } : { reason: `${what} without Retry-After`, delayMs: backoff };
    }
    // A typed-patch failure is the request's own fault (errors.ts typedPatchFailure): the same body fails again.
    if (status === 500 && typedPatchFailure(statusMessage(err.body)) !== undefined) return undefined;
    if (status >= 500 && status !== 501) return { reason: `the API server answered HTTP ${status}`, delayMs: backoff };
    return undefined;
  }
  const e = err as { name?: unknown; code?: unknown; cause?: { code?: unknown } } | null;
  if (e?.name === "AbortError") return undefined;
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : undefined;
  return code !== undefined && TRANSIENT_CODES.has(code) ? { reason: `the connection failed (${code})`, delayMs: backoff } : undefined;
}

/** KubernetesObjectApi with raw bodies and exact paths (see the module comment). */
class RawObjectApi extends KubernetesObjectApi {
  /** The logger of the provider call running in this async context (set by the provider set). */
  calls?: AsyncLocalStorage<ProviderLogger>;

  /** Every request (discovery included) with retries; each wait is logged through the call's logger. */
  protected override async requestPromise<T extends KubernetesObject>(ctx: RequestContext, type?: string, options?: Configuration): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await super.requestPromise<T>(ctx, type, options);
      } catch (err) {
        const signal = ctx.getSignal?.();
        const decision = attempt < RETRY.maxRetries && !signal?.aborted ? retryDecision(err, attempt) : undefined;
        if (decision === undefined) throw err;
        this.calls?.getStore()?.info(`${ctx.getHttpMethod()} ${new URL(ctx.getUrl()).pathname}: ${decision.reason}; retrying in ${(decision.delayMs / 1000).toFixed(1)} s (retry ${attempt + 1} of ${RETRY.maxRetries})`);
        await sleep(decision.delayMs, signal as AbortSignal | undefined);
      }
    }
  }

  protected override async processResponse<T>(response: ResponseContext): Promise<T> {
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
      return (text.trim() === "" ? {} : JSON.parse(text)) as T;
    }
    throw new ApiException(response.httpStatusCode, "Unsuccessful HTTP Request", text, response.headers);
  }

  /** The path of an object (`item`) or of its collection, found through discovery. */
  async pathOf(key: { apiVersion: string; kind: string; namespace?: string; name?: string }, item: boolean): Promise<string> {
    const resource = await this.resource(key.apiVersion, key.kind);
    if (!resource) throw new Error(`Unrecognized API version and kind: ${key.apiVersion} ${key.kind}`);
    const parts = [this.apiVersionPath(key.apiVersion)];
    const namespace = resource.namespaced ? (key.namespace ?? this.defaultNamespace) : undefined;
    if (namespace !== undefined && (item || key.namespace !== undefined)) parts.push("namespaces", encodeURIComponent(namespace));
    parts.push(resource.name);
    if (item) parts.push(encodeURIComponent(key.name ?? ""));
    return parts.join("/");
  }

  /** Whether a kind is namespaced (undefined when the cluster does not serve it). */
  async namespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    try {
      return (await this.resource(apiVersion, kind))?.namespaced;
    } catch {
      return undefined;
    }
  }

  namespaceDefault(): string {
    return this.defaultNamespace;
  }

  /** Forget discovery (after a CRD changes, so the next call asks again). */
  forget(apiVersion: string): void {
    delete this.apiVersionResourceCache[apiVersion];
  }

  async send<T>(method: Method, path: string, o: { query?: Record<string, string>; body?: unknown; contentType?: string; signal?: AbortSignal } = {}): Promise<T> {
    const ctx: RequestContext = this.configuration.baseServer.makeRequestContext(path, method);
    ctx.setHeaderParam("Accept", "application/json, */*;q=0.8");
    for (const [k, v] of Object.entries(o.query ?? {})) ctx.setQueryParam(k, v);
    if (o.body !== undefined) {
      ctx.setHeaderParam("Content-Type", o.contentType ?? "application/json");
      ctx.setBody(JSON.stringify(o.body));
    }
    if (o.signal) ctx.setSignal(o.signal);
    return this.requestPromise<T & KubeObject>(ctx) as Promise<T>;
  }
}

/** Options of a wait. */
export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Called with progress messages (at most every few seconds). */
  readonly progress?: (message: string) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Polls with a growing interval: quick for the local cloud, gentle for a real cluster. */
function nextDelay(attempt: number): number {
  return Math.min(100 * 2 ** attempt, 2000);
}

/** One cluster, as the provider uses it. */
export class KubeClient {
  readonly #api: RawObjectApi;
  readonly #source: string;

  /**
   * @param options.calls - where the provider set keeps the logger of the call running, so that
   *   retries show their waits (provider-module.ts)
   */
  constructor(settings: KubeSettings, options: { calls?: AsyncLocalStorage<ProviderLogger> } = {}) {
    const kc = new KubeConfig();
    try {
      kc.loadFromString(settings.kubeconfig);
    } catch (cause) {
      throw new KubernetesError(`The kubeconfig from ${settings.source} is not valid: ${(cause as Error).message}.`, { code: "InvalidKubeconfig", cause });
    }
    if (settings.context !== undefined) {
      if (!kc.getContextObject(settings.context)) {
        throw new KubernetesError(`The kubeconfig from ${settings.source} has no context "${settings.context}": it has ${kc.getContexts().map((c) => c.name).join(", ") || "none"}. Fix kubernetes:context.`, { code: "InvalidKubeconfig" });
      }
      kc.setCurrentContext(settings.context);
    }
    if (!kc.getCurrentCluster()) {
      throw new KubernetesError(`The kubeconfig from ${settings.source} has no current cluster: set current-context in it, or kubernetes:context.`, { code: "InvalidKubeconfig" });
    }
    this.#api = kc.makeApiClient(RawObjectApi);
    this.#api.calls = options.calls;
    // What KubernetesObjectApi.makeApiClient does: the context's namespace, unless config overrides it.
    (this.#api as unknown as { setDefaultNamespace(kc: KubeConfig): string }).setDefaultNamespace(kc);
    if (settings.namespace !== undefined) (this.#api as unknown as { defaultNamespace: string }).defaultNamespace = settings.namespace;
    this.#source = settings.source;
  }

  /** The namespace of namespaced objects that name none. */
  get defaultNamespace(): string {
    return this.#api.namespaceDefault();
  }

  /** Where the kubeconfig came from (for messages). */
  get source(): string {
    return this.#source;
  }

  /** Whether the cluster serves this kind as namespaced (undefined when it does not serve it). */
  namespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    return this.#api.namespaced(apiVersion, kind);
  }

  /**
   * Server-side apply of `obj` (created when missing). The body is sent as given; the result is
   * the live object.
   */
  async apply(obj: KubeObject, o: { dryRun?: boolean; signal?: AbortSignal; fieldManager?: string } = {}): Promise<LiveObject> {
    const path = await this.#api.pathOf({ ...obj, name: obj.metadata.name, namespace: obj.metadata.namespace }, true);
    const query: Record<string, string> = { fieldManager: o.fieldManager ?? FIELD_MANAGER, force: "true" };
    if (o.dryRun) query.dryRun = "All";
    // The apiserver reads apply bodies as YAML, of which JSON is a subset (k8s.md §1.2).
    const body = { ...obj, metadata: withoutManagedFields(obj.metadata) };
    return this.#api.send<LiveObject>(HttpMethod.PATCH, path, { query, body, contentType: PatchStrategy.ServerSideApply, signal: o.signal });
  }

  /** The live object, or undefined when it (or its kind) does not exist. */
  async get(key: ObjectKey, o: { signal?: AbortSignal } = {}): Promise<LiveObject | undefined> {
    try {
      const path = await this.#api.pathOf(key, true);
      return await this.#api.send<LiveObject>(HttpMethod.GET, path, { signal: o.signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Objects of a kind (in `namespace`, or everywhere), optionally by label selector; [] when the kind is not served. */
  async list(apiVersion: string, kind: string, o: { namespace?: string; labelSelector?: string; signal?: AbortSignal } = {}): Promise<LiveObject[]> {
    try {
      const path = await this.#api.pathOf({ apiVersion, kind, namespace: o.namespace }, false);
      const query: Record<string, string> = o.labelSelector ? { labelSelector: o.labelSelector } : {};
      const list = await this.#api.send<{ items?: LiveObject[] }>(HttpMethod.GET, path, { query, signal: o.signal });
      // A list's items carry no apiVersion/kind on the wire.
      return (list.items ?? []).map((i) => ({ ...i, apiVersion, kind }) as LiveObject);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  /** A JSON merge patch (e.g. to strip finalizers); NotFound is ignored and gives undefined. */
  async mergePatch(key: ObjectKey, patch: unknown, o: { signal?: AbortSignal } = {}): Promise<LiveObject | undefined> {
    try {
      const path = await this.#api.pathOf(key, true);
      return await this.#api.send<LiveObject>(HttpMethod.PATCH, path, { body: patch, contentType: PatchStrategy.MergePatch, signal: o.signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Deletes an object; true when a delete was sent, false when it was already gone. Background
   * propagation (kubectl's default): dependents are collected by the cluster's garbage collector.
   */
  async delete(key: ObjectKey, o: { signal?: AbortSignal; propagationPolicy?: "Background" | "Foreground" | "Orphan" } = {}): Promise<boolean> {
    try {
      const path = await this.#api.pathOf(key, true);
      await this.#api.send(HttpMethod.DELETE, path, { query: { propagationPolicy: o.propagationPolicy ?? "Background" }, signal: o.signal });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Forget what discovery said about a group-version (a CRD was just created or deleted). */
  forget(apiVersion: string): void {
    this.#api.forget(apiVersion);
  }

  /**
   * Polls `key` until `check` says ready; throws when it says failed, when the object is gone, or
   * at the timeout (naming the last state seen).
   */
  async waitFor(key: ObjectKey, check: (live: LiveObject) => Readiness, o: WaitOptions): Promise<LiveObject> {
    const deadline = Date.now() + o.timeoutMs;
    let last = "not read yet";
    let lastReport = Date.now();
    for (let attempt = 0; ; attempt++) {
      const live = await this.get(key, { signal: o.signal });
      if (live === undefined) throw new KubernetesError(`${describe(key)} disappeared while iac waited for it to become ready.`, { code: "Gone" });
      const r = check(live);
      switch (r.kind) {
        case "ready":
          return live;
        case "failed":
          throw new KubernetesError(`${describe(key)} failed: ${r.message}.`, { code: "NotReady" });
        case "pending":
          last = r.message;
          break;
        default:
          r satisfies never;
      }
      if (Date.now() >= deadline) {
        throw new KubernetesError(
          `${describe(key)} was not ready after ${Math.round(o.timeoutMs / 1000)}s: ${last}. Raise the timeout with the customTimeouts option, or look at the object with kubectl describe.`,
          { code: "Timeout" },
        );
      }
      if (o.progress && Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        o.progress(`${describe(key)}: ${last}`);
      }
      await sleep(Math.min(nextDelay(attempt), Math.max(0, deadline - Date.now())), o.signal);
    }
  }

  /** Polls until `key` is gone (finalizers done); throws at the timeout naming the finalizers left. */
  async waitGone(key: ObjectKey, o: WaitOptions): Promise<void> {
    const deadline = Date.now() + o.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const live = await this.get(key, { signal: o.signal });
      if (live === undefined) return;
      if (Date.now() >= deadline) {
        const finalizers = [...((live.metadata.finalizers as string[] | undefined) ?? []), ...(((live["spec"] as { finalizers?: string[] } | undefined)?.finalizers) ?? [])];
        throw new KubernetesError(
          `${describe(key)} was still there ${Math.round(o.timeoutMs / 1000)}s after its deletion${finalizers.length > 0 ? `; finalizers ${finalizers.join(", ")} are holding it` : ""}. Check the controller that owns those finalizers, or raise the delete timeout (customTimeouts).`,
          { code: "Timeout" },
        );
      }
      await sleep(Math.min(nextDelay(attempt), Math.max(0, deadline - Date.now())), o.signal);
    }
  }

  /**
   * Retries `fn` while the kind is not served yet (a CRD created moments ago, or being
   * Established), re-reading discovery each time, until the deadline.
   */
  async retryNoMatch<T>(apiVersion: string, fn: () => Promise<T>, o: WaitOptions): Promise<T> {
    const deadline = Date.now() + o.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isNoMatch(err) || Date.now() >= deadline) throw err;
        o.progress?.(`waiting for the cluster to serve ${apiVersion}`);
        this.forget(apiVersion);
        await sleep(Math.min(nextDelay(attempt + 2), Math.max(0, deadline - Date.now())), o.signal);
      }
    }
  }
}

function withoutManagedFields(md: KubeObject["metadata"]): KubeObject["metadata"] {
  // An apply body must not carry managedFields, resourceVersion or uid (k8s.md §5).
  const { managedFields: _m, resourceVersion: _r, uid: _u, creationTimestamp: _c, generation: _g, ...rest } = md as Record<string, unknown>;
  return rest as KubeObject["metadata"];
}

/** A ProviderError for a failed call on `key` (re-exported for the providers). */
export function callFailed(err: unknown, action: string, key: ObjectKey): Error {
  return toProviderError(err, `${action} ${describe(key)}`);
}

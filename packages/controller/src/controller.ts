/**
 * The controller loop: list and watch Stacks, a work queue with a bounded pool of workers, one
 * reconciliation per Stack at a time (a Stack changed while it is being reconciled is reconciled
 * again after), and a timer per Stack for its next run (`interval`, `retryInterval`). As Flux's
 * controllers, it reacts to a new generation, a new `reconcile.fluxcd.io/requestedAt` and a
 * deletion, not to status writes (its own included).
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { formatDuration } from "./duration.js";
import { objectPath, type Kube, type KubeObject } from "./kube.js";
import { reconcile, type ReconcileContext, type ReconcileResult } from "./reconcile.js";
import { API_VERSION, keyOf, PLURAL, REQUESTED_AT, type StackObject } from "./spec.js";

export interface ControllerOptions {
  readonly kube: Kube;
  /** Only Stacks of this namespace (default: every namespace). */
  readonly namespace?: string;
  /** Stacks reconciled at once (default 4). */
  readonly workers?: number;
  /** Sources, work directories and (by default) state; under a directory whose node_modules has @iac/*. */
  readonly workDir: string;
  /** The backend URL of Stacks without `spec.backend.url` (default: `file://<workDir>/state/<namespace>/<name>`). */
  readonly defaultBackend?: (namespace: string, name: string) => string;
  readonly rewriteArtifactUrl?: (url: string) => string;
  readonly eventsAddr?: string;
  /** The kubeconfig `kube` was loaded from: `kubernetes://` state backends use the same cluster. */
  readonly kubeconfig?: string;
  readonly requeueDependencyMs?: number;
  /** Where the controller says what it does (one line each). */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
  /** Every engine event of each Stack's preview and up, with the Stack's `namespace/name` (metrics, tests). */
  readonly onUpdateEvent?: ReconcileContext["onUpdateEvent"];
}

/** What the watch remembers of a Stack, to tell a change worth a reconciliation from a status write. */
interface Seen {
  readonly generation: number | undefined;
  readonly requestedAt: string | undefined;
  readonly deleting: boolean;
}

const seenOf = (o: StackObject): Seen => ({ generation: o.metadata.generation, requestedAt: o.metadata.annotations?.[REQUESTED_AT], deleting: o.metadata.deletionTimestamp !== undefined });

export class Controller {
  readonly #options: ControllerOptions;
  readonly #ctx: ReconcileContext;
  readonly #stop = new AbortController();
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Set<string>();
  /** Changed while running: reconcile again when the running one ends. */
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #seen = new Map<string, Seen>();
  readonly #workers: number;
  readonly #inFlight = new Set<Promise<void>>();
  #watch: AbortController | undefined;
  #idle: (() => void)[] = [];
  /** Reconciliations finished (for tests and the log). */
  reconciled = 0;

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#workers = Math.max(1, options.workers ?? 4);
    const workDir = resolve(options.workDir);
    const log = options.log ?? (() => undefined);
    this.#ctx = {
      kube: options.kube,
      workDir,
      defaultBackend: options.defaultBackend ?? ((ns, name) => pathToFileURL(join(workDir, "state", ns, name)).href),
      ...(options.rewriteArtifactUrl ? { rewriteArtifactUrl: options.rewriteArtifactUrl } : {}),
      ...(options.eventsAddr ? { eventsAddr: options.eventsAddr } : {}),
      ...(options.kubeconfig ? { kubeconfig: resolve(options.kubeconfig) } : {}),
      instance: `${hostname()}-${process.pid}`,
      requeueDependencyMs: options.requeueDependencyMs ?? 30_000,
      signal: this.#stop.signal,
      now: options.now ?? (() => new Date()),
      log,
      ...(options.onUpdateEvent ? { onUpdateEvent: options.onUpdateEvent } : {}),
    };
  }

  get #listPath(): string {
    return objectPath({ apiVersion: API_VERSION, plural: PLURAL, ...(this.#options.namespace !== undefined ? { namespace: this.#options.namespace } : {}) });
  }

  /** Lists the Stacks (each is reconciled once at start, as Flux's controllers do) and watches for changes. */
  async start(): Promise<void> {
    await this.#listAndWatch();
  }

  async #listAndWatch(): Promise<void> {
    const list = await this.#options.kube.call<{ metadata: { resourceVersion?: string }; items: StackObject[] }>("GET", this.#listPath);
    for (const item of list.items) this.#observe("ADDED", item);
    this.#watch = await this.#options.kube.watch(this.#listPath, list.metadata.resourceVersion, (type, obj) => this.#observe(type, obj as unknown as StackObject), (err) => {
      if (this.#stop.signal.aborted) return;
      // A watch ends (timeout, apiserver restart, 410 Gone): list again, which also catches what was missed.
      if (err) this.#ctx.log(`watch of Stacks ended: ${(err as Error).message ?? err}; listing again`);
      setTimeout(() => {
        if (!this.#stop.signal.aborted) this.#listAndWatch().catch((e: Error) => this.#ctx.log(`listing Stacks failed: ${e.message}`));
      }, err ? 1000 : 0).unref();
    });
  }

  #observe(type: string, obj: StackObject): void {
    if (type === "BOOKMARK" || type === "ERROR" || obj?.metadata?.name === undefined) return;
    const key = keyOf(obj);
    if (type === "DELETED") {
      this.#seen.delete(key);
      clearTimeout(this.#timers.get(key));
      this.#timers.delete(key);
      return;
    }
    const before = this.#seen.get(key);
    const now = seenOf(obj);
    this.#seen.set(key, now);
    if (before === undefined || before.generation !== now.generation || before.requestedAt !== now.requestedAt || before.deleting !== now.deleting) this.enqueue(key);
  }

  /** Queues a reconciliation of `namespace/name` (once, however often it is asked for before it runs). */
  enqueue(key: string): void {
    if (this.#stop.signal.aborted) return;
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.#workers && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      this.#queued.delete(key);
      this.#running.add(key);
      const job = this.#work(key).finally(() => {
        this.#inFlight.delete(job);
        this.#running.delete(key);
        if (this.#dirty.delete(key)) this.enqueue(key);
        this.#pump();
        if (this.#running.size === 0 && this.#queue.length === 0) for (const f of this.#idle.splice(0)) f();
      });
      this.#inFlight.add(job);
    }
  }

  async #work(key: string): Promise<void> {
    let result: ReconcileResult;
    try {
      result = await reconcile(this.#ctx, key);
    } catch (e) {
      // A failure outside an update (the apiserver refused a status write): try again soon.
      this.#ctx.log(`${key}: reconciliation failed: ${(e as Error).message}; retrying in 10s`);
      result = { requeueAfterMs: 10_000 };
    }
    this.reconciled++;
    if (result.requeueAfterMs !== undefined && !this.#stop.signal.aborted && this.#seen.has(key)) {
      this.#ctx.log(`${key}: next reconciliation in ${formatDuration(result.requeueAfterMs)}`);
      const timer = setTimeout(() => {
        this.#timers.delete(key);
        this.enqueue(key);
      }, result.requeueAfterMs);
      timer.unref();
      this.#timers.set(key, timer);
    }
  }

  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void> {
    if (this.#running.size === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /**
   * Stops: no new reconciliation starts, the updates in flight stop as after a first Ctrl-C (the
   * cloud calls already sent finish and are recorded), and their locks are released.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#watch?.abort();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued.clear();
    await Promise.allSettled([...this.#inFlight]);
  }
}

export type { KubeObject };

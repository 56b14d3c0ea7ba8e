/**
 * The store API for in-process controllers and tests: the emulated cluster's objects addressed by
 * `apiVersion` + `kind` (+ `namespace`) + `name`, with the same semantics as the HTTP API
 * (server-side apply, field managers, finalizers, watch events), without HTTP.
 */
import { join } from "node:path";
import { KubeApiError } from "./errors.js";
import { Lifecycle, type LifecycleOptions } from "./lifecycle.js";
import { loadSnapshot, SnapshotWriter } from "./persistence.js";
import { parseSelector } from "./selectors.js";
import { StoreCore, type DeleteOptions, type DeleteResult, type PatchType, type Target, type WriteOptions } from "./store.js";
import { apiVersionOf, type KubeObject, type ObjectRef, type StoreEvent, type WatchEventType } from "./types.js";

export interface KubeStoreOptions extends LifecycleOptions {
  /** Directory for `kube.json`; in memory only when absent. */
  readonly dataDir?: string;
  /** Debounce of the state file writes (default 100 ms). */
  readonly persistDelayMs?: number;
}

export interface ListQuery {
  readonly apiVersion: string;
  readonly kind: string;
  /** One namespace; every namespace when absent. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface WatchFilter {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
}

/** A change delivered to in-process watchers; `object` is the caller's own copy. */
export interface KubeWatchEvent {
  readonly type: WatchEventType;
  readonly object: KubeObject;
}

export interface StoreWriteOptions {
  /** Default `iac-emulator`. */
  readonly fieldManager?: string;
  readonly dryRun?: boolean;
}

const DEFAULT_MANAGER = "iac-emulator";

/** The emulated cluster's objects, for controllers and tests (see the contract in index.ts). */
export class KubeStore {
  /** The underlying store the HTTP layer uses. */
  readonly core: StoreCore;
  readonly #lifecycle: Lifecycle;
  readonly #writer: SnapshotWriter | undefined;

  constructor(options: KubeStoreOptions = {}) {
    this.core = new StoreCore({ establishCrdsInline: (options.crdEstablishDelayMs ?? 0) <= 0 });
    this.#lifecycle = new Lifecycle(this.core, options);
    const file = options.dataDir === undefined ? undefined : join(options.dataDir, "kube.json");
    const snapshot = file === undefined ? undefined : loadSnapshot(file);
    if (snapshot) this.core.restore(snapshot);
    this.#writer = file === undefined ? undefined : new SnapshotWriter({ path: file, snapshot: () => this.core.snapshot(), delayMs: options.persistDelayMs });
    this.core.hooks = {
      changed: () => {
        this.#writer?.schedule();
        this.#lifecycle.schedule();
      },
    };
    if (!snapshot) {
      for (const name of ["default", "kube-system"]) {
        this.core.create(this.core.target("v1", "Namespace"), { apiVersion: "v1", kind: "Namespace", metadata: { name } }, { fieldManager: "kube-apiserver" });
      }
    }
    // Finish what was under way at the last stop (terminating namespaces, foreground deletions).
    this.#lifecycle.schedule();
  }

  #target(apiVersion: string, kind: string): Target {
    return this.core.target(apiVersion, kind);
  }

  #namespace(t: Target, namespace: string | undefined): string | undefined {
    return t.type.namespaced ? namespace ?? "default" : undefined;
  }

  /** The object, or undefined when it does not exist (or its kind is not served). */
  get(ref: ObjectRef): KubeObject | undefined {
    try {
      const t = this.#target(ref.apiVersion, ref.kind);
      return this.core.get(t, this.#namespace(t, ref.namespace), ref.name);
    } catch (err) {
      if (err instanceof KubeApiError && err.code === "NotFound") return undefined;
      throw err;
    }
  }

  /** Objects of a kind, sorted by namespace and name; empty when the kind is not served. */
  list(query: ListQuery): KubeObject[] {
    let t: Target;
    try {
      t = this.#target(query.apiVersion, query.kind);
    } catch (err) {
      if (err instanceof KubeApiError && err.code === "NotFound") return [];
      throw err;
    }
    return this.core.list(t, t.type.namespaced ? query.namespace : undefined, parseSelector(query.labelSelector, query.fieldSelector));
  }

  /** Call back on every change (matching the filter), synchronously after it is stored. Returns the unsubscribe function. */
  watch(callback: (event: KubeWatchEvent) => void, filter: WatchFilter = {}): () => void {
    return this.core.subscribe((e: StoreEvent) => {
      if (filter.kind !== undefined && e.resource.kind !== filter.kind) return;
      if (filter.apiVersion !== undefined && !e.resource.versions.some((v) => apiVersionOf(e.resource.group, v) === filter.apiVersion)) return;
      if (filter.namespace !== undefined && e.object.metadata.namespace !== filter.namespace) return;
      callback({ type: e.type, object: structuredClone(e.object) });
    });
  }

  /** Server-side apply of `obj` by `fieldManager` (creates it when missing); throws KubeApiError 409 on conflicts unless `force`. */
  apply(obj: KubeObject, options: StoreWriteOptions & { force?: boolean; subresource?: "status" }): KubeObject {
    const t = this.#target(obj.apiVersion, obj.kind);
    const ns = this.#namespace(t, obj.metadata?.namespace);
    return this.core.apply(t, ns, obj.metadata.name!, obj, { ...options, fieldManager: options.fieldManager ?? DEFAULT_MANAGER }).object;
  }

  /** Create (POST); throws AlreadyExists. */
  create(obj: KubeObject, options: StoreWriteOptions = {}): KubeObject {
    const t = this.#target(obj.apiVersion, obj.kind);
    const body = structuredClone(obj);
    if (t.type.namespaced) body.metadata.namespace = this.#namespace(t, obj.metadata.namespace);
    return this.core.create(t, body, { ...options, fieldManager: options.fieldManager ?? DEFAULT_MANAGER }).object;
  }

  /** Replace (PUT); a `metadata.resourceVersion` makes it conditional (409 when stale). */
  update(obj: KubeObject, options: StoreWriteOptions & { subresource?: "status" } = {}): KubeObject {
    const t = this.#target(obj.apiVersion, obj.kind);
    return this.core.update(t, this.#namespace(t, obj.metadata.namespace), obj.metadata.name!, obj, { ...options, fieldManager: options.fieldManager ?? DEFAULT_MANAGER }).object;
  }

  /** Merge, strategic-merge or JSON patch. */
  patch(ref: ObjectRef, patch: { type: PatchType; body: unknown }, options: StoreWriteOptions & { subresource?: "status" } = {}): KubeObject {
    const t = this.#target(ref.apiVersion, ref.kind);
    return this.core.patch(t, this.#namespace(t, ref.namespace), ref.name, patch, { ...options, fieldManager: options.fieldManager ?? DEFAULT_MANAGER }).object;
  }

  /** Replace the whole `status` of an object (what controllers write), unconditionally. */
  updateStatus(ref: ObjectRef, status: unknown, options: StoreWriteOptions = {}): KubeObject {
    return this.patch(ref, { type: "json", body: [{ op: "add", path: "/status", value: status }] }, { ...options, subresource: "status" });
  }

  /** Delete: `deleted` when it is gone, `pending` when finalizers keep it (deletionTimestamp set). Throws NotFound. */
  delete(ref: ObjectRef, options: DeleteOptions = {}): DeleteResult {
    const t = this.#target(ref.apiVersion, ref.kind);
    return this.core.delete(t, this.#namespace(t, ref.namespace), ref.name, options);
  }

  /** The cluster's current resourceVersion. */
  resourceVersion(): string {
    return String(this.core.resourceVersion());
  }

  /** Run the emulated control plane (GC, namespace and CRD controllers) now instead of soon. */
  reconcile(): void {
    this.#lifecycle.reconcile();
  }

  /** Write `kube.json` now if changes are pending. */
  flush(): void {
    this.#writer?.flush();
  }

  /** Stop timers and flush. */
  close(): void {
    this.#lifecycle.close();
    this.flush();
  }
}

export type { DeleteOptions, DeleteResult, PatchType, WriteOptions };

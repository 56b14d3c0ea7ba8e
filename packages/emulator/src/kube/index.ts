/**
 * The local cloud's Kubernetes API server.
 *
 * `createKubeService` is the {@link ServiceFactory} for `startLocalCloud({ services: { kubernetes } })`.
 * The service object it returns ({@link KubeService}) exposes `store`, a {@link KubeStore}: the
 * cluster's objects for in-process controllers and tests, with exactly the HTTP API's semantics.
 *
 * ## Store API contract (for src/controllers and tests)
 *
 * ```ts
 * const kube = cloud.service<KubeService>("kubernetes")!;
 * const store = kube.store;
 * store.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "demo", name: "web" }); // KubeObject | undefined
 * store.list({ apiVersion: "v1", kind: "ConfigMap", namespace?: "demo", labelSelector?: "app=web", fieldSelector?: "metadata.name=x" }); // KubeObject[]
 * const stop = store.watch((e) => { e.type; e.object }, { apiVersion?: "apps/v1", kind?: "Deployment", namespace? }); // synchronous, after each stored change
 * store.apply(obj, { fieldManager: "kustomize-controller", force?: true, dryRun?, subresource?: "status" }); // server-side apply, creates if missing
 * store.create(obj, { fieldManager? }) / store.patch(ref, { type: "merge"|"strategic"|"json", body }, opts)
 * store.update(obj, { fieldManager?, subresource? }); // PUT: conditional on metadata.resourceVersion (required for CRs and CRDs)
 * store.updateStatus(ref, status, { fieldManager: "deployment-controller" }); // replaces .status (no resourceVersion needed)
 * store.delete(ref, { propagationPolicy?: "Foreground"|"Background"|"Orphan" }); // { kind: "deleted"|"pending", object }
 * store.resourceVersion(); store.reconcile(); store.flush();
 * ```
 * - Objects returned are copies (mutate freely). A namespaced ref without namespace means `default`.
 * - Errors are {@link KubeApiError}: `code` is the Status reason (`NotFound`, `AlreadyExists`,
 *   `Conflict`, `Invalid`, `Forbidden`), `status` the exact Status body, `httpStatus` the code.
 *   `get` returns undefined instead of throwing NotFound; `list` of an unserved kind returns [].
 * - Watch callbacks run synchronously inside the write; a controller reacting to an event should
 *   defer its own writes (`setImmediate`/`queueMicrotask`) rather than write re-entrantly.
 * - Writes to `.status` of kinds with a status subresource (Deployment, CRs declaring it, ...) only
 *   take effect through `updateStatus`/`subresource: "status"`; main-resource writes keep status.
 * - `generation` bumps on changes outside metadata/status; controllers report `status.observedGeneration`.
 *
 * Persistence: `<dataDir>/kube.json` (debounced atomic writes, flushed on close).
 */
import type { ServerResponse } from "node:http";
import type { Service, ServiceContext, ServiceFactory } from "../service.js";
import { handleKubeRequest } from "./http.js";
import { KubeStore, type KubeStoreOptions } from "./kube-store.js";

export { KubeStore } from "./kube-store.js";
export type { KubeStoreOptions, ListQuery, WatchFilter, KubeWatchEvent, StoreWriteOptions } from "./kube-store.js";
export { KubeApiError } from "./errors.js";
export type { StatusBody, StatusCause, StatusDetails } from "./errors.js";
export type { DeleteOptions, DeleteResult, PatchType, PropagationPolicy } from "./store.js";
export type { KubeObject, ObjectMeta, ObjectRef, ManagedFieldsEntry, OwnerReference, ResourceType, WatchEventType } from "./types.js";
export { SERVER_VERSION } from "./discovery.js";

/** The Kubernetes service of the local cloud. */
export interface KubeService extends Service {
  readonly name: "kubernetes";
  /** The cluster's objects, for in-process controllers and tests. */
  readonly store: KubeStore;
}

export interface KubeServiceOptions extends Omit<KubeStoreOptions, "dataDir" | "log"> {
  /** Answer `/api` and `/apis` in the aggregated discovery form when asked (default true). */
  readonly aggregatedDiscovery?: boolean;
}

/** A factory with options (delays for namespace termination and CRD establishment, ...). */
export function kubeServiceFactory(options: KubeServiceOptions = {}): ServiceFactory {
  return (ctx: ServiceContext): KubeService => {
    const store = new KubeStore({ ...options, dataDir: ctx.dataDir, log: (m) => ctx.log(m) });
    const streams = new Set<ServerResponse>();
    const httpCtx = {
      store: store.core,
      streams,
      aggregatedDiscovery: options.aggregatedDiscovery ?? true,
      serverAddress: () => {
        const url = ctx.endpoints().kubernetes;
        return url ? new URL(url).host : "127.0.0.1:443";
      },
    };
    return {
      name: "kubernetes",
      store,
      handle: (req, res) => handleKubeRequest(httpCtx, req, res),
      async close() {
        for (const s of streams) s.end();
        streams.clear();
        store.close();
      },
    };
  };
}

/** The Kubernetes API service with default options. */
export const createKubeService: ServiceFactory = kubeServiceFactory();

/**
 * The controllers' view of the emulated cluster, over the Kubernetes service's in-process
 * {@link KubeStore} (src/kube/kube-store.ts): the same semantics as the HTTP API, without HTTP.
 */
import { KubeApiError } from "../kube/errors.js";
import type { KubeStore } from "../kube/kube-store.js";
import type { KubeObject as StoredObject } from "../kube/types.js";
import type { ClusterAccess } from "./cluster.js";
import type { KubeObject } from "./objects.js";

const notFound = (err: unknown) => err instanceof KubeApiError && err.code === "NotFound";

/** A {@link ClusterAccess} over a KubeStore. */
export function clusterOfStore(store: KubeStore): ClusterAccess {
  return {
    list: (kind) => store.list({ apiVersion: kind.apiVersion, kind: kind.kind }) as unknown as KubeObject[],
    get: (key) => store.get(key) as unknown as KubeObject | undefined,
    isNamespaced(kind) {
      try {
        return store.core.target(kind.apiVersion, kind.kind).type.namespaced;
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
    async apply(obj, fieldManager) {
      return store.apply(structuredClone(obj) as unknown as StoredObject, { fieldManager, force: true }) as unknown as KubeObject;
    },
    async delete(key) {
      try {
        store.delete(key, { propagationPolicy: "Background" });
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    },
    async setFinalizers(key, finalizers, fieldManager) {
      store.patch(key, { type: "merge", body: { metadata: { finalizers: finalizers.length > 0 ? [...finalizers] : null } } }, { fieldManager });
    },
    async updateStatus(key, status) {
      store.updateStatus(key, status, { fieldManager: controllerOf(key.kind) });
    },
    watch: (listener) => store.watch((e) => listener({ type: e.type, object: e.object as unknown as KubeObject })),
  };
}

/** The manager name a real cluster records for each controller's status writes. */
export function controllerOf(kind: string): string {
  if (kind === "GitRepository") return "source-controller";
  if (kind === "Kustomization") return "kustomize-controller";
  return "kube-controller-manager";
}

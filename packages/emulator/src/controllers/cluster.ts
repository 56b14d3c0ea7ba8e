/**
 * What the emulated controllers need from the cluster: a narrow view of the Kubernetes service's
 * in-process store, so the controllers' logic does not depend on how the store is built.
 */
import type { KubeObject, Kind } from "./objects.js";

/** Names one object. */
export interface ObjectKey extends Kind {
  readonly namespace?: string;
  readonly name: string;
}

/** A change the cluster reports. */
export interface ClusterEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly object: KubeObject;
}

export interface ClusterAccess {
  /** Every object of a kind, in all namespaces; empty when the kind is not served. */
  list(kind: Kind): KubeObject[];
  get(key: ObjectKey): KubeObject | undefined;
  /** Whether a kind is namespaced; undefined when the cluster does not serve it. */
  isNamespaced(kind: Kind): boolean | undefined;
  /** Server-side apply with `force`, as Flux's controllers apply. Returns the stored object. */
  apply(obj: KubeObject, fieldManager: string): Promise<KubeObject>;
  /** Delete an object; a missing one is not an error. */
  delete(key: ObjectKey): Promise<void>;
  /**
   * Replace an object's `metadata.finalizers` (a merge patch, as controller-runtime's patch helper
   * sends); an empty list removes the field, which lets a deleted object go.
   */
  setFinalizers(key: ObjectKey, finalizers: readonly string[], fieldManager: string): Promise<void>;
  /** Replace an object's status (the `/status` subresource). */
  updateStatus(key: ObjectKey, status: Record<string, unknown>): Promise<void>;
  /** Be told of every change; returns a function that stops the notifications. */
  watch(listener: (event: ClusterEvent) => void): () => void;
}

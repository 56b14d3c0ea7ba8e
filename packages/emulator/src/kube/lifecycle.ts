/**
 * The controllers a real control plane runs that clients observe through the API, reduced to
 * what they do to objects: the garbage collector (Foreground/Orphan finalizers, dependents whose
 * owners are gone), the namespace controller (empties a Terminating namespace, reports what is
 * left in its conditions, then removes the `kubernetes` finalizer) and the apiextensions
 * controllers (establish a CRD, delete its instances when it is deleted).
 *
 * It reconciles after every change (coalesced on `setImmediate`) until nothing changes.
 */
import { CRD_CLEANUP_FINALIZER, establishedCrdStatus, NAMESPACE_FINALIZER } from "./defaults.js";
import { KubeApiError } from "./errors.js";
import { isEstablished, typeFromCrd } from "./registry.js";
import type { StoreCore, Target } from "./store.js";
import { deepEqual, isPlainObject, kubeTime, qualifiedResource, type KubeObject, type ResourceType } from "./types.js";

export interface LifecycleOptions {
  /** Delay between a namespace's deletion and the removal of its content (default 0). */
  readonly namespaceTerminationDelayMs?: number;
  /** Delay before a new CRD becomes Established (default 0: within the create itself). */
  readonly crdEstablishDelayMs?: number;
  readonly log?: (message: string) => void;
}

const MANAGER = "kube-controller-manager";
const MAX_PASSES = 50;

function targetOf(type: ResourceType): Target {
  return { type, version: type.versions[0]! };
}

/** Runs the emulated control-plane controllers against a store. */
export class Lifecycle {
  readonly #store: StoreCore;
  readonly #nsDelay: number;
  readonly #crdDelay: number;
  readonly #log: (message: string) => void;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #due = new Map<string, number>();
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(store: StoreCore, options: LifecycleOptions = {}) {
    this.#store = store;
    this.#nsDelay = options.namespaceTerminationDelayMs ?? 0;
    this.#crdDelay = options.crdEstablishDelayMs ?? 0;
    this.#log = options.log ?? (() => {});
  }

  /** Ask for a reconcile soon (after the current request has been answered). */
  schedule(): void {
    if (this.#closed || this.#scheduled) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      this.reconcile();
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** Reconcile until nothing changes; returns whether anything did. */
  reconcile(): boolean {
    let any = false;
    for (let i = 0; i < MAX_PASSES && !this.#closed; i++) {
      if (!this.#pass()) return any;
      any = true;
    }
    return any;
  }

  /** Whether a delayed step is due; otherwise arm a timer for it. */
  #isDue(key: string, delay: number): boolean {
    if (delay <= 0) return true;
    const now = Date.now();
    let due = this.#due.get(key);
    if (due === undefined) {
      due = now + delay;
      this.#due.set(key, due);
    }
    if (due <= now) return true;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.schedule();
    }, due - now);
    this.#timers.add(timer);
    return false;
  }

  #try(what: string, action: () => void): boolean {
    try {
      action();
      return true;
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === "NotFound")) this.#log(`lifecycle: ${what} failed: ${(err as Error).message}`);
      return false;
    }
  }

  #pass(): boolean {
    const store = this.#store;
    let changed = false;
    const all = store.entries(undefined);
    const uids = new Set(all.map((e) => e.object.metadata.uid));
    const dependentsOf = (uid: string | undefined) =>
      store.entries(undefined).filter((e) => (e.object.metadata.ownerReferences ?? []).some((r) => r.uid === uid));

    for (const { type, object } of all) {
      const meta = object.metadata;
      const name = meta.name!;
      const ns = meta.namespace;
      const t = targetOf(type);
      const isCrd = type.group === "apiextensions.k8s.io" && type.kind === "CustomResourceDefinition";

      if (isCrd && meta.deletionTimestamp === undefined && !isEstablished(object) && this.#isDue(`crd/${meta.uid}`, this.#crdDelay)) {
        changed = this.#try(`establishing CRD ${name}`, () => {
          store.patch(t, undefined, name, { type: "merge", body: { status: establishedCrdStatus(object, kubeTime()) } }, { fieldManager: "kube-apiserver", subresource: "status" });
        }) || changed;
      }

      if (meta.deletionTimestamp !== undefined) {
        const finalizers = meta.finalizers ?? [];
        if (finalizers.includes("foregroundDeletion")) {
          const deps = dependentsOf(meta.uid);
          for (const dep of deps) {
            if (dep.object.metadata.deletionTimestamp === undefined) {
              changed = this.#try(`deleting dependent ${dep.object.metadata.name}`, () => {
                store.delete(targetOf(dep.type), dep.object.metadata.namespace, dep.object.metadata.name!, { propagationPolicy: "Foreground" });
              }) || changed;
            }
          }
          if (deps.length === 0) changed = this.#removeFinalizer(t, object, "foregroundDeletion") || changed;
        } else if (finalizers.includes("orphan")) {
          for (const dep of dependentsOf(meta.uid)) {
            const refs = (dep.object.metadata.ownerReferences ?? []).filter((r) => r.uid !== meta.uid);
            changed = this.#try(`orphaning ${dep.object.metadata.name}`, () => {
              store.patch(targetOf(dep.type), dep.object.metadata.namespace, dep.object.metadata.name!, { type: "merge", body: { metadata: { ownerReferences: refs.length > 0 ? refs : null } } }, { fieldManager: MANAGER });
            }) || changed;
          }
          changed = this.#removeFinalizer(t, object, "orphan") || changed;
        }
        if (type.group === "" && type.kind === "Namespace") changed = this.#terminateNamespace(object) || changed;
        if (isCrd && finalizers.includes(CRD_CLEANUP_FINALIZER)) changed = this.#cleanUpCrd(object) || changed;
        continue;
      }

      const owners = meta.ownerReferences ?? [];
      if (owners.length > 0 && owners.every((r) => !uids.has(r.uid))) {
        changed = this.#try(`collecting ${name} (its owners are gone)`, () => {
          store.delete(t, ns, name, { propagationPolicy: "Background" });
        }) || changed;
      }
    }
    return changed;
  }

  #removeFinalizer(t: Target, object: KubeObject, finalizer: string): boolean {
    const rest = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    return this.#try(`removing finalizer ${finalizer} of ${object.metadata.name}`, () => {
      this.#store.patch(t, object.metadata.namespace, object.metadata.name!, { type: "merge", body: { metadata: { finalizers: rest.length > 0 ? rest : null } } }, { fieldManager: MANAGER });
    });
  }

  #terminateNamespace(ns: KubeObject): boolean {
    const store = this.#store;
    const name = ns.metadata.name!;
    if (!this.#isDue(`ns/${ns.metadata.uid}`, this.#nsDelay)) return false;
    let changed = false;
    for (const e of store.entries(undefined, name)) {
      if (!e.type.namespaced || e.object.metadata.deletionTimestamp !== undefined) continue;
      changed = this.#try(`deleting ${e.object.metadata.name} in terminating namespace ${name}`, () => {
        store.delete(targetOf(e.type), name, e.object.metadata.name!, { propagationPolicy: "Background" });
      }) || changed;
    }
    const remaining = store.entries(undefined, name).filter((e) => e.type.namespaced);
    const t = targetOf(store.target("v1", "Namespace").type);
    if (remaining.length > 0) {
      const conditions = namespaceConditions(remaining, ns);
      const status = isPlainObject(ns["status"]) ? ns["status"] : {};
      if (!deepEqual(stripTimes(status["conditions"]), stripTimes(conditions))) {
        changed = this.#try(`reporting the content left in namespace ${name}`, () => {
          store.patch(t, undefined, name, { type: "merge", body: { status: { phase: "Terminating", conditions } } }, { fieldManager: MANAGER, subresource: "status" });
        }) || changed;
      }
      return changed;
    }
    const spec = isPlainObject(ns["spec"]) ? ns["spec"] : {};
    const finalizers = Array.isArray(spec["finalizers"]) ? (spec["finalizers"] as string[]) : [];
    if (finalizers.includes(NAMESPACE_FINALIZER)) {
      changed = this.#try(`finalizing namespace ${name}`, () => {
        store.finalizeNamespace(name, finalizers.filter((f) => f !== NAMESPACE_FINALIZER));
      }) || changed;
    }
    return changed;
  }

  #cleanUpCrd(crd: KubeObject): boolean {
    const store = this.#store;
    const type = typeFromCrd(crd);
    const t = targetOf(store.target("apiextensions.k8s.io/v1", "CustomResourceDefinition").type);
    let changed = false;
    const status = isPlainObject(crd["status"]) ? crd["status"] : {};
    const conditions = Array.isArray(status["conditions"]) ? (status["conditions"] as Record<string, unknown>[]) : [];
    if (!conditions.some((c) => c["type"] === "Terminating")) {
      const terminating = { type: "Terminating", status: "True", lastTransitionTime: kubeTime(), reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress" };
      changed = this.#try(`marking CRD ${crd.metadata.name} terminating`, () => {
        store.patch(t, undefined, crd.metadata.name!, { type: "merge", body: { status: { conditions: [...conditions, terminating] } } }, { fieldManager: "kube-apiserver", subresource: "status" });
      }) || changed;
    }
    const instances = type ? store.entries(type) : [];
    for (const e of instances) {
      if (e.object.metadata.deletionTimestamp !== undefined) continue;
      changed = this.#try(`deleting ${e.object.metadata.name} of a deleted CRD`, () => {
        store.delete({ type: e.type, version: e.type.versions[0]! }, e.object.metadata.namespace, e.object.metadata.name!, { propagationPolicy: "Background" });
      }) || changed;
    }
    if (type && store.entries(type).length === 0) {
      const latest = store.peek(t.type, undefined, crd.metadata.name!);
      if (latest) changed = this.#removeFinalizer(t, latest, CRD_CLEANUP_FINALIZER) || changed;
    }
    return changed;
  }
}

function stripTimes(conditions: unknown): unknown {
  return Array.isArray(conditions) ? conditions.map((c) => (isPlainObject(c) ? { ...c, lastTransitionTime: undefined } : c)) : conditions;
}

/** The conditions the namespace controller reports while content remains (k8s namespace deleter). */
function namespaceConditions(remaining: readonly { type: ResourceType; object: KubeObject }[], ns: KubeObject): Record<string, unknown>[] {
  const now = kubeTime();
  const byResource = new Map<string, number>();
  const byFinalizer = new Map<string, number>();
  for (const e of remaining) {
    const r = qualifiedResource(e.type);
    byResource.set(r, (byResource.get(r) ?? 0) + 1);
    for (const f of e.object.metadata.finalizers ?? []) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + 1);
  }
  const resources = [...byResource.entries()].sort().map(([r, n]) => `${r} has ${n} resource instances`).join(", ");
  const finalizers = [...byFinalizer.entries()].sort().map(([f, n]) => `${f} in ${n} resource instances`).join(", ");
  const previous = isPlainObject(ns["status"]) && Array.isArray(ns["status"]["conditions"]) ? (ns["status"]["conditions"] as Record<string, unknown>[]) : [];
  const since = (type: string, status: string) => {
    const p = previous.find((c) => c["type"] === type);
    return p && p["status"] === status ? p["lastTransitionTime"] : now;
  };
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastTransitionTime: since(type, status), reason, message });
  return [
    cond("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"),
    cond("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
    cond("NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
    cond("NamespaceContentRemaining", "True", "SomeResourcesRemain", `Some resources are remaining: ${resources}`),
    byFinalizer.size > 0
      ? cond("NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain", `Some content in the namespace has finalizers remaining: ${finalizers}`)
      : cond("NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
  ];
}

/**
 * Deleting resources: those the program no longer declares (after it completes), old copies left
 * by create-before-delete replaces, and everything on `destroy`. In reverse dependency order,
 * in parallel by the graph, bounded by `--parallel`.
 */
import { type Deployment, stepInfo } from "./deployment.js";
import { ProtectedResourceError, StepInterruptedError } from "./errors.js";
import { edgesOf, walkReverse } from "./graph.js";
import { isProviderType } from "./providers.js";
import type { ResourceState } from "./state/types.js";
import { deleteInCloud, StepStart } from "./steps.js";

/** Key of a resource in the delete walk: pending-delete copies share their URN with the live one. */
export function keyOf(r: ResourceState): string {
  return r.pendingDelete ? `${r.urn}\u0000pending-delete\u0000${r.id ?? ""}` : r.urn;
}

/**
 * Deletes `resources` (live ones and pending-delete copies) in reverse dependency order. A resource
 * for which `notDeleted` gives a reason (its delete was tried earlier in this run and did not
 * happen, delete-first.ts) is not tried again: what it depends on is skipped, as after a failure.
 */
export async function deleteResources(dep: Deployment, resources: readonly ResourceState[], notDeleted?: (r: ResourceState) => string | undefined): Promise<void> {
  if (resources.length === 0) return;
  await walkReverse({
    nodes: resources,
    key: keyOf,
    edges: edgesOf,
    stopped: () => dep.interrupted,
    notStarted: (r) => dep.notStarted(stepInfo({ urn: r.urn, type: r.type, parent: r.parent, kind: "delete" })),
    visit: async (r) => {
      // Reported when it was tried; here it only holds back what it depends on.
      const why = notDeleted?.(r);
      if (why !== undefined) throw new Error(why);
      await deleteOne(dep, r);
    },
    skip: (r, reason) => {
      dep.skipped(stepInfo({ urn: r.urn, type: r.type, parent: r.parent, kind: "delete" }), reason);
    },
  });
}

/**
 * Deletes one resource (or old copy) with its step events; true when it is gone, false when the run
 * was interrupted before it started. Throws (reported) when it failed.
 */
export async function deleteOne(dep: Deployment, r: ResourceState): Promise<boolean> {
  const info = stepInfo({ urn: r.urn, type: r.type, parent: r.parent, kind: "delete" });
  const t0 = performance.now();
  let start: StepStart | undefined;
  try {
    dep.planned(info);
    if (r.protect) throw new ProtectedResourceError(r.urn, "delete");
    if (dep.preview) {
      if (!r.pendingDelete) dep.count("delete");
      return true;
    }
    const w = dep.write();
    start = new StepStart(dep, info);
    if (r.retainOnDelete || !r.custom || isProviderType(r.type) || r.id === undefined) {
      start.enter();
      // No cloud object to delete (a component, an explicit provider) or the user keeps it (retainOnDelete).
      if (r.retainOnDelete && r.custom) {
        dep.diagnostic("info", `${r.urn} (id ${r.id ?? "?"}) is removed from the state but kept in the cloud (retainOnDelete).`, r.urn);
      }
      if (r.pendingDelete) {
        // Through begin/end so the writer drops this copy and not the live resource of the same URN.
        const h = await w.begin({ urn: r.urn, type: r.type, op: "delete", ...(r.id === undefined ? {} : { id: r.id }), time: dep.isoNow() });
        await w.end(h, { remove: r.urn });
      } else {
        await w.remove(r.urn);
      }
    } else {
      // Resolved once per type, then without a promise (as steps.ts does).
      const provider = dep.providers.cached(r.provider, r.type) ?? (await dep.providers.get(r.provider, r.type));
      const ctx = dep.providerContext({ urn: r.urn, type: r.type, name: info.name, timeouts: r.customTimeouts });
      await deleteInCloud(dep, { resource: r, provider, ctx, start });
    }
    // An old copy's deletion is the second half of a replace, already counted as one.
    if (!r.pendingDelete) {
      dep.olds.delete(r.urn);
      dep.count("delete");
    }
    dep.done(info, start.since(t0));
    return true;
  } catch (error) {
    // Interrupted while waiting for a slot: not started, not failed; what it depends on is then
    // skipped by the walk (stopped), so nothing is deleted before its dependents.
    if (error instanceof StepInterruptedError) {
      dep.notStarted(info);
      return false;
    }
    if (dep.isRefusedWrite(error) && start?.sent !== true) {
      // Its `begin` could not be written: nothing was sent to the cloud (the failed write is reported once, at the end).
      dep.notStarted(info);
      throw error;
    }
    if (dep.isRefusedWrite(error)) {
      dep.unrecorded(info, error, t0);
      throw error;
    }
    dep.stepFailed(info, error, t0);
    throw error;
  }
}

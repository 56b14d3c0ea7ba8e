/**
 * Refresh: read every custom resource from the cloud, in parallel, and bring the state in line
 * with what is there. Drift is reported as a `refresh` step with the property diff; a resource
 * that is gone is removed from the state. Refresh never changes the cloud.
 */
import type { PropertyMap } from "@iac/sdk/provider";
import { type Deployment, stepInfo } from "./deployment.js";
import { defaultDiff } from "./diff.js";
import { isProviderType } from "./providers.js";
import type { ResourceState } from "./state/types.js";
import { applyIgnoreChanges, secretPathsOf, unwrapMap, wrapPaths } from "./values.js";

/** Refreshes every (targeted) custom resource in `dep.olds`; failures are recorded, not thrown. */
export async function refreshResources(dep: Deployment): Promise<void> {
  const targeted = [...dep.olds.values()].filter((r) => dep.isTargeted(r.urn));
  const resources = targeted.filter(readable);
  // `iac refresh` counts each resource of the stack once, so its summary adds up to what the stack
  // holds (and to what `iac preview` counts): what has nothing to read in the cloud (a component,
  // an explicit provider) is unchanged. Under `--refresh` the program's step counts every
  // resource, so the refresh counts only drift (`refresh`), never `same` a second time.
  if (dep.operation === "refresh") for (const r of targeted) if (!readable(r)) dep.count("same");
  await Promise.all(
    resources.map((r) =>
      dep.limiter.run(async () => {
        if (dep.interrupted) return;
        await refreshOne(dep, r);
      }),
    ),
  );
}

/** A resource the cloud holds and its provider can read: a custom resource with an id. */
function readable(r: ResourceState): boolean {
  return r.custom && !isProviderType(r.type) && r.id !== undefined;
}

async function refreshOne(dep: Deployment, r: ResourceState): Promise<void> {
  const t0 = performance.now();
  let info = stepInfo({ urn: r.urn, type: r.type, parent: r.parent, kind: "refresh" });
  try {
    const provider = await dep.providers.get(r.provider, r.type);
    const ctx = dep.providerContext({ urn: r.urn, type: r.type, name: info.name, timeouts: r.customTimeouts });
    const olds = { inputs: unwrapMap(r.inputs).plain, outputs: unwrapMap(r.outputs).plain };
    const w = dep.preview ? undefined : dep.write();
    const handle = await w?.begin({
      urn: r.urn,
      type: r.type,
      op: "read",
      id: r.id!,
      ...(r.provider === undefined ? {} : { provider: r.provider }),
      time: new Date().toISOString(),
    });
    let read: { inputs: PropertyMap; outputs: PropertyMap } | undefined;
    try {
      read = await provider.read(r.id!, olds, ctx);
    } catch (error) {
      if (handle) await w!.end(handle, { none: true });
      throw error;
    }
    if (!read) {
      info = { ...info, diffs: [{ path: "id", kind: "delete", replace: false, reason: "the object no longer exists in the cloud" }] };
      dep.planned(info);
      if (handle) await w!.end(handle, { remove: r.urn });
      dep.olds.delete(r.urn);
      dep.diagnostic("warning", `${r.urn} (id ${r.id}) no longer exists in the cloud${dep.preview ? "" : "; it was removed from the state"}.`, r.urn);
      dep.count("refresh");
      if (!dep.preview) dep.done(info, t0);
      return;
    }
    // ignoreChanges: drift in an ignored property is the user's choice, not news: it is neither
    // reported nor written (the state keeps the old input; the program's value stays in charge).
    const ignored = r.ignoreChanges;
    if (ignored && ignored.length > 0) {
      read = { inputs: applyIgnoreChanges(read.inputs, olds.inputs, ignored), outputs: applyIgnoreChanges(read.outputs, olds.outputs, ignored) };
    }
    const inputDiff = defaultDiff(olds.inputs, read.inputs).detailed;
    const outputDiff = defaultDiff(olds.outputs, read.outputs).detailed.filter((d) => !inputDiff.some((i) => i.path === d.path));
    const diffs = [...inputDiff, ...outputDiff];
    if (diffs.length === 0) {
      if (handle) await w!.end(handle, { none: true });
      if (dep.operation === "refresh") dep.count("same");
      return;
    }
    // Secret where they were (finest paths), plus what the provider always treats as secret.
    const secretInputs = [...secretPathsOf(r.inputs), ...(provider.secretInputs ?? [])];
    const secretOutputs = [...secretPathsOf(r.outputs), ...secretInputs, ...(provider.secretOutputs ?? []), ...(r.additionalSecretOutputs ?? [])];
    const next: ResourceState = {
      ...r,
      inputs: wrapPaths(read.inputs, secretInputs),
      outputs: wrapPaths(read.outputs, secretOutputs),
      modified: new Date().toISOString(),
    };
    info = stepInfo({
      urn: r.urn,
      type: r.type,
      parent: r.parent,
      kind: "refresh",
      diffs,
      olds: { ...r.outputs, ...r.inputs },
      news: { ...next.outputs, ...next.inputs },
    });
    dep.planned(info);
    if (handle) await w!.end(handle, { upsert: next });
    dep.olds.set(r.urn, next);
    dep.count("refresh");
    if (!dep.preview) dep.done(info, t0);
  } catch (error) {
    dep.stepFailed(info, error, t0);
  }
}

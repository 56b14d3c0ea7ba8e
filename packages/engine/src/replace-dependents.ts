/**
 * Delete-before-replace and the resources that depend on the one replaced.
 *
 * Deleting a resource first leaves whatever references it dangling. Following Pulumi
 * (`calculateDependentReplacements`, /work/shared/reference/notes/pulumi-engine.md §1.5), before
 * the old resource is deleted the engine finds the dependents that must be replaced with it:
 *   1. the transitive dependents in the state whose inputs come from it through property
 *      dependencies (a `dependsOn` alone does not make an input change);
 *   2. for each, the inputs that come from a resource being replaced are set to unknown and the
 *      dependent's provider diffs them: if that diff is a replace, the dependent is condemned;
 *   3. a protected dependent that is condemned blocks the whole replace;
 *   4. the condemned are deleted, dependents first, before the old resource; each is created again
 *      when the program registers it (its step is reported as a delete-before-replace `replace`).
 * Dependents whose diff is an update keep existing and are updated once the replacement exists.
 * Dependents whose step has already started in this run (the program no longer ties them to the
 * replaced resource) are left alone.
 */
import { UNKNOWN, type PropertyMap, type PropertyValue } from "@iac/sdk/provider";
import type { Deployment } from "./deployment.js";
import { adjustDiff, defaultDiff } from "./diff.js";
import { ProtectedResourceError } from "./errors.js";
import { edgesOf, walkReverse } from "./graph.js";
import { isProviderType } from "./providers.js";
import type { ResourceState } from "./state/types.js";
import { deleteInCloud, type StepStart } from "./steps.js";
import { unwrapMap } from "./values.js";

/**
 * The dependents of `replaced` that must be deleted before it, dependents first (not yet deleted).
 * @throws ProtectedResourceError when one of them is protected.
 */
export async function condemnedDependents(dep: Deployment, replaced: ResourceState): Promise<ResourceState[]> {
  const byDependency = (dep.dependentsIndex ??= dependentsIndex(dep));
  const condemned = new Map<string, ResourceState>();
  const gone = new Set<string>([replaced.urn]);
  const queue = [replaced.urn];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const urn = queue.shift()!;
    for (const d of byDependency.get(urn) ?? []) {
      if (seen.has(d.urn) || dep.claimed.has(d.urn) || !dep.olds.has(d.urn)) continue;
      const affected = affectedProperties(d, gone);
      if (affected.length === 0) continue;
      seen.add(d.urn);
      if (!(await replacedWithUnknowns(dep, d, affected))) continue;
      if (d.protect) throw new ProtectedResourceError(d.urn, "replace");
      condemned.set(d.urn, d);
      gone.add(d.urn);
      queue.push(d.urn);
    }
  }
  return [...condemned.values()];
}

/** Deletes `condemned` in reverse dependency order and marks them to be created again. */
export async function deleteCondemned(dep: Deployment, replaced: ResourceState, condemned: readonly ResourceState[], start?: StepStart): Promise<void> {
  if (condemned.length === 0) return;
  const failures: unknown[] = [];
  await walkReverse({
    nodes: condemned,
    key: (r) => r.urn,
    edges: edgesOf,
    visit: async (r) => {
      try {
        const provider = await dep.providers.get(r.provider, r.type);
        const ctx = dep.providerContext({ urn: r.urn, type: r.type, name: nameOf(r.urn), timeouts: r.customTimeouts });
        dep.diagnostic("info", `${r.urn} is deleted before ${replaced.urn} is replaced (delete-before-replace): it depends on it and must be replaced too; it is created again with the new one.`, r.urn);
        await deleteInCloud(dep, { resource: r, provider, ctx, ...(start ? { start } : {}) });
        dep.olds.delete(r.urn);
        dep.recreating.set(r.urn, r);
      } catch (error) {
        failures.push(error);
        throw error;
      }
    },
    skip: () => undefined,
  });
  if (failures.length > 0) throw failures[0];
}

/** Old resources by the URNs their inputs come from (property dependencies); built once per run, on first need. */
function dependentsIndex(dep: Deployment): Map<string, ResourceState[]> {
  const index = new Map<string, ResourceState[]>();
  for (const r of dep.olds.values()) {
    if (!r.custom || isProviderType(r.type) || !r.propertyDependencies) continue;
    const from = new Set<string>();
    for (const k in r.propertyDependencies) for (const u of r.propertyDependencies[k]!) from.add(u);
    for (const u of from) {
      let list = index.get(u);
      if (!list) index.set(u, (list = []));
      list.push(r);
    }
  }
  return index;
}

function affectedProperties(r: ResourceState, gone: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const k in r.propertyDependencies ?? {}) if (r.propertyDependencies![k]!.some((u) => gone.has(u))) out.push(k);
  return out;
}

/** Whether `r`'s provider says a change of the `affected` inputs (to values not known yet) replaces it. */
async function replacedWithUnknowns(dep: Deployment, r: ResourceState, affected: readonly string[]): Promise<boolean> {
  const provider = await dep.providers.get(r.provider, r.type);
  const olds = { inputs: unwrapMap(r.inputs).plain, outputs: unwrapMap(r.outputs).plain };
  const news: PropertyMap = { ...olds.inputs };
  for (const k of affected) news[k] = UNKNOWN as PropertyValue;
  const ctx = dep.providerContext({ urn: r.urn, type: r.type, name: nameOf(r.urn), timeouts: r.customTimeouts });
  const raw = provider.diff ? await provider.diff(r.id ?? "", olds, news, ctx) : defaultDiff(olds.inputs, news);
  const diff = adjustDiff(raw, { news, olds: olds.inputs });
  return diff.replaces.length > 0 || diff.detailed.some((d) => d.replace);
}

function nameOf(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

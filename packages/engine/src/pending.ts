/**
 * Resolving pending operations an earlier run left behind (it crashed or was killed between
 * `begin` and `end`). Goal: the next run converges with nothing lost or duplicated.
 *
 * - An operation with an id (update, delete, read, import, or a create that reported a partial
 *   id): read the object; gone -> drop it from state; present -> record what the cloud holds.
 * - A create without an id: ask the provider to `find` what those inputs (autonames fixed by
 *   `check` before the create) would have created; found -> adopt it; `undefined` (the provider is
 *   sure nothing exists or will appear) -> clear it. When the provider cannot tell (`find` throws,
 *   e.g. the cloud may still be making the object) or cannot search (no `find`; `refresh` excepted),
 *   the operation stays pending and the URN is not created in this run ({@link Deployment.pendingCreates}):
 *   a second create could make a duplicate.
 */
import type { PropertyMap, Provider } from "@iac/sdk/provider";
import type { Deployment } from "./deployment.js";
import { errorMessage } from "./errors.js";
import type { PendingOperation, ResourceState } from "./state/types.js";
import { secretPathsOf, unwrapMap, wrapPaths } from "./values.js";

/** Emits the `pending-operations` event and, outside preview, resolves and clears each operation. */
export async function resolvePendingOperations(dep: Deployment, ops: readonly PendingOperation[]): Promise<void> {
  if (ops.length === 0) return;
  dep.emit({
    kind: "pending-operations",
    operations: ops.map((o) => ({ urn: o.urn, type: o.type, op: o.op, ...(o.id === undefined ? {} : { id: o.id }) })),
    time: Date.now(),
  });
  if (dep.preview) {
    // The next `up` has work to do (resolve them), so `--expect-no-changes` must not pass.
    dep.changes = true;
    dep.diagnostic("warning", `${ops.length} operation(s) of an interrupted run are pending; \`iac up\` or \`iac refresh\` resolves them.`);
    return;
  }
  const resolved: string[] = [];
  // One at a time: operations on one URN (a replace's create and the old copy's delete) must not race.
  for (const op of ops) {
    try {
      await resolveOne(dep, op);
      resolved.push(op.urn);
    } catch (error) {
      if (op.op === "create" && op.id === undefined) {
        // Never cleared while the cloud may still be making it; a registration of this URN fails (steps.ts).
        const why = error instanceof UnsearchableCreate ? error.message : `the provider could not tell whether the object exists: ${errorMessage(error)}`;
        dep.pendingCreates.set(op.urn, why);
        dep.diagnostic("warning", `The interrupted create of ${op.urn} stays pending: ${why}.`, op.urn);
        continue;
      } else {
        dep.diagnostic(
          "error",
          `Could not resolve the interrupted ${op.op} of ${op.urn}: ${errorMessage(error)}. It stays pending; run \`iac refresh\` once the cause is fixed.`,
          op.urn,
        );
      }
      dep.failed++;
    }
  }
  if (resolved.length > 0) await dep.write().clearPending([...new Set(resolved)]);
}

/**
 * At the end of a run: a pending create that stayed pending and that no step of this run reported
 * (the program no longer declares it, or a destroy or refresh) fails the run, so it is not taken
 * for done.
 */
export function reportUnresolvedCreates(dep: Deployment): void {
  for (const [urn, why] of dep.pendingCreates) {
    dep.failed++;
    dep.diagnostic("error", `A create of ${urn} that an earlier run started is still pending (${why}). Run the command again once the cloud has finished, or \`iac refresh\`.`, urn);
  }
}

async function resolveOne(dep: Deployment, op: PendingOperation): Promise<void> {
  const provider = await dep.providers.get(op.provider, op.type);
  const ctx = dep.providerContext({ urn: op.urn, type: op.type, name: nameOf(op.urn) });
  const w = dep.write();
  const live = dep.olds.get(op.urn);
  if (op.id !== undefined) {
    const copy = dep.pendingDeletes.find((c) => c.urn === op.urn && c.id === op.id);
    const target = copy ?? (live?.id === op.id ? live : undefined);
    const olds = target
      ? { inputs: unwrapMap(target.inputs).plain, outputs: unwrapMap(target.outputs).plain }
      : { inputs: unwrapMap(op.inputs ?? {}).plain, outputs: {} };
    const read = await provider.read(op.id, olds, ctx);
    if (!read) {
      if (copy) {
        const h = await w.begin({ urn: copy.urn, type: copy.type, op: "delete", id: op.id, time: new Date().toISOString() });
        await w.end(h, { remove: copy.urn });
        dep.pendingDeletes.splice(dep.pendingDeletes.indexOf(copy), 1);
      } else if (target) {
        await w.remove(target.urn);
        dep.olds.delete(target.urn);
      }
      dep.diagnostic("info", `The interrupted ${op.op} of ${op.urn} (id ${op.id}): the object is gone${target ? "; removed from the state" : ""}.`, op.urn);
      return;
    }
    const next = fromRead(provider, { op, base: target, read });
    if (copy) {
      await w.put({ ...next, pendingDelete: true });
      dep.pendingDeletes[dep.pendingDeletes.indexOf(copy)] = { ...next, pendingDelete: true };
    } else if (!live || live.id === op.id) {
      await w.put(next);
      dep.olds.set(op.urn, next);
    } else {
      // The state's resource of this URN is another object: this one is left over; delete it at the end.
      const orphan: ResourceState = { ...next, pendingDelete: true };
      await w.put(orphan);
      dep.pendingDeletes.push(orphan);
    }
    dep.diagnostic("info", `The interrupted ${op.op} of ${op.urn} (id ${op.id}): the state now holds what the cloud has.`, op.urn);
    return;
  }
  if (op.op !== "create") {
    dep.diagnostic("warning", `The interrupted ${op.op} of ${op.urn} has no id to check; cleared.`, op.urn);
    return;
  }
  if (!provider.find) {
    // The journal cannot tell whether the call reached the cloud (`begin` is durable before it is
    // sent): only the user can. `iac refresh` is how they say "I checked; clear it".
    if (dep.operation !== "refresh") {
      throw new UnsearchableCreate(
        `its provider (${op.type}) cannot search the cloud for the object it may have made; if the cloud holds one, adopt it with the \`import\` resource option, else run \`iac refresh\` to clear the pending create`,
      );
    }
    dep.diagnostic(
      "warning",
      `A create of ${op.urn} was interrupted and its provider cannot search for the object it may have made; cleared by refresh. ` +
        "If the cloud holds such an object, adopt it with the `import` resource option or delete it by hand.",
      op.urn,
    );
    return;
  }
  const found = await provider.find(unwrapMap(op.inputs ?? {}).plain, ctx);
  if (!found) {
    // The provider is sure nothing exists and will appear: the create never reached the cloud. Nothing to do by hand.
    dep.diagnostic("info", `A create of ${op.urn} was interrupted before anything was made; cleared.`, op.urn);
    return;
  }
  const adopted = fromRead(provider, { op: { ...op, id: found.id }, base: undefined, read: { inputs: unwrapMap(op.inputs ?? {}).plain, outputs: found.outputs } });
  if (live && live.id !== found.id) {
    // A create-before-delete replace was interrupted: the new object takes the URN; the old one is deleted at the end.
    const old: ResourceState = { ...live, pendingDelete: true };
    await w.put(old);
    dep.pendingDeletes.push(old);
  }
  await w.put(adopted);
  dep.olds.set(op.urn, adopted);
  dep.diagnostic("warning", `A create of ${op.urn} was interrupted after the cloud made it (id ${found.id}); the object was adopted into the state.`, op.urn);
}

/** A pending create whose provider has no `find` (outside `refresh`): it stays pending. */
class UnsearchableCreate extends Error {}

function fromRead(
  provider: Provider,
  o: { readonly op: PendingOperation; readonly base: ResourceState | undefined; readonly read: { readonly inputs: PropertyMap; readonly outputs: PropertyMap } },
): ResourceState {
  const now = new Date().toISOString();
  const inputSecrets = [...secretPathsOf(o.base?.inputs ?? o.op.inputs ?? {}), ...(provider.secretInputs ?? [])];
  const outputSecrets = [...inputSecrets, ...secretPathsOf(o.base?.outputs ?? {}), ...(provider.secretOutputs ?? [])];
  const inputs = wrapPaths(o.read.inputs, inputSecrets);
  const outputs = wrapPaths(o.read.outputs, outputSecrets);
  if (o.base) return { ...o.base, inputs, outputs, modified: now };
  return {
    urn: o.op.urn,
    type: o.op.type,
    custom: true,
    ...(o.op.id === undefined ? {} : { id: o.op.id }),
    ...(o.op.provider === undefined ? {} : { provider: o.op.provider }),
    inputs,
    outputs,
    dependencies: [],
    created: now,
    modified: now,
  };
}

function nameOf(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

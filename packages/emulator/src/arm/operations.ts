/**
 * Long-running operations, computed from their start time rather than driven by timers: the status
 * of an operation is a function of `now`, so a restarted emulator resumes an operation where the
 * clock puts it, and tests need no sleeping beyond the SDK's own polling.
 */
import { randomUUID } from "node:crypto";
import type { ArmContext } from "./context.js";
import type { OperationRecord, OperationStatus } from "./model.js";
import type { ArmStore } from "./store.js";

/** Operations that ended longer ago than this are forgotten (pollers are long gone by then). */
const RETAIN_MS = 60 * 60_000;

/** A new operation id (a GUID, as ARM's are). */
export function newOperationId(): string {
  return randomUUID();
}

/**
 * The fields every new operation on `resourceId` starts with. `failable`: a create that a fault's
 * `failOperation` can make fail (the request's matched fault decides).
 */
export function startOperationFields(ctx: ArmContext, now: number, resourceId: string, options: { readonly failable: boolean; readonly kind: OperationRecord["kind"] }) {
  return {
    id: newOperationId(),
    resourceKey: resourceId.toLowerCase(),
    startedAt: now,
    stepMs: ctx.timing.stepMs(options.kind),
    ...(options.failable ? { failure: ctx.fault?.failOperation } : {}),
  };
}

/** How long the operation runs before it ends. */
export function durationOf(op: OperationRecord): number {
  return 2 * op.stepMs;
}

/** Whether an agent still works on the operation (it then stays InProgress). */
function held(op: OperationRecord): boolean {
  return (op.kind === "genericPut" || op.kind === "genericDelete") && op.agent === "running";
}

/** The operation's status at `now`. */
export function operationStatus(op: OperationRecord, now: number): OperationStatus {
  const elapsed = now - op.startedAt;
  const done = elapsed >= durationOf(op) && !held(op);
  switch (op.kind) {
    case "containerGroupCreate":
      // ACI's own words (notes §1.4): Pending, then Creating, then Succeeded or Failed.
      if (done) return op.failure ? "Failed" : "Succeeded";
      return elapsed < op.stepMs ? "Pending" : "Creating";
    case "storageCreate":
    case "resourceGroupDelete":
      if (done) return op.failure ? "Failed" : "Succeeded";
      return "Running";
    case "genericPut":
    case "genericDelete":
      // The RPC's async-operation status words (async-api-reference.md): InProgress until terminal.
      if (done) return op.failure ? "Failed" : "Succeeded";
      return "InProgress";
    default:
      return assertNever(op);
  }
}

/** Whether the operation has ended (successfully or not) at `now`. */
export function isDone(op: OperationRecord, now: number): boolean {
  return now - op.startedAt >= durationOf(op) && !held(op);
}

/**
 * Apply the effects of operations that ended: a created storage account becomes visible (or is
 * dropped if its creation failed, as Azure leaves no account behind), a deleted resource group and
 * everything in it disappear. Called before each request and by the JS API.
 */
export function settle(store: ArmStore, now: number): void {
  for (const op of store.operations()) {
    if (!isDone(op, now)) continue;
    if (!op.applied) {
      applyEnd(store, op);
      store.putOperation({ ...op, applied: true });
    } else if (now - op.startedAt - durationOf(op) > RETAIN_MS) {
      store.removeOperation(op.id);
    }
  }
}

function applyEnd(store: ArmStore, op: OperationRecord): void {
  const target = store.get(op.resourceKey);
  switch (op.kind) {
    case "storageCreate":
      if (target?.kind !== "storageAccount" || target.createOperation !== op.id) return;
      if (op.failure) store.remove(target.id);
      else store.put({ ...target, createOperation: undefined });
      return;
    case "resourceGroupDelete":
      if (target?.kind !== "resourceGroup" || target.deleteOperation !== op.id) return;
      // Cascade (notes §1.1): "When you delete a resource group, all of its resources are also deleted."
      for (const child of store.under(target.id)) store.remove(child.id);
      store.remove(target.id);
      return;
    case "containerGroupCreate":
      // provisioningState is derived from the operation; nothing to change.
      return;
    case "genericPut":
      // Derived from the operation too, but kept once the operation is forgotten (an hour on).
      if (op.failure && target?.kind === "generic" && target.operation === op.id) store.put({ ...target, failed: true });
      return;
    case "genericDelete":
      if (target?.kind !== "generic" || target.deleteOperation !== op.id) return;
      // Nested resources go with their parent (a subnet with its virtual network).
      for (const child of store.under(target.id)) store.remove(child.id);
      store.remove(target.id);
      return;
    default:
      assertNever(op);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

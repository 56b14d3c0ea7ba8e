/**
 * The in-memory state that journal records are applied to, and the records themselves.
 *
 * Applying a record costs O(1) (plus the size of the record): resources are kept in a map keyed by
 * URN, and the dependency order the snapshot promises is restored once, when a snapshot is taken.
 * The model does not care whether the secrets inside are wrapped plaintext or encrypted markers.
 */
import type { PropertyMap } from "@iac/sdk/provider";
import type { PendingOperation, ResourceState, Snapshot } from "./types.js";

/** First line of every journal: the snapshot generation the records apply to. */
export interface JournalHeader {
  readonly kind: "header";
  /** Format of the journal lines (1). */
  readonly format: 1;
  /** The journal applies on top of the snapshot with this generation, and on no other. */
  readonly generation: number;
  readonly project: string;
  readonly stack: string;
}

/** Result part of an `end` record. */
export type EndResult =
  | { readonly upsert: ResourceState }
  | { readonly remove: string; readonly id?: string }
  | { readonly none: true };

/** One line of the journal after the header. */
export type JournalRecord =
  | { readonly kind: "begin"; readonly seq: number; readonly op: PendingOperation }
  | ({ readonly kind: "end"; readonly seq: number } & EndResult)
  | { readonly kind: "put"; readonly resource: ResourceState }
  | { readonly kind: "remove"; readonly urn: string }
  | { readonly kind: "clearPending"; readonly urns: readonly string[] }
  | { readonly kind: "setOutputs"; readonly outputs: PropertyMap };

/** Mutable working copy of a stack's state. */
export class StateModel {
  /** URN to its entries: at most one live entry plus `pendingDelete` copies. Insertion order is the base order. */
  private readonly resources = new Map<string, ResourceState[]>();
  /** Base pending operations under `b<index>`, journal ones under `s<seq>`. */
  private readonly pending = new Map<string, PendingOperation>();
  private outputs: PropertyMap;
  private cached: Snapshot | undefined;

  constructor(private readonly base: Snapshot) {
    for (const r of base.resources) this.upsert(r);
    base.pendingOperations.forEach((op, i) => this.pending.set(`b${i}`, op));
    this.outputs = base.outputs;
  }

  /** Apply one journal record. */
  apply(record: JournalRecord): void {
    this.cached = undefined;
    switch (record.kind) {
      case "begin":
        this.pending.set(`s${record.seq}`, record.op);
        return;
      case "end":
        this.pending.delete(`s${record.seq}`);
        if ("upsert" in record) this.upsert(record.upsert);
        else if ("remove" in record) this.removeDeleted(record.remove, record.id);
        return;
      case "put":
        this.upsert(record.resource);
        return;
      case "remove":
        this.remove(record.urn);
        return;
      case "clearPending": {
        const urns = new Set(record.urns);
        for (const [key, op] of this.pending) if (urns.has(op.urn)) this.pending.delete(key);
        return;
      }
      case "setOutputs":
        this.outputs = record.outputs;
        return;
      default:
        return assertNever(record);
    }
  }

  /** Number of resource entries (pending-delete copies included). */
  get resourceCount(): number {
    let n = 0;
    for (const entries of this.resources.values()) n += entries.length;
    return n;
  }

  /** The state as a snapshot, resources in dependency order. O(resources); cached until the next record. */
  snapshot(): Snapshot {
    if (this.cached === undefined) {
      this.cached = {
        ...this.base,
        resources: orderByDependencies(this.resources),
        pendingOperations: [...this.pending.values()],
        outputs: this.outputs,
      };
      ORDERED.add(this.cached);
    }
    return this.cached;
  }

  /**
   * A live resource replaces the live entry of its URN. A `pendingDelete` copy replaces the entry
   * with the same id (this is how the engine marks the old object of a create-before-delete
   * replacement), so the old copy and its replacement can share a URN.
   */
  private upsert(resource: ResourceState): void {
    const entries = this.resources.get(resource.urn) ?? [];
    let index: number;
    if (resource.pendingDelete) {
      index = entries.findIndex((e) => e.pendingDelete && e.id === resource.id);
      if (index < 0) index = entries.findIndex((e) => !e.pendingDelete && e.id === resource.id);
    } else {
      index = entries.findIndex((e) => !e.pendingDelete);
    }
    if (index < 0) entries.push(resource);
    else entries[index] = resource;
    this.resources.set(resource.urn, entries);
  }

  /**
   * A delete that succeeded names the object by the id it began with (absent for objects without
   * one): the pending-delete copy with that id goes first, as the old half of a replacement is
   * what deletes usually target; else the live entry with that id. Nothing matches: nothing to drop.
   */
  private removeDeleted(urn: string, id: string | undefined): void {
    const entries = this.resources.get(urn);
    if (!entries) return;
    let at = entries.findIndex((e) => e.pendingDelete && e.id === id);
    if (at < 0) at = entries.findIndex((e) => e.id === id);
    if (at < 0) return;
    this.setEntries(urn, entries.filter((_, i) => i !== at));
  }

  /** Drop the live entry of a URN, or its pending-delete copies when it has no live one. */
  private remove(urn: string): void {
    const entries = this.resources.get(urn);
    if (!entries) return;
    this.setEntries(urn, entries.some((e) => !e.pendingDelete) ? entries.filter((e) => e.pendingDelete) : []);
  }

  private setEntries(urn: string, entries: ResourceState[]): void {
    if (entries.length === 0) this.resources.delete(urn);
    else this.resources.set(urn, entries);
  }
}

/** Snapshots made by {@link StateModel.snapshot}: already one entry per URN group, in dependency order. */
const ORDERED = new WeakSet<Snapshot>();

/**
 * `state` as compaction writes it: its resources in dependency order, pending-delete copies after
 * their live entry. A snapshot a {@link StateModel} made is that already (a run's writer hands its
 * model's at close: ordering 10,000 resources again cost ~50 ms); any other is ordered here.
 */
export function inDependencyOrder(state: Snapshot): Snapshot {
  return ORDERED.has(state) ? state : new StateModel(state).snapshot();
}

/** URNs a resource needs before it in the snapshot. */
function prerequisites(r: ResourceState): string[] {
  const out = [...r.dependencies];
  if (r.parent) out.push(r.parent);
  if (r.provider?.urn) out.push(r.provider.urn);
  for (const deps of Object.values(r.propertyDependencies ?? {})) out.push(...deps);
  return out;
}

/**
 * Stable topological order: each URN group (the live entry first, then its pending-delete copies)
 * after the groups it depends on, otherwise in insertion order. Iterative, so a 10,000-long chain
 * does not overflow the stack; an edge to an unknown URN is ignored and a cycle is broken where
 * it is found (neither can be produced by the engine, and compaction must not fail on them).
 */
export function orderByDependencies(groups: ReadonlyMap<string, readonly ResourceState[]>): ResourceState[] {
  const out: ResourceState[] = [];
  const state = new Map<string, "visiting" | "done">();
  // One explicit stack for the whole walk, and no closure per root: this runs at every compaction,
  // over every resource.
  const stack: { urn: string; deps: string[]; next: number }[] = [];
  for (const root of groups.keys()) {
    if (state.has(root)) continue;
    state.set(root, "visiting");
    stack.push({ urn: root, deps: prerequisitesOf(groups.get(root)!), next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++]!;
        if (groups.has(dep) && !state.has(dep)) {
          state.set(dep, "visiting");
          stack.push({ urn: dep, deps: prerequisitesOf(groups.get(dep)!), next: 0 });
        }
      } else {
        stack.pop();
        const entries = groups.get(top.urn)!;
        // The live entry first, then its pending-delete copies.
        for (const e of entries) if (!e.pendingDelete) out.push(e);
        for (const e of entries) if (e.pendingDelete) out.push(e);
        state.set(top.urn, "done");
      }
    }
  }
  return out;
}

/** The prerequisites of a URN group (most groups are one entry: no copy). */
function prerequisitesOf(entries: readonly ResourceState[]): string[] {
  return entries.length === 1 ? prerequisites(entries[0]!) : entries.flatMap(prerequisites);
}

/** An empty state for a stack that has none yet. */
export function emptySnapshot(options: { readonly project: string; readonly stack: string; readonly secretsProvider: Snapshot["secretsProvider"] }): Snapshot {
  return { version: 1, project: options.project, stack: options.stack, secretsProvider: options.secretsProvider, resources: [], pendingOperations: [], outputs: {} };
}

function assertNever(x: never): never {
  throw new Error(`Unexpected journal record ${JSON.stringify(x)} (an internal error: please report).`);
}

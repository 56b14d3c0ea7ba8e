/**
 * Deletes that come before an update: a resource the program no longer declares is deleted before
 * the update or replace of a resource it depended on (decisions/0013).
 *
 * Deletes of undeclared resources otherwise run once the program has completed (only then is it
 * known what it no longer declares), after every update. When the update of A takes away what a
 * dependent B, removed from the program in the same edit, needs to go away (a Flux extension whose
 * update removes the image controllers, whose finalizers the image objects' deletes wait for), B's
 * delete would then hang or fail. Terraform orders a destroy before the update of what the destroyed
 * resource depended on (its destroy edges); so does this, using what `up`'s plan already knows: the
 * planning pass (or the preview the user confirmed) ran the whole program, so the set of resources it
 * no longer declares is known before the first change.
 *
 * Rules, when the step of A is an update or a replace (not in preview):
 * - held: each B in the plan's set that depends directly on A in the state (dependencies, parent,
 *   explicit provider) and that this run's program has not declared after all;
 * - B is deleted first, with everything it holds (the removed resources and old copies that depend
 *   on B, transitively, dependents first, as the end-of-run deletes would); a resource deleted so is
 *   not deleted again at the end;
 * - not held (B stays for the end of the run, as before): when a resource the program still declares
 *   depends on B or on one of those (its own step must first stop using it), or the state has a cycle
 *   there; a diagnostic says so;
 * - when such a delete fails, or the run is interrupted before it, A's step is skipped (and what
 *   depends on A); other work goes on, and the run's failures keep the other undeclared resources.
 * A `retainOnDelete` B is held like any other: its delete only removes it from the state (no wait in
 * the cloud), and what it holds is deleted in order.
 */
import type { Deployment } from "./deployment.js";
import { stepInfo } from "./deployment.js";
import { deleteOne, keyOf } from "./deletes.js";
import { errorMessage } from "./errors.js";
import { edgesOf } from "./graph.js";
import type { ResourceState } from "./state/types.js";

/** How an early delete ended. */
type Outcome = { readonly kind: "deleted" } | { readonly kind: "failed" | "skipped"; readonly reason: string };

const DELETED: Outcome = { kind: "deleted" };

/** The reason a step held by an interrupted early delete gets; the step reports itself as not started. */
export const INTERRUPTED = "interrupted";

/** Early deletes of one `up`'s apply pass. Made only when its plan found undeclared resources. */
export class DeleteFirst {
  readonly #dep: Deployment;
  /** URNs of live resources the plan found the program no longer declares (targeted ones). */
  readonly #removed: ReadonlySet<string>;
  /** Removed resources by a URN they depend on directly (what an update of that URN waits for). */
  readonly #heldBy = new Map<string, ResourceState[]>();
  /** Resources of the state (live and old copies) by a removed URN they depend on. */
  readonly #dependents = new Map<string, ResourceState[]>();
  readonly #outcomes = new Map<string, Promise<Outcome>>();
  /** Settled outcomes other than deleted, by key: the end-of-run deletes do not try them again. */
  readonly #notDeleted = new Map<string, string>();
  #declared: (urn: string) => boolean = () => false;

  /** `removed`: the plan's undeclared URNs; the state is taken from `dep` as the apply pass starts. */
  constructor(dep: Deployment, removed: ReadonlySet<string>) {
    this.#dep = dep;
    this.#removed = removed;
    for (const r of [...dep.olds.values(), ...dep.pendingDeletes]) {
      const isRemoved = !r.pendingDelete && removed.has(r.urn);
      for (const e of new Set(edgesOf(r))) {
        if (e === r.urn) continue;
        if (isRemoved) push(this.#heldBy, e, r);
        if (removed.has(e)) push(this.#dependents, e, r);
      }
    }
  }

  /** What the apply pass's program declared so far (a resource it declares is not deleted). */
  attach(declared: (urn: string) => boolean): void {
    this.#declared = declared;
  }

  /**
   * Before the update or replace of the resource whose old state is `urn`: deletes the undeclared
   * resources that depend on it. Undefined (no promise) when none does; else resolves to undefined
   * to go on, or the reason the step cannot ({@link INTERRUPTED} when the run was interrupted).
   */
  before(urn: string, stepUrn: string): Promise<string | undefined> | undefined {
    const held = this.#heldBy.get(urn);
    if (!held) return undefined;
    const first: ResourceState[] = [];
    for (const b of held) {
      if (!this.#isRemoved(b)) continue;
      const kept = this.#keptDependent(b, new Set());
      if (kept !== undefined) {
        this.#dep.diagnostic(
          "info",
          `${b.urn} is no longer declared and depended on ${stepUrn}, but it is deleted only after ${stepUrn} changes, at the end of the run: ${kept}. ` +
            "If its delete needs what the change takes away, run `iac up` once with the old settings of " + stepUrn + ", then again.",
          b.urn,
        );
        continue;
      }
      first.push(b);
    }
    if (first.length === 0) return undefined;
    this.#dep.diagnostic("info", `${first.map((b) => b.urn).join(", ")} ${first.length === 1 ? "is" : "are"} deleted before ${stepUrn} changes: no longer declared, ${first.length === 1 ? "it" : "they"} depended on it.`, stepUrn);
    return Promise.all(first.map((b) => this.#delete(b))).then((outcomes) => {
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!;
        if (o.kind === "deleted") continue;
        return o.reason === INTERRUPTED ? INTERRUPTED : `it waited for the delete of ${first[i]!.urn} (no longer declared, it depended on it), which ${o.kind === "failed" ? "failed" : "did not happen"}`;
      }
      return undefined;
    });
  }

  /** Why the end-of-run deletes must not try `r` again (its early delete did not happen), if so. */
  notDeleted(r: ResourceState): string | undefined {
    return this.#notDeleted.get(keyOf(r));
  }

  /** Waits until every early delete started has ended. */
  async settled(): Promise<void> {
    let n = -1;
    while (n !== this.#outcomes.size) {
      n = this.#outcomes.size;
      await Promise.all(this.#outcomes.values());
    }
  }

  /** A live resource still to delete: in the plan's set, not declared by this run, not deleted yet. */
  #isRemoved(r: ResourceState): boolean {
    return !r.pendingDelete && this.#removed.has(r.urn) && !this.#declared(r.urn) && !this.#dep.claimed.has(r.urn) && this.#dep.olds.get(r.urn) === r;
  }

  /**
   * A resource the program still declares that depends on `b` or on what `b` holds, as a reason
   * ("<urn> still depends on it"); undefined when there is none. A cycle counts as one.
   */
  #keptDependent(b: ResourceState, path: Set<string>): string | undefined {
    if (path.has(b.urn)) return `the state has a dependency cycle through ${b.urn}`;
    path.add(b.urn);
    try {
      for (const d of this.#dependents.get(b.urn) ?? []) {
        // An old copy left by an earlier run is deleted first, with `b` (it has no dependents: edges name live resources).
        if (d.pendingDelete) continue;
        // Declared, or taken by a step of this run (its old copy, when replaced, still uses `b`).
        if (!this.#removed.has(d.urn) || this.#declared(d.urn) || this.#dep.claimed.has(d.urn)) return `${d.urn}, still declared, depends on ${b.urn}`;
        if (this.#dep.olds.get(d.urn) !== d) continue; // deleted already
        const deeper = this.#keptDependent(d, path);
        if (deeper !== undefined) return deeper;
      }
      return undefined;
    } finally {
      path.delete(b.urn);
    }
  }

  /** Deletes `r` once what depends on it is deleted; once per resource. */
  #delete(r: ResourceState): Promise<Outcome> {
    const key = keyOf(r);
    let outcome = this.#outcomes.get(key);
    if (!outcome) {
      outcome = this.#deleteAfterDependents(r).then((o) => {
        if (o.kind !== "deleted") this.#notDeleted.set(key, o.reason);
        return o;
      });
      this.#outcomes.set(key, outcome);
    }
    return outcome;
  }

  async #deleteAfterDependents(r: ResourceState): Promise<Outcome> {
    const dep = this.#dep;
    const info = stepInfo({ urn: r.urn, type: r.type, parent: r.parent, kind: "delete" });
    // An old copy has no dependents: edges name live resources.
    const dependents = r.pendingDelete ? [] : (this.#dependents.get(r.urn) ?? []).filter((d) => (d.pendingDelete ? dep.pendingDeletes.includes(d) : dep.olds.get(d.urn) === d));
    const outcomes = await Promise.all(dependents.map((d) => this.#delete(d)));
    const blocker = outcomes.findIndex((o) => o.kind !== "deleted");
    if (blocker >= 0) {
      const o = outcomes[blocker] as Exclude<Outcome, { kind: "deleted" }>;
      if (o.reason === INTERRUPTED) {
        dep.notStarted(info);
        return o;
      }
      const reason = `${dependents[blocker]!.urn}, which depends on it, was not deleted`;
      dep.skipped(info, reason);
      return { kind: "skipped", reason };
    }
    if (dep.interrupted) {
      dep.notStarted(info);
      return { kind: "skipped", reason: INTERRUPTED };
    }
    try {
      if (!(await deleteOne(dep, r))) return { kind: "skipped", reason: INTERRUPTED };
    } catch (error) {
      // Reported by deleteOne.
      return { kind: "failed", reason: errorMessage(error) };
    }
    if (r.pendingDelete) {
      const i = dep.pendingDeletes.indexOf(r);
      if (i >= 0) dep.pendingDeletes.splice(i, 1);
    }
    return DELETED;
  }
}

function push(m: Map<string, ResourceState[]>, k: string, r: ResourceState): void {
  const list = m.get(k);
  if (list) list.push(r);
  else m.set(k, [r]);
}

/**
 * The plan a user confirmed: the preview that `iac up` shows before it asks is the up's plan, so
 * the up does not run the program a second time to plan (issue 8, item 5: an up whose plan has a
 * failure changes nothing). The up takes it only while it still holds: the same stack, targets and
 * config, no pending operation on either side, and the state under the up's lock exactly the one
 * the preview planned against (resource by resource, secrets included). Otherwise, say a teammate's
 * run changed the state between the preview and the answer, the up plans again as without one.
 *
 * What it does not see: an edit of the program's files between the preview and the answer (as
 * with Pulumi's preview-then-update without `--plan`).
 */
import type { PropertyValue } from "@iac/sdk/provider";
import type { ResourceState } from "./state/types.js";
import { sameRecord } from "./values.js";

/** Where a plan was computed; what must be the same for an up to take it. */
export interface PlanBasis {
  readonly stack: string;
  readonly targets: ReadonlySet<string> | undefined;
  readonly config: Readonly<Record<string, PropertyValue>>;
  readonly refresh: boolean;
  /** The state the program's steps were planned against (after refresh), in the order the run holds it. */
  readonly resources: readonly ResourceState[];
  /** Pending operations of an interrupted run, found in the state. */
  readonly pendingOperations: number;
}

/**
 * A successful preview's plan (`RunResult.plan`), for the `up` the user confirmed
 * (`RunOptions.plan`). Opaque: it holds references to the state the preview read.
 */
export class ConfirmedPlan {
  readonly #basis: PlanBasis;
  /** The URNs of the resources the program no longer declares: the plan's deletes (see delete-first.ts). */
  readonly removed: ReadonlySet<string>;

  /** @internal Made by the engine at the end of a preview without failures. */
  constructor(basis: PlanBasis, removed: ReadonlySet<string>) {
    this.#basis = basis;
    this.removed = removed;
  }

  /** True when an up about to plan against `now` may take this plan instead. */
  holdsFor(now: PlanBasis): boolean {
    const was = this.#basis;
    if (was.stack !== now.stack || was.refresh !== now.refresh) return false;
    if (was.pendingOperations > 0 || now.pendingOperations > 0) return false;
    if (!sameTargets(was.targets, now.targets)) return false;
    if (!sameRecord(was.config as PropertyValue, now.config as PropertyValue)) return false;
    if (was.resources.length !== now.resources.length) return false;
    for (let i = 0; i < was.resources.length; i++) {
      if (!sameRecord(was.resources[i] as unknown as PropertyValue, now.resources[i] as unknown as PropertyValue)) return false;
    }
    return true;
  }
}

function sameTargets(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.size !== b.size) return false;
  for (const t of a) if (!b.has(t)) return false;
  return true;
}

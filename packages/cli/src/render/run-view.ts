/**
 * What the renderers know about a run: the engine's events folded into one row per resource
 * (its latest step, status and timings), in the order resources first appeared. Both the live
 * tree and the plain renderer read it; it prints nothing.
 */
import type { EngineEvent, Operation, StepInfo } from "@iac/engine";
import { assertNever } from "./format.js";

export type RowStatus = "planned" | "running" | "done" | "failed" | "skipped";

export interface Row {
  readonly step: StepInfo;
  readonly status: RowStatus;
  /** Engine time (ms since epoch) the step started. */
  readonly started?: number;
  readonly durationMs?: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly skipReason?: string;
}

export interface Diagnostic {
  readonly severity: "debug" | "info" | "warning" | "error";
  readonly urn?: string;
  readonly message: string;
}

export interface Summary {
  readonly operation: Operation;
  readonly counts: Readonly<Partial<Record<StepInfo["kind"], number>>>;
  readonly changes: boolean;
  readonly failed: number;
  readonly durationMs: number;
}

/** Error code of a provider `check` that rejected the inputs (engine CheckFailedError). */
const CHECK_FAILED = "CheckFailed";

/**
 * True when the row failed in the provider's `check`, before any step was decided: the engine's
 * step kind is then only a guess (create or update), so it is not shown.
 */
export function failedCheck(row: Pick<Row, "status" | "error">): boolean {
  return row.status === "failed" && row.error?.code === CHECK_FAILED;
}

/**
 * The resource an event reports failed: a failed step, or an error the engine reported about a
 * resource (a pending operation it could not resolve); undefined for any other event.
 */
export function failedResource(event: EngineEvent): string | undefined {
  if (event.kind === "step-failed") return event.step.urn;
  if (event.kind === "diagnostic" && event.severity === "error") return event.urn;
  return undefined;
}

/** The engine's `failed` count split into resources and the program's own error, as the automation API counts. */
export { splitFailures } from "@iac/automation";

/** Marker of a skipped resource, in place of a step symbol (the step it would have had never ran). */
export const SKIPPED_MARK = "⊘";

/** A folded run. Mutated only by {@link RunView.apply}. */
export class RunView {
  operation: Operation | undefined;
  stack = "";
  project = "";
  preview = false;
  readonly rows = new Map<string, Row>();
  pending: readonly { readonly urn: string; readonly type: string; readonly op: string; readonly id?: string }[] = [];
  summary: Summary | undefined;
  /**
   * The resources that failed: a failed step, or an error the engine reported about a resource (a
   * pending operation it could not resolve). The engine's `failed` count also holds the program's
   * own failures (it threw, or does not compile), which are no resource's: the summary line counts
   * only these, and the program's error is shown as itself.
   */
  readonly failedUrns = new Set<string>();
  /** The stack outputs at the end of the run, with those recorded before it. */
  outputs: Extract<EngineEvent, { kind: "outputs" }> | undefined;

  /** Folds one event in; returns true when what a tree would show changed. */
  apply(event: EngineEvent): boolean {
    switch (event.kind) {
      case "prelude":
        this.operation = event.operation;
        this.stack = event.stack;
        this.project = event.project;
        this.preview = event.preview;
        return true;
      case "pending-operations":
        this.pending = event.operations;
        return true;
      case "step-planned": {
        const existing = this.rows.get(event.step.urn);
        // The engine plans the delete of a replaced copy after the replace is done: merged keeps the row a replace.
        const step = this.merged(event.step);
        // A planned event after the step started must not move it back to "planned".
        this.rows.set(event.step.urn, existing && existing.status !== "planned" ? { ...existing, step } : { step, status: "planned" });
        return true;
      }
      case "step-start": {
        const existing = this.rows.get(event.step.urn);
        const step = this.merged(event.step);
        // The delete of a replaced copy continues the replace row: its clock keeps running.
        const started = existing && step !== event.step && existing.started !== undefined ? existing.started : event.time;
        this.rows.set(event.step.urn, { step, status: "running", started });
        return true;
      }
      case "step-done": {
        const existing = this.rows.get(event.step.urn);
        const durationMs = existing?.started !== undefined ? Math.max(event.durationMs, event.time - existing.started) : event.durationMs;
        this.rows.set(event.step.urn, { ...existing, step: this.merged(event.step), status: "done", durationMs });
        return true;
      }
      case "step-failed":
        this.failedUrns.add(event.step.urn);
        this.rows.set(event.step.urn, { ...this.rows.get(event.step.urn), step: this.merged(event.step), status: "failed", durationMs: event.durationMs, error: event.error });
        return true;
      case "step-skipped":
        this.rows.set(event.step.urn, { ...this.rows.get(event.step.urn), step: this.merged(event.step), status: "skipped", skipReason: event.reason });
        return true;
      case "diagnostic": {
        const urn = failedResource(event);
        if (urn !== undefined) this.failedUrns.add(urn);
        return false;
      }
      case "outputs":
        this.outputs = event;
        return false;
      case "summary":
        this.summary = { operation: event.operation, counts: event.counts, changes: event.changes, failed: event.failed, durationMs: event.durationMs };
        return true;
      default:
        return assertNever(event);
    }
  }

  /**
   * A replace shows as one row, but the engine reports the delete of the old copy as a step of its
   * own (kind `delete`, same URN): that step continues the replace rather than turning the row
   * into a delete.
   */
  private merged(step: StepInfo): StepInfo {
    const existing = this.rows.get(step.urn)?.step;
    return existing?.kind === "replace" && step.kind === "delete" ? existing : step;
  }

  /** True when `step` is the delete of the old copy of a resource being replaced. */
  isReplacedCopy(step: StepInfo): boolean {
    return step.kind === "delete" && this.rows.get(step.urn)?.step.kind === "replace";
  }

  /** Rows as a tree: each with its depth, children right after their parent, first-seen order otherwise. */
  tree(): readonly { readonly row: Row; readonly depth: number }[] {
    const children = new Map<string | undefined, Row[]>();
    for (const row of this.rows.values()) {
      const parent = row.step.parent !== undefined && this.rows.has(row.step.parent) ? row.step.parent : undefined;
      const list = children.get(parent) ?? [];
      list.push(row);
      children.set(parent, list);
    }
    const out: { row: Row; depth: number }[] = [];
    const seen = new Set<string>();
    const visit = (parent: string | undefined, depth: number): void => {
      for (const row of children.get(parent) ?? []) {
        // A parent cycle cannot come from the engine, but must not hang the renderer either.
        if (seen.has(row.step.urn)) continue;
        seen.add(row.step.urn);
        out.push({ row, depth });
        visit(row.step.urn, depth + 1);
      }
    };
    visit(undefined, 0);
    return out;
  }

  /** The steps that change (or, in a preview, would change) something, in tree order (for the diff section). */
  changedSteps(): readonly StepInfo[] {
    // A run without changes (a no-op preview of 10,000 resources) builds no tree.
    let any = false;
    for (const row of this.rows.values()) {
      if (changes(row)) {
        any = true;
        break;
      }
    }
    if (!any) return [];
    return this.tree()
      .map((t) => t.row)
      .filter(changes)
      .map((row) => row.step);
  }
}

/** A row whose step changes (or would change) something; a failed or skipped step changed nothing (its error was shown where it happened). */
function changes(row: Row): boolean {
  return row.step.kind !== "same" && row.step.kind !== "read" && row.status !== "skipped" && row.status !== "failed";
}

/**
 * What stack operations return: Pulumi's shapes (`UpResult`, `OutputMap`), with iac's counts.
 */
import type { ConfirmedPlan, Operation, StepKind } from "@iac/engine";

/** A stack output as Pulumi's automation API gives it: the value, and whether it is secret. */
export interface OutputValue {
  readonly value: unknown;
  readonly secret: boolean;
}

/** The stack outputs by name. */
export type OutputMap = Readonly<Record<string, OutputValue>>;

/** How an operation ended. */
export type UpdateOutcome = "succeeded" | "failed" | "interrupted";

/** The summary of one preview, up, destroy or refresh. */
export interface UpdateSummary {
  readonly kind: Operation;
  readonly result: UpdateOutcome;
  /** Steps by kind (`create`, `update`, `same`, ...); only kinds that occurred. */
  readonly resourceChanges: Readonly<Partial<Record<StepKind, number>>>;
  /** True when any step other than `same` was planned or taken. */
  readonly changes: boolean;
  /** Resources whose operation failed, as the CLI counts them (the program's own error is not one: see `programError`). */
  readonly failed: number;
  /** The program itself failed: it threw, reported an error (an Output callback, an unhandled rejection) or does not compile. */
  readonly programError: boolean;
  readonly startTime: Date;
  readonly endTime: Date;
  readonly durationMs: number;
}

/** What `preview`, `up`, `destroy` and `refresh` resolve to. */
export interface UpdateResult {
  readonly summary: UpdateSummary;
  /**
   * The stack outputs after the operation (for a preview: as planned; a value known only after
   * apply is `undefined`). Secrets are `{ value, secret: true }`.
   */
  readonly outputs: OutputMap;
  /**
   * A preview without failures: its plan, to pass to `up({ plan })` once the user has confirmed
   * it (as the CLI's confirmation does), so the up does not run the program a second time to plan
   * while the state is still the one the preview saw.
   */
  readonly plan?: ConfirmedPlan;
}

export type PreviewResult = UpdateResult;
export type UpResult = UpdateResult;
export type DestroyResult = UpdateResult;
export type RefreshResult = UpdateResult;

/**
 * The engine's public surface as the CLI uses it: operations in, typed events out.
 * The engine never prints; the CLI renders these events (or streams them as NDJSON with `--json`).
 */
import type { PropertyDiff } from "@iac/sdk/provider";

export type Operation = "preview" | "up" | "destroy" | "refresh";

export type StepKind = "same" | "create" | "update" | "replace" | "delete" | "read" | "import" | "refresh";

/** A step the plan holds; what the CLI shows as one line of the tree. */
export interface StepInfo {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly kind: StepKind;
  /** For replace: whether the old one is deleted first. */
  readonly deleteBeforeReplace?: boolean;
  /** Property-level changes (values masked when secret). */
  readonly diffs?: readonly PropertyDiff[];
  /** Old and new values of changed properties, for `--diff`; secrets are "[secret]", unknowns "(known after apply)". */
  readonly olds?: Readonly<Record<string, unknown>>;
  readonly news?: Readonly<Record<string, unknown>>;
}

export type EngineEvent =
  | { readonly kind: "prelude"; readonly operation: Operation; readonly stack: string; readonly project: string; readonly preview: boolean; readonly time: number }
  | { readonly kind: "pending-operations"; readonly operations: readonly { readonly urn: string; readonly type: string; readonly op: string; readonly id?: string }[]; readonly time: number }
  | { readonly kind: "step-planned"; readonly step: StepInfo; readonly time: number }
  | { readonly kind: "step-start"; readonly step: StepInfo; readonly time: number }
  | { readonly kind: "step-done"; readonly step: StepInfo; readonly durationMs: number; readonly time: number }
  | { readonly kind: "step-failed"; readonly step: StepInfo; readonly error: { readonly code: string; readonly message: string }; readonly durationMs: number; readonly time: number }
  | { readonly kind: "step-skipped"; readonly step: StepInfo; readonly reason: string; readonly time: number }
  | { readonly kind: "diagnostic"; readonly severity: "debug" | "info" | "warning" | "error"; readonly urn?: string; readonly message: string; readonly time: number }
  | {
      readonly kind: "outputs";
      readonly outputs: Readonly<Record<string, unknown>>;
      readonly time: number;
      /** The stack outputs recorded before this run (masked like `outputs`). */
      readonly previous?: Readonly<Record<string, unknown>>;
      /**
       * Names of the outputs added, changed or removed against `previous`, compared before masking
       * (so a secret whose value changed is named although both show "[secret]"); sorted.
       */
      readonly changed?: readonly string[];
    }
  | { readonly kind: "summary"; readonly operation: Operation; readonly counts: Readonly<Partial<Record<StepKind, number>>>; readonly changes: boolean; readonly failed: number; readonly durationMs: number; readonly time: number };

export type EventSink = (event: EngineEvent) => void;

/**
 * Planning, pure: given what the state holds and what the program declared (checked and diffed),
 * which step to take. No I/O here; `apply` executes what this decides.
 */
import type { DiffResult } from "@iac/sdk/provider";
import type { StepKind } from "./api.js";

/** What planning decides for one registered custom resource. */
export type Decision =
  | { readonly kind: "create" }
  | { readonly kind: "import"; readonly id: string }
  | { readonly kind: "same" }
  | { readonly kind: "update"; readonly diff: DiffResult }
  | { readonly kind: "replace"; readonly diff: DiffResult; readonly deleteBeforeReplace: boolean }
  | { readonly kind: "blocked"; readonly diff: DiffResult; readonly reason: "protected" };

/** Inputs of {@link decide}. */
export interface DecideInput {
  /** Whether the state holds the resource (found by URN or alias). */
  readonly exists: boolean;
  /** The old resource's id, when it exists (an `import` of the same id is then a no-op). */
  readonly oldId?: string | undefined;
  /** The diff of old against new inputs; required when `exists`. */
  readonly diff?: DiffResult | undefined;
  readonly importId?: string | undefined;
  /** Protected in the state or in the program: blocks replace. */
  readonly protect: boolean;
  /** Asked by the program (the provider's own wish is in the diff). */
  readonly deleteBeforeReplace: boolean;
}

/** Decides the step for one custom resource. */
export function decide(input: DecideInput): Decision {
  if (!input.exists) {
    return input.importId !== undefined ? { kind: "import", id: input.importId } : { kind: "create" };
  }
  const diff = input.diff;
  if (!diff || !diff.changes) return { kind: "same" };
  if (diff.replaces.length > 0 || diff.detailed.some((d) => d.replace)) {
    if (input.protect) return { kind: "blocked", diff, reason: "protected" };
    return { kind: "replace", diff, deleteBeforeReplace: input.deleteBeforeReplace || diff.deleteBeforeReplace === true };
  }
  return { kind: "update", diff };
}

/** The step kind an event reports for a decision. */
export function stepKindOf(decision: Decision): StepKind {
  switch (decision.kind) {
    case "create":
    case "import":
    case "same":
    case "update":
    case "replace":
      return decision.kind;
    case "blocked":
      return "replace";
    default:
      return assertNever(decision);
  }
}

/** Exhaustiveness check for switches over tagged unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)} (this is a bug in iac; please report it)`);
}

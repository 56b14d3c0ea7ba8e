/**
 * Errors the engine raises. One base class with a stable `code`; the CLI shows `message` without a
 * stack trace (unless `--verbose`) and maps codes to exit statuses.
 */

/** Base of every error the engine raises on purpose. `code` is stable across versions. */
export class EngineError extends Error {
  readonly code: string;
  constructor(message: string, options?: { readonly code?: string; readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EngineError";
    this.code = options?.code ?? "EngineError";
  }
}

/** `iac.yaml` is missing or unreadable. */
export class NoProjectError extends EngineError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, { code: "NoProject", cause: options?.cause });
    this.name = "NoProjectError";
  }
}

/** The user's program threw, failed to compile, or rejected. */
export class ProgramError extends EngineError {
  constructor(message: string, options?: { readonly cause?: unknown; readonly code?: string }) {
    super(message, { code: options?.code ?? "ProgramError", cause: options?.cause });
    this.name = "ProgramError";
  }
}

/** A protected resource would be deleted or replaced. */
export class ProtectedResourceError extends EngineError {
  readonly urn: string;
  constructor(urn: string, action: "delete" | "replace") {
    super(
      `${urn} is protected, so it cannot be ${action === "delete" ? "deleted" : "replaced"}. ` +
        `If this is intended, run \`iac state unprotect ${urn}\` (and remove \`protect: true\` from the program), then run again.`,
      { code: "ProtectedResource" },
    );
    this.name = "ProtectedResourceError";
    this.urn = urn;
  }
}

/** A provider's `check` rejected the inputs. */
export class CheckFailedError extends EngineError {
  constructor(message: string) {
    super(message, { code: "CheckFailed" });
    this.name = "CheckFailedError";
  }
}

/** Two resources were declared with one URN. */
export class DuplicateUrnError extends EngineError {
  constructor(urn: string) {
    super(
      `Two resources have the URN ${urn}: give one of them a different name (or a different parent).`,
      { code: "DuplicateUrn" },
    );
    this.name = "DuplicateUrnError";
  }
}

/** A provider module could not be found, loaded or configured. */
export class ProviderLoadError extends EngineError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, { code: "ProviderLoad", cause: options?.cause });
    this.name = "ProviderLoadError";
  }
}

/** A bug in iac: please report it. */
export class InternalError extends EngineError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(`${message} (this is a bug in iac; please report it)`, { code: "Internal", cause: options?.cause });
    this.name = "InternalError";
  }
}

/**
 * A step that had not started (held no `--parallel` slot) when the run was interrupted: it is
 * reported as skipped ("interrupted"), not as a failure, and what depends on it is skipped too.
 */
export class StepInterruptedError extends EngineError {
  constructor(urn: string) {
    super(`${urn} was not deployed: the operation was interrupted before its step started`, { code: "Interrupted" });
    this.name = "StepInterruptedError";
  }
}

/** The error a registration rejects with when its step did not run; the program's Outputs carry it. */
export class StepSkippedError extends EngineError {
  constructor(urn: string, reason: string) {
    super(`${urn} was not deployed: ${reason}`, { code: "StepSkipped" });
    this.name = "StepSkippedError";
  }
}

/**
 * A create an earlier run started may still be in progress in the cloud (the provider's `find`
 * could not tell, or the provider cannot search): the resource is not created again, since that
 * could make a duplicate, and its pending operation stays for a later run to resolve.
 */
export class PendingCreateError extends EngineError {
  readonly urn: string;
  constructor(urn: string, why: string) {
    super(
      `${urn} is not created: a create of it that an earlier run started is still pending (${why}). ` +
        "Creating it again could make a second object. Run `iac up` again once the cloud has finished, or `iac refresh` to resolve it.",
      { code: "PendingCreate" },
    );
    this.name = "PendingCreateError";
    this.urn = urn;
  }
}

/**
 * The program's resources depend on each other in a circle: none of them can be deployed first, and
 * the program could never finish. A {@link ProgramError}: the run records what it did and rejects.
 */
export class DependencyCycleError extends ProgramError {
  /** The URNs of the cycle, in order: each waits for the next, the last for the first. */
  readonly cycle: readonly string[];
  /**
   * @param openEnd - the last resource waits for its inputs, which come from one of the others
   *   (which one the engine cannot see: the SDK has not registered it yet)
   */
  constructor(cycle: readonly string[], options: { readonly openEnd?: boolean } = {}) {
    const name = (u: string) => u.slice(u.lastIndexOf("::") + 2);
    const names = cycle.map(name);
    const shown = options.openEnd
      ? `${names.join(" -> ")} -> (an output of ${names.length > 2 ? "one of the resources before it" : names[0]})`
      : [...names, names[0]!].join(" -> ");
    super(
      `The program's resources depend on each other in a cycle: ${shown}, so none of them can be deployed first (URNs: ${cycle.join(", ")}). ` +
        "Remove one of these dependencies: an input taken from another resource's output, or a `dependsOn`.",
      { code: "DependencyCycle" },
    );
    this.name = "DependencyCycleError";
    this.cycle = cycle;
  }
}

/**
 * The program can never finish: resources wait for something nothing will ever provide (a promise
 * the program never resolves, with nothing else left to run).
 */
export class ProgramStuckError extends ProgramError {
  constructor(waiting: readonly string[]) {
    super(
      waiting.length === 0
        ? "The program can never finish: it awaits a promise that nothing will ever resolve (no resource is waiting, and nothing is left to run). " +
            "Check the program's top-level awaits and the promises it creates."
        : `The program can never finish: nothing is left to run, and ${waiting.length} resource(s) still wait for their inputs or dependencies: ${waiting.slice(0, 10).join(", ")}${waiting.length > 10 ? ", ..." : ""}. ` +
            "Check for a promise the program never resolves, or resources that depend on each other.",
      { code: "ProgramStuck" },
    );
    this.name = "ProgramStuckError";
  }
}

/** The `code` of any error: ours, a provider's, or "Error" for anything else. */
export function errorCode(error: unknown): string {
  if (error !== null && typeof error === "object" && typeof (error as { code?: unknown }).code === "string") {
    return (error as { code: string }).code;
  }
  return "Error";
}

/** A one-line message for any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

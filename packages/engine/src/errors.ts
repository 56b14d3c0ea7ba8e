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
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, { code: "ProgramError", cause: options?.cause });
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

/** The program's resources depend on each other in a circle: none of them can be deployed first. */
export class DependencyCycleError extends EngineError {
  /** The URNs of the cycle, in order (each depends on the next; the last on the first). */
  readonly cycle: readonly string[];
  constructor(cycle: readonly string[]) {
    const names = [...cycle, cycle[0]!].map((u) => u.slice(u.lastIndexOf("::") + 2));
    super(
      `The program's resources depend on each other in a cycle: ${names.join(" -> ")} (${cycle.join(" -> ")}). ` +
        "None of them can be deployed first: remove one of these dependencies (an input taken from another resource's output, or a `dependsOn`).",
      { code: "DependencyCycle" },
    );
    this.name = "DependencyCycleError";
    this.cycle = cycle;
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

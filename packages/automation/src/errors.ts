/**
 * Errors the automation API raises itself. Everything else a stack operation throws is the
 * engine's (`EngineError` and its subclasses, `StateError`): the same classes and `code`s the CLI
 * reports, so a caller can branch on `error.code` whichever way the stack was driven.
 */
import { EngineError } from "@iac/engine";
import type { UpdateResult } from "./results.js";

/**
 * An update ran to its end, but some resource operations failed (`result.summary.failed > 0`), or
 * the program threw. What succeeded is recorded in the state; `result` says what was done.
 */
export class UpdateFailedError extends EngineError {
  readonly result: UpdateResult;
  constructor(message: string, result: UpdateResult, options?: { readonly cause?: unknown }) {
    super(message, { code: "UpdateFailed", cause: options?.cause });
    this.name = "UpdateFailedError";
    this.result = result;
  }
}

/**
 * The operation's `signal` was aborted (as a first Ctrl-C does): no new step was started, the
 * cloud calls already sent finished and were recorded. Running the operation again carries on.
 */
export class UpdateInterruptedError extends EngineError {
  readonly result: UpdateResult;
  constructor(message: string, result: UpdateResult) {
    super(message, { code: "Interrupted" });
    this.name = "UpdateInterruptedError";
    this.result = result;
  }
}

/** Options given to `LocalWorkspace` or a `Stack` method that cannot work together. */
export class AutomationOptionsError extends EngineError {
  constructor(message: string) {
    super(message, { code: "AutomationOptionsInvalid" });
    this.name = "AutomationOptionsError";
  }
}

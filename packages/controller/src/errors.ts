/**
 * Errors the controller raises itself; a stack operation's own errors are the automation API's and
 * the engine's (`UpdateFailed`, `StackLocked`, `ProgramError`, ...), with the same stable `code`s.
 */
import { EngineError } from "@iac/engine";

/**
 * `code`: `InvalidSpec` (the Stack's spec cannot work: Stalled until it changes), `ArtifactFailed`
 * (the source could not be fetched, verified or unpacked), `DependencyNotReady`, `KubernetesApi`.
 */
export class ControllerError extends EngineError {
  constructor(message: string, options: { readonly code: string; readonly cause?: unknown }) {
    super(message, options);
    this.name = "ControllerError";
  }
}

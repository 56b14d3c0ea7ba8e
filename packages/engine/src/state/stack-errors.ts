/**
 * The stack-level refusals every backend words alike (file and azblob), so that the CLI shows
 * the same message whichever backend holds the stack.
 */
import { StateError } from "./errors.js";
import type { Snapshot } from "./types.js";

/** `iac stack init` of a stack that exists in `backendUrl`. */
export function stackExistsError(stack: string, backendUrl: string): StateError {
  return new StateError("StackExists", `Stack "${stack}" already exists in ${backendUrl}. Select it with \`iac stack select ${stack}\`, or choose another name.`);
}

/** A stack that does not exist in `backendUrl`. */
export function stackNotFoundError(stack: string, backendUrl: string): StateError {
  return new StateError("StackNotFound", `Stack "${stack}" does not exist in ${backendUrl}. Create it with \`iac stack init ${stack}\`, or list stacks with \`iac stack ls\`.`);
}

/** Refuse to remove a stack whose state still has resources (unless forced, which the caller decides). */
export function assertStackEmpty(stack: string, state: Snapshot): void {
  if (state.resources.length > 0) {
    throw new StateError(
      "StackNotEmpty",
      `Stack "${stack}" still has ${state.resources.length} resource(s) in its state: run \`iac destroy\` first, or \`iac stack rm --force\` to forget them (the cloud resources are then left as they are).`,
    );
  }
}

import { StateError } from "./errors.js";

const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Stack names become directory and file names (`.iac/stacks/<stack>/`, `iac.<stack>.yaml`), so
 * only letters, digits, `-`, `_` and `.` are allowed, and not `.` or `..` alone.
 */
export function assertValidStackName(name: string): void {
  if (!STACK_NAME.test(name) || name === "." || name === ".." || name.length > 100) {
    throw new StateError(
      "InvalidStackName",
      `"${name}" is not a valid stack name: use 1 to 100 letters, digits, "-", "_" or "." (e.g. "dev", "prod-eu.1").`,
    );
  }
}

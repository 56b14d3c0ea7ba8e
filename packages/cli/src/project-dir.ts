/**
 * Finding the project of a command: kept apart from workspace.ts (which loads the automation API
 * and the engine) so that the deployment commands can start the program's type-check before they
 * load those (typecheck.ts, {@link startTypecheck}).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The project a command in `dir` works on: the nearest directory holding `iac.yaml`, `dir` itself
 * or one above it, as git finds its repository (so `iac up` works from `src/` of a project).
 * Returns `dir` when there is none, for the project loader to say where iac.yaml was looked for.
 */
export function findProjectDir(dir: string): string {
  let current = resolve(dir);
  for (;;) {
    if (existsSync(join(current, "iac.yaml"))) return current;
    const parent = dirname(current);
    if (parent === current) return resolve(dir);
    current = parent;
  }
}

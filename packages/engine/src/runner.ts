/**
 * Runs the user's program in this process: tsx compiles it on the fly, it runs in its own async
 * context holding the monitor (so several programs can run at once in one process), and the
 * module's exports become the stack outputs. Each run imports the program under its
 * own tsx namespace, so a process (tests, a long-lived host) can run it again and gets fresh
 * modules, local imports included.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolveStackOutputs } from "@iac/sdk";
import type { PropertyMap } from "@iac/sdk/provider";
import { errorMessage, ProgramError } from "./errors.js";
import type { DeploymentMonitor } from "./monitor.js";
import { enterProgramRun } from "./program-runs.js";

/** Options of {@link runProgram}. */
export interface RunProgramOptions {
  readonly projectDir: string;
  /** Entry file relative to `projectDir`. */
  readonly main: string;
  readonly monitor: DeploymentMonitor;
  /** Called with failures that are not a resource's (an unhandled rejection in the program). */
  readonly onProgramError: (error: unknown) => void;
}

/**
 * Imports the program in the async context of `monitor`, resolves its stack outputs and waits until every
 * resource it registered has settled.
 *
 * @returns the stack outputs (secrets wrapped, unknowns during preview), or undefined when they
 *   could not be resolved because a resource they come from failed (already reported).
 * @throws ProgramError naming file and line when the program does not compile or throws.
 */
export async function runProgram(options: RunProgramOptions): Promise<PropertyMap | undefined> {
  const file = join(options.projectDir, options.main);
  if (!existsSync(file)) {
    throw new ProgramError(`The program ${file} does not exist: create it, or set \`main\` in iac.yaml to the program's entry file.`);
  }
  const url = pathToFileURL(file).href;
  // Loaded here, not with the engine: commands that run no program (destroy, refresh, the stack
  // and state commands) do not load tsx and esbuild (~30 ms).
  const { register } = await import("tsx/esm/api");
  const api = register({ namespace: nextNamespace() });
  // The program runs in its own async context: other runs in this process (the automation API, the
  // controller's pool) do not see its monitor; an unhandled rejection it starts, and the event loop
  // emptying while it waits (a cycle, a promise never resolved), are charged to it (program-runs.ts).
  const programRun = enterProgramRun(options.monitor, options.onProgramError);
  const unlessStuck = <T>(p: Promise<T>): Promise<T> => Promise.race([p, programRun.stuck]);
  try {
    let ns: Record<string, unknown>;
    try {
      ns = (await unlessStuck(programRun.within(() => api.import(url, import.meta.url)))) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof ProgramError) throw error;
      // What the program declared before it threw still runs to the end and is recorded, so the
      // state holds every object the cloud now has.
      await unlessStuck(options.monitor.settle());
      throw programError(error, options.projectDir);
    }
    let outputs: PropertyMap | undefined;
    try {
      const sdk = await sdkOf(api, url);
      outputs = await unlessStuck(programRun.within(() => sdk.resolveStackOutputs(ns)));
    } catch (error) {
      if (error instanceof ProgramError) throw error;
      // A stack output from a failed resource: the failure was reported where it happened.
      if (!isReported(error)) options.onProgramError(error);
      outputs = undefined;
    }
    await unlessStuck(options.monitor.settle());
    return outputs;
  } finally {
    programRun.leave();
    await api.unregister();
  }
}

/**
 * The tsx namespace of the next run of a program in this process: `iac-1`, `iac-2`, ... A run's
 * modules are fresh because no earlier run in this process used its namespace (the count is
 * process-wide, shared by every copy of this module); the same in every process (not random), so
 * that the URLs of a run's modules (`.../resource.ts?tsx-namespace=iac-1`) are the same from one
 * command to the next and node's compile cache (bin/iac.js, keyed by URL and checked against the
 * source) finds them: with a random namespace every run compiled the SDK and the program afresh
 * and added ~80 entries the cache never read again (decisions/0012, decision 5).
 */
export function nextNamespace(): string {
  const g = globalThis as unknown as Record<symbol, number | undefined>;
  const n = (g[RUNS] ?? 0) + 1;
  g[RUNS] = n;
  return `iac-${n}`;
}
const RUNS = Symbol.for("iac.engine.programRuns");

/** The program's own copy of the SDK when it has one (its Outputs are then certainly recognised). */
async function sdkOf(api: { import: (specifier: string, parent: string) => Promise<unknown> }, parent: string): Promise<{ resolveStackOutputs: typeof resolveStackOutputs }> {
  try {
    const mod = (await api.import("@iac/sdk", parent)) as { resolveStackOutputs?: typeof resolveStackOutputs };
    if (typeof mod.resolveStackOutputs === "function") return { resolveStackOutputs: mod.resolveStackOutputs };
  } catch {
    // The program does not depend on @iac/sdk itself (e.g. it only exports constants): use ours.
  }
  return { resolveStackOutputs };
}

function isReported(error: unknown): boolean {
  return error !== null && typeof error === "object" && (error as Record<symbol, unknown>)[Symbol.for("iac.sdk.error.reported")] === true;
}

/** A ProgramError naming the program's file and line where the error started. */
export function programError(error: unknown, projectDir: string): ProgramError {
  const message = errorMessage(error);
  const where = locate(error, projectDir);
  return new ProgramError(
    where ? `The program failed at ${where}: ${message}` : `The program failed: ${message}`,
    { cause: error },
  );
}

function locate(error: unknown, projectDir: string): string | undefined {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  const dirUrl = pathToFileURL(projectDir).href;
  // Stack frames look like "at fn (file:///p/index.ts?tsx-namespace=...:12:5)" or "file:///p/index.ts:12:5";
  // esbuild's compile errors like "/p/index.ts:3:10: ERROR: ...".
  const re = /((?:file:\/\/)?\/[^\s():]+?\.[cm]?[jt]sx?)(?:\?[^\s:)]*)?:(\d+)(?::(\d+))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const raw = m[1]!;
    const path = raw.startsWith("file://") ? fileURLToPath(raw) : raw;
    if ((path.startsWith(projectDir) || raw.startsWith(dirUrl)) && !path.includes("/node_modules/")) {
      return `${path.slice(projectDir.length + 1)}:${m[2]}${m[3] ? `:${m[3]}` : ""}`;
    }
  }
  return undefined;
}

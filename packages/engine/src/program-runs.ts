/**
 * The process-wide side of running programs. Several programs may run at once in one process (the
 * automation API, the controller's worker pool): each runs inside its own async context
 * ({@link runWithMonitor}), so what a program declares reaches its own deployment. What is
 * process-wide is routed here, to the run it belongs to:
 *
 * - an unhandled rejection: Node runs `unhandledRejection` listeners in the async context of the
 *   promise that rejected, so the run whose program started it is the one charged. A rejection
 *   outside every program's context is charged to the only run when there is one (a single CLI run
 *   behaves as before), otherwise given to every run as a warning, failing none of them.
 * - "stuck": when the event loop empties, nothing can wake a waiting program (a dependency cycle,
 *   a promise it never resolves). `beforeExit` then fails the run that started first; its end may
 *   wake the others (one waiting on it), and if the loop empties again the next one fails.
 *
 * Each run sees the deployment's monitor through a gate that closes when the run ends: a resource
 * declared later (from a timer or callback the program left running) is refused with a clear error
 * instead of reaching a finished deployment.
 */
import { runWithMonitor, tryGetMonitor, type Monitor, type RegistrationResult, type ResourceRegistration } from "@iac/sdk/runtime";
import type { PropertyMap } from "@iac/sdk/provider";
import { errorMessage, ProgramError } from "./errors.js";
import type { DeploymentMonitor } from "./monitor.js";

/** One program run in progress, as {@link enterProgramRun} returns it. */
export interface ProgramRun {
  /** Runs `fn` in this run's async context (the program sees this run's monitor). */
  within<T>(fn: () => T): T;
  /** Rejects (with the monitor's stuck error) once the event loop empties while this run waits. */
  readonly stuck: Promise<never>;
  /** Ends the run: its gate closes, its handlers go. Call once, when the run is done. */
  leave(): void;
}

interface Active {
  readonly gate: Monitor;
  readonly onProgramError: (error: unknown) => void;
  /** Fires this run's stuck rejection; undefined once fired. */
  fireStuck: (() => void) | undefined;
}

/** The runs under way in this process, in the order they started. */
const active: Active[] = [];

function onUnhandledRejection(reason: unknown): void {
  const context = tryGetMonitor();
  const owner = active.find((r) => r.gate === context);
  if (owner) return owner.onProgramError(reason);
  const only = active.length === 1 ? active[0] : undefined;
  if (only && context === undefined) return only.onProgramError(reason);
  for (const r of active) {
    r.gate.warn?.(`An unhandled promise rejection that no running program of this process started (so it fails none of them): ${errorMessage(reason)}`);
  }
}

function onBeforeExit(): void {
  const next = active.find((r) => r.fireStuck !== undefined);
  const fire = next?.fireStuck;
  if (!next || !fire) return;
  next.fireStuck = undefined;
  fire();
}

/**
 * Starts a run of a program with `monitor` as its deployment; `onProgramError` receives the
 * failures that are not a resource's (an unhandled rejection the program started).
 */
export function enterProgramRun(monitor: DeploymentMonitor, onProgramError: (error: unknown) => void): ProgramRun {
  let open = true;
  const gate = gateOf(monitor, () => open);
  let fireStuck!: () => void;
  const stuck = new Promise<never>((_, reject) => {
    // Rejected from a macrotask: work scheduled only as microtasks inside `beforeExit` would not
    // keep the loop alive, and the process would end before the run could clean up.
    fireStuck = () => void setImmediate(() => reject(monitor.stuckError()));
  });
  stuck.catch(() => undefined);
  const entry: Active = { gate, onProgramError, fireStuck };
  if (active.length === 0) {
    process.on("unhandledRejection", onUnhandledRejection);
    process.on("beforeExit", onBeforeExit);
  }
  active.push(entry);
  return {
    within: (fn) => runWithMonitor(gate, fn),
    stuck,
    leave: () => {
      if (!open) return;
      open = false;
      active.splice(active.indexOf(entry), 1);
      if (active.length === 0) {
        process.off("unhandledRejection", onUnhandledRejection);
        process.off("beforeExit", onBeforeExit);
      }
    },
  };
}

/** What the SDK sees of `monitor` while `isOpen()`; afterwards declarations are refused. */
function gateOf(monitor: DeploymentMonitor, isOpen: () => boolean): Monitor {
  const ended = (): ProgramError =>
    new ProgramError(
      `A resource was declared after the ${monitor.preview ? "preview" : "run"} of stack ${monitor.stack} had finished (from a timer or callback the program left running): it is not deployed. Declare every resource before the program's module (and its default function) has finished.`,
    );
  return {
    project: monitor.project,
    stack: monitor.stack,
    preview: monitor.preview,
    config: monitor.config,
    projectDir: monitor.projectDir,
    reserve(urn: string): void {
      if (!isOpen()) throw ended();
      monitor.reserve(urn);
    },
    registerResource(registration: ResourceRegistration): Promise<RegistrationResult> {
      if (!isOpen()) return Promise.reject(ended());
      return monitor.registerResource(registration);
    },
    registerOutputs(urn: string, outputs: PropertyMap): void {
      if (isOpen()) monitor.registerOutputs(urn, outputs);
    },
    // After the run, a failure has no run left to fail (as when no monitor was installed).
    reportError(error: unknown): void {
      if (isOpen()) monitor.reportError(error);
    },
    warn(message: string): void {
      if (isOpen()) monitor.warn(message);
    },
    abandon(urn: string, error: unknown): void {
      if (isOpen()) monitor.abandon(urn, error);
    },
  };
}

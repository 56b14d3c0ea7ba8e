/**
 * Ctrl-C during a run: the first one aborts the engine's signal, so no new step starts while the
 * cloud calls already sent finish and are recorded (exit 130; the engine lists what it waits
 * for); a second one ends the process at once, leaving those calls pending for the next run.
 */
import type { OutStream } from "./io.js";

export interface Interrupt {
  readonly signal: AbortSignal;
  /** Remove the handler (after the run). */
  dispose(): void;
}

/**
 * Install the SIGINT handler for one run. The second Ctrl-C removes the handler and raises SIGINT
 * again, so the default action ends the process (status 130 in a shell) without `process.exit`
 * being called from CLI code.
 */
export function handleInterrupts(options: { readonly err: OutStream }): Interrupt {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      options.err.write("\nInterrupted: starting nothing new, and waiting for the cloud operations already sent to finish so the state records them. Press Ctrl-C again to stop at once (the next run then resolves what was left pending).\n");
      controller.abort(new Error("interrupted by the user (Ctrl-C)"));
      return;
    }
    process.removeListener("SIGINT", onSigint);
    process.kill(process.pid, "SIGINT");
  };
  process.on("SIGINT", onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener("SIGINT", onSigint);
    },
  };
}

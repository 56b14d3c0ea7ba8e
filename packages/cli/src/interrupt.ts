/**
 * Ctrl-C during a run: the first one aborts the engine's signal, so running steps finish and the
 * state is written (exit 130); a second one exits at once.
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
      options.err.write("\nInterrupted: waiting for the running steps to finish so the state is saved. Press Ctrl-C again to exit at once (the state may then need `iac refresh`).\n");
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

/**
 * The loop every emulated controller group runs (runner.ts, image-controllers.ts): one pass at a
 * time over the objects it reconciles; a pass asked for while one runs makes that one run again
 * once done (changes seen mid-pass are not lost); a pass every `resyncMs` (intervals, retries);
 * `stop` ends the timer and waits for the pass in progress.
 */
import type { KubeObject } from "./objects.js";

/** The annotation `flux reconcile` (and a Receiver's webhook) sets to ask for a reconciliation now (fluxcd/pkg apis/meta). */
export const REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";

/** A reconcile request not yet handled (`status.lastHandledReconcileAt` differs), or undefined. */
export function reconcileRequested(obj: KubeObject): string | undefined {
  const asked = obj.metadata.annotations?.[REQUESTED_AT];
  return asked !== undefined && asked !== obj.status?.["lastHandledReconcileAt"] ? asked : undefined;
}

export interface ResyncLoop {
  /** Run a pass now, or once more after the one running; resolves when the passes end. */
  pass(): Promise<void>;
  /** Wait for the pass in progress, then run one (every due object), resolving when it ends. */
  reconcileNow(): Promise<void>;
  /** Stop the timer and further passes; waits for the pass in progress. */
  stop(): Promise<void>;
}

export function startResyncLoop(work: () => Promise<void>, o: { readonly resyncMs?: number; readonly log: (message: string) => void; readonly what: string }): ResyncLoop {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function passes(): Promise<void> {
    do {
      again = false;
      await work();
    } while (again && !stopped);
  }

  function pass(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = passes()
      .catch((err: Error) => o.log(`${o.what}: pass failed: ${err.stack ?? err.message}`))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const timer = setInterval(() => void pass(), o.resyncMs ?? 1_000);
  timer.unref();
  return {
    pass,
    async reconcileNow() {
      await running;
      await pass();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

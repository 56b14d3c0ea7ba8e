/**
 * `iac controller`: runs the Stack controller (@iac/controller, docs/controller.md) until Ctrl-C.
 * Each line it logs is printed on stderr with the time. The first Ctrl-C stops it the safe way:
 * no new reconciliation starts, the updates in flight stop as a first Ctrl-C stops `iac up` (calls
 * already sent finish and are recorded), their locks are released; a second ends the process.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { ExitCode } from "../errors.js";
import { runCommand, type CommandOptions } from "./command.js";

export interface ControllerCommandOptions extends CommandOptions {
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly workers?: number;
  readonly workDir?: string;
  readonly eventsAddr?: string;
  /** Programs deploy to the local cloud; its cluster is the default one. */
  readonly local?: boolean;
  /** Reconcile only while holding the Lease `iac-controller-leader`. */
  readonly leaderElect?: boolean;
  readonly leaderElectionNamespace?: string;
}

/** The pod's namespace (in a cluster), else `default`. */
function podNamespace(): string {
  try {
    return readFileSync("/var/run/secrets/kubernetes.io/serviceaccount/namespace", "utf8").trim() || "default";
  } catch {
    return "default";
  }
}

export function controller(options: ControllerCommandOptions): Promise<number> {
  return runCommand(options, async (ctx) => {
    const { Controller, Kube, LeaderElector } = await import("@iac/controller");
    const log = (line: string) => ctx.say(`${new Date().toISOString()} ${line}`);
    let local: { close(): Promise<void> } | undefined;
    let kubeconfig = options.kubeconfig;
    if (options.local) {
      const { ensureLocalCloud } = await import("@iac/emulator");
      const cloud = await ensureLocalCloud(ctx.cwd);
      local = cloud;
      // Process-wide: every program this controller runs deploys to the local cloud.
      process.env.IAC_LOCAL_ENDPOINTS = cloud.endpointsFile;
      kubeconfig ??= cloud.endpoints.kubeconfig;
      log(cloud.inProcess ? `Started the local cloud in this process (endpoints in ${cloud.endpointsFile}).` : `Using the running local cloud (endpoints in ${cloud.endpointsFile}).`);
    }
    try {
      const kube = Kube.load(kubeconfig !== undefined ? { kubeconfig } : {});
      const c = new Controller({
        kube,
        workDir: resolve(ctx.cwd, options.workDir ?? ".iac/controller"),
        ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        ...(options.eventsAddr !== undefined ? { eventsAddr: options.eventsAddr } : {}),
        ...(kubeconfig !== undefined ? { kubeconfig } : {}),
        log,
      });
      const elector = options.leaderElect
        ? new LeaderElector({ kube, namespace: options.leaderElectionNamespace ?? podNamespace(), name: "iac-controller-leader", identity: `${hostname()}-${process.pid}`, log })
        : undefined;
      try {
        await elector?.acquire(ctx.signal);
      } catch (e) {
        if (ctx.signal.aborted) return ExitCode.ok;
        throw e;
      }
      await c.start();
      log(`Watching Stacks${options.namespace ? ` in namespace ${options.namespace}` : " in every namespace"}; Ctrl-C stops.`);
      const stopped = AbortSignal.any([ctx.signal, ...(elector ? [elector.lost] : [])]);
      await new Promise<void>((r) => (stopped.aborted ? r() : stopped.addEventListener("abort", () => r(), { once: true })));
      log("Stopping: no new reconciliation starts; the updates in flight finish their cloud calls and record them.");
      await c.stop();
      await elector?.release();
      // Leadership lost: exit non-zero so the pod restarts and stands for election again (client-go's behaviour).
      if (elector?.lost.aborted && !ctx.signal.aborted) throw elector.lost.reason;
      return ExitCode.ok;
    } finally {
      await local?.close();
    }
  });
}

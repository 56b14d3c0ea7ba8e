/**
 * The `iac controller` command line: only yargs' builder and a handler that loads ./controller.js
 * (and with it @iac/controller, the automation API and the Kubernetes client) when the command
 * runs, so other commands never pay for it.
 */
import type { Argv, CommandModule } from "yargs";
import { nonEmpty, positiveInteger } from "../flags.js";
import type { CommandOptions } from "./command.js";

/** The yargs command; `set` registers what runs (interruptible: Ctrl-C stops the controller). */
export function controllerCommand(set: (run: (signal: AbortSignal) => Promise<number>) => void, common: (a: object) => CommandOptions): CommandModule {
  return {
    command: "controller",
    describe: "Reconcile the cluster's Stack resources (iac.dev/v1alpha1) until stopped",
    builder: (y: Argv) =>
      y
        .option("kubeconfig", { type: "string", coerce: nonEmpty("kubeconfig", "kubeconfig", "a kubeconfig file"), describe: "The cluster (default: in-cluster, else KUBECONFIG, else ~/.kube/config; with --local the local cloud's)" })
        .option("namespace", { type: "string", coerce: nonEmpty("namespace", "namespace", "a namespace"), describe: "Only Stacks of this namespace (default: all)" })
        .option("workers", { type: "string", coerce: positiveInteger("workers", undefined), describe: "Stacks reconciled at once (default 4)" })
        .option("work-dir", { type: "string", coerce: nonEmpty("work-dir", "work-dir", "a directory"), describe: "Sources, work directories and default state (default .iac/controller; under a directory whose node_modules has @iac/*)" })
        .option("events-addr", { type: "string", coerce: nonEmpty("events-addr", "events-addr", "an http(s) URL"), describe: "Also send each event to Flux's notification-controller at this address" })
        .option("leader-elect", { type: "boolean", default: false, describe: "Reconcile only while this replica holds the Lease iac-controller-leader (run several for availability)" })
        .option("leader-election-namespace", { type: "string", coerce: nonEmpty("leader-election-namespace", undefined, "a namespace"), describe: "Where the Lease is (default: the pod's namespace, else default)" })
        .option("local", { type: "boolean", default: false, describe: "Programs deploy to the local cloud (ARM), and the cluster is the local cloud's unless --kubeconfig" }),
    handler: (a) => {
      const args = a as { kubeconfig?: string; namespace?: string; workers?: number; workDir?: string; eventsAddr?: string; local?: boolean; leaderElect?: boolean; leaderElectionNamespace?: string };
      set(async (signal) =>
        (await import("./controller.js")).controller({ ...common(a), kubeconfig: args.kubeconfig, namespace: args.namespace, workers: args.workers, workDir: args.workDir, eventsAddr: args.eventsAddr, local: args.local === true, leaderElect: args.leaderElect === true, leaderElectionNamespace: args.leaderElectionNamespace, signal }),
      );
    },
  };
}

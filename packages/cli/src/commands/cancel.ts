/**
 * `iac cancel`: break the stack's lock, left behind by a run that was killed.
 *
 * The holder is checked first (file backend: is its pid still running on this host; azblob: is
 * its lease held). A lock whose holder is visibly gone is broken after a confirmation; one whose
 * holder runs, or cannot be checked from here (another host), only with `--force`, which says what
 * breaking a live run's lock does. The lock is broken only if it still names the holder that was
 * checked, so a lock that changed hands in between is left alone.
 */
import type { LockInfo, LockStatus } from "@iac/engine";
import { CliError, ExitCode } from "../errors.js";
import { openWorkspace } from "../workspace.js";
import { DeclinedError, confirmOrRefuse, runCommand, type CommandOptions } from "./command.js";

/** What happens when the lock of a run that is still going is broken (said by --force and by the refusal). */
export const FORCE_CONSEQUENCES =
  "two runs can then change the stack at once: the one whose lock was broken stops making cloud calls once it notices (within seconds), " +
  "but a cloud call it has already sent may still complete, and when it ends its state is saved aside instead of being written over the other's " +
  "(then run `iac refresh`)";

export function cancel(options: CommandOptions & { readonly yes?: boolean; readonly force?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
    const status = await ws.backend.lockStatus(stack);
    if (status === undefined) {
      ctx.say(`Stack ${stack} is not locked; nothing to do.`);
      return ExitCode.ok;
    }
    const who = describe(status.holder);
    if (status.liveness !== "gone") {
      if (options.force !== true) {
        const wait = status.liveness === "running" ? "Wait for it to finish" : `Check on host ${status.holder?.host ?? "(unknown)"} whether it has ended`;
        throw new CliError(
          `Stack ${stack} is locked by ${who}, and ${status.reason}, so the lock was not broken. ${wait}. If you are sure that run is no longer going, run \`iac cancel --force\`: ${FORCE_CONSEQUENCES}.`,
          { code: "LockHolderRunning" },
        );
      }
      ctx.say(ctx.errStyle("yellow", `warning: stack ${stack} is locked by ${who}, and ${status.reason}. Breaking its lock with --force: ${FORCE_CONSEQUENCES}.`));
    }
    const ok = await confirmOrRefuse(ctx, {
      yes: options.yes === true,
      question:
        status.liveness === "gone"
          ? `Break the lock of stack ${stack}, held by ${who}? (${status.reason})`
          : `Break the lock of stack ${stack} although ${who} may still be running?`,
      what: "`iac cancel`",
    });
    if (!ok) throw new DeclinedError("`iac cancel`");
    const holder = await ws.backend.breakLock(stack, { expected: status });
    if (holder === undefined && status.holder !== undefined) ctx.say(`Stack ${stack} was released in the meantime; nothing to do.`);
    else ctx.say(`Broke the lock of stack ${stack}, held by ${describe(holder)}.`);
    return ExitCode.ok;
  });
}

function describe(holder: LockInfo | undefined): string {
  return holder === undefined ? "a holder that is not recorded" : `\`${holder.command}\` (pid ${holder.pid} on host ${holder.host}) since ${holder.time}`;
}

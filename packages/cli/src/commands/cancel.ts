/**
 * `iac cancel`: break the stack's lock, left behind by a run that was killed. Breaking the lock of
 * a run that is still going would let two writers at one state, hence the confirmation.
 */
import { ExitCode } from "../errors.js";
import { openWorkspace } from "../workspace.js";
import { DeclinedError, confirmOrRefuse, runCommand, type CommandOptions } from "./command.js";

export function cancel(options: CommandOptions & { readonly yes?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
    const ok = await confirmOrRefuse(ctx, {
      yes: options.yes === true,
      question: `Break the lock of stack ${stack}? Only do this when the process holding it is no longer running.`,
      what: "`iac cancel`",
    });
    if (!ok) throw new DeclinedError("`iac cancel`");
    const holder = await ws.backend.breakLock(stack);
    if (holder === undefined) ctx.say(`Stack ${stack} was not locked; nothing to do.`);
    else ctx.say(`Broke the lock of stack ${stack}, held by \`${holder.command}\` (pid ${holder.pid} on host ${holder.host}) since ${holder.time}.`);
    return ExitCode.ok;
  });
}

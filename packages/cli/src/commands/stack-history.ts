/**
 * `iac stack history`: the stack's recorded deployments, newest first. The entries are recorded by
 * the automation API (@iac/automation, `Stack`), which runs every `up`, `destroy` and `refresh` of
 * the CLI; the command line the CLI records in them is {@link historyCommandLine}.
 */
import type { HistoryOperation } from "@iac/engine";
import { CliError, ExitCode, UsageError } from "../errors.js";
import { formatDuration } from "../render/format.js";
import { openWorkspace } from "../workspace.js";
import { runCommand, type CommandOptions } from "./command.js";
import { table } from "./stack.js";

/** `iac up --yes --target`: the subcommand and flag names, never their values (a value may be a secret). */
export function historyCommandLine(operation: HistoryOperation, flags: readonly string[]): string {
  return ["iac", operation, ...flags].join(" ");
}

/** `+2 ~1 -0 +-1`: created, updated, deleted, replaced; then imports and refreshes when there were any. */
export function changesSummary(counts: Readonly<Partial<Record<string, number>>>): string {
  const n = (kind: string) => counts[kind] ?? 0;
  const parts = [`+${n("create")}`, `~${n("update")}`, `-${n("delete")}`, `+-${n("replace")}`];
  if (n("import") > 0) parts.push(`${n("import")} imported`);
  if (n("refresh") > 0) parts.push(`${n("refresh")} refreshed`);
  return parts.join(" ");
}

/** `iac stack history [--json] [--limit N]`: the stack's recorded deployments, newest first. */
export function stackHistory(options: CommandOptions & { readonly json?: boolean; readonly limit?: number }): Promise<number> {
  return runCommand(options, async (ctx) => {
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
      throw new UsageError(`--limit must be a whole number of at least 1 (got ${String(options.limit)}).`);
    }
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
    if (ws.backend.listHistory === undefined) {
      throw new CliError(`The backend ${ws.backend.url} keeps no history of deployments.`, { code: "HistoryUnsupported" });
    }
    const entries = await ws.stack(stack).history(options.limit !== undefined ? { limit: options.limit } : {});
    if (options.json === true) {
      ctx.print(JSON.stringify(entries, null, 2));
      return ExitCode.ok;
    }
    if (entries.length === 0) {
      ctx.say(`Stack ${stack} has no recorded deployments yet (\`iac up\`, \`iac destroy\` and \`iac refresh\` record one each).`);
      return ExitCode.ok;
    }
    const rows = [["TIME", "OPERATION", "RESULT", "CHANGES", "DURATION", "BY"]];
    for (const e of entries) {
      const by = `${e.user !== undefined ? `${e.user}@` : ""}${e.host}`;
      rows.push([e.startTime.replace(/\.\d{3}Z$/, "Z"), e.operation, e.result, changesSummary(e.counts), formatDuration(e.durationMs), by]);
    }
    for (const line of table(rows)) ctx.print(line);
    return ExitCode.ok;
  });
}

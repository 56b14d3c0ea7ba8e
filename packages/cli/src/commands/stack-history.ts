/**
 * The stack's history of deployments: recording one entry per `up`, `destroy` and `refresh`
 * (called by deploy.ts once the engine's run has returned or thrown), and `iac stack history`.
 *
 * The history is a convenience: a backend that cannot write it must never fail a deployment that
 * succeeded, so a failed write is a warning. An entry holds no value of the program, its config or
 * its outputs; the command line is the subcommand and flag names only (a value may be a secret).
 */
import { HISTORY_CHANGES_LIMIT, HISTORY_DIAGNOSTICS_LIMIT, type Backend, type EngineEvent, type HistoryChange, type HistoryDiagnostic, type HistoryEntry, type HistoryOperation, type HistoryResult } from "@iac/engine";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { CliError, ExitCode, UsageError } from "../errors.js";
import { formatDuration } from "../render/format.js";
import { openWorkspace } from "../workspace.js";
import { runCommand, type CommandContext, type CommandOptions } from "./command.js";
import { table } from "./stack.js";

/** What the recorder needs of a run's result (the CLI's `RunResult`). */
interface RunOutcome {
  readonly counts: Readonly<Partial<Record<string, number>>>;
  readonly failed: number;
  readonly interrupted: boolean;
}

/** The `iac` version, from the CLI package's own package.json. */
export function iacVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** `iac up --yes --target`: the subcommand and flag names, never their values. */
export function historyCommandLine(operation: HistoryOperation, flags: readonly string[]): string {
  return ["iac", operation, ...flags].join(" ");
}

/**
 * Run one `up`, `destroy` or `refresh` (`body`, which passes every engine event to `observe`) and
 * record it in the stack's history, whether it returns or throws. A run refused because another
 * process holds the stack's lock, or that failed before it began (the lock or the state could not
 * be taken: a read-only or full disk), did nothing and is not recorded.
 */
export async function withHistory<R extends RunOutcome>(
  ctx: CommandContext,
  options: { readonly backend: Backend; readonly stack: string; readonly operation: HistoryOperation; readonly command: string; readonly onRecorded?: (entry: HistoryEntry) => Promise<void> },
  body: (observe: (event: EngineEvent) => void) => Promise<R>,
): Promise<R> {
  const start = new Date();
  let summary: Extract<EngineEvent, { kind: "summary" }> | undefined;
  // Only the prelude comes before the lock and the state are taken: a run that failed with nothing
  // more (locked, or a read-only or full disk) did nothing, and is not recorded.
  let started = false;
  const details = new RunDetails();
  const observe = (event: EngineEvent) => {
    if (event.kind !== "prelude") started = true;
    if (event.kind === "summary") summary = event;
    details.observe(event);
  };
  let result: R;
  try {
    result = await body(observe);
  } catch (error) {
    if (started && (error as { code?: unknown }).code !== "StackLocked") {
      details.failedWith(error);
      const outcome: HistoryResult = ctx.signal.aborted ? "interrupted" : "failed";
      await record(ctx, options, historyEntry({ ...options, start, end: new Date(), result: outcome, counts: summary?.counts ?? {}, failed: summary?.failed ?? 0, env: ctx.io.env, details, cwd: ctx.cwd }));
    }
    throw error;
  }
  const outcome: HistoryResult = result.interrupted ? "interrupted" : result.failed > 0 ? "failed" : "succeeded";
  await record(ctx, options, historyEntry({ ...options, start, end: new Date(), result: outcome, counts: result.counts, failed: result.failed, env: ctx.io.env, details, cwd: ctx.cwd }));
  return result;
}

/** The entry of one run, with who ran it where. */
export function historyEntry(o: {
  readonly operation: HistoryOperation;
  readonly command: string;
  readonly start: Date;
  readonly end: Date;
  readonly result: HistoryResult;
  readonly counts: Readonly<Partial<Record<string, number>>>;
  readonly failed: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What the run changed and reported (`iac console` shows it); absent: not recorded. */
  readonly details?: RunDetails;
  /** Where to look for the git commit; absent: not recorded. */
  readonly cwd?: string;
}): HistoryEntry {
  const counts: Record<string, number> = {};
  for (const [kind, n] of Object.entries(o.counts)) if (n !== undefined && n > 0) counts[kind] = n;
  const user = currentUser(o.env);
  return {
    version: 1,
    operation: o.operation,
    startTime: o.start.toISOString(),
    endTime: o.end.toISOString(),
    durationMs: Math.max(0, o.end.getTime() - o.start.getTime()),
    result: o.result,
    counts,
    failed: o.failed,
    command: o.command,
    iacVersion: iacVersion(),
    host: hostname(),
    ...(user !== undefined ? { user } : {}),
    ...(o.cwd !== undefined ? gitRevision(o.cwd) : {}),
    ...(o.details !== undefined ? o.details.entryFields() : {}),
  };
}

/**
 * The resource changes and diagnostics of one run, collected from its (already masked) events for
 * the history entry: every step other than `same`, as it ended, with its diffs.
 */
export class RunDetails {
  private readonly changes = new Map<string, HistoryChange>();
  private omitted = 0;
  private readonly diagnostics: HistoryDiagnostic[] = [];

  observe(event: EngineEvent): void {
    switch (event.kind) {
      case "step-done":
      case "step-failed":
      case "step-skipped": {
        const step = event.step;
        if (step.kind === "same") return;
        const key = `${step.urn} ${step.kind}`;
        if (!this.changes.has(key) && this.changes.size >= HISTORY_CHANGES_LIMIT) {
          this.omitted++;
          return;
        }
        const status = event.kind === "step-done" ? "done" : event.kind === "step-failed" ? "failed" : "skipped";
        this.changes.set(key, {
          urn: step.urn,
          type: step.type,
          name: step.name,
          ...(step.parent !== undefined ? { parent: step.parent } : {}),
          kind: step.kind,
          status,
          ...(step.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
          ...(step.diffs !== undefined && step.diffs.length > 0 ? { diffs: step.diffs.map((d) => ({ path: d.path, kind: d.kind, replace: d.replace, ...(d.reason !== undefined ? { reason: d.reason } : {}) })) } : {}),
          ...(step.olds !== undefined ? { olds: step.olds } : {}),
          ...(step.news !== undefined ? { news: step.news } : {}),
          ...(event.kind !== "step-skipped" ? { durationMs: event.durationMs } : {}),
          ...(event.kind === "step-failed" ? { error: { code: event.error.code, message: event.error.message } } : {}),
          ...(event.kind === "step-skipped" ? { reason: event.reason } : {}),
        });
        return;
      }
      case "diagnostic":
        if ((event.severity === "warning" || event.severity === "error") && this.diagnostics.length < HISTORY_DIAGNOSTICS_LIMIT) {
          this.diagnostics.push({ severity: event.severity, ...(event.urn !== undefined ? { urn: event.urn } : {}), message: event.message, time: new Date(event.time).toISOString() });
        }
        return;
      default:
        return;
    }
  }

  /** The error that ended the run (a program error, a lost lock): the last diagnostic, as the CLI prints its message. */
  failedWith(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.diagnostics.length >= HISTORY_DIAGNOSTICS_LIMIT) this.diagnostics.pop();
    this.diagnostics.push({ severity: "error", message, time: new Date().toISOString() });
  }

  entryFields(): Pick<HistoryEntry, "changes" | "changesOmitted" | "diagnostics"> {
    return { changes: [...this.changes.values()], ...(this.omitted > 0 ? { changesOmitted: this.omitted } : {}), diagnostics: this.diagnostics };
  }
}

/** The project's git commit and whether tracked files were changed; nothing outside a git work tree or without git. */
function gitRevision(cwd: string): Pick<HistoryEntry, "gitCommit" | "gitDirty"> {
  const git = (args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 }).trim();
  try {
    const commit = git(["rev-parse", "--verify", "HEAD"]);
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return {};
    const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
    return { gitCommit: commit, gitDirty: dirty };
  } catch {
    return {};
  }
}

function currentUser(env: Readonly<Record<string, string | undefined>>): string | undefined {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers): the environment may still say.
    return env.USER ?? env.USERNAME;
  }
}

async function record(ctx: CommandContext, options: { readonly backend: Backend; readonly stack: string; readonly onRecorded?: (entry: HistoryEntry) => Promise<void> }, entry: HistoryEntry): Promise<void> {
  if (options.backend.appendHistory === undefined) return;
  try {
    await options.backend.appendHistory(options.stack, entry);
    await options.onRecorded?.(entry).catch(() => undefined);
  } catch (error) {
    ctx.say(
      ctx.errStyle(
        "yellow",
        `warning: this ${entry.operation} (${entry.result}) was not recorded in the history of stack ${options.stack} in ${options.backend.url}: ${(error as Error).message.replace(/\.$/, "")}. The deployment itself is unaffected.`,
      ),
    );
  }
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
    const entries = await ws.backend.listHistory(stack, options.limit !== undefined ? { limit: options.limit } : {});
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

/**
 * One entry of a stack's history per `up`, `destroy` and `refresh`, as `iac stack history` lists it
 * and `iac console` shows it: what ran, how it ended, its counts, who ran it where (host, user, the
 * project's git commit), and what it changed and reported (from the run's events, already masked).
 * The CLI records its runs through this module (it runs them through {@link Stack}).
 *
 * The history is a convenience: a backend that cannot write it must never fail a deployment that
 * succeeded, so a failed write goes to a warning. An entry holds no value of the program, its config
 * or its outputs beyond what the masked events carry; `command` names the caller and flag names, not values.
 */
import { HISTORY_CHANGES_LIMIT, HISTORY_DIAGNOSTICS_LIMIT, type Backend, type EngineEvent, type HistoryChange, type HistoryDiagnostic, type HistoryEntry, type HistoryOperation, type HistoryResult } from "@iac/engine";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";

/** This package's version, recorded as the `iacVersion` of an entry (the packages are versioned together). */
export function iacVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** The entry of one run, with who ran it where. */
export async function historyEntry(o: {
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
}): Promise<HistoryEntry> {
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
    ...(o.cwd !== undefined ? await gitRevision(o.cwd) : {}),
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

const execFileAsync = promisify(execFile);

/**
 * The project's git commit and whether tracked files were changed; nothing outside a git work tree
 * or without git. Asynchronous: a process running many stacks (the controller) is not held up.
 */
async function gitRevision(cwd: string): Promise<Pick<HistoryEntry, "gitCommit" | "gitDirty">> {
  const git = async (args: string[]) => (await execFileAsync("git", args, { cwd, encoding: "utf8", timeout: 5000 })).stdout.trim();
  try {
    const commit = await git(["rev-parse", "--verify", "HEAD"]);
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return {};
    const dirty = (await git(["status", "--porcelain", "--untracked-files=no"])) !== "";
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

/**
 * Appends the entry; a backend that cannot write it never fails the deployment: the failure goes
 * to `warn`. `onRecorded` runs once the entry is written (the CLI prints the console's link to it);
 * its own failure is ignored.
 */
export async function recordHistory(
  backend: Backend,
  stack: string,
  entry: HistoryEntry,
  options: { readonly warn: (message: string) => void; readonly onRecorded?: (entry: HistoryEntry) => unknown },
): Promise<void> {
  if (backend.appendHistory === undefined) return;
  try {
    await backend.appendHistory(stack, entry);
  } catch (error) {
    options.warn(`This ${entry.operation} (${entry.result}) was not recorded in the history of stack ${stack} in ${backend.url}: ${(error as Error).message.replace(/\.$/, "")}. The deployment itself is unaffected.`);
    return;
  }
  try {
    await options.onRecorded?.(entry);
  } catch {
    // What the caller does with a recorded entry is its own business; the run is done.
  }
}

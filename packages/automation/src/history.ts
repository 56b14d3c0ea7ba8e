/**
 * One entry of a stack's history per `up`, `destroy` and `refresh`, as `iac stack history` lists
 * it. The same record the CLI writes (packages/cli/src/commands/stack-history.ts, `historyEntry`,
 * which should delegate here once the CLI runs on this package): no value of the program, its
 * config or outputs; `command` names the caller, not values.
 */
import type { Backend, HistoryEntry, HistoryOperation, HistoryResult } from "@iac/engine";
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";

/** This package's version, recorded as the `iacVersion` of an entry. */
function automationVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

export function historyEntry(o: {
  readonly operation: HistoryOperation;
  readonly command: string;
  readonly start: Date;
  readonly end: Date;
  readonly result: HistoryResult;
  readonly counts: Readonly<Partial<Record<string, number>>>;
  readonly failed: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}): HistoryEntry {
  const counts: Record<string, number> = {};
  for (const [kind, n] of Object.entries(o.counts)) if (n !== undefined && n > 0) counts[kind] = n;
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers): the environment may still say.
    user = o.env.USER ?? o.env.USERNAME;
  }
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
    iacVersion: automationVersion(),
    host: hostname(),
    ...(user !== undefined ? { user } : {}),
  };
}

/**
 * Appends the entry; a backend that cannot write it never fails the deployment that succeeded:
 * the failure goes to `warn`.
 */
export async function recordHistory(backend: Backend, stack: string, entry: HistoryEntry, warn: (message: string) => void): Promise<void> {
  if (backend.appendHistory === undefined) return;
  try {
    await backend.appendHistory(stack, entry);
  } catch (error) {
    warn(`This ${entry.operation} (${entry.result}) was not recorded in the history of stack ${stack} in ${backend.url}: ${(error as Error).message.replace(/\.$/, "")}. The deployment itself is unaffected.`);
  }
}

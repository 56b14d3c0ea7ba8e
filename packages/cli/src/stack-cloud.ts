/**
 * A stack remembers which cloud it lives on (issue 12): once a run with `--local` has deployed
 * resources, a run without `--local` would send the same program to the real cloud (and find none
 * of the resources there), and the other way round. The CLI records no extra state for this: the
 * stack's history says with which flags the last run that touched the cloud ran, and the state
 * says whether there is anything left on it.
 */
import type { Backend, HistoryEntry } from "@iac/engine";
import { UsageError } from "./errors.js";

export type CloudKind = "local" | "real";

/** The cloud a history entry's run talked to. */
export function cloudOf(entry: Pick<HistoryEntry, "command">): CloudKind {
  return entry.command.split(" ").includes("--local") ? "local" : "real";
}

/**
 * The cloud the stack's newest recorded run talked to; undefined when the backend keeps no
 * history, the stack has none, or it cannot be read.
 */
export async function lastCloud(backend: Backend, stack: string): Promise<CloudKind | undefined> {
  if (backend.listHistory === undefined) return undefined;
  let last: HistoryEntry | undefined;
  try {
    // Only `command` is needed: the summary skips the entry's lists (~1 MB after an up of 10,000).
    [last] = await backend.listHistory(stack, { limit: 1, summary: true });
  } catch {
    // The history is a convenience (stack-history.ts): one that cannot be read never stops a run.
    return undefined;
  }
  return last === undefined ? undefined : cloudOf(last);
}

/**
 * Refuse (exit 2) a run against another cloud than the one the stack lives on, saying the fix.
 * The state is read only when the history says the clouds differ (a stack with no resources left
 * lives nowhere and may move).
 */
export async function assertSameCloud(options: { readonly backend: Backend; readonly stack: string; readonly command: string; readonly local: boolean; readonly hasResources: () => Promise<boolean> }): Promise<void> {
  const lives = await lastCloud(options.backend, options.stack);
  if (lives === undefined || lives === (options.local ? "local" : "real")) return;
  if (!(await options.hasResources())) return;
  if (lives === "local") {
    throw new UsageError(
      `Stack ${options.stack} lives on the local cloud (its resources were deployed with --local), and this run has no --local: it would look for them in the real cloud. Run \`iac ${options.command} --local\`, or, to move the stack to the real cloud, \`iac destroy --local --yes\` first.`,
      { code: "StackCloudMismatch" },
    );
  }
  throw new UsageError(
    `Stack ${options.stack} lives on the real cloud (its resources were deployed without --local), and this run has --local: the local cloud has none of them. Run \`iac ${options.command}\` without --local, or use another stack for the local cloud (\`iac stack init local\`, then -s local).`,
    { code: "StackCloudMismatch" },
  );
}

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
import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
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
  /** The git commit looked up already ({@link gitRevision}, started with the run); wins over `cwd`. */
  readonly git?: Promise<Pick<HistoryEntry, "gitCommit" | "gitDirty">>;
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
    ...(o.git !== undefined ? await o.git : o.cwd !== undefined ? await gitRevision(o.cwd) : {}),
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
        // Filled field by field (no object spread per optional field): one of these per change, 10,000 in a large up.
        const change = { urn: step.urn, type: step.type, name: step.name } as { -readonly [K in keyof HistoryChange]: HistoryChange[K] };
        if (step.parent !== undefined) change.parent = step.parent;
        change.kind = step.kind;
        change.status = status;
        if (step.deleteBeforeReplace) change.deleteBeforeReplace = true;
        if (step.diffs !== undefined && step.diffs.length > 0) change.diffs = step.diffs.map((d) => ({ path: d.path, kind: d.kind, replace: d.replace, ...(d.reason !== undefined ? { reason: d.reason } : {}) }));
        if (step.olds !== undefined) change.olds = step.olds;
        if (step.news !== undefined) change.news = step.news;
        if (event.kind !== "step-skipped") change.durationMs = event.durationMs;
        if (event.kind === "step-failed") change.error = { code: event.error.code, message: event.error.message };
        if (event.kind === "step-skipped") change.reason = event.reason;
        this.changes.set(key, change);
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
 * The commit is read from the repository's files ({@link readGitHead}) and asked of git only when
 * they do not say it plainly; whether the tree is dirty takes `git status` (git's index). Start it
 * when the run starts ({@link Stack} does): it then costs the run nothing at its end.
 */
export async function gitRevision(cwd: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Pick<HistoryEntry, "gitCommit" | "gitDirty">> {
  const git = async (args: string[]) => (await execFileAsync("git", args, { cwd, encoding: "utf8", timeout: 5000 })).stdout.trim();
  try {
    const head = await readGitHead(cwd, env);
    if (head === "none") return {};
    const commit = head ?? (await git(["rev-parse", "--verify", "HEAD"]));
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return {};
    const dirty = (await git(["status", "--porcelain", "--untracked-files=no"])) !== "";
    return { gitCommit: commit, gitDirty: dirty };
  } catch {
    return {};
  }
}

/**
 * The commit HEAD names, read as git reads it without running git: the `.git` directory (or the
 * `.git` file of a linked worktree or submodule, `gitdir: <path>`) nearest above `cwd`, its `HEAD`
 * (a commit, or `ref: refs/heads/<branch>`), the ref as a file of the common directory (`commondir`
 * of a worktree) or a line of `packed-refs`. `"none"`: no repository above `cwd`. Undefined when
 * unsure, and git is asked: the environment points git elsewhere (`GIT_DIR`, `GIT_CEILING_DIRECTORIES`,
 * ...), the repository is another user's (git may refuse it), the ref is in neither place (an
 * unborn branch, the reftable format), or anything is not as described.
 */
/**
 * `GIT_*` variables that have no say in which repository is found or what its HEAD is (TLS, HTTP,
 * ssh, prompts, identities, editors, pagers, tracing): set, git need not be asked. Any other
 * (`GIT_DIR`, `GIT_WORK_TREE`, `GIT_CEILING_DIRECTORIES`, `GIT_CONFIG_*`, `GIT_NAMESPACE`, ...) may
 * change the answer: git is asked.
 */
const GIT_ENV_NOT_ABOUT_HEAD = /^GIT_(SSL_\w+|HTTP_\w+|SSH|SSH_COMMAND|SSH_VARIANT|PROXY_\w+|TERMINAL_PROMPT|ASKPASS|(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)|EDITOR|SEQUENCE_EDITOR|PAGER|TRACE\w*|FLUSH|PROTOCOL|REDIRECT_\w+|MERGE_\w+|CURL_\w+)$/;

export async function readGitHead(cwd: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<string | "none" | undefined> {
  if (Object.keys(env).some((k) => k.startsWith("GIT_") && env[k] !== undefined && !GIT_ENV_NOT_ABOUT_HEAD.test(k))) return undefined;
  try {
    let dir = resolve(cwd);
    let dotGit: string | undefined;
    for (;;) {
      const candidate = join(dir, ".git");
      const found = await stat(candidate).catch(() => undefined);
      if (found !== undefined) {
        if (typeof process.getuid === "function" && found.uid !== process.getuid()) return undefined;
        dotGit = found.isDirectory() ? candidate : found.isFile() ? gitdirOf(await readFile(candidate, "utf8"), dir) : undefined;
        if (dotGit === undefined) return undefined;
        break;
      }
      const parent = dirname(dir);
      if (parent === dir) return "none";
      dir = parent;
    }
    const head = (await readFile(join(dotGit, "HEAD"), "utf8")).trim();
    if (HASH.test(head)) return head;
    const ref = /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
    if (ref === undefined || ref.split("/").includes("..")) return undefined;
    const commonDir = await readFile(join(dotGit, "commondir"), "utf8").then(
      (text) => resolve(dotGit, text.trim()),
      () => dotGit,
    );
    const loose = await readFile(join(commonDir, ref), "utf8").then((text) => text.trim(), () => undefined);
    if (loose !== undefined) return HASH.test(loose) ? loose : undefined;
    const packed = await readFile(join(commonDir, "packed-refs"), "utf8").catch(() => "");
    for (const line of packed.split("\n")) {
      const [hash, name] = line.trim().split(" ");
      if (name === ref && hash !== undefined && HASH.test(hash)) return hash;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

const HASH = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The directory a `.git` file (`gitdir: <path>`, relative to the file's directory) points at. */
function gitdirOf(text: string, dir: string): string | undefined {
  const path = /^gitdir: (.+)$/m.exec(text)?.[1]?.trim();
  return path === undefined ? undefined : resolve(dir, path);
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

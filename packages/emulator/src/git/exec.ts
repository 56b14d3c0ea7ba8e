/**
 * Running the `git` CLI for the git host: repository creation and the read API the controllers use.
 */
import { execFile } from "node:child_process";
import { GitHostError } from "./errors.js";

/** Environment for every git the host runs: no prompts, no user or system config leaking in. */
export function gitEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: "0",
    // The host's behaviour must not depend on whoever runs it (aliases, hooks paths, init templates).
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    ...extra,
  };
}

export interface GitRunOptions {
  /** The repository (bare) the command runs in, as `--git-dir`. */
  readonly gitDir?: string;
  /** Exit codes that are answers rather than failures (e.g. 1 from `rev-parse --verify --quiet`). */
  readonly okCodes?: readonly number[];
  /** Return stdout as raw bytes (blobs may be binary). */
  readonly binary?: boolean;
}

export interface GitResult {
  readonly code: number;
  readonly stdout: Buffer;
}

/** Run `git args...`; rejects with a GitHostError naming the command when it fails. */
export function runGit(args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
  const full = options.gitDir === undefined ? [...args] : ["--git-dir", options.gitDir, ...args];
  return new Promise((resolve, reject) => {
    execFile("git", full, { env: gitEnv(), encoding: "buffer", maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === "number" ? ((err as unknown as { code: number }).code) : -1;
      if (code === 0 || (options.okCodes ?? []).includes(code)) {
        resolve({ code, stdout });
        return;
      }
      const detail = Buffer.isBuffer(stderr) ? stderr.toString("utf8").trim() : String(stderr);
      reject(
        new GitHostError("GitCommandFailed", `git ${full.join(" ")} failed (exit ${code}): ${detail || (err as Error).message}. Check that git is installed and the repository is intact.`, { cause: err }),
      );
    });
  });
}

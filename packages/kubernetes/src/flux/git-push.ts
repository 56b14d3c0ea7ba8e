/**
 * Writing the flux-system files to the cluster's git repository, as `flux bootstrap` does
 * (reference/notes/flux.md §1.2): clone the branch, write the files, commit, push.
 *
 * Uses the `git` CLI in a temporary directory. Credentials never appear in argv or in the URL
 * (either could be logged, and argv is visible to every user of the machine): a password reaches git
 * through an askpass script that reads it from the environment of that one git process, a bearer
 * token through `GIT_CONFIG_*` environment entries (`http.extraHeader`).
 */
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KubernetesError } from "../errors.js";

/** Git credentials: basic (username and password or token) or a bearer token. */
export type GitCredentials = { readonly username: string; readonly password: string } | { readonly bearerToken: string };

export interface GitTarget {
  readonly url: string;
  readonly branch: string;
  readonly credentials?: GitCredentials;
  /** A CA bundle (PEM file) to trust for an https URL (the local cloud's). */
  readonly caFile?: string;
}

/** One file to write: path from the repository root, and content. */
export interface GitFile {
  readonly path: string;
  readonly content: string;
  /** Leave an existing file alone (flux's kustomization.yaml is the user's to customise). */
  readonly keepExisting?: boolean;
}

export interface PushOptions {
  readonly files: readonly GitFile[];
  /** Commit message per batch of files; files are committed in the order of the groups. */
  readonly commits: readonly { readonly message: string; readonly paths: readonly string[] }[];
  readonly author: { readonly name: string; readonly email: string };
  readonly signal?: AbortSignal;
}

/** What a push did. */
export interface PushResult {
  /** The commit at the tip of the branch after the push (full sha). */
  readonly revision: string;
  /** Whether anything was committed (identical files make no commit, as flux does). */
  readonly changed: boolean;
}

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$IAC_GIT_USERNAME" ;;
  *) printf '%s\\n' "$IAC_GIT_PASSWORD" ;;
esac
`;

interface Session {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly target: GitTarget;
  readonly signal?: AbortSignal;
}

/** Runs git; on failure, throws with git's message (which holds no credentials: none are in argv or URL). */
function git(s: Session, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", [...args], { cwd, env: s.env, signal: s.signal, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = (stderr || err.message).trim().split("\n").filter((l) => !/^hint:/.test(l)).slice(-4).join(" ");
        reject(new KubernetesError(`git ${args[0]} on ${s.target.url} (branch ${s.target.branch}) failed: ${detail}`, { code: "GitFailed" }));
      } else resolve(stdout);
    });
  });
}

function sessionEnv(target: GitTarget, scratch: string): NodeJS.ProcessEnv {
  const config: [string, string][] = [
    // No credential helper may store or offer credentials: ours come from the askpass script only.
    ["credential.helper", ""],
    ["init.defaultBranch", target.branch],
    ["protocol.file.allow", "never"],
  ];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: scratch,
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    LANG: "C",
  };
  const creds = target.credentials;
  if (creds && "bearerToken" in creds) {
    config.push(["http.extraHeader", `Authorization: Bearer ${creds.bearerToken}`]);
  } else if (creds) {
    const askpass = join(scratch, "askpass.sh");
    writeFileSync(askpass, ASKPASS, { mode: 0o700 });
    chmodSync(askpass, 0o700);
    env.GIT_ASKPASS = askpass;
    env.IAC_GIT_USERNAME = creds.username;
    env.IAC_GIT_PASSWORD = creds.password;
  }
  if (target.caFile) env.GIT_SSL_CAINFO = target.caFile;
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

/** Runs `fn` with a clone of the branch (an empty one when the branch or repository is new); cleans up. */
async function withClone<T>(target: GitTarget, signal: AbortSignal | undefined, fn: (s: Session, repo: string) => Promise<T>): Promise<T> {
  const scratch = mkdtempSync(join(tmpdir(), "iac-flux-git-"));
  try {
    const s: Session = { dir: scratch, env: sessionEnv(target, scratch), target, signal };
    const repo = join(scratch, "repo");
    await git(s, ["clone", "--quiet", "--no-checkout", "--", target.url, repo], scratch);
    const remoteHasBranch = (await git(s, ["ls-remote", "--heads", "origin", target.branch], repo)).trim() !== "";
    if (remoteHasBranch) await git(s, ["checkout", "--quiet", "-B", target.branch, `origin/${target.branch}`], repo);
    else await git(s, ["checkout", "--quiet", "--orphan", target.branch], repo);
    return await fn(s, repo);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Writes `files` on the branch and pushes, one commit per group that changed something; returns the
 * branch's tip. Never overwrites a file marked `keepExisting`.
 */
export async function pushFiles(target: GitTarget, o: PushOptions): Promise<PushResult> {
  return withClone(target, o.signal, async (s, repo) => {
    const env = { ...s.env, GIT_AUTHOR_NAME: o.author.name, GIT_AUTHOR_EMAIL: o.author.email, GIT_COMMITTER_NAME: o.author.name, GIT_COMMITTER_EMAIL: o.author.email };
    const session: Session = { ...s, env };
    let changed = false;
    for (const c of o.commits) {
      for (const f of o.files.filter((x) => c.paths.includes(x.path))) {
        const full = join(repo, f.path);
        if (f.keepExisting && existsSync(full)) continue;
        if (existsSync(full) && readFileSync(full, "utf8") === f.content) continue;
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, f.content);
      }
      await git(session, ["add", "--", ...c.paths.filter((p) => existsSync(join(repo, p)))], repo);
      const staged = (await git(session, ["diff", "--cached", "--name-only"], repo)).trim();
      if (staged === "") continue;
      await git(session, ["commit", "--quiet", "--no-verify", "-m", c.message], repo);
      changed = true;
    }
    if (changed) await git(session, ["push", "--quiet", "origin", `HEAD:refs/heads/${target.branch}`], repo);
    const revision = (await git(session, ["rev-parse", "HEAD"], repo).catch(() => "")).trim();
    if (revision === "") throw new KubernetesError(`The branch ${target.branch} of ${target.url} has no commit after the push.`, { code: "GitFailed" });
    return { revision, changed };
  });
}

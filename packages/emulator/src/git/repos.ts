/**
 * Where the git host keeps its repositories: bare repositories under the service's data
 * directory as `<owner>/<name>.git`, created on first access like a forge that auto-creates.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GitHostError } from "./errors.js";
import { runGit } from "./exec.js";

/** One path segment of a repository name: what GitHub accepts, never `.`/`..` or a leading dot. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** A repository address, normalized: `owner/name.git`. */
export type RepoPath = string;

/**
 * Normalize `owner/name`, `owner/name.git` or `/owner/name.git/` to `owner/name.git`.
 * Returns undefined when it does not name a repository this host can hold.
 */
export function tryNormalizeRepoPath(input: string): RepoPath | undefined {
  const parts = input.replace(/^\/+|\/+$/g, "").split("/");
  if (parts.length !== 2) return undefined;
  const owner = parts[0]!;
  const name = parts[1]!.endsWith(".git") ? parts[1]!.slice(0, -4) : parts[1]!;
  if (!SEGMENT.test(owner) || !SEGMENT.test(name) || name.endsWith(".git")) return undefined;
  return `${owner}/${name}.git`;
}

/** {@link tryNormalizeRepoPath}, throwing when the path is not a repository path. */
export function normalizeRepoPath(input: string): RepoPath {
  const path = tryNormalizeRepoPath(input);
  if (path === undefined) {
    throw new GitHostError("InvalidRepositoryPath", `"${input}" is not a repository path of the local git host; use "<owner>/<name>" (letters, digits, ".", "_", "-").`);
  }
  return path;
}

/**
 * Split a request path (`/owner/name.git/info/refs`) into the repository and the rest git's
 * backend serves. Undefined when the first two segments are not a repository.
 */
export function splitRequestPath(path: string): { readonly repo: RepoPath; readonly rest: string } | undefined {
  const m = /^\/([^/]+)\/([^/]+?)(\.git)?(\/.*)?$/.exec(path);
  if (m === null) return undefined;
  const repo = tryNormalizeRepoPath(`${m[1]}/${m[2]}`);
  if (repo === undefined) return undefined;
  return { repo, rest: m[4] ?? "/" };
}

/** The bare repositories of one data directory, created on demand. */
export class RepoStore {
  readonly root: string;
  /** In-flight creations, so two first requests for one repository do not race `git init`. */
  readonly #creating = new Map<RepoPath, Promise<string>>();

  constructor(root: string) {
    this.root = root;
  }

  /** Directory of a repository (whether or not it exists yet). */
  dirOf(repo: RepoPath): string {
    return join(this.root, ...repo.split("/"));
  }

  exists(repo: RepoPath): boolean {
    return existsSync(join(this.dirOf(repo), "HEAD"));
  }

  /** The repository's directory, creating an empty bare repository (default branch main) if needed. */
  ensure(repo: RepoPath): Promise<string> {
    const dir = this.dirOf(repo);
    if (this.exists(repo)) return Promise.resolve(dir);
    let pending = this.#creating.get(repo);
    if (pending === undefined) {
      pending = this.#create(repo, dir).finally(() => this.#creating.delete(repo));
      this.#creating.set(repo, pending);
    }
    return pending;
  }

  async #create(repo: RepoPath, dir: string): Promise<string> {
    // Initialise next to the final place and rename, so a crash never leaves a half-made repository
    // that `exists` would take for a real one.
    const tmp = `${dir}.init-${process.pid}-${Date.now()}`;
    await mkdir(dirname(dir), { recursive: true });
    try {
      await runGit(["init", "--quiet", "--bare", "--initial-branch=main", tmp]);
      await runGit(["config", "http.receivepack", "true"], { gitDir: tmp });
      // Pushes from the CLI arrive as one pack; keep them as packs like a forge does.
      await runGit(["config", "receive.unpackLimit", "1"], { gitDir: tmp });
      if (!this.exists(repo)) await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return dir;
  }

  /** Every repository present, as `owner/name.git`, sorted. */
  async list(): Promise<RepoPath[]> {
    const out: RepoPath[] = [];
    const owners = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const owner of owners) {
      if (!owner.isDirectory()) continue;
      const repos = await readdir(join(this.root, owner.name), { withFileTypes: true }).catch(() => []);
      for (const r of repos) {
        const repo = tryNormalizeRepoPath(`${owner.name}/${r.name}`);
        if (r.isDirectory() && r.name.endsWith(".git") && repo !== undefined && this.exists(repo)) out.push(repo);
      }
    }
    return out.sort();
  }
}

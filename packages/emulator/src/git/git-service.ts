/**
 * The local cloud's git host: smart-HTTP repositories on loopback (Flux accepts only http, https
 * and ssh URLs, so `file://` will not do), plus a read API for the emulated Flux controllers.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Service, ServiceContext, ServiceFactory } from "../service.js";
import { runGit } from "./exec.js";
import { serveWithHttpBackend } from "./http-backend.js";
import { hasCommit, listTags, readTreeFiles, resolveBranch, resolveRefName, resolveTag, type GitFile } from "./reader.js";
import { normalizeRepoPath, RepoStore, splitRequestPath, tryNormalizeRepoPath, type RepoPath } from "./repos.js";

/** The realm git shows when it asks for credentials. */
export const GIT_REALM = "iac local git";

/** One authenticated request, as the host recorded it. */
export interface GitAccess {
  readonly user: string;
  readonly repo: RepoPath;
  /** `upload-pack` (clone, fetch) or `receive-pack` (push). */
  readonly service: "upload-pack" | "receive-pack";
  readonly method: string;
  readonly at: string;
}

/** The git service as the other parts of the local cloud see it (`ctx.service<GitService>("git")`). */
export interface GitService extends Service {
  readonly name: "git";
  /** The commit a branch points at, or undefined when the repository or branch does not exist. */
  resolveRef(repoPath: string, branch: string): Promise<string | undefined>;
  /** The commit a tag points at, or undefined when the repository or tag does not exist. */
  resolveTag(repoPath: string, tag: string): Promise<string | undefined>;
  /** The commit a full ref name (`refs/heads/main`, `refs/tags/v1`) points at, or undefined. */
  resolveRefName(repoPath: string, refName: string): Promise<string | undefined>;
  /** Whether the repository has this commit. */
  hasCommit(repoPath: string, sha: string): Promise<boolean>;
  /** Every tag of the repository with its commit (empty when the repository does not exist). */
  listTags(repoPath: string): Promise<{ name: string; commit: string }[]>;
  /** Every file under `dirPath` at commit `sha` (paths from the repository root). */
  readFiles(repoPath: string, sha: string, dirPath: string): Promise<GitFile[]>;
  /** The tree of commit `sha` as an uncompressed tar (`git archive`: exact bytes and modes, binary files too). */
  archive(repoPath: string, sha: string): Promise<Buffer>;
  /** The repositories present, as `owner/name.git`. */
  listRepos(): Promise<RepoPath[]>;
  /** Create the repository if it does not exist yet (as the first clone or push would). */
  ensureRepo(repoPath: string): Promise<RepoPath>;
  /**
   * The repository a clone URL names on this host (`http://127.0.0.1:<port>/o/r.git`, with or
   * without credentials or `.git`), or undefined when the URL points elsewhere.
   */
  repoPathOfUrl(url: string): RepoPath | undefined;
  /** Called after every accepted push; returns a function that unsubscribes. */
  onPush(listener: (repo: RepoPath) => void): () => void;
  /** The last authenticated requests, oldest first (at most 1000 are kept). */
  accesses(): readonly GitAccess[];
}

const MAX_ACCESSES = 1000;

/** Credentials of a request: Basic with any user and a non-empty password, or a bearer token. */
function userOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth === undefined) return undefined;
  const [scheme, value = ""] = auth.split(" ", 2);
  if (scheme?.toLowerCase() === "bearer") return value.trim() === "" ? undefined : "bearer";
  if (scheme?.toLowerCase() !== "basic") return undefined;
  const decoded = Buffer.from(value.trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || decoded.slice(colon + 1) === "") return undefined;
  return decoded.slice(0, colon) || "git";
}

function serviceOf(rest: string, query: URLSearchParams): GitAccess["service"] {
  return rest.endsWith("/git-receive-pack") || query.get("service") === "git-receive-pack" ? "receive-pack" : "upload-pack";
}

function sameHost(a: string, b: string): boolean {
  const loop = (h: string) => (h === "localhost" || h === "[::1]" ? "127.0.0.1" : h);
  return loop(a) === loop(b);
}

/** The git host's {@link ServiceFactory}. */
export const createGitService: ServiceFactory = (ctx: ServiceContext): GitService => {
  const repos = new RepoStore(ctx.dataDir);
  const events = new EventEmitter();
  const log: GitAccess[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://git.local");
    const target = splitRequestPath(url.pathname);
    if (target === undefined) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end(`No repository at ${url.pathname}. Repositories of the local git host are <base>/<owner>/<name>.git.\n`);
      return;
    }
    const user = userOf(req);
    if (user === undefined) {
      // git first asks anonymously and sends credentials only after a 401 with a challenge.
      res.writeHead(401, { "www-authenticate": `Basic realm="${GIT_REALM}"`, "content-type": "text/plain; charset=utf-8" });
      res.end("Authentication required: any user name with a non-empty password (or token) is accepted.\n");
      return;
    }
    const service = serviceOf(target.rest, url.searchParams);
    log.push({ user, repo: target.repo, service, method: req.method ?? "GET", at: new Date().toISOString() });
    if (log.length > MAX_ACCESSES) log.splice(0, log.length - MAX_ACCESSES);
    await repos.ensure(target.repo);
    const status = await serveWithHttpBackend({
      req,
      res,
      projectRoot: repos.root,
      pathInfo: `/${target.repo}${target.rest}`,
      queryString: url.search.replace(/^\?/, ""),
      remoteUser: user,
    });
    if (req.method === "POST" && target.rest === "/git-receive-pack" && status === 200) {
      ctx.log(`push to ${target.repo} by ${user}`);
      events.emit("push", target.repo);
    }
  }

  return {
    name: "git",
    handle,
    async resolveRef(repoPath, branch) {
      const repo = normalizeRepoPath(repoPath);
      if (!repos.exists(repo)) return undefined;
      return resolveBranch(repos.dirOf(repo), branch);
    },
    async resolveTag(repoPath, tag) {
      const repo = normalizeRepoPath(repoPath);
      if (!repos.exists(repo)) return undefined;
      return resolveTag(repos.dirOf(repo), tag);
    },
    async resolveRefName(repoPath, refName) {
      const repo = normalizeRepoPath(repoPath);
      return repos.exists(repo) ? resolveRefName(repos.dirOf(repo), refName) : undefined;
    },
    async hasCommit(repoPath, sha) {
      const repo = normalizeRepoPath(repoPath);
      return repos.exists(repo) ? hasCommit(repos.dirOf(repo), sha) : false;
    },
    async listTags(repoPath) {
      const repo = normalizeRepoPath(repoPath);
      return repos.exists(repo) ? listTags(repos.dirOf(repo)) : [];
    },
    async readFiles(repoPath, sha, dirPath) {
      const repo = normalizeRepoPath(repoPath);
      return readTreeFiles(repos.dirOf(repo), sha, dirPath);
    },
    async archive(repoPath, sha) {
      const repo = normalizeRepoPath(repoPath);
      return (await runGit(["archive", "--format=tar", sha], { gitDir: repos.dirOf(repo), binary: true })).stdout;
    },
    listRepos: () => repos.list(),
    async ensureRepo(repoPath) {
      const repo = normalizeRepoPath(repoPath);
      await repos.ensure(repo);
      return repo;
    },
    repoPathOfUrl(raw) {
      const base = ctx.endpoints().git;
      let url: URL;
      let home: URL;
      try {
        url = new URL(raw);
        home = new URL(base);
      } catch {
        return undefined;
      }
      if (url.protocol !== home.protocol || url.port !== home.port || !sameHost(url.hostname, home.hostname)) return undefined;
      return tryNormalizeRepoPath(url.pathname);
    },
    onPush(listener) {
      events.on("push", listener);
      return () => void events.off("push", listener);
    },
    accesses: () => [...log],
    async close() {
      events.removeAllListeners();
    },
  };
};

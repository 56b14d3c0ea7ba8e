/**
 * The program's source, fetched into a directory of its own per revision:
 *
 * - a Flux source (`spec.sourceRef`): the artifact the source-controller advertises in
 *   `status.artifact` (`url`, `digest`, `revision`) is downloaded, its sha256 checked against
 *   `digest` before anything is unpacked (a mismatch is refused: the tarball is not the one the
 *   source-controller recorded), then unpacked with `tar`;
 * - a git repository of its own (`spec.git`): the ref is resolved with `git ls-remote`, the commit
 *   fetched shallowly; credentials from the Secret go in an HTTP header, never in the URL, so no
 *   token reaches git's config, its error messages or our logs.
 *
 * A revision already unpacked is reused (the directory is complete: it is renamed into place only
 * after unpacking succeeded).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import { ControllerError } from "./errors.js";
import type { GitRef } from "./spec.js";

const exec = promisify(execFile);

/** A fetched source: its Flux-style revision and the directory holding the files. */
export interface FetchedSource {
  readonly revision: string;
  readonly dir: string;
}

const artifactFailed = (message: string, cause?: unknown) => new ControllerError(message, { code: "ArtifactFailed", ...(cause !== undefined ? { cause } : {}) });

/** A directory name safe for a revision (`main@sha1:abc` -> `main-sha1-abc`). */
const dirName = (revision: string) => revision.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 200);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Fills `target` once: `fill` writes into a temporary sibling that is renamed into place when complete. */
async function once(target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  if (await exists(target)) return;
  await mkdir(join(target, ".."), { recursive: true });
  const tmp = await mkdtemp(`${target}.tmp-`);
  try {
    await fill(tmp);
    await rename(tmp, target).catch(async (e) => {
      // Another worker unpacked the same revision first: theirs is as good.
      if (!(await exists(target))) throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The artifact `status.artifact` of a Flux source advertises. */
export interface Artifact {
  readonly url: string;
  readonly revision: string;
  /** `sha256:<hex>` (Flux v1 sources); older ones carry `checksum` (hex sha256). */
  readonly digest?: string;
  readonly checksum?: string;
}

/**
 * Downloads, verifies and unpacks an artifact into `<cacheDir>/<revision>`.
 * @throws ControllerError `ArtifactFailed`
 */
export async function fetchArtifact(artifact: Artifact, cacheDir: string, options: { readonly signal?: AbortSignal } = {}): Promise<FetchedSource> {
  const expected = artifact.digest ?? (artifact.checksum ? `sha256:${artifact.checksum}` : undefined);
  if (expected === undefined) throw artifactFailed(`The artifact of revision ${artifact.revision} has no digest: the controller will not unpack what it cannot verify.`);
  const [algorithm, hex] = expected.split(":") as [string, string | undefined];
  if (algorithm !== "sha256" || !hex) throw artifactFailed(`The artifact digest "${expected}" is not sha256:<hex>, the only algorithm the controller verifies.`);
  const dir = join(cacheDir, `${dirName(artifact.revision)}-${hex.slice(0, 12)}`);
  await once(dir, async (tmp) => {
    const file = join(tmp, "..", `${dirName(artifact.revision)}.${process.pid}.${Date.now()}.tar.gz`);
    try {
      const actual = await download(artifact.url, file, options.signal);
      if (actual !== hex) {
        throw artifactFailed(`The artifact of revision ${artifact.revision} from ${artifact.url} has digest sha256:${actual}, not the sha256:${hex} its source recorded: refused. The source-controller serves a different file than it recorded (a proxy or storage problem); it is fetched again at the next retry.`);
      }
      await exec("tar", ["-xzf", file, "-C", tmp], { signal: options.signal }).catch((cause: Error) => {
        throw artifactFailed(`The artifact of revision ${artifact.revision} could not be unpacked: ${cause.message.split("\n")[0]}.`, cause);
      });
    } finally {
      await rm(file, { force: true });
    }
  });
  return { revision: artifact.revision, dir };
}

/** GETs `url` into `file`; the sha256 (hex) of what was received. */
function download(url: string, file: string, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(artifactFailed(`The artifact URL "${url}" is not a URL.`));
      return;
    }
    const send = u.protocol === "https:" ? httpsRequest : u.protocol === "http:" ? httpRequest : undefined;
    if (send === undefined) {
      reject(artifactFailed(`The artifact URL "${url}" is not http(s).`));
      return;
    }
    const req = send(u, { method: "GET", ...(signal ? { signal } : {}) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(artifactFailed(`GET ${url}: ${res.statusCode} ${res.statusMessage ?? ""}`.trim() + " (the source-controller no longer serves this artifact, or is not reachable from the controller)."));
        return;
      }
      const hash = createHash("sha256");
      const out = createWriteStream(file);
      res.on("data", (chunk: Buffer) => hash.update(chunk));
      res.pipe(out);
      out.on("finish", () => resolve(hash.digest("hex")));
      out.on("error", reject);
      res.on("error", reject);
    });
    req.on("error", (cause) => reject(artifactFailed(`GET ${url} failed: ${cause.message} (is the source-controller's storage address reachable from the controller?).`, cause)));
    req.end();
  });
}

/** Credentials of `spec.git.secretRef`: Flux's keys, `username`/`password` or `bearerToken`. */
export interface GitCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly bearerToken?: string;
}

/** git's `-c` options carrying the credentials as an Authorization header (never in the URL). */
function authConfig(credentials: GitCredentials | undefined): string[] {
  if (credentials === undefined) return [];
  if (credentials.bearerToken) return ["-c", `http.extraHeader=Authorization: Bearer ${credentials.bearerToken}`];
  if (credentials.password !== undefined) {
    const basic = Buffer.from(`${credentials.username ?? "git"}:${credentials.password}`).toString("base64");
    return ["-c", `http.extraHeader=Authorization: Basic ${basic}`];
  }
  return [];
}

/** Runs git without a terminal, a user config or a credential prompt; a failure's message has no credentials. */
async function git(args: readonly string[], options: { readonly cwd?: string; readonly credentials?: GitCredentials; readonly signal?: AbortSignal }): Promise<string> {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
  try {
    const { stdout } = await exec("git", [...authConfig(options.credentials), ...args], { env, maxBuffer: 64 << 20, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    return stdout;
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? (e as Error).message).trim().split("\n").filter((l) => l.trim() !== "").slice(-2).join(" ");
    throw artifactFailed(`git ${args[0]} failed: ${stderr.replace(/Authorization: \S+ \S+/g, "Authorization: ***")}`);
  }
}

/**
 * The commit `ref` names in the repository at `url`, and its Flux revision
 * (`<branch>@sha1:<commit>`, `<tag>@sha1:<commit>`, or `sha1:<commit>` for a commit).
 */
export async function resolveGitRef(url: string, ref: GitRef, options: { readonly credentials?: GitCredentials; readonly signal?: AbortSignal } = {}): Promise<{ commit: string; revision: string }> {
  if ("commit" in ref) return { commit: ref.commit, revision: `sha1:${ref.commit}` };
  const [name, refs] = "tag" in ref ? [ref.tag, [`refs/tags/${ref.tag}^{}`, `refs/tags/${ref.tag}`]] : [ref.branch, [`refs/heads/${ref.branch}`]];
  // The peeled `^{}` line is only listed when asked for by name (ls-remote matches patterns against whole ref names).
  const out = await git(["ls-remote", url, ...refs], options);
  const lines = out.split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string]);
  // An annotated tag's peeled line (`^{}`) names the commit; a lightweight tag names it directly.
  for (const want of refs) {
    const hit = lines.find(([, r]) => r === want);
    if (hit) return { commit: hit[0], revision: `${name}@sha1:${hit[0]}` };
  }
  throw artifactFailed(`${"tag" in ref ? `Tag '${name}'` : `Branch '${name}'`} not found in ${url.replace(/\/\/[^@/]*@/, "//")}: push it, or fix spec.git.ref.`);
}

/**
 * Fetches the commit `ref` names into `<cacheDir>/<revision>` (without `.git`).
 * @throws ControllerError `ArtifactFailed`
 */
export async function fetchGit(source: { readonly url: string; readonly ref: GitRef }, cacheDir: string, options: { readonly credentials?: GitCredentials; readonly signal?: AbortSignal } = {}): Promise<FetchedSource> {
  const { commit, revision } = await resolveGitRef(source.url, source.ref, options);
  const dir = join(cacheDir, dirName(revision));
  await once(dir, async (tmp) => {
    await git(["init", "--quiet", tmp], options);
    await git(["fetch", "--quiet", "--depth=1", source.url, commit], { ...options, cwd: tmp }).catch(async () => {
      // Hosts that refuse fetching a commit by id (uploadpack.allowReachableSHA1InWant off): fetch every branch and tag.
      await git(["fetch", "--quiet", source.url, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"], { ...options, cwd: tmp });
    });
    await git(["-c", "advice.detachedHead=false", "checkout", "--quiet", commit], { ...options, cwd: tmp });
    await rm(join(tmp, ".git"), { recursive: true, force: true });
  });
  return { revision, dir };
}

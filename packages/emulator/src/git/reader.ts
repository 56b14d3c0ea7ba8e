/**
 * Reading repositories without a checkout: what the emulated Flux controllers need (the commit a
 * branch points at, the files under a path at that commit).
 */
import { spawn } from "node:child_process";
import { GitHostError } from "./errors.js";
import { gitEnv, runGit } from "./exec.js";

/** One file of a commit. */
export interface GitFile {
  /** Path from the repository root, `/`-separated. */
  readonly path: string;
  /** Content decoded as UTF-8 (manifests are text). */
  readonly content: string;
}

const SHA = /^[0-9a-f]{40}$/;

/** The commit `refs/heads/<branch>` points at in a bare repository, or undefined when absent. */
export function resolveBranch(gitDir: string, branch: string): Promise<string | undefined> {
  return resolveFullRef(gitDir, "refs/heads/", branch);
}

/** The commit tag `refs/tags/<tag>` (lightweight or annotated) points at, or undefined. */
export function resolveTag(gitDir: string, tag: string): Promise<string | undefined> {
  return resolveFullRef(gitDir, "refs/tags/", tag);
}

async function resolveFullRef(gitDir: string, prefix: string, name: string): Promise<string | undefined> {
  // Refuse what is not a plain ref name, so nothing user-given reaches git as revision syntax.
  if (!/^[^\s~^:?*[\\]+$/.test(name) || name.startsWith("-") || name.includes("..")) return undefined;
  const { code, stdout } = await runGit(["rev-parse", "--verify", "--quiet", `${prefix}${name}^{commit}`], { gitDir, okCodes: [1, 128] });
  if (code !== 0) return undefined;
  const sha = stdout.toString("utf8").trim();
  return SHA.test(sha) ? sha : undefined;
}

/** A full ref name (`refs/heads/main`, `refs/tags/v1`, `refs/pull/1/head`) resolved to its commit, or undefined. */
export function resolveRefName(gitDir: string, refName: string): Promise<string | undefined> {
  if (!refName.startsWith("refs/")) return Promise.resolve(undefined);
  return resolveFullRef(gitDir, "", refName);
}

/** Whether a full commit id names a commit of the repository. */
export async function hasCommit(gitDir: string, sha: string): Promise<boolean> {
  if (!SHA.test(sha)) return false;
  const { code } = await runGit(["cat-file", "-e", `${sha}^{commit}`], { gitDir, okCodes: [1, 128] });
  return code === 0;
}

/** Every tag with the commit it points at (annotated tags peeled). */
export async function listTags(gitDir: string): Promise<{ name: string; commit: string }[]> {
  const { stdout } = await runGit(["for-each-ref", "--format=%(refname:strip=2) %(objectname) %(*objectname)", "refs/tags"], { gitDir });
  return stdout.toString("utf8").split("\n").filter(Boolean).map((line) => {
    const [name, object, peeled] = line.split(" ");
    return { name: name!, commit: peeled !== undefined && peeled !== "" ? peeled : object! };
  });
}

/** `./a/b/`, `/a/b`, `a/b` -> `a/b`; `.`, `./`, `` -> `` (the root). */
export function normalizeDirPath(dirPath: string): string {
  const parts = dirPath.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new GitHostError("InvalidRepositoryPath", `path "${dirPath}" leaves the repository; give a path inside it, like "./clusters/dev".`);
  }
  return parts.join("/");
}

/**
 * Every regular file under `dirPath` (recursively) at commit `sha`, sorted by path. Symlinks and
 * submodules are skipped: Flux would follow neither into a manifest.
 */
export async function readTreeFiles(gitDir: string, sha: string, dirPath: string): Promise<GitFile[]> {
  if (!SHA.test(sha)) throw new GitHostError("GitCommandFailed", `"${sha}" is not a full commit id; pass the 40-hex id resolveRef returned.`);
  const dir = normalizeDirPath(dirPath);
  const args = ["ls-tree", "-r", "-z", "--full-tree", sha];
  if (dir !== "") args.push("--", dir);
  const { stdout } = await runGit(args, { gitDir });
  const entries: { path: string; oid: string }[] = [];
  for (const rec of stdout.toString("utf8").split("\0")) {
    if (rec === "") continue;
    const tab = rec.indexOf("\t");
    const [mode, type, oid] = rec.slice(0, tab).split(" ");
    const path = rec.slice(tab + 1);
    if (type !== "blob" || mode === "120000" || oid === undefined) continue;
    // ls-tree's pathspec also matches a file named exactly like the directory; keep only what is under it.
    if (dir !== "" && !path.startsWith(dir + "/")) continue;
    entries.push({ path, oid });
  }
  const blobs = await catBlobs(gitDir, entries.map((e) => e.oid));
  return entries.map((e, i) => ({ path: e.path, content: blobs[i]!.toString("utf8") })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Read many blobs with one `git cat-file --batch`. */
function catBlobs(gitDir: string, oids: readonly string[]): Promise<Buffer[]> {
  if (oids.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["--git-dir", gitDir, "cat-file", "--batch"], { env: gitEnv(), stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new GitHostError("GitCommandFailed", `git cat-file --batch failed in ${gitDir} (exit ${code}): ${Buffer.concat(err).toString("utf8").trim()}`));
        return;
      }
      const all = Buffer.concat(out);
      const blobs: Buffer[] = [];
      let at = 0;
      for (const oid of oids) {
        const nl = all.indexOf(0x0a, at);
        const header = all.subarray(at, nl).toString("utf8");
        const size = Number.parseInt(header.split(" ")[2] ?? "", 10);
        if (!header.startsWith(oid) || !Number.isFinite(size)) {
          reject(new GitHostError("GitCommandFailed", `git cat-file --batch gave "${header}" for ${oid} in ${gitDir}; the repository may be corrupt.`));
          return;
        }
        blobs.push(all.subarray(nl + 1, nl + 1 + size));
        at = nl + 1 + size + 1;
      }
      resolve(blobs);
    });
    child.stdin.end(oids.join("\n") + "\n");
  });
}

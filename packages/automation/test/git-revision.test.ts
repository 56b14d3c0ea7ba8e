/**
 * The history entry's git commit, read from the repository's files without running git, and asked
 * of git whenever the files do not say it plainly. Each case is checked against git itself.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { gitRevision, readGitHead } from "../src/history.js";

/** Run git in `cwd` with a fixed identity and none of the user's configuration. */
function git(cwd: string, ...args: string[]): string {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
  return execFileSync("git", ["-c", "init.defaultBranch=main", ...args], { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

async function repo(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "iac-git-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const work = join(dir, "work");
  await mkdir(join(work, "sub"), { recursive: true });
  git(work, "init", "-q");
  await writeFile(join(work, "index.ts"), "export {};\n");
  git(work, "add", "index.ts");
  git(work, "commit", "-q", "-m", "one");
  return work;
}

const NO_GIT_ENV = {};

test("a branch's loose ref, from a subdirectory; dirty once a tracked file changes", async (t) => {
  const work = await repo(t);
  const head = git(work, "rev-parse", "HEAD");
  assert.equal(await readGitHead(join(work, "sub"), NO_GIT_ENV), head);
  assert.deepEqual(await gitRevision(join(work, "sub"), NO_GIT_ENV), { gitCommit: head, gitDirty: false });
  await writeFile(join(work, "index.ts"), "export const x = 1;\n");
  assert.deepEqual(await gitRevision(work, NO_GIT_ENV), { gitCommit: head, gitDirty: true });
});

test("packed refs and a detached HEAD", async (t) => {
  const work = await repo(t);
  await writeFile(join(work, "index.ts"), "export const two = 2;\n");
  git(work, "commit", "-q", "-am", "two");
  git(work, "pack-refs", "--all", "--prune");
  assert.equal(await readGitHead(work, NO_GIT_ENV), git(work, "rev-parse", "HEAD"));
  git(work, "checkout", "-q", "--detach", "HEAD~1");
  const detached = git(work, "rev-parse", "HEAD");
  assert.equal(await readGitHead(work, NO_GIT_ENV), detached);
  assert.notEqual(detached, git(work, "rev-parse", "main"));
});

test("a linked worktree (a .git file, refs in the common directory) and a .git file with a relative gitdir", async (t) => {
  const work = await repo(t);
  const linked = join(work, "..", "linked");
  git(work, "worktree", "add", "-q", "-b", "feature", linked);
  await writeFile(join(linked, "index.ts"), "export const f = 1;\n");
  git(linked, "commit", "-q", "-am", "feature");
  const feature = git(linked, "rev-parse", "HEAD");
  assert.notEqual(feature, git(work, "rev-parse", "HEAD"));
  assert.equal(await readGitHead(linked, NO_GIT_ENV), feature);
  assert.equal(await readGitHead(work, NO_GIT_ENV), git(work, "rev-parse", "HEAD"));

  await rename(join(work, ".git"), join(work, "..", "moved.git"));
  await writeFile(join(work, ".git"), "gitdir: ../moved.git\n");
  assert.equal(await readGitHead(work, NO_GIT_ENV), git(work, "rev-parse", "HEAD"));
});

test("unsure (an unborn branch, git pointed elsewhere by the environment): git is asked", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "iac-git-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  git(dir, "init", "-q");
  assert.equal(await readGitHead(dir, NO_GIT_ENV), undefined, "no commit yet: the files cannot tell an unborn branch from another ref store");
  assert.deepEqual(await gitRevision(dir, NO_GIT_ENV), {}, "git says there is no commit");

  const work = await repo(t);
  assert.equal(await readGitHead(work, { GIT_DIR: join(dir, ".git") }), undefined);
  assert.equal(await readGitHead(work, { GIT_CEILING_DIRECTORIES: dir, GIT_SSL_CAINFO: "/x" }), undefined);
});

test("git's TLS, prompt or identity settings in the environment do not make the files unsure", async (t) => {
  const work = await repo(t);
  const env = { GIT_SSL_CAINFO: "/etc/ssl/certs/ca-certificates.crt", GIT_TERMINAL_PROMPT: "0", GIT_AUTHOR_NAME: "a", GIT_TRACE: "0" };
  assert.equal(await readGitHead(work, env), git(work, "rev-parse", "HEAD"));
});

test("outside any repository: none, as git says", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "iac-nogit-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let gitFindsOne = true;
  try {
    git(dir, "rev-parse", "--git-dir");
  } catch {
    gitFindsOne = false;
  }
  if (gitFindsOne) return t.skip("the temp directory lies inside a git repository here");
  assert.equal(await readGitHead(dir, NO_GIT_ENV), "none");
  assert.deepEqual(await gitRevision(dir, NO_GIT_ENV), {});
});

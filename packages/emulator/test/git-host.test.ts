import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { startLocalCloud, type LocalCloud } from "../src/server.js";
import { createGitService, type GitService } from "../src/git/index.js";

const exec = promisify(execFile);

/** The real git CLI, isolated from the machine's config and never prompting. */
function git(home: string, cwd: string, ...args: string[]) {
  return exec("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], {
    cwd,
    env: { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", SSH_ASKPASS: "" },
  });
}

describe("the local git host", () => {
  let dir: string;
  let cloud: LocalCloud;
  let base: string;
  let authed: (repo: string) => string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-git-"));
    cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { git: createGitService } });
    base = cloud.endpoints.git;
    authed = (repo) => base.replace("http://", "http://alice:s3cret@") + `/${repo}.git`;
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("clones an empty repository it creates on first access, then takes a push and serves it to a new clone", async () => {
    await git(dir, dir, "clone", "--quiet", authed("team/app"), "a");
    const a = join(dir, "a");
    await mkdir(join(a, "deploy"), { recursive: true });
    await writeFile(join(a, "deploy", "cm.yaml"), "kind: ConfigMap\n");
    await git(dir, a, "add", ".");
    await git(dir, a, "commit", "--quiet", "-m", "first");
    await git(dir, a, "push", "--quiet", "origin", "main");

    await git(dir, dir, "clone", "--quiet", authed("team/app"), "b");
    assert.equal(await readFile(join(dir, "b", "deploy", "cm.yaml"), "utf8"), "kind: ConfigMap\n");
    const gitService = cloud.service<GitService>("git")!;
    assert.deepEqual(await gitService.listRepos(), ["team/app.git"]);
  });

  it("serves fetches of later pushes and records who pushed", async () => {
    const a = join(dir, "a");
    await writeFile(join(a, "second.txt"), "two\n");
    await git(dir, a, "add", ".");
    await git(dir, a, "commit", "--quiet", "-m", "second");
    const pushed: string[] = [];
    const gitService = cloud.service<GitService>("git")!;
    const stop = gitService.onPush((repo) => pushed.push(repo));
    await git(dir, a, "push", "--quiet", "origin", "main");
    stop();
    assert.deepEqual(pushed, ["team/app.git"]);

    const b = join(dir, "b");
    await git(dir, b, "fetch", "--quiet", "origin");
    const { stdout: remote } = await git(dir, b, "rev-parse", "origin/main");
    const { stdout: local } = await git(dir, a, "rev-parse", "HEAD");
    assert.equal(remote.trim(), local.trim());
    assert.ok(gitService.accesses().some((x) => x.user === "alice" && x.service === "receive-pack" && x.repo === "team/app.git"));
  });

  it("takes a chunked push and a clone whose negotiation git sends gzip-compressed", async () => {
    const a = join(dir, "a");
    // Many refs make the fetch negotiation body exceed git's gzip threshold; many files make a big pack.
    for (let i = 0; i < 40; i++) await writeFile(join(a, `f${i}.txt`), `${i}\n`.repeat(2000) + Math.random());
    await git(dir, a, "add", ".");
    await git(dir, a, "commit", "--quiet", "-m", "bulk");
    for (let i = 0; i < 300; i++) await git(dir, a, "update-ref", `refs/tags/t${i}`, "HEAD~1");
    // A tiny post buffer makes git stream the pack with chunked transfer encoding.
    await git(dir, a, "-c", "http.postBuffer=1024", "push", "--quiet", "--tags", "origin", "main");
    await git(dir, dir, "clone", "--quiet", authed("team/app"), "c");
    const c = join(dir, "c");
    assert.equal((await readFile(join(c, "f7.txt"), "utf8")).split("\n")[0], "7");
    const { stdout } = await git(dir, c, "tag", "--list");
    assert.equal(stdout.trim().split("\n").length, 300);
  });

  it("resolves branches and reads a directory's files at a commit", async () => {
    const gitService = cloud.service<GitService>("git")!;
    const { stdout } = await git(dir, join(dir, "a"), "rev-parse", "HEAD");
    const sha = await gitService.resolveRef("team/app", "main");
    assert.equal(sha, stdout.trim());
    assert.equal(await gitService.resolveRef("team/app", "nope"), undefined);
    assert.equal(await gitService.resolveRef("team/missing", "main"), undefined);
    const files = await gitService.readFiles("team/app.git", sha!, "./deploy/");
    assert.deepEqual(files, [{ path: "deploy/cm.yaml", content: "kind: ConfigMap\n" }]);
  });

  it("maps clone URLs of this host to repositories and others to nothing", () => {
    const gitService = cloud.service<GitService>("git")!;
    const port = new URL(base).port;
    assert.equal(gitService.repoPathOfUrl(`${base}/team/app.git`), "team/app.git");
    assert.equal(gitService.repoPathOfUrl(`http://u:p@localhost:${port}/team/app`), "team/app.git");
    assert.equal(gitService.repoPathOfUrl("https://github.com/team/app.git"), undefined);
  });

  it("refuses a request without credentials with a Basic challenge", async () => {
    const res = await fetch(`${base}/team/app.git/info/refs?service=git-upload-pack`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), 'Basic realm="iac local git"');
    await assert.rejects(git(dir, dir, "clone", "--quiet", `${base}/team/app.git`, "anon"), /Authentication failed|could not read Username/);
  });

  it("refuses a password that is empty", async () => {
    const res = await fetch(`${base}/team/app.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Basic ${Buffer.from("bob:").toString("base64")}` } });
    assert.equal(res.status, 401);
  });
});

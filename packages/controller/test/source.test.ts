/**
 * Sources: a Flux artifact is downloaded over HTTP, verified against its digest before it is
 * unpacked, and refused when it does not match; a git repository is fetched at a branch, a tag or
 * a commit, with Flux's revision strings.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { ControllerError, fetchArtifact, fetchGit } from "../src/index.js";

const exec = promisify(execFile);
let dir: string;
let repo: string;
let commits: string[] = [];
let tarball: Buffer;
let server: Server;
let base: string;

async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1" };
  return (await exec("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, env })).stdout.trim();
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "iac-controller-source-"));
  repo = join(dir, "repo");
  await mkdir(join(repo, "app"), { recursive: true });
  await git(repo, "init", "--quiet");
  await writeFile(join(repo, "app", "iac.yaml"), "name: app\n");
  await git(repo, "add", "-A");
  await git(repo, "commit", "--quiet", "-m", "one");
  commits.push(await git(repo, "rev-parse", "HEAD"));
  await git(repo, "tag", "-a", "v1", "-m", "v1");
  await writeFile(join(repo, "app", "index.ts"), "export const x = 2;\n");
  await git(repo, "add", "-A");
  await git(repo, "commit", "--quiet", "-m", "two");
  commits.push(await git(repo, "rev-parse", "HEAD"));
  // The artifact, as source-controller serves one: a gzipped tarball of the tree.
  tarball = (await exec("git", ["archive", "--format=tar.gz", "HEAD"], { cwd: repo, encoding: "buffer", maxBuffer: 1 << 24 })).stdout as unknown as Buffer;
  server = createServer((req, res) => {
    if (req.url === "/gitrepository/default/infra/latest.tar.gz") {
      res.writeHead(200, { "content-type": "application/gzip" });
      res.end(tarball);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((r) => server?.close(r));
  await rm(dir, { recursive: true, force: true });
});

const digest = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("a Flux artifact", () => {
  test("is downloaded, verified and unpacked", async () => {
    const fetched = await fetchArtifact({ url: `${base}/gitrepository/default/infra/latest.tar.gz`, revision: `main@sha1:${commits[1]}`, digest: digest(tarball) }, join(dir, "cache-a"));
    assert.equal(fetched.revision, `main@sha1:${commits[1]}`);
    assert.equal(await readFile(join(fetched.dir, "app", "index.ts"), "utf8"), "export const x = 2;\n");
    const again = await fetchArtifact({ url: `${base}/gitrepository/default/infra/latest.tar.gz`, revision: `main@sha1:${commits[1]}`, digest: digest(tarball) }, join(dir, "cache-a"));
    assert.equal(again.dir, fetched.dir, "a revision already unpacked is reused");
  });

  test("whose digest does not match is refused, and nothing is unpacked", async () => {
    const wrong = `sha256:${"0".repeat(64)}`;
    await assert.rejects(fetchArtifact({ url: `${base}/gitrepository/default/infra/latest.tar.gz`, revision: "main@sha1:x", digest: wrong }, join(dir, "cache-b")), (e: unknown) => {
      assert.ok(e instanceof ControllerError);
      assert.equal(e.code, "ArtifactFailed");
      assert.match(e.message, /has digest sha256:[0-9a-f]{64}, not the sha256:0{64} its source recorded: refused/);
      return true;
    });
    assert.deepEqual(await readdir(join(dir, "cache-b")), [], "no directory and no download left behind");
  });

  test("without a digest, or gone from the server, is an ArtifactFailed error", async () => {
    await assert.rejects(fetchArtifact({ url: `${base}/x.tar.gz`, revision: "r" }, join(dir, "cache-c")), /has no digest/);
    await assert.rejects(fetchArtifact({ url: `${base}/gone.tar.gz`, revision: "r", digest: digest(tarball) }, join(dir, "cache-c")), /GET .*gone\.tar\.gz: 404/);
  });
});

describe("a git repository", () => {
  test("a branch gives <branch>@sha1:<commit> and its files, without .git", async () => {
    const fetched = await fetchGit({ url: repo, ref: { branch: "main" } }, join(dir, "git-a"));
    assert.equal(fetched.revision, `main@sha1:${commits[1]}`);
    assert.deepEqual((await readdir(fetched.dir)).sort(), ["app"]);
    assert.equal(await readFile(join(fetched.dir, "app", "index.ts"), "utf8"), "export const x = 2;\n");
  });

  test("an annotated tag resolves to its commit; a commit gives sha1:<commit>", async () => {
    const tag = await fetchGit({ url: repo, ref: { tag: "v1" } }, join(dir, "git-b"));
    assert.equal(tag.revision, `v1@sha1:${commits[0]}`);
    assert.deepEqual(await readdir(join(tag.dir, "app")), ["iac.yaml"]);
    const commit = await fetchGit({ url: repo, ref: { commit: commits[0]! } }, join(dir, "git-c"));
    assert.equal(commit.revision, `sha1:${commits[0]}`);
    assert.deepEqual(await readdir(join(commit.dir, "app")), ["iac.yaml"]);
  });

  test("a missing branch is an ArtifactFailed error naming it", async () => {
    await assert.rejects(fetchGit({ url: repo, ref: { branch: "nope" } }, join(dir, "git-d")), (e: unknown) => {
      assert.ok(e instanceof ControllerError);
      assert.equal(e.code, "ArtifactFailed");
      assert.match(e.message, /Branch 'nope' not found/);
      return true;
    });
  });
});

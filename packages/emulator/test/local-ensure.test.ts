import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createGitService, type GitService } from "../src/git/index.js";
import { ensureLocalCloud, localDataDir, probeLocalCloud, serveLocalCloud, type ServerInfo } from "../src/local.js";

// The git host alone keeps these tests fast; the full set of services is covered by the controllers tests.
const services = { git: createGitService };

describe("finding or starting a project's local cloud", () => {
  const dirs: string[] = [];
  const project = async () => {
    const d = await mkdtemp(join(tmpdir(), "iac-local-"));
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("starts one in this process when none runs, writing endpoints.json and server.json under .iac/local", async () => {
    const dir = await project();
    const handle = await ensureLocalCloud(dir, { services });
    try {
      assert.equal(handle.inProcess, true);
      assert.equal(handle.endpointsFile, join(localDataDir(dir), "endpoints.json"));
      assert.deepEqual(JSON.parse(readFileSync(handle.endpointsFile, "utf8")), handle.endpoints);
      const info = JSON.parse(readFileSync(join(localDataDir(dir), "server.json"), "utf8")) as ServerInfo;
      assert.equal(info.pid, process.pid);
      assert.equal(await probeLocalCloud(handle.endpoints), true);
    } finally {
      await handle.close();
    }
    assert.equal(await probeLocalCloud(handle.endpoints), false, "close() stops the in-process cloud");
    assert.equal(existsSync(join(localDataDir(dir), "server.json")), false, "close() removes server.json");
  });

  it("reuses a running local cloud and leaves it running on close", async () => {
    const dir = await project();
    const server = await serveLocalCloud({ projectDir: dir, services });
    try {
      const handle = await ensureLocalCloud(dir, { services });
      assert.equal(handle.inProcess, false);
      assert.deepEqual(handle.endpoints, server.endpoints);
      await handle.close();
      assert.equal(await probeLocalCloud(server.endpoints), true, "the server still answers");
    } finally {
      await server.close();
    }
  });

  it("starts a new one when endpoints.json names a server that is gone, on the same data and ports", async () => {
    const dir = await project();
    const probe = await serveLocalCloud({ projectDir: await project(), services, port: 0 });
    const free = Number(new URL(probe.endpoints.git).port);
    await probe.close();
    const first = await serveLocalCloud({ projectDir: dir, services, port: free - 2 });
    await first.service<GitService>("git")!.ensureRepo("org/kept");
    await first.close();

    const handle = await ensureLocalCloud(dir, { services, probeTimeoutMs: 500 });
    try {
      assert.equal(handle.inProcess, true);
      // The previous run's ports are taken again, so URLs stored in objects (GitRepository.spec.url) stay valid.
      assert.equal(handle.endpoints.git, first.endpoints.git);
      const res = await fetch(`${handle.endpoints.git}/org/kept.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Basic ${Buffer.from("u:p").toString("base64")}` } });
      assert.equal(res.status, 200);
    } finally {
      await handle.close();
    }
  });

});

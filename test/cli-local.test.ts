/**
 * `--local` and `iac local serve`: the CLI points the providers at the local cloud through
 * IAC_LOCAL_ENDPOINTS, starting a cloud in-process or using the one `iac local serve` runs.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { TestProject, finish, show, waitFor } from "./cli-fixture.js";

// The program reports what a provider would see, which is all the CLI is responsible for.
const program = `
import { RandomString } from "@iac/sdk/random";
export const endpoints = process.env.IAC_LOCAL_ENDPOINTS ?? "unset";
export const id = new RandomString("id", { length: 4, special: false }).result;
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
});
after(async () => {
  await project.remove();
});

test("up --local starts the local cloud in-process and sets IAC_LOCAL_ENDPOINTS for the run", async () => {
  const r = await project.run(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stderr, /Started the local cloud in this process/);
  const outputs = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, string>;
  assert.equal(outputs.endpoints, join(project.dir, ".iac", "local", "endpoints.json"));
  assert.ok(await project.exists(join(".iac", "local", "endpoints.json")));
});

test("local serve prints the endpoints, commands with --local use it, and Ctrl-C stops it", async () => {
  const server = project.spawn(["local", "serve", "--port", "0"]);
  const done = finish(server);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));

  const r = await project.run(["preview", "--local", "--expect-no-changes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stderr, /Using the running local cloud/);

  server.kill("SIGINT");
  const s = await done;
  assert.equal(s.code, 0, show(s));
  assert.match(s.stdout, /"arm": "https:\/\/127\.0\.0\.1:\d+/);
  assert.match(s.stderr, /Local cloud stopped/);
});

test("local serve needs no project: in a plain directory it serves from ./.iac/local", async () => {
  const dir = await TestProject.create({ files: { "index.ts": program } });
  try {
    await rm(join(dir.dir, "iac.yaml"));
    const server = dir.spawn(["local", "serve", "--port", "0"]);
    const done = finish(server);
    let stderr = "";
    server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
    await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));
    assert.ok(await dir.exists(join(".iac", "local", "endpoints.json")));
    assert.ok(await dir.exists(join(".iac", "local", "kubeconfig")));
    server.kill("SIGINT");
    const s = await done;
    assert.equal(s.code, 0, show(s));
    assert.match(s.stdout, /"kubernetes": "https:\/\/127\.0\.0\.1:\d+/);
  } finally {
    await dir.remove();
  }
});

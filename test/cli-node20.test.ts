/**
 * Under Node older than 22, `iac` re-runs itself under Node 24 from the npm registry and says so
 * once per machine (a marker in iac's config directory), not on every command (issue 12). The
 * registry is not called here: `npx` is a stand-in on PATH that records its arguments.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IAC } from "./cli-fixture.js";

/** A node older than 22 on this machine (the system's), if there is one. */
const OLD_NODE = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => {
  if (!existsSync(p)) return false;
  const v = spawnSync(p, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
  return Number(v.split(".")[0]) < 22;
});

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "iac-node20-"));
  await writeFile(join(dir, "npx"), `#!/bin/sh\necho "$@" >> "${join(dir, "npx-calls")}"\nexit 0\n`);
  await chmod(join(dir, "npx"), 0o755);
});
after(() => rm(dir, { recursive: true, force: true }));

test("under an old node, the Node 24 notice is printed on the first command only", { skip: OLD_NODE === undefined ? "no node older than 22 on this machine" : false }, async () => {
  const run = () =>
    spawnSync(OLD_NODE!, [IAC, "stack", "ls"], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, IAC_HOME: join(dir, "home"), NODE_OPTIONS: "" },
    });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /iac needs Node\.js >= 22 \(this is v\d+.*\); it runs itself under Node 24 from the npm registry/);
  const second = run();
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stderr, "", "said once");
  const calls = (await readFile(join(dir, "npx-calls"), "utf8")).trim().split("\n");
  assert.equal(calls.length, 2, "both commands ran under the Node 24 package");
  assert.match(calls[0]!, /^-y -p node-[a-z0-9]+-[a-z0-9]+@24 -- node .*iac\.js stack ls$/);
});

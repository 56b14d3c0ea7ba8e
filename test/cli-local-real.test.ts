/**
 * `iac local serve --kubernetes=real` (docs/real-cluster.md): what it refuses before starting
 * anything. (That it serves the real cluster is shown by `npm run test:conformance`, which needs Go
 * and a long first build.)
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TestProject, show } from "./cli-fixture.js";

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": "export const x = 1;\n" } });
});
after(async () => {
  await project.remove();
});

test("an unknown --kubernetes value is a usage error naming the choices", async () => {
  const r = await project.run(["local", "serve", "--kubernetes", "kind"]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /emulated/);
  assert.match(r.stderr, /real/);
});

test("--kubernetes=real without Go says that Go builds it, and starts nothing", async () => {
  const r = await project.run(["local", "serve", "--port", "0", "--kubernetes", "real"], { env: { PATH: "/nonexistent" } });
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /built from source with Go/);
  assert.match(r.stderr, /`go` was not found on PATH/);
  assert.equal(existsSync(join(project.dir, ".iac", "local", "server.json")), false, "no server was left recorded");
});

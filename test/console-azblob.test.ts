/**
 * `iac console --backend azblob://… --project <name>` outside any project, on Azurite: a team's
 * shared backend read through the same Backend API, no passphrase needed (secrets stay masked).
 * Skipped when Azurite cannot start.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestProject, show, startAzurite, type Azurite } from "./cli-fixture.js";
import { get, program, SECRET, startConsole } from "./console-fixture.js";

let project: TestProject;
let azurite: Azurite | undefined;
let skip = "";
let elsewhere: string;

before(async () => {
  project = await TestProject.create({ name: "teamapp", files: { "index.ts": program("two") } });
  elsewhere = await mkdtemp(join(tmpdir(), "iac-console-"));
  const started = await startAzurite();
  if ("skip" in started) skip = started.skip;
  else azurite = started.azurite;
});
after(async () => {
  await azurite?.stop();
  await project.remove();
  await rm(elsewhere, { recursive: true, force: true });
});

test("azblob:// (on Azurite): the console lists the stack, its updates and their diffs, secrets masked, outside the project", async (t) => {
  if (azurite === undefined) return t.skip(`Azurite is not available: ${skip || "it did not start"}`);
  const url = "azblob://iacstate/console-test";
  const env = { ...azurite.env, IAC_BACKEND_URL: url };
  for (const v of ["two", "three"]) {
    await project.write({ "index.ts": program(v) });
    const up = await project.run(["up", "--yes"], { env });
    assert.equal(up.code, 0, show(up));
  }
  // Without --project outside a project: told what to pass.
  const refused = await project.run(["console", "--no-open", "-C", elsewhere, "--backend", url], { env: azurite.env });
  assert.equal(refused.code, 2, show(refused));
  assert.match(refused.stderr, /--project/);

  const c = await startConsole(project, ["-C", elsewhere, "--backend", url, "--project", "teamapp"], { ...azurite.env });
  try {
    assert.match(c.output(), /azblob:\/\/iacstate\/console-test/);
    const auth = { Authorization: `Bearer ${c.token}` };
    const stacks = JSON.parse((await get(`${c.url}api/stacks`, auth)).body) as { name: string; resourceCount: number; outputs: Record<string, unknown> }[];
    assert.deepEqual(stacks.map((s) => [s.name, s.resourceCount]), [["dev", 4]]);
    assert.equal(stacks[0].outputs.password, "[secret]");
    const updates = JSON.parse((await get(`${c.url}api/stacks/dev/updates`, auth)).body) as { id: string; counts: Record<string, number> }[];
    assert.equal(updates.length, 2);
    const latest = await get(`${c.url}api/stacks/dev/updates/${encodeURIComponent(updates[0].id)}`, auth);
    const change = (JSON.parse(latest.body) as { changes: { name: string; olds: Record<string, unknown>; news: Record<string, unknown> }[] }).changes[0];
    assert.equal(change.name, "other");
    assert.deepEqual([change.olds.value, change.news.value], ["two", "three"]);
    for (const path of ["api/stacks", "api/stacks/dev/resources", "api/stacks/dev/graph"]) {
      const r = await get(`${c.url}${path}`, auth);
      assert.equal(r.status, 200, path);
      assert.ok(!r.body.includes(SECRET), path);
    }
  } finally {
    await c.stop();
  }
});

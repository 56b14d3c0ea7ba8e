/**
 * Three `iac up` started at once on a project that has no stack, no salt and no key yet (the
 * first-run race of issue 8): one takes the lock and runs, the others are refused as locked (or
 * run after it); none fails otherwise, and afterwards every secret reads back with the passphrase.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { TestProject, finish, show } from "./cli-fixture.js";

const PROGRAM = `
import * as iac from "@iac/sdk";
import { RandomPassword } from "@iac/sdk/random";
const config = new iac.Config();
export const password = new RandomPassword("pw", { length: 16 }).result;
export const token = config.getSecret("token");
`;

test("three first runs at once with a passphrase: none fails but for the lock, and every secret reads back", { timeout: 120_000 }, async (t) => {
  const project = await TestProject.create({ files: { "index.ts": PROGRAM } });
  t.after(() => project.remove());
  const env = { IAC_CONFIG_PASSPHRASE: "correct horse battery" };
  const runs = await Promise.all([0, 1, 2].map(() => finish(project.spawn(["up", "--yes"], { env }))));
  for (const r of runs) {
    if (r.code === 0) continue;
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /is locked by/, `the only failure allowed is the lock\n${show(r)}`);
  }
  assert.ok(runs.some((r) => r.code === 0), runs.map(show).join("\n"));

  const set = await project.run(["config", "set", "--secret", "token"], { env, input: "s3cr3t" });
  assert.equal(set.code, 0, show(set));
  const up = await project.run(["up", "--yes"], { env });
  assert.equal(up.code, 0, show(up));
  const out = await project.run(["stack", "output", "--json", "--show-secrets"], { env });
  assert.equal(out.code, 0, show(out));
  const outputs = JSON.parse(out.stdout) as { password: string; token: string };
  assert.equal(outputs.token, "s3cr3t");
  assert.equal(outputs.password.length, 16);
  const ls = await project.run(["state", "ls"], { env });
  assert.equal(ls.code, 0, show(ls));
  assert.doesNotMatch(ls.stderr, /wrong passphrase/i);
});

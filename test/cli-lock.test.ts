/**
 * One writer per stack: a second `up` while one runs is refused, naming the holder; `iac cancel`
 * breaks a lock left by a process that is gone.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { TestProject, finish, show, waitFor } from "./cli-fixture.js";

// The program waits for a file to appear before declaring its resource, so the first `up` holds
// the lock for as long as the test wants.
const program = `
import { existsSync } from "node:fs";
import { Thing } from "./thing.js";
while (!existsSync(new URL("./go", import.meta.url))) await new Promise((r) => setTimeout(r, 50));
export const value = new Thing("thing", { value: "v" }).value;
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
  // Create the stack first, so both runs below find it and race only for the lock.
  const init = await project.run(["stack", "init", "dev"]);
  assert.equal(init.code, 0, show(init));
});
after(async () => {
  await project.remove();
});

test("a second up while one holds the lock is refused with exit 1 and names the holder", async () => {
  const first = project.spawn(["up", "--yes"]);
  const firstDone = finish(first);
  await waitFor("the first up to take the lock", () => project.exists(join(".iac", "stacks", "dev", "lock.json")));

  const second = await project.run(["up", "--yes"]);
  assert.equal(second.code, 1, show(second));
  assert.match(second.stderr, /locked/i);
  assert.match(second.stderr, new RegExp(`pid ${first.pid}`));
  assert.match(second.stderr, /iac up/);
  assert.match(second.stderr, /iac cancel/);
  assert.doesNotMatch(second.stderr, /internal error/);

  await project.write({ go: "" });
  const r = await firstDone;
  assert.equal(r.code, 0, show(r));
  assert.equal((await project.cloud()).length, 1);
  assert.equal(await project.exists(join(".iac", "stacks", "dev", "lock.json")), false, "the lock is released");
});

test("iac cancel breaks a lock whose holder was killed", async () => {
  await project.write({ "index.ts": program.replace('"v"', '"w"') });
  await project.write({ go: "" });
  const { rm } = await import("node:fs/promises");
  await rm(join(project.dir, "go"));
  const holder = project.spawn(["up", "--yes"]);
  const holderDone = finish(holder);
  await waitFor("the up to take the lock", () => project.exists(join(".iac", "stacks", "dev", "lock.json")));
  holder.kill("SIGKILL");
  await holderDone;

  const refused = await project.run(["up", "--yes"]);
  assert.equal(refused.code, 1, show(refused));
  assert.match(refused.stderr, new RegExp(`pid ${holder.pid}`));

  const noTty = await project.run(["cancel"]);
  assert.equal(noTty.code, 2, show(noTty));
  const cancel = await project.run(["cancel", "--yes"]);
  assert.equal(cancel.code, 0, show(cancel));
  assert.match(cancel.stderr, new RegExp(`pid ${holder.pid}`));

  await project.write({ go: "" });
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 0, show(r));
  const cloud = await project.cloud();
  assert.equal(cloud.length, 1);
  assert.equal(cloud[0].inputs.value, "w");
});

test("iac cancel does not break the lock of a run that is still going unless --force, which says what can happen", async () => {
  const { rm } = await import("node:fs/promises");
  await rm(join(project.dir, "go"), { force: true });
  await project.write({ "index.ts": program.replace('"v"', '"x"') });
  const holder = project.spawn(["up", "--yes"]);
  const holderDone = finish(holder);
  await waitFor("the up to take the lock", () => project.exists(join(".iac", "stacks", "dev", "lock.json")));

  const refused = await project.run(["cancel", "--yes"]);
  assert.equal(refused.code, 1, show(refused));
  assert.match(refused.stderr, new RegExp(`pid ${holder.pid}`));
  assert.match(refused.stderr, /still running/);
  assert.match(refused.stderr, /was not broken/);
  assert.match(refused.stderr, /iac cancel --force/);
  assert.doesNotMatch(refused.stderr, /internal error/);
  assert.equal(await project.exists(join(".iac", "stacks", "dev", "lock.json")), true, "the live holder keeps its lock");

  const forced = await project.run(["cancel", "--force", "--yes"]);
  assert.equal(forced.code, 0, show(forced));
  assert.match(forced.stderr, /warning: .*still running.*two runs can then change the stack at once/s);
  assert.match(forced.stderr, /Broke the lock/);

  // The run whose lock was broken notices (it checks every 2 s) and stops instead of going on
  // beside another: its program goes on, but no cloud call is made.
  await new Promise((r) => setTimeout(r, 2_500));
  await project.write({ go: "" });
  const r = await holderDone;
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /lock of stack "dev" .*was broken while this run held it/s);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.equal((await project.cloud())[0].inputs.value, "w", "the run whose lock was broken changed nothing");
  const again = await project.run(["up", "--yes"]);
  assert.equal(again.code, 0, show(again));
});

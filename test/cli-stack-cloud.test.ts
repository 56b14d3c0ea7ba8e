/**
 * A stack remembers the cloud it lives on (issue 12): after `up --local`, a run without --local is
 * refused with the fix, and after `up` against the real cloud, a run with --local is; a stack with
 * no resources left may move.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { TestProject, show } from "./cli-fixture.js";

const PROGRAM = `
import { Thing } from "./thing.js";
new Thing("thing", { value: "one" });
`;

let project: TestProject;
before(async () => {
  project = await TestProject.create({ files: { "index.ts": PROGRAM } });
});
after(async () => {
  await project.remove();
});

test("a stack deployed with --local refuses a run without --local, naming the fix", async () => {
  const up = await project.run(["up", "--yes", "--local"]);
  assert.equal(up.code, 0, show(up));
  for (const args of [["preview"], ["up", "--yes"], ["destroy", "--yes"], ["refresh", "--yes"]]) {
    const r = await project.run(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${show(r)}`);
    assert.match(r.stderr, new RegExp(`Stack dev lives on the local cloud .*Run \`iac ${args[0]} --local\``));
  }
  assert.equal((await project.cloud()).length, 1, "nothing was deleted");
  const preview = await project.run(["preview", "--local"]);
  assert.equal(preview.code, 0, show(preview));
});

test("once its resources are destroyed, the stack may move to the other cloud, and then remembers that one", async () => {
  const destroy = await project.run(["destroy", "--yes", "--local"]);
  assert.equal(destroy.code, 0, show(destroy));
  const up = await project.run(["up", "--yes"]);
  assert.equal(up.code, 0, show(up));
  const local = await project.run(["preview", "--local"]);
  assert.equal(local.code, 2, show(local));
  assert.match(local.stderr, /Stack dev lives on the real cloud .*without --local/);
  const destroyAgain = await project.run(["destroy", "--yes"]);
  assert.equal(destroyAgain.code, 0, show(destroyAgain));
});

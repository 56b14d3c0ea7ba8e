/**
 * `iac import <type> <name> <id>`: reads an object the stack does not manage through its provider
 * and prints the declaration to add to the program; the next `iac up` adopts the object (an
 * import step) without creating or changing anything.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { TestProject, show } from "./cli-fixture.js";

const THING = "test:index:Thing";
const MODULE = ["--module", "./thing-provider.js"];

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": `export const empty = true;\n` } });
  // An object made outside iac, in the test provider's "cloud".
  await project.write({ "cloud/thing-byhand.json": JSON.stringify({ urn: "made by hand", inputs: { value: "adopted", size: 3, tags: { team: "web" } } }) });
});
after(async () => {
  await project.remove();
});

test("import prints a declaration with the inputs read from the cloud, and the next up adopts the object unchanged", async () => {
  const r = await project.run(["import", THING, "web-server", "thing-byhand", ...MODULE]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^import \{ Thing \} from "\.\/thing-provider\.js";$/m);
  assert.match(r.stdout, /const webServer = new Thing\("web-server", \{/);
  assert.match(r.stdout, /^ {2}value: "adopted",$/m);
  assert.match(r.stdout, /^ {2}size: 3,$/m);
  assert.match(r.stdout, /\}, \{ import: "thing-byhand" \}\);/);
  assert.match(r.stderr, /then run `iac up`/);
  // Nothing changed yet: no state entry, the object as it was.
  const before = await project.run(["state", "ls", "--json"]);
  assert.deepEqual((JSON.parse(before.stdout) as unknown[]).length, 0, show(before));

  // The printed code is the program (the fixture's class lives in thing.js, its provider in thing-provider.js).
  const code = r.stdout.replace("./thing-provider.js", "./thing.js");
  await project.write({ "index.ts": `${code}\nexport const value = webServer.value;\n` });
  const up = await project.run(["up", "--yes"]);
  assert.equal(up.code, 0, show(up));
  assert.match(up.stdout, /import/);
  const ls = await project.run(["state", "ls", "--json"]);
  const things = (JSON.parse(ls.stdout) as { urn: string; id?: string }[]).filter((x) => x.urn.includes(THING));
  assert.equal(things.length, 1, show(ls));
  assert.equal(things[0].id, "thing-byhand");
  assert.match(things[0].urn, /::web-server$/);
  const cloud = await project.cloud();
  assert.equal(cloud.length, 1, "nothing was created");
  assert.equal(cloud[0].urn, "made by hand", "nothing was updated");
  const out = await project.run(["stack", "output", "value"]);
  assert.equal(out.stdout.trim(), "adopted", show(out));
  const again = await project.run(["preview", "--expect-no-changes"]);
  assert.equal(again.code, 0, show(again));
});

test("import refuses a name or an object the stack already manages", async () => {
  const sameName = await project.run(["import", THING, "web-server", "thing-other", ...MODULE]);
  assert.equal(sameName.code, 1, show(sameName));
  assert.match(sameName.stderr, /already in the state/);
  const sameId = await project.run(["import", THING, "another", "thing-byhand", ...MODULE]);
  assert.equal(sameId.code, 1, show(sameId));
  assert.match(sameId.stderr, /already managed by stack dev as .*::web-server/);
});

test("import of an id the cloud does not hold fails with a message naming the id", async () => {
  const r = await project.run(["import", THING, "ghost", "thing-missing", ...MODULE]);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /No test:index:Thing with id thing-missing exists/);
  assert.doesNotMatch(r.stderr, /internal error/);
});

test("import of a type whose provider module is unknown asks for --module (exit 2)", async () => {
  const r = await project.run(["import", THING, "x", "thing-byhand"]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /--module/);
});

test("import --json prints the type, the URN and the code", async () => {
  await project.write({ "cloud/thing-json.json": JSON.stringify({ urn: "by hand", inputs: { value: "j" } }) });
  const r = await project.run(["import", THING, "j", "thing-json", ...MODULE, "--json"]);
  assert.equal(r.code, 0, show(r));
  const parsed = JSON.parse(r.stdout) as { type: string; urn: string; module: string; code: string };
  assert.equal(parsed.type, THING);
  assert.equal(parsed.module, "./thing-provider.js");
  assert.match(parsed.urn, /^urn:iac:dev::clitest::test:index:Thing::j$/);
  assert.match(parsed.code, /new Thing\("j", \{\n {2}value: "j",\n\}, \{ import: "thing-json" \}\);/);
});

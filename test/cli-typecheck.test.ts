/**
 * `iac preview` and `iac up` type-check the program and its local imports before running it
 * (issue 12): errors as file:line:col, exit 2, nothing run and nothing sent to the cloud; a warm
 * check of an unchanged program does not run the compiler; `--no-typecheck` and `typecheck: false`
 * turn it off.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TestProject, show } from "./cli-fixture.js";

const TYPOS = `
import { Thing } from "./thing.js";
import { label } from "./lib/label";

const word: string = "hello";
export const size = word.lenght;
const n: number = "x";
new Thing("thing", { value: label(n) });
`;

const LIB = `
export function label(n: number): string {
  return "n=" + n;
}
`;

const FIXED = `
import { Thing } from "./thing.js";
import { label } from "./lib/label";

const word: string = "hello";
export const size = word.length;
const n: number = 3;
new Thing("thing", { value: label(n) });
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ typecheck: true, files: { "index.ts": TYPOS, "lib/label.ts": LIB } });
});
after(async () => {
  await project.remove();
});

test("a typo and a wrong type stop up with exit 2, naming file:line:col, before anything reaches the cloud", async () => {
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /index\.ts:6:26 - error TS2551: Property 'lenght' does not exist on type 'string'\. Did you mean 'length'\?/);
  assert.match(r.stderr, /index\.ts:7:7 - error TS2322: Type 'string' is not assignable to type 'number'\./);
  assert.match(r.stderr, /2 type error\(s\)/);
  assert.deepEqual(await project.cloud(), [], "no resource was created");
  assert.equal(await project.exists(".iac/stacks"), false, "no stack was created either");
});

test("an error in a local import is reported at its own file", async () => {
  await project.write({ "lib/label.ts": LIB.replace('"n=" + n', "n.toFixed(1).padStartt(4)") });
  const r = await project.run(["preview"]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /lib\/label\.ts:3:\d+ - error TS2551: Property 'padStartt' does not exist/);
  await project.write({ "lib/label.ts": LIB });
});

test("--no-typecheck and `typecheck: false` in iac.yaml run the program as it is", async () => {
  // At run time the typos are harmless (undefined, a string): the program runs and creates the thing.
  const r = await project.run(["preview", "--no-typecheck"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /1 to create/);
  const yaml = await readFile(join(project.dir, "iac.yaml"), "utf8");
  await writeFile(join(project.dir, "iac.yaml"), `${yaml}typecheck: false\n`);
  try {
    const off = await project.run(["preview"]);
    assert.equal(off.code, 0, show(off));
  } finally {
    await writeFile(join(project.dir, "iac.yaml"), yaml);
  }
});

test("a fixed program runs, and a second run of the unchanged program reuses the clean check", async () => {
  await project.write({ "index.ts": FIXED });
  const first = await project.run(["up", "--yes"]);
  assert.equal(first.code, 0, show(first));
  assert.equal((await project.cloud()).length, 1);
  const stamp = JSON.parse(await readFile(join(project.dir, ".iac", "typecheck", "stamp.json"), "utf8")) as { files: Record<string, unknown> };
  assert.ok(Object.keys(stamp.files).some((f) => f.endsWith(join("lib", "label.ts"))), "the stamp lists the local import");
  // A type error written with the same size and mtime as before would be missed: prove instead
  // that an edited file is seen, by breaking it again.
  await project.write({ "index.ts": FIXED.replace("3;", '"3";') });
  const again = await project.run(["preview"]);
  assert.equal(again.code, 2, show(again));
  assert.match(again.stderr, /index\.ts:7:7 - error TS2322/);
});

test("destroy does not run the program, so it does not check it: a broken program can still be destroyed", async () => {
  const r = await project.run(["destroy", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(await project.cloud(), []);
});

test("a syntax error is a type-check error at its line (exit 2), not a failed resource", async () => {
  await project.write({ "index.ts": `${FIXED}\nexport const broken = {;\n` });
  const r = await project.run(["preview"]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /index\.ts:10:\d+ - error TS1136: Property assignment expected\./);
  assert.doesNotMatch(r.stdout + r.stderr, /failed resource|Resources:/);
  await project.write({ "index.ts": FIXED });
});

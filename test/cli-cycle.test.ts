/**
 * A dependency cycle in the program: `iac up` and `iac preview` fail naming the cycle in order,
 * nothing reaches the cloud, and no lock or journal is left behind (the run once ended with exit
 * 13, "unsettled top-level await", and a stale lock).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { TestProject, show } from "./cli-fixture.js";

const program = `
import { Thing } from "./thing.js";
let resolveB!: (r: unknown) => void;
const bLater = new Promise((r) => (resolveB = r));
const a = new Thing("a", { value: 1 }, { dependsOn: bLater as any });
const b = new Thing("b", { value: a.id });
new Thing("free", { value: 2 });
resolveB(b);
`;

const bothWays = `
import { Thing } from "./thing.js";
let ra!: (r: unknown) => void, rb!: (r: unknown) => void;
const pa = new Promise((r) => (ra = r)), pb = new Promise((r) => (rb = r));
const a = new Thing("a", { value: 1 }, { dependsOn: pb as any });
const b = new Thing("b", { value: 2 }, { dependsOn: pa as any });
ra(a); rb(b);
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
});
after(async () => {
  await project.remove();
});

async function assertNothingLeft(): Promise<void> {
  assert.equal(await project.exists(join(".iac", "stacks", "dev", "lock.json")), false, "no lock is left");
  assert.equal(await project.exists(join(".iac", "stacks", "dev", "journal.ndjson")), false, "no journal is left");
  assert.deepEqual(await project.cloud(), [], "nothing reached the cloud");
}

test("up of a program whose resources wait for each other fails naming the cycle, and leaves no lock and no journal", async () => {
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /depend on each other in a cycle: a -> b -> \(an output of a\)/, show(r));
  assert.doesNotMatch(r.stderr + r.stdout, /unsettled top-level await/);
  await assertNothingLeft();
  const p = await project.run(["preview"]);
  assert.equal(p.code, 1, show(p));
  assert.match(p.stderr, /cycle: a -> b/, show(p));
});

test("a cycle of dependsOn both ways is named with every resource on it", async () => {
  await project.write({ "index.ts": bothWays });
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /cycle: (a -> b -> a|b -> a -> b)/, show(r));
  await assertNothingLeft();
});

test("a program that awaits a promise nothing resolves fails saying so (not '0 resource(s) wait: .')", async () => {
  await project.write({ "index.ts": `import { Thing } from "./thing.js";\nnew Thing("early", { value: 1 });\nawait new Promise(() => undefined);\n` });
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /awaits a promise that nothing will ever resolve/, show(r));
  assert.doesNotMatch(r.stderr, /0 resource\(s\)/, show(r));
  assert.equal(await project.exists(join(".iac", "stacks", "dev", "lock.json")), false, "no lock is left");
});

/**
 * On a terminal: `iac up` without --yes previews, asks, and deploys only on yes; the live tree is
 * drawn. The terminal is a pseudo-terminal from util-linux `script`; skipped where it is missing.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { IAC, TestProject, finish, show, type IacResult } from "./cli-fixture.js";

const SCRIPT = "/usr/bin/script";
const HAS_SCRIPT = existsSync(SCRIPT);

const program = `
import { Thing } from "./thing.js";
export const value = new Thing("thing", { value: "one" }).value;
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
});
after(async () => {
  await project.remove();
});

/** Run `iac <args>` on a pseudo-terminal of 100x30, typing `answer`. */
function onTerminal(args: readonly string[], answer: string): Promise<IacResult> {
  const command = `stty cols 100 rows 30; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(IAC)} ${args.join(" ")}`;
  const child = spawn(SCRIPT, ["-qec", command, "/dev/null"], { cwd: project.dir, env: project.env(), stdio: ["pipe", "pipe", "pipe"] });
  return finish(child, answer);
}

test("answering no to the confirmation changes nothing and exits 1", { skip: HAS_SCRIPT ? false : "util-linux `script` (for a pseudo-terminal) is not installed" }, async () => {
  const r = await onTerminal(["up"], "n\n");
  assert.equal(r.code, 1, show(r));
  assert.match(r.stdout, /Previewing update of stack dev/);
  assert.match(r.stdout, /\+ +test:index:Thing +thing +create/);
  assert.match(r.stdout, /Do you want to update stack dev\? \[y\/N\]/);
  assert.match(r.stdout, /cancelled at the confirmation prompt/);
  assert.deepEqual(await project.cloud(), []);
});

test("answering yes deploys, drawing the live tree and the summary", { skip: HAS_SCRIPT ? false : "util-linux `script` (for a pseudo-terminal) is not installed" }, async () => {
  const r = await onTerminal(["up"], "y\n");
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /Updating stack dev/);
  assert.match(r.stdout, /✓ \+  test:index:Thing  thing  created \d+\.\ds/);
  assert.match(r.stdout, /Resources: 1 created\. Duration: /);
  assert.equal((await project.cloud()).length, 1);
});

test("up after the confirmation runs the program once more, not twice: the preview shown was the plan", { skip: HAS_SCRIPT ? false : "util-linux `script` (for a pseudo-terminal) is not installed" }, async () => {
  await project.write({
    "index.ts": `import { appendFileSync } from "node:fs";\nimport { Thing } from "./thing.js";\nappendFileSync(new URL("./runs.log", import.meta.url), "run\\n");\nexport const value = new Thing("thing", { value: "two" }).value;\n`,
  });
  const r = await onTerminal(["up"], "y\n");
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /~ +test:index:Thing +thing +update/);
  const runs = (await readFile(join(project.dir, "runs.log"), "utf8")).trim().split("\n");
  assert.equal(runs.length, 2, "one preview (the plan, shown and confirmed) and one up");
});

/**
 * `iac up --json | head -5`: the reader closes the pipe early. Writing to a closed stdout must not
 * crash the run: the deployment finishes, records its state and releases the lock.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { TestProject, finish, show } from "./cli-fixture.js";

const COUNT = 6;
const program = `
import { Thing } from "./thing.js";
const things = [];
for (let i = 0; i < ${COUNT}; i++) things.push(new Thing("t" + i, { value: "v" + i, delayMs: 100 }));
export const count = things.length;
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
});
after(async () => {
  await project.remove();
});

/** Start `iac <args>` and close its stdout (and, with `closeStderr`, its stderr) after the first line, as `head -1` would. */
async function runClosingEarly(args: readonly string[], options: { readonly closeStderr: boolean }) {
  const child = project.spawn(args);
  child.stdin?.end();
  let stderr = "";
  if (options.closeStderr) child.stderr?.destroy();
  else child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const firstLine = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      text += d;
      const nl = text.indexOf("\n");
      if (nl >= 0) {
        child.stdout?.destroy();
        resolve(text.slice(0, nl));
      }
    });
    child.on("error", reject);
    child.on("close", () => resolve(text));
  });
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.on("close", (c, s) => resolve({ code: c, signal: s }));
  });
  return { code, signal, firstLine, stderr };
}

async function assertStateClean(note: string): Promise<void> {
  assert.equal(await project.exists(join(".iac", "stacks", "dev", "lock.json")), false, `the lock is released (${note})`);
  const exported = await project.run(["state", "export"]);
  assert.equal(exported.code, 0, show(exported));
  const state = JSON.parse(exported.stdout) as { pendingOperations: unknown[]; resources: { urn: string }[] };
  assert.deepEqual(state.pendingOperations, [], `no pending operation is left (${note})`);
  assert.equal(state.resources.filter((r) => r.urn.includes("test:index:Thing")).length, COUNT, note);
}

test("up --json into a reader that closes after one line finishes the deployment and releases the lock", async () => {
  const r = await runClosingEarly(["up", "--yes", "--json", "--parallel", "2"], { closeStderr: false });
  const note = `exit ${r.code} ${r.signal ?? ""}\n--- stderr ---\n${r.stderr}`;
  assert.equal(JSON.parse(r.firstLine).kind, "prelude", note);
  assert.equal(r.signal, null, note);
  assert.equal(r.code, 0, note);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|internal error/, note);
  await assertStateClean(note);
  assert.equal((await project.cloud()).length, COUNT);
});

test("destroy with both stdout and stderr closed early still deletes everything and releases the lock", async () => {
  const r = await runClosingEarly(["destroy", "--yes"], { closeStderr: true });
  assert.equal(r.signal, null);
  assert.equal(r.code, 0);
  assert.equal(await project.exists(join(".iac", "stacks", "dev", "lock.json")), false, "the lock is released");
  const exported = await project.run(["state", "export"]);
  const state = JSON.parse(exported.stdout) as { pendingOperations: unknown[]; resources: unknown[] };
  assert.deepEqual(state.pendingOperations, []);
  assert.deepEqual(state.resources, []);
  assert.equal((await project.cloud()).length, 0);
});

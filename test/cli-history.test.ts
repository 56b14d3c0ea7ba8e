/**
 * `iac stack history` and `iac stack graph` through the real `iac` binary: every up, destroy and
 * refresh is recorded (a preview is not), a failed up too, newest first; the graph of the state
 * shows dependency and parent/child edges in DOT and Mermaid.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TestProject, show } from "./cli-fixture.js";

/** A component with a Thing inside it, and a Thing whose input is the first one's output. */
const PROGRAM = `
import { ComponentResource } from "@iac/sdk";
import { Thing } from "./thing.js";

class Group extends ComponentResource {
  constructor(name) {
    super("test:index:Group", name);
    this.first = new Thing("first", { value: "one" }, { parent: this });
    this.registerOutputs({});
  }
}

const group = new Group("group");
const second = new Thing("second", { value: group.first.value });
export const value = second.value;
`;

const THROWING = `${PROGRAM}\nthrow new Error("the program failed on purpose");\n`;

interface Entry {
  readonly operation: string;
  readonly result: string;
  readonly command: string;
  readonly counts: Record<string, number>;
  readonly startTime: string;
  readonly endTime: string;
  readonly durationMs: number;
  readonly iacVersion: string;
  readonly host: string;
}

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": PROGRAM } });
});
after(async () => {
  await project.remove();
});

async function history(args: readonly string[] = []): Promise<Entry[]> {
  const r = await project.run(["stack", "history", "--json", ...args]);
  assert.equal(r.code, 0, show(r));
  return JSON.parse(r.stdout) as Entry[];
}

test("an up is recorded with its counts, times, version and the flag names only; a preview is not recorded", async () => {
  const set = await project.run(["config", "set", "--secret", "token"], { input: "hunter2-secret" });
  assert.equal(set.code, 0, show(set));
  const up = await project.run(["up", "--yes", "--parallel", "3"]);
  assert.equal(up.code, 0, show(up));
  const pre = await project.run(["preview"]);
  assert.equal(pre.code, 0, show(pre));

  const entries = await history();
  assert.equal(entries.length, 1, JSON.stringify(entries));
  const [e] = entries;
  assert.equal(e.operation, "up");
  assert.equal(e.result, "succeeded");
  assert.equal(e.command, "iac up --yes --parallel", "flag names, never their values");
  assert.equal(e.counts.create, 3);
  assert.ok(Date.parse(e.endTime) >= Date.parse(e.startTime));
  assert.equal(e.durationMs, Date.parse(e.endTime) - Date.parse(e.startTime));
  const cliPackage = JSON.parse(await readFile(join(project.dir, "..", "..", "..", "packages", "cli", "package.json"), "utf8")) as { version: string };
  assert.equal(e.iacVersion, cliPackage.version);
  assert.ok(e.host.length > 0);
  for (const file of await project.stateFiles()) assert.doesNotMatch(file.text, /hunter2-secret/, file.path);
});

test("stack graph prints the state's resources as DOT: a solid edge for a dependency, a dashed one from parent to child", async () => {
  const r = await project.run(["stack", "graph"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^digraph "clitest\/dev" \{/);
  const id = (label: string) => {
    const m = new RegExp(`^\\s+(n\\d+) \\[label="${label}"\\];$`, "m").exec(r.stdout);
    assert.ok(m, `a node labelled ${label}\n${r.stdout}`);
    return m[1];
  };
  const [group, first, second] = [id("test:index:Group group"), id("test:index:Thing first"), id("test:index:Thing second")];
  assert.match(r.stdout, new RegExp(`^\\s+${second} -> ${first};$`, "m"), "second depends on first");
  assert.match(r.stdout, new RegExp(`^\\s+${group} -> ${first} \\[style=dashed\\];$`, "m"), "group is first's parent");
  assert.doesNotMatch(r.stdout, new RegExp(`${first} -> ${second}`));
});

test("stack graph --format mermaid --output writes a Mermaid flowchart to the file", async () => {
  const r = await project.run(["stack", "graph", "--format", "mermaid", "--output", "graph.mmd"]);
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, "");
  const text = await readFile(join(project.dir, "graph.mmd"), "utf8");
  assert.match(text, /^graph TD$/m);
  const id = (label: string) => {
    const m = new RegExp(`^\\s+(n\\d+)\\["${label}"\\]$`, "m").exec(text);
    assert.ok(m, `a node labelled ${label}\n${text}`);
    return m[1];
  };
  const [group, first, second] = [id("test:index:Group group"), id("test:index:Thing first"), id("test:index:Thing second")];
  assert.match(text, new RegExp(`^\\s+${second} --> ${first}$`, "m"));
  assert.match(text, new RegExp(`^\\s+${group} -\\.-> ${first}$`, "m"));
});

test("stack graph refuses an unknown format with exit 2", async () => {
  const r = await project.run(["stack", "graph", "--format", "svg"]);
  assert.equal(r.code, 2, show(r));
});

test("after a failed up and a destroy, history lists three entries newest first with their results", async () => {
  await project.write({ "index.ts": THROWING });
  const failed = await project.run(["up", "--yes"]);
  assert.equal(failed.code, 1, show(failed));
  await project.write({ "index.ts": PROGRAM });
  const destroyed = await project.run(["destroy", "--yes"]);
  assert.equal(destroyed.code, 0, show(destroyed));

  const entries = await history();
  assert.deepEqual(
    entries.map((e) => [e.operation, e.result]),
    [
      ["destroy", "succeeded"],
      ["up", "failed"],
      ["up", "succeeded"],
    ],
  );
  assert.equal(entries[0].counts.delete, 3);
  assert.deepEqual((await history(["--limit", "1"])).map((e) => e.operation), ["destroy"]);

  const table = await project.run(["stack", "history"]);
  assert.equal(table.code, 0, show(table));
  const lines = table.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^TIME\s+OPERATION\s+RESULT\s+CHANGES\s+DURATION/);
  assert.equal(lines.length, 4, table.stdout);
  assert.match(lines[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+destroy\s+succeeded\s+\+0 ~0 -3 \+-0\s+\d+\.\ds/);
  assert.match(lines[2], /\s+up\s+failed\s+/);
  assert.match(lines[3], /\s+up\s+succeeded\s+\+3 ~0 -0 \+-0\s+/);
});

test("a history that cannot be written is a warning: the deployment still succeeds", async () => {
  const dir = join(project.dir, ".iac", "stacks", "dev", "history");
  await rename(dir, `${dir}.aside`);
  // A file where the directory should be: every write into it fails.
  await writeFile(dir, "not a directory");
  try {
    const r = await project.run(["refresh", "--yes"]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /warning: this refresh \(succeeded\) was not recorded in the history of stack dev/);
  } finally {
    await rm(dir, { force: true });
    await rename(`${dir}.aside`, dir);
  }
  assert.equal((await history()).length, 3, "nothing was recorded");
});

test("an up refused because another process holds the stack's lock did nothing and is not recorded", async () => {
  const lock = join(project.dir, ".iac", "stacks", "dev", "lock.json");
  await writeFile(lock, JSON.stringify({ host: "elsewhere", pid: 1, time: new Date().toISOString(), command: "iac up", user: "someone", token: "t" }));
  try {
    const r = await project.run(["up", "--yes"]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /lock/i);
  } finally {
    await rm(lock, { force: true });
  }
  assert.equal((await history()).length, 3);
});

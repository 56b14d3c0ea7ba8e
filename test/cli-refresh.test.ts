/**
 * `iac refresh` previews and asks as `iac up` does (issue 12): it shows the drift it would record,
 * asks on a terminal, is refused without one unless --yes, and `--preview-only` records nothing.
 * Its counts agree with `iac preview --refresh` and with the resources the stack holds; a program
 * that does not even parse is an error of the program, not "1 failed" resource.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { IAC, TestProject, finish, show, type IacResult } from "./cli-fixture.js";

const SCRIPT = "/usr/bin/script";
const NO_TERMINAL = existsSync(SCRIPT) ? false : "util-linux `script` (for a pseudo-terminal) is not installed";

/** A component holding one Thing, and a second Thing: three resources in the stack. */
const PROGRAM = `
import { ComponentResource } from "@iac/sdk";
import { Thing } from "./thing.js";

class Group extends ComponentResource {
  constructor(name) {
    super("test:index:Group", name);
    new Thing("first", { value: "one" }, { parent: this });
    this.registerOutputs({});
  }
}

new Group("group");
new Thing("second", { value: "two" });
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": PROGRAM } });
  const up = await project.run(["up", "--yes"]);
  assert.equal(up.code, 0, show(up));
});
after(async () => {
  await project.remove();
});

/** The summary line of a run. */
function summary(r: IacResult): string {
  const line = r.stdout.split("\n").find((l) => l.startsWith("Resources:"));
  assert.ok(line, `no summary line\n${show(r)}`);
  return line.replace(/ Duration: .*$/, "");
}

/** Changes the Thing named `name` behind iac's back (its value in the test provider's cloud). */
async function drift(name: string, value: string): Promise<void> {
  const thing = (await project.cloud()).find((t) => t.urn.endsWith(`::${name}`));
  assert.ok(thing, `no thing ${name} in the cloud`);
  await writeFile(join(project.dir, "cloud", `${thing.id}.json`), JSON.stringify({ urn: thing.urn, inputs: { ...thing.inputs, value } }));
}

const snapshot = () => readFile(join(project.dir, ".iac", "stacks", "dev", "snapshot.json"), "utf8");

async function historyLength(): Promise<number> {
  const r = await project.run(["stack", "history", "--json"]);
  assert.equal(r.code, 0, show(r));
  return (JSON.parse(r.stdout) as unknown[]).length;
}

/** Run `iac <args>` on a pseudo-terminal, typing `answer`. */
function onTerminal(args: readonly string[], answer: string): Promise<IacResult> {
  const command = `stty cols 120 rows 30; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(IAC)} ${args.join(" ")}`;
  return finish(spawn(SCRIPT, ["-qec", command, "/dev/null"], { cwd: project.dir, env: project.env(), stdio: ["pipe", "pipe", "pipe"] }), answer);
}

test("without drift, refresh, preview --refresh and preview count each of the stack's three resources once", async () => {
  const refresh = await project.run(["refresh", "--yes"]);
  assert.equal(refresh.code, 0, show(refresh));
  assert.equal(summary(refresh), "Resources: 3 unchanged.");
  const previewRefresh = await project.run(["preview", "--refresh"]);
  assert.equal(previewRefresh.code, 0, show(previewRefresh));
  assert.equal(summary(previewRefresh), "Resources: 3 unchanged.");
  assert.equal(summary(await project.run(["preview"])), "Resources: 3 unchanged.");
  const ls = await project.run(["stack", "ls", "--json"]);
  assert.match(ls.stdout, /"resourceCount": 3/, show(ls));
});

test("refresh without a terminal and without --yes is refused with exit 2 before reading anything", async () => {
  await drift("second", "changed");
  const before = await snapshot();
  const entries = await historyLength();
  const r = await project.run(["refresh"]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /`iac refresh` needs confirmation, and there is no terminal to ask on\. Pass --yes/);
  assert.doesNotMatch(r.stdout, /Refreshing|Previewing/);
  assert.equal(await snapshot(), before);
  assert.equal(await historyLength(), entries);
  const json = await project.run(["refresh", "--json"]);
  assert.equal(json.code, 2, show(json));
});

test("refresh --preview-only shows the drift with its diff, records nothing, and --expect-no-changes exits 3", async () => {
  const before = await snapshot();
  const entries = await historyLength();
  const r = await project.run(["refresh", "--preview-only", "--diff"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /Previewing refresh of stack dev/);
  assert.match(r.stdout, /~ +test:index:Thing +second +refresh/);
  assert.match(r.stdout, /value: "two" => "changed"/);
  assert.equal(summary(r), "Resources: 1 to refresh, 2 unchanged.");
  assert.equal(await snapshot(), before, "nothing written");
  assert.equal(await historyLength(), entries, "a preview is not recorded in the history");
  const check = await project.run(["refresh", "--preview-only", "--expect-no-changes"]);
  assert.equal(check.code, 3, show(check));
  // The drift the refresh finds is what preview --refresh finds, and the program's value is put back.
  const previewRefresh = await project.run(["preview", "--refresh"]);
  assert.equal(previewRefresh.code, 0, show(previewRefresh));
  assert.equal(summary(previewRefresh), "Resources: 1 to update, 1 to refresh, 2 unchanged.");
});

test("on a terminal, refresh shows the drift and asks; no records nothing, yes records it", { skip: NO_TERMINAL }, async () => {
  const before = await snapshot();
  const no = await onTerminal(["refresh"], "n\n");
  assert.equal(no.code, 1, show(no));
  assert.match(no.stdout, /Previewing refresh of stack dev/);
  assert.match(no.stdout, /~ +test:index:Thing +second +refresh/);
  assert.match(no.stdout, /Do you want to record this drift in the state of stack dev\? \[y\/N\]/);
  assert.match(no.stdout, /cancelled at the confirmation prompt: nothing was changed/);
  assert.equal(await snapshot(), before);

  const yes = await onTerminal(["refresh"], "y\n");
  assert.equal(yes.code, 0, show(yes));
  assert.match(yes.stdout, /Refreshing stack dev/);
  assert.match(yes.stdout, /Resources: 1 refreshed, 2 unchanged\./);
  const state = JSON.parse(await snapshot()) as { resources: { urn: string; inputs: { value?: string } }[] };
  assert.equal(state.resources.find((x) => x.urn.endsWith("::second"))?.inputs.value, "changed");
});

test("refresh --yes with drift records it at once, and then finds none", async () => {
  await drift("second", "again");
  const r = await project.run(["refresh", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.doesNotMatch(r.stdout, /Previewing/);
  assert.equal(summary(r), "Resources: 1 refreshed, 2 unchanged.");
  const check = await project.run(["refresh", "--preview-only", "--expect-no-changes"]);
  assert.equal(check.code, 0, show(check));
});

test("a program that does not parse is the program's error, not a failed resource", async () => {
  await project.write({ "index.ts": `${PROGRAM}\nconst broken = ;\n` });
  try {
    for (const args of [["preview"], ["up", "--yes"]]) {
      const r = await project.run(args);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /index\.ts/, show(r));
      assert.doesNotMatch(`${r.stdout}\n${r.stderr}`, /1 failed|resource operation\(s\) failed|The plan has 1 failure/, `${args.join(" ")}\n${show(r)}`);
    }
    // --json's summary agrees: no failed resource, and the program's own failure said apart.
    for (const args of [["preview", "--json"], ["up", "--yes", "--json"]]) {
      const r = await project.run(args);
      assert.equal(r.code, 1, show(r));
      const summary = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.kind === "summary");
      assert.ok(summary, `${args.join(" ")}\n${show(r)}`);
      assert.equal(summary.failed, 0, `${args.join(" ")}\n${show(r)}`);
      assert.equal(summary.programError, true, `${args.join(" ")}\n${show(r)}`);
    }
  } finally {
    await project.write({ "index.ts": PROGRAM });
  }
});

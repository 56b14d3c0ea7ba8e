/**
 * Stack output changes through the real `iac` binary: a program of `random` resources whose only
 * change is an output (a config value exported as is) shows it in an "Outputs:" section, counts
 * it for `--expect-no-changes` and streams the old outputs with `--json`; and a destroy of an empty
 * stack needs no confirmation.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { TestProject, show } from "./cli-fixture.js";

const PROGRAM = `
import { Config, secret } from "@iac/sdk";
import { RandomString } from "@iac/sdk/random";

const config = new Config();
const suffix = new RandomString("suffix", { length: 8, special: false });

export const greeting = config.get("greeting") ?? "hello";
export const token = secret(config.get("token") ?? "first-token-value");
export const name = suffix.result;
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": PROGRAM } });
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 0, show(r));
});
after(async () => {
  await project.remove();
});

test("a preview right after up shows no outputs section and finds no changes", async () => {
  const r = await project.run(["preview", "--expect-no-changes"]);
  assert.equal(r.code, 0, show(r));
  assert.doesNotMatch(r.stdout, /Outputs:/, "nothing changed, so a preview shows no outputs section");
});

test("a config change that changes only an output is shown by preview, with the old and new value", async () => {
  const set = await project.run(["config", "set", "greeting", "hi"]);
  assert.equal(set.code, 0, show(set));
  const r = await project.run(["preview"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /Outputs:\n {2}~ greeting: "hello" => "hi"\n\nResources: 1 unchanged\./);
  assert.doesNotMatch(r.stdout, /name:|token:/, "a preview lists only the outputs that change");
});

test("--expect-no-changes exits 3 when only a stack output changes", async () => {
  const r = await project.run(["preview", "--expect-no-changes"]);
  assert.equal(r.code, 3, show(r));
  assert.match(r.stderr, /stack outputs \(greeting\)/);
});

test("--json carries the previous outputs and the names that changed on the outputs event", async () => {
  const r = await project.run(["preview", "--json"]);
  assert.equal(r.code, 0, show(r));
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const outputs = events.find((e) => e.kind === "outputs") as { outputs: Record<string, unknown>; previous: Record<string, unknown>; changed: string[] };
  assert.equal(outputs.outputs.greeting, "hi");
  assert.equal(outputs.previous.greeting, "hello");
  assert.equal(outputs.previous.token, "[secret]");
  assert.deepEqual(outputs.changed, ["greeting"]);
});

test("a secret output whose value changed is shown changed and still masked", async () => {
  const set = await project.run(["config", "set", "token", "second-token-value"]);
  assert.equal(set.code, 0, show(set));
  const r = await project.run(["preview"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /~ token: \[secret\] => \[secret\]/);
  assert.doesNotMatch(r.stdout + r.stderr, /token-value/, "no secret in the output");
});

test("up records the changed outputs, lists them all with the changes marked, and the next preview is clean", async () => {
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^ {2}~ greeting: "hello" => "hi"$/m);
  assert.match(r.stdout, /^ {4}name: "[A-Za-z0-9]{8}"$/m, "an unchanged output is listed after an up");
  const again = await project.run(["preview", "--expect-no-changes"]);
  assert.equal(again.code, 0, show(again));
  assert.doesNotMatch(again.stdout, /Outputs:/);
});

test("destroy without --yes and without a terminal refuses a stack with resources, but not an empty one", async () => {
  const refused = await project.run(["destroy"]);
  assert.equal(refused.code, 2, show(refused));
  assert.match(refused.stderr, /needs confirmation/);
  const init = await project.run(["stack", "init", "empty"]);
  assert.equal(init.code, 0, show(init));
  const r = await project.run(["destroy", "-s", "empty"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stderr, /Stack empty has no resources: there is nothing to destroy\./);
  assert.doesNotMatch(r.stderr, /needs confirmation/);
});

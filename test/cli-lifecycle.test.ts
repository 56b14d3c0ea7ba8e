/**
 * The life of a stack through the real `iac` binary: up, a no-op preview, an update in place, a
 * replacement forced by keepers, outputs, NDJSON, and destroy.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { TestProject, show } from "./cli-fixture.js";

const program = (o: { value: string; keeper: string }) => `
import { ComponentResource } from "@iac/sdk";
import { RandomPassword, RandomString } from "@iac/sdk/random";
import { Thing } from "./thing.js";

class Group extends ComponentResource {
  constructor(name) {
    super("test:index:Group", name);
    this.thing = new Thing("thing", { value: ${JSON.stringify(o.value)} }, { parent: this });
    this.registerOutputs({ value: this.thing.value });
  }
}

const group = new Group("group");
const suffix = new RandomString("suffix", { length: 8, special: false, keepers: { v: ${JSON.stringify(o.keeper)} } });
const password = new RandomPassword("password", { length: 24 });

export const value = group.thing.value;
export const name = suffix.result;
export const secretPassword = password.result;
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program({ value: "one", keeper: "a" }) } });
});
after(async () => {
  await project.remove();
});

test("up without a terminal and without --yes is refused with exit 2 and changes nothing", async () => {
  const r = await project.run(["up"]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /--yes/);
  assert.deepEqual(await project.cloud(), []);
});

test("up --yes creates the stack 'dev', every resource, and prints the outputs with secrets masked", async () => {
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stderr, /Created stack dev/);
  assert.match(r.stdout, /Resources: 4 created\. Duration: \d+\.\ds/);
  assert.match(r.stdout, /secretPassword: \[secret\]/);
  assert.match(r.stdout, /value: +"one"/);
  assert.equal((await project.cloud()).length, 1);
  assert.doesNotMatch(r.stdout, /^State: /m, "the state's location is printed only with --verbose");
});

test("with --verbose, the summary is followed by the path of the stack's state file", async () => {
  const r = await project.run(["up", "--yes", "--verbose"]);
  assert.equal(r.code, 0, show(r));
  const m = /^State: (.+snapshot\.json)$/m.exec(r.stdout);
  assert.ok(m, show(r));
  assert.ok(m[1].startsWith(project.dir), `${m[1]} is under the project`);
  assert.ok(existsSync(m[1]), `${m[1]} exists`);
});

test("a preview with --expect-no-changes exits 0 when nothing changed", async () => {
  const r = await project.run(["preview", "--expect-no-changes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /4 unchanged/);
});

test("stack output masks secrets unless --show-secrets, and --json prints JSON", async () => {
  const masked = await project.run(["stack", "output", "--json"]);
  assert.equal(masked.code, 0, show(masked));
  const outputs = JSON.parse(masked.stdout) as Record<string, unknown>;
  assert.equal(outputs.secretPassword, "[secret]");
  assert.equal(outputs.value, "one");
  assert.match(String(outputs.name), /^[A-Za-z0-9]{8}$/);

  const shown = await project.run(["stack", "output", "--json", "--show-secrets"]);
  const password = (JSON.parse(shown.stdout) as Record<string, unknown>).secretPassword;
  assert.equal(typeof password, "string");
  assert.equal((password as string).length, 24);

  const one = await project.run(["stack", "output", "name"]);
  assert.equal(one.stdout.trim(), outputs.name);

  const missing = await project.run(["stack", "output", "nope"]);
  assert.equal(missing.code, 1, show(missing));
  assert.match(missing.stderr, /no output named "nope".*name/);
  assert.doesNotMatch(missing.stderr, /at .*\.ts:\d+/, "an expected error has no stack trace");
});

test("no secret is written in plaintext to the state or the stack config", async () => {
  const set = await project.run(["config", "set", "--secret", "apiToken"], { input: "tok-3f9a7c1e5b\n" });
  assert.equal(set.code, 0, show(set));
  const get = await project.run(["config", "get", "apiToken"]);
  assert.equal(get.stdout.trim(), "tok-3f9a7c1e5b");
  const shown = await project.run(["stack", "output", "secretPassword", "--show-secrets"]);
  const password = shown.stdout.trim();
  assert.equal(password.length, 24);
  const files = await project.stateFiles();
  assert.ok(files.some((f) => f.path.includes(".iac")), "the state was written");
  for (const file of files) {
    assert.ok(!file.text.includes(password), `${file.path} holds the password in plaintext`);
    assert.ok(!file.text.includes("tok-3f9a7c1e5b"), `${file.path} holds the config secret in plaintext`);
  }
});

test("a changed property updates in place; --expect-no-changes then exits 3", async () => {
  await project.write({ "index.ts": program({ value: "two", keeper: "a" }) });
  const check = await project.run(["preview", "--expect-no-changes", "--diff"]);
  assert.equal(check.code, 3, show(check));
  assert.match(check.stdout, /~ +test:index:Thing +thing +update/);
  assert.match(check.stdout, /~ value: "one" => "two"/);
  assert.match(check.stderr, /--expect-no-changes/);

  const before = await project.cloud();
  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /1 updated/);
  const after = await project.cloud();
  assert.equal(after.length, 1);
  assert.equal(after[0].id, before[0].id, "updated in place, same id");
  assert.equal(after[0].inputs.value, "two");
});

test("a keepers change replaces the random string and says why", async () => {
  const before = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
  await project.write({ "index.ts": program({ value: "two", keeper: "b" }) });
  const preview = await project.run(["preview"]);
  assert.equal(preview.code, 0, show(preview));
  assert.match(preview.stdout, /\+- random:index:RandomString +suffix +replace/);
  assert.match(preview.stdout, /keepers.* \[replace: .+\]/);

  const r = await project.run(["up", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /1 replaced/);
  const afterOutputs = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
  assert.notEqual(afterOutputs.name, before.name);
});

test("--json streams one engine event per line, each with a kind, and no secret", async () => {
  const shown = await project.run(["stack", "output", "secretPassword", "--show-secrets"]);
  const password = shown.stdout.trim();
  const r = await project.run(["up", "--yes", "--json"]);
  assert.equal(r.code, 0, show(r));
  const lines = r.stdout.trimEnd().split("\n");
  assert.ok(lines.length >= 3);
  const events = lines.map((line) => JSON.parse(line) as { kind?: unknown });
  for (const e of events) assert.equal(typeof e.kind, "string");
  assert.equal(events[0].kind, "prelude");
  assert.ok(events.some((e) => e.kind === "summary"));
  assert.ok(!r.stdout.includes(password));
});

test("destroy --yes deletes everything and leaves an empty stack", async () => {
  const refused = await project.run(["destroy"]);
  assert.equal(refused.code, 2, show(refused));
  const r = await project.run(["destroy", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /4 deleted/);
  assert.deepEqual(await project.cloud(), []);
  const ls = await project.run(["state", "ls", "--json"]);
  assert.deepEqual(JSON.parse(ls.stdout), []);
});

/**
 * Stacks, config and state surgery through the real `iac` binary, and the random-basic example.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { ROOT, TestProject, show } from "./cli-fixture.js";

let project: TestProject;

before(async () => {
  // The example program, run as it is (copied so its state stays out of the repository).
  const example = join(ROOT, "examples", "random-basic");
  project = await TestProject.create({
    name: "random-basic",
    files: {
      "index.ts": await readFile(join(example, "index.ts"), "utf8"),
      "iac.yaml": await readFile(join(example, "iac.yaml"), "utf8"),
    },
  });
});
after(async () => {
  await project.remove();
});

test("before any stack exists, commands that need one say how to make one", async () => {
  const ls = await project.run(["stack", "ls"]);
  assert.equal(ls.code, 0, show(ls));
  assert.match(ls.stderr, /no stacks yet/);
  const output = await project.run(["stack", "output"]);
  assert.equal(output.code, 1, show(output));
  assert.match(output.stderr, /no stacks yet.*iac up.*iac stack init/);
});

test("stack init creates and selects; select switches; ls marks the selected one", async () => {
  assert.equal((await project.run(["stack", "init", "prod"])).code, 0);
  const again = await project.run(["stack", "init", "prod"]);
  assert.equal(again.code, 1, show(again));
  assert.match(again.stderr, /already exists/);
  assert.equal((await project.run(["stack", "init", "dev"])).code, 0);
  assert.match((await project.run(["stack", "ls"])).stdout, /^dev\*/m);
  const select = await project.run(["stack", "select", "prod"]);
  assert.equal(select.code, 0, show(select));
  const ls = await project.run(["stack", "ls", "--json"]);
  const stacks = JSON.parse(ls.stdout) as { name: string; current: boolean }[];
  assert.deepEqual(stacks.map((s) => [s.name, s.current]).sort(), [["dev", false], ["prod", true]]);
  const missing = await project.run(["stack", "select", "qa"]);
  assert.equal(missing.code, 1, show(missing));
  assert.match(missing.stderr, /iac stack init qa/);
});

test("config set, get and rm work on the selected stack or the one given with -s", async () => {
  assert.equal((await project.run(["config", "set", "region", "westeurope"])).code, 0);
  assert.equal((await project.run(["config", "get", "region"])).stdout.trim(), "westeurope");
  assert.match(await readFile(join(project.dir, "iac.prod.yaml"), "utf8"), /random-basic:region: westeurope/);
  const other = await project.run(["config", "get", "region", "-s", "dev"]);
  assert.equal(other.code, 1, show(other));
  assert.match(other.stderr, /not set in stack dev/);
  const noValue = await project.run(["config", "set", "zone"]);
  assert.equal(noValue.code, 2, show(noValue));
  const rm = await project.run(["config", "rm", "region"]);
  assert.equal(rm.code, 0, show(rm));
  assert.equal((await project.run(["config", "get", "region"])).code, 1);
});

test("config ls and get print values as the stack config holds them; ls masks secrets and needs no key to", async () => {
  assert.equal((await project.run(["config", "set", "region", "westeurope"])).code, 0);
  assert.equal((await project.run(["config", "set", "--secret", "token"], { input: "tok-ls-7c1e" })).code, 0);
  // A number written by hand stays a number.
  const file = join(project.dir, "iac.prod.yaml");
  const doc = parseDocument(await readFile(file, "utf8"));
  doc.setIn(["config", "random-basic:count"], 3);
  await writeFile(file, doc.toString());
  try {
    const ls = await project.run(["config", "ls"]);
    assert.equal(ls.code, 0, show(ls));
    assert.deepEqual(ls.stdout.trimEnd().split("\n").map((l) => l.trimEnd().split(/ +/)), [
      ["KEY", "VALUE"],
      ["random-basic:count", "3"],
      ["random-basic:region", "westeurope"],
      ["random-basic:token", "[secret]"],
    ]);
    const json = await project.run(["config", "ls", "--json"]);
    assert.deepEqual(JSON.parse(json.stdout), {
      "random-basic:count": { value: 3, secret: false },
      "random-basic:region": { value: "westeurope", secret: false },
      "random-basic:token": { value: "[secret]", secret: true },
    });
    const shown = await project.run(["config", "ls", "--json", "--show-secrets"]);
    assert.deepEqual(JSON.parse(shown.stdout)["random-basic:token"], { value: "tok-ls-7c1e", secret: true });
    assert.deepEqual(JSON.parse((await project.run(["config", "get", "count", "--json"])).stdout), { value: 3, secret: false });
    assert.equal((await project.run(["config", "get", "count"])).stdout, "3\n");
    assert.deepEqual(JSON.parse((await project.run(["config", "get", "token", "--json"])).stdout), { value: "tok-ls-7c1e", secret: true });
    // Without the stack's key (another IAC_HOME): the listing still works, showing the secret does not.
    const keyless = { IAC_HOME: join(project.dir, ".no-keys") };
    const masked = await project.run(["config", "ls"], { env: keyless });
    assert.equal(masked.code, 0, show(masked));
    assert.match(masked.stdout, /random-basic:token +\[secret\]/);
    const refused = await project.run(["config", "ls", "--show-secrets"], { env: keyless });
    assert.equal(refused.code, 1, show(refused));
    assert.match(refused.stderr, /key/);
  } finally {
    for (const key of ["region", "token", "count"]) assert.equal((await project.run(["config", "rm", key])).code, 0);
  }
});

test("the random-basic example deploys, reacts to its config and is destroyed", async () => {
  const up = await project.run(["up", "--yes"]);
  assert.equal(up.code, 0, show(up));
  const outputs = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
  assert.match(String(outputs.name), /^app-[a-z0-9]{6}$/);
  assert.equal(outputs.adminPassword, "[secret]");

  assert.equal((await project.run(["config", "set", "suffixLength", "8"])).code, 0);
  const drift = await project.run(["preview", "--expect-no-changes"]);
  assert.equal(drift.code, 3, show(drift));
  assert.match(drift.stdout, /suffix +replace/);
});

test("state ls, show, export, delete, import and unprotect", async () => {
  const ls = await project.run(["state", "ls", "--json"]);
  const urns = (JSON.parse(ls.stdout) as { urn: string }[]).map((r) => r.urn);
  const passwordUrn = urns.find((u) => u.endsWith("::admin-password"))!;
  assert.ok(passwordUrn, ls.stdout);

  const password = (await project.run(["stack", "output", "adminPassword", "--show-secrets"])).stdout.trim();
  const shown = await project.run(["state", "show", passwordUrn]);
  assert.equal(shown.code, 0, show(shown));
  assert.match(shown.stdout, /"result": "\[secret\]"/);
  assert.ok(!shown.stdout.includes(password));

  const exported = await project.run(["state", "export", "--file", "backup.json"]);
  assert.equal(exported.code, 0, show(exported));
  const backup = await readFile(join(project.dir, "backup.json"), "utf8");
  assert.ok(backup.includes(passwordUrn));
  assert.ok(!backup.includes(password), "an export keeps secrets encrypted");

  const refused = await project.run(["state", "delete", passwordUrn]);
  assert.equal(refused.code, 2, show(refused));
  const deleted = await project.run(["state", "delete", passwordUrn, "--yes"]);
  assert.equal(deleted.code, 0, show(deleted));
  assert.ok(!(await project.run(["state", "ls"])).stdout.includes(passwordUrn));

  const imported = await project.run(["state", "import", "backup.json", "--yes"]);
  assert.equal(imported.code, 0, show(imported));
  assert.ok((await project.run(["state", "ls"])).stdout.includes(passwordUrn));
  assert.equal((await project.run(["stack", "output", "adminPassword", "--show-secrets"])).stdout.trim(), password);

  const unprotect = await project.run(["state", "unprotect", passwordUrn]);
  assert.equal(unprotect.code, 0, show(unprotect));
  const missing = await project.run(["state", "show", "urn:iac:prod::random-basic::nope::x"]);
  assert.equal(missing.code, 1, show(missing));
});

test("stack rm refuses a stack with resources until it is destroyed", async () => {
  const busy = await project.run(["stack", "rm", "prod", "--yes"]);
  assert.equal(busy.code, 1, show(busy));
  assert.equal((await project.run(["destroy", "--yes"])).code, 0);
  const rm = await project.run(["stack", "rm", "prod", "--yes"]);
  assert.equal(rm.code, 0, show(rm));
  const stacks = JSON.parse((await project.run(["stack", "ls", "--json"])).stdout) as { name: string }[];
  assert.deepEqual(stacks.map((s) => s.name), ["dev"]);
});

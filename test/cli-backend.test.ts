/**
 * Where the state lives: `backend:` in `iac.yaml` (file:// directories, azblob://), and
 * `IAC_BACKEND_URL`, which overrides it as PULUMI_BACKEND_URL does Pulumi's.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { TestProject, finish, show, startAzurite, waitFor, type Azurite } from "./cli-fixture.js";

const program = `
import { RandomPassword } from "@iac/sdk/random";
import { Thing } from "./thing.js";
export const value = new Thing("thing", { value: "one" }).value;
export const password = new RandomPassword("pw", { length: 20 }).result;
`;

let project: TestProject;
let azurite: Azurite | undefined;
let azuriteSkip = "";

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
  const started = await startAzurite();
  if ("skip" in started) azuriteSkip = started.skip;
  else azurite = started.azurite;
});
after(async () => {
  await azurite?.stop();
  await project.remove();
});

const snapshot = (dir: string) => join(dir, ".iac", "stacks", "dev", "snapshot.json");

test("backend: file://<dir> in iac.yaml keeps the state in that directory, relative to the project", async () => {
  await project.write({ "iac.yaml": "name: clitest\nmain: index.ts\nbackend: file://./state-here\ntypecheck: false\n" });
  const r = await project.run(["up", "--yes", "--verbose"]);
  assert.equal(r.code, 0, show(r));
  assert.ok(r.stdout.includes(`State: ${snapshot(join(project.dir, "state-here"))}`), show(r));
  assert.ok(await project.exists(join("state-here", ".iac", "stacks", "dev", "snapshot.json")));
  assert.equal(await project.exists(join(".iac", "stacks", "dev")), false, "nothing in the default place");
  const p = await project.run(["preview", "--expect-no-changes"]);
  assert.equal(p.code, 0, show(p));
});

test("IAC_BACKEND_URL overrides backend: in iac.yaml", async () => {
  const env = { IAC_BACKEND_URL: "file://./elsewhere" };
  const ls = await project.run(["stack", "ls", "--json"], { env });
  assert.equal(ls.code, 0, show(ls));
  assert.deepEqual(JSON.parse(ls.stdout), [], "the other backend has no stacks yet");
  const r = await project.run(["up", "--yes"], { env });
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /Resources: 2 created/);
  assert.ok(await project.exists(join("elsewhere", ".iac", "stacks", "dev", "snapshot.json")));
  const d = await project.run(["destroy", "--yes"], { env });
  assert.equal(d.code, 0, show(d));
  // The iac.yaml backend was not touched: its stack still has its resources.
  const out = await project.run(["stack", "output", "value"]);
  assert.equal(out.stdout.trim(), "one", show(out));
});

test("an unsupported backend URL is refused with exit 1, naming the URL and where it came from", async () => {
  const fromYaml = await project.run(["stack", "ls"], { env: { IAC_BACKEND_URL: "s3://bucket/prefix" } });
  assert.equal(fromYaml.code, 1, show(fromYaml));
  assert.match(fromYaml.stderr, /s3:\/\/bucket\/prefix is not supported/);
  assert.match(fromYaml.stderr, /comes from the environment variable IAC_BACKEND_URL/);
  assert.doesNotMatch(fromYaml.stderr, /internal error/);
});

test("azblob:// without credentials says which environment variables to set", async () => {
  const r = await project.run(["stack", "ls"], { env: { IAC_BACKEND_URL: "azblob://state/clitest" } });
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /AZURE_STORAGE_/);
  assert.match(r.stderr, /comes from the environment variable IAC_BACKEND_URL/);
  assert.doesNotMatch(r.stderr, /internal error/);
});

test("azblob:// (on Azurite): up, a no-op preview and destroy; the exported state holds secrets encrypted", async (t) => {
  if (azurite === undefined) return t.skip(`Azurite is not available: ${azuriteSkip || "it did not start"}`);
  const env = { ...azurite.env, IAC_BACKEND_URL: "azblob://iacstate/cli-test" };
  const up = await project.run(["up", "--yes", "--verbose"], { env });
  assert.equal(up.code, 0, show(up));
  assert.match(up.stdout, /Resources: 2 created/);
  assert.match(up.stdout, /^State: azblob:\/\/iacstate\/cli-test \(stack dev\)$/m);
  const ls = await project.run(["stack", "ls", "--json"], { env });
  const stacks = JSON.parse(ls.stdout) as { name: string; resourceCount: number }[];
  assert.deepEqual(stacks.map((s) => [s.name, s.resourceCount]), [["dev", 2]], show(ls));
  const p = await project.run(["preview", "--expect-no-changes"], { env });
  assert.equal(p.code, 0, show(p));
  const exported = await project.run(["state", "export"], { env });
  assert.equal(exported.code, 0, show(exported));
  const secret = await project.run(["stack", "output", "password", "--show-secrets"], { env });
  assert.equal(secret.code, 0, show(secret));
  assert.ok(secret.stdout.trim().length === 20, show(secret));
  assert.ok(!exported.stdout.includes(secret.stdout.trim()), "the exported state holds the password encrypted");
  const d = await project.run(["destroy", "--yes"], { env });
  assert.equal(d.code, 0, show(d));
});

test("azblob:// (on Azurite): iac cancel does not break the lease of a run that is going, unless --force", async (t) => {
  if (azurite === undefined) return t.skip(`Azurite is not available: ${azuriteSkip || "it did not start"}`);
  // A program that waits for a file, so the up holds the lease for as long as the test wants.
  const waiting = await TestProject.create({
    files: {
      "index.ts": `
import { existsSync } from "node:fs";
import { Thing } from "./thing.js";
while (!existsSync(new URL("./go", import.meta.url))) await new Promise((r) => setTimeout(r, 50));
export const value = new Thing("thing", { value: "v" }).value;
`,
    },
  });
  t.after(() => waiting.remove());
  const env = { ...azurite.env, IAC_BACKEND_URL: "azblob://iacstate/cli-cancel" };
  const holder = waiting.spawn(["up", "--yes"], { env });
  const holderDone = finish(holder);
  await waitFor("the up to take the lease", async () => {
    const ls = await waiting.run(["stack", "ls", "--json"], { env });
    return ls.code === 0 && /"locked"/.test(ls.stdout);
  });
  const refused = await waiting.run(["cancel", "--yes"], { env });
  assert.equal(refused.code, 1, show(refused));
  assert.match(refused.stderr, new RegExp(`pid ${holder.pid}`));
  assert.match(refused.stderr, /holds the lease/);
  assert.match(refused.stderr, /was not broken/);
  assert.match(refused.stderr, /--force/);
  await waiting.write({ go: "" });
  const r = await holderDone;
  assert.equal(r.code, 0, `the holder was left alone and finished\n${show(r)}`);
  const d = await waiting.run(["destroy", "--yes"], { env });
  assert.equal(d.code, 0, show(d));
});

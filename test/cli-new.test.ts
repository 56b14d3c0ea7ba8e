/**
 * `iac new [template] [dir]` (issue 12): each template gives a project (package.json, iac.yaml,
 * tsconfig.json, index.ts, .gitignore) whose program type-checks and runs; a directory that is not
 * empty is refused unless --force.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IAC, ROOT } from "./cli-fixture.js";

// Under the checkout (gitignored test/.tmp), so the new projects resolve @iac/* as installed ones would.
const base = join(ROOT, "test", ".tmp", `new-${randomBytes(4).toString("hex")}`);
const iac = (args: readonly string[], cwd = base) => {
  const r = spawnSync(process.execPath, [IAC, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", IAC_HOME: join(base, ".home") } });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
};

before(() => mkdir(base, { recursive: true }));
after(() => rm(base, { recursive: true, force: true }));

test("iac new random creates the five files, a strict tsconfig, and a program that previews", async () => {
  const r = iac(["new", "random", "my-app"]);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual((await readdir(join(base, "my-app"))).sort(), [".gitignore", "iac.yaml", "index.ts", "package.json", "tsconfig.json"]);
  const pkg = JSON.parse(await readFile(join(base, "my-app", "package.json"), "utf8")) as { name: string; type: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
  assert.equal(pkg.name, "my-app");
  assert.equal(pkg.type, "module");
  assert.deepEqual(Object.keys(pkg.dependencies), ["@iac/sdk"]);
  assert.ok(pkg.devDependencies["@iac/cli"]);
  // esbuild's install script is reviewed: npm 11.16+ does not list it, npm 12 does not skip it.
  assert.deepEqual((pkg as { allowScripts?: unknown }).allowScripts, { esbuild: true });
  assert.match(await readFile(join(base, "my-app", "iac.yaml"), "utf8"), /^name: my-app$/m);
  assert.equal((JSON.parse(await readFile(join(base, "my-app", "tsconfig.json"), "utf8")) as { compilerOptions: { strict: boolean } }).compilerOptions.strict, true);
  assert.match(await readFile(join(base, "my-app", ".gitignore"), "utf8"), /^node_modules\/$/m);
  const preview = iac(["preview"], join(base, "my-app"));
  assert.equal(preview.code, 0, preview.out);
  assert.match(preview.out, /Resources: 2 to create/);
});

test("a directory that is not empty is refused with exit 2 and left as it was; --force writes into it", async () => {
  await mkdir(join(base, "busy"), { recursive: true });
  await writeFile(join(base, "busy", "notes.txt"), "mine");
  const r = iac(["new", "empty", "busy"]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /busy is not empty \(it holds notes\.txt\).*--force/);
  assert.deepEqual(await readdir(join(base, "busy")), ["notes.txt"]);
  const forced = iac(["new", "empty", "busy", "--force", "--name", "Busy Project"]);
  assert.equal(forced.code, 0, forced.out);
  assert.equal((await readdir(join(base, "busy"))).length, 6);
  assert.match(await readFile(join(base, "busy", "iac.yaml"), "utf8"), /^name: Busy Project$/m);
  assert.equal((JSON.parse(await readFile(join(base, "busy", "package.json"), "utf8")) as { name: string }).name, "busy-project", "a valid npm name");
  const preview = iac(["preview"], join(base, "busy"));
  assert.equal(preview.code, 0, preview.out);
  assert.match(preview.out, /greeting: +"hello"/);
});

test("an unknown template is refused naming the ones there are", () => {
  const r = iac(["new", "aws", "x"]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /Choices: "empty", "random", "azure", "flux-gitops"/);
});

test("the azure template (a container group) previews on the local cloud", () => {
  const r = iac(["new", "azure", "aci"]);
  assert.equal(r.code, 0, r.out);
  const preview = iac(["preview", "--local"], join(base, "aci"));
  assert.equal(preview.code, 0, preview.out);
  assert.match(preview.out, /azure:containerinstance:ContainerGroup +web +create/);
  assert.match(preview.out, /Resources: 2 to create/);
});

test("the flux-gitops template type-checks, and its program asks which Flux to install", () => {
  const r = iac(["new", "flux-gitops", "gitops"]);
  assert.equal(r.code, 0, r.out);
  const preview = iac(["preview"], join(base, "gitops"));
  // Past the type check (which would exit 2): the program itself stops, naming the config to set.
  assert.equal(preview.code, 1, preview.out);
  assert.match(preview.out, /iac config set fluxVersion/);
});

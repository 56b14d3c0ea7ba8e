/**
 * iac installs like any npm tool (issue 12): `npm pack` tarballs of every package (scripts/pack.mjs)
 * install into a fresh project outside the checkout, offline (`npm ci --offline` from npm's cache,
 * with a lockfile of the versions the checkout installed), and the installed `iac`
 * (compiled JavaScript, no tsx for the CLI itself) type-checks and runs a program that uses the
 * SDK, a hand-written Azure type and a generated one against the local cloud.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./cli-fixture.js";

const PROGRAM = `
import { RandomString } from "@iac/sdk/random";
import { ResourceGroup } from "@iac/azure";
import { VirtualNetwork } from "@iac/azure/network";

const suffix = new RandomString("suffix", { length: 6, special: false, upper: false });
const group = new ResourceGroup("rg", { location: "westeurope" });
const vnet = new VirtualNetwork("vnet", { resourceGroupName: group.name, location: "westeurope", properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] } } });
export const name = suffix.result;
export const vnetId = vnet.id;
`;

let dir: string;
let iac: (args: string[]) => { code: number | null; out: string };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "iac-install-"));
  const pack = (await import(join(ROOT, "scripts", "pack.mjs"))) as { packAll: (out: string) => string[]; installInto: (dir: string, tarballs: string[]) => void };
  const tarballs = pack.packAll(join(dir, "tarballs"));
  pack.installInto(join(dir, "project"), tarballs);
  await writeFile(join(dir, "project", "iac.yaml"), "name: installed\n");
  await writeFile(join(dir, "project", "index.ts"), PROGRAM);
  iac = (args) => {
    const r = spawnSync(join(dir, "project", "node_modules", ".bin", "iac"), args, {
      cwd: join(dir, "project"),
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", IAC_HOME: join(dir, "home"), NODE_OPTIONS: "" },
    });
    return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
  };
});
after(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test("the installed packages hold JavaScript and declarations, their licence, and no TypeScript sources", async () => {
  const cli = join(dir, "project", "node_modules", "@iac", "cli");
  const manifest = JSON.parse(await readFile(join(cli, "package.json"), "utf8")) as { license?: string; exports: Record<string, unknown> };
  assert.equal(manifest.license, "Apache-2.0");
  // Each package carries the licence's text (the repository's LICENSE), not only its name.
  for (const pkg of ["cli", "sdk", "engine", "azure", "kubernetes", "emulator"]) {
    assert.match(await readFile(join(dir, "project", "node_modules", "@iac", pkg, "LICENSE"), "utf8"), /^Apache License\s+Version 2\.0, January 2004/, `@iac/${pkg} ships LICENSE`);
  }
  assert.deepEqual(manifest.exports["."], { types: "./dist/index.d.ts", default: "./dist/index.js" });
  assert.ok(existsSync(join(cli, "dist", "main.js")));
  assert.equal(existsSync(join(cli, "src")), false);
  assert.ok(existsSync(join(dir, "project", "node_modules", "@iac", "azure", "generated", "network.js")), "generated Azure modules ship");
  assert.ok(existsSync(join(dir, "project", "node_modules", "@iac", "azure-spec", "data")), "the Azure type data ships");
  assert.ok(existsSync(join(cli, "templates", "flux-gitops", "index.ts")), "the templates of iac new ship");
});

test("the installed iac prints its version, and previews, deploys and destroys a program on the local cloud", () => {
  const version = iac(["--version"]);
  assert.equal(version.code, 0, version.out);
  assert.match(version.out, /^0\.1\.0/);
  const preview = iac(["preview", "--local"]);
  assert.equal(preview.code, 0, preview.out);
  assert.match(preview.out, /Resources: 3 to create/);
  const up = iac(["up", "--yes", "--local"]);
  assert.equal(up.code, 0, up.out);
  assert.match(up.out, /vnetId: +"\/subscriptions\/.+\/virtualNetworks\/vnet-/);
  const destroy = iac(["destroy", "--yes", "--local"]);
  assert.equal(destroy.code, 0, destroy.out);
  assert.match(destroy.out, /Resources: 3 deleted/);
});

test("the installed iac compiles the program without esbuild's worker thread (a second V8 isolate), unless the user set it", async () => {
  const program = join(dir, "project", "index.ts");
  const before = await readFile(program, "utf8");
  try {
    await writeFile(program, `${before}\nexport const esbuildWorkers = process.env.ESBUILD_WORKER_THREADS ?? "unset";\n`);
    const r = iac(["preview", "--local"]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /esbuildWorkers: +"0"/);
  } finally {
    await writeFile(program, before);
  }
});

test("the installed iac type-checks the program (TypeScript 7 ships with it)", async () => {
  await writeFile(join(dir, "project", "index.ts"), `${PROGRAM}\nexport const typo = name.lenght;\n`);
  const r = iac(["preview"]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /index\.ts:12:\d+ - error TS2339: Property 'lenght' does not exist/);
});

test("the installed iac creates a project from a template it ships", async () => {
  const r = iac(["new", "azure", join(dir, "fresh")]);
  assert.equal(r.code, 0, r.out);
  assert.match(await readFile(join(dir, "fresh", "index.ts"), "utf8"), /new ContainerGroup\("web"/);
});

test("the installed iac runs its controller, with the Stack CRD shipped beside it", async () => {
  const r = iac(["controller", "--kubeconfig", join(dir, "no-such-kubeconfig")]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /Cannot load .*no-such-kubeconfig: ENOENT.*Pass --kubeconfig <file>, or run the controller in a pod\./);
  assert.match(await readFile(join(dir, "project", "node_modules", "@iac", "controller", "deploy", "crd.yaml"), "utf8"), /name: stacks\.iac\.dev/);
});

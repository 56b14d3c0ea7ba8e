#!/usr/bin/env node
// The main job on the local cloud: deploy the realtime app (examples/aci-realtime) with `iac up --local`,
// show its outputs, and say how to look around and clean up. Runs under Node >= 22 (see scripts/node24.mjs).
//
// The demo runs a copy of the example in the OS temp directory (its node_modules a link to the
// checkout's), with iac's config directory (the stack's key file) inside that copy: it leaves no
// file in the checkout and none in the user's ~/.config.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const iac = fileURLToPath(new URL("../packages/cli/bin/iac.js", import.meta.url));
const example = fileURLToPath(new URL("../examples/aci-realtime", import.meta.url));
const demo = join(tmpdir(), "iac-demo-aci-realtime");
const home = join(demo, ".iac-home");

if (!existsSync(new URL("../node_modules/tsx", import.meta.url))) {
  console.log("Installing dependencies (npm ci)...");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

mkdirSync(demo, { recursive: true });
for (const file of ["index.ts", "iac.yaml", "package.json"]) cpSync(join(example, file), join(demo, file));
linkNodeModules(join(root, "node_modules"), join(demo, "node_modules"));

/**
 * Points the copy's node_modules at this checkout's. A link left by an earlier demo from another
 * checkout (moved, deleted, or simply another clone) is replaced: the demo runs this checkout's iac.
 * A real folder there (someone installed into the copy) is left as it is.
 */
function linkNodeModules(target, link) {
  let current;
  try {
    current = lstatSync(link);
  } catch {
    current = undefined;
  }
  if (current?.isSymbolicLink()) {
    if (readlinkSync(link) === target) return;
    unlinkSync(link);
  } else if (current !== undefined) {
    return;
  }
  symlinkSync(target, link, "dir");
}

function iacRun(...args) {
  console.log(`\n$ iac ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [iac, ...args], { cwd: demo, stdio: "inherit", env: { ...process.env, IAC_HOME: home } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

iacRun("up", "--local", "--yes");
iacRun("stack", "output");
iacRun("preview", "--local", "--expect-no-changes");
console.log(`
The realtime app is deployed on the local cloud, from a copy of examples/aci-realtime in ${demo}
(state and the local cloud's data in ${join(demo, ".iac")}; the stack's key in ${home}).
Look around:   cd ${demo} && IAC_HOME=${home} npx iac state ls
Clean up:      cd ${demo} && IAC_HOME=${home} npx iac destroy --local --yes && rm -rf ${demo}`);

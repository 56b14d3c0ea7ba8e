#!/usr/bin/env node
// The main job on the local cloud: deploy the realtime app (examples/aci-realtime) with `iac up --local`,
// show its outputs, and say how to look around and clean up. Runs under Node >= 22 (see scripts/node24.mjs).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const iac = fileURLToPath(new URL("../packages/cli/bin/iac.js", import.meta.url));
const example = fileURLToPath(new URL("../examples/aci-realtime", import.meta.url));

if (!existsSync(new URL("../node_modules/tsx", import.meta.url))) {
  console.log("Installing dependencies (npm ci)...");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function iacRun(...args) {
  console.log(`\n$ iac ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [iac, ...args], { cwd: example, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

iacRun("up", "--local", "--yes");
iacRun("stack", "output");
iacRun("preview", "--local", "--expect-no-changes");
console.log(`
The realtime app is deployed on the local cloud (data in examples/aci-realtime/.iac/local).
Look around:   cd examples/aci-realtime && npx iac state ls
Clean up:      cd examples/aci-realtime && npx iac destroy --local --yes`);

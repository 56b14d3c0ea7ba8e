#!/usr/bin/env node
// The `iac` binary. The CLI and the user's program are TypeScript, loaded through tsx, so there is
// no build step and no binary to download. Node >= 22 is required (docs/decisions/0001-runtime.md):
// under an older node, iac re-runs itself under Node 24 taken from the npm registry.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  if (process.env.IAC_NODE_REEXEC) {
    console.error(`iac needs Node.js >= 22 (this is ${process.version}).`);
    process.exit(2);
  }
  const pkg = `node-${process.platform}-${process.arch}@24`;
  console.error(`iac needs Node.js >= 22 (this is ${process.version}); running it under Node 24 from the npm registry (${pkg}).`);
  const r = spawnSync("npx", ["-y", "-p", pkg, "--", "node", fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, IAC_NODE_REEXEC: "1" },
  });
  process.exit(r.status ?? (r.signal === "SIGINT" ? 130 : 1));
}
// Memory: a program declaring thousands of resources keeps most of what it allocates, so V8 grows
// its young generation to the default cap (2 x 64 MB semi-spaces on a machine with a lot of
// memory) and peak RSS follows (bench/engine.bench.ts: ~320 MB for 10,000 resources, ~230 MB
// with 16 MB semi-spaces, at the same speed). The cap is a flag of the process: node is
// replaced (process.execve: same pid, stdio, exit code and signals, so Ctrl-C and prompts work
// as before) by itself with the flag, before anything is loaded. Where execve does not exist
// (Windows) or the user set the flag, iac runs as it was started. IAC_NODE_FLAGS="" turns it off.
const SEMI_SPACE_FLAG = "--max-semi-space-size=16";
const nodeFlags = (process.env.IAC_NODE_FLAGS ?? SEMI_SPACE_FLAG).split(" ").filter(Boolean);
const setByUser = (flag) => process.execArgv.some((a) => a.startsWith(flag.split("=")[0])) || (process.env.NODE_OPTIONS ?? "").includes(flag.split("=")[0]);
if (!process.env.IAC_NODE_FLAGS_APPLIED && typeof process.execve === "function" && nodeFlags.length > 0 && !nodeFlags.every(setByUser)) {
  process.execve(process.execPath, [process.execPath, ...nodeFlags.filter((f) => !setByUser(f)), ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    ...process.env,
    IAC_NODE_FLAGS_APPLIED: "1",
  });
}
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));

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
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));

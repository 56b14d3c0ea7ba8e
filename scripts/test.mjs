#!/usr/bin/env node
// The project's test command: type-check every package, then run every test file with node's own
// test runner through tsx. Extra arguments are passed to `node --test` (e.g. a single file).
import { spawnSync } from "node:child_process";

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const extra = process.argv.slice(2);
if (!process.env.IAC_SKIP_TYPECHECK) run("npx", ["tsc", "-b"]);
const files = extra.length > 0 ? extra : ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/*/test/*.test.ts"];
run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=300000", ...files]);

#!/usr/bin/env node
// The project's test command: type-check every package, then run every test file with node's own
// test runner through tsx. Extra arguments are passed to `node --test` (e.g. a single file).
//
// Tests must leave nothing in the user's real iac config directory (~/.config/iac: stack key files,
// the Node 24 notice marker): the run gets a throwaway IAC_HOME, so a test that forgets to set its
// own writes there instead, and a file that appears in the real one during the run is named at the
// end (a test that passes an environment of its own without IAC_HOME). Node's compile cache goes
// into the throwaway home too.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { withFailureSummary } from "./failure-summary.mjs";

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  return r.status ?? 1;
}

/** Every file under `dir` (relative paths); none when it does not exist. */
function filesUnder(dir) {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
  } catch {
    return [];
  }
}

const extra = process.argv.slice(2);
if (!process.env.IAC_SKIP_TYPECHECK) {
  const status = run("npx", ["tsc", "-b"]);
  if (status !== 0) process.exit(status);
}
const files = extra.length > 0 ? extra : ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/*/test/*.test.ts"];
const realHome = process.env.XDG_CONFIG_HOME ? join(process.env.XDG_CONFIG_HOME, "iac") : join(homedir(), ".config", "iac");
const before = new Set(filesUnder(realHome));
const home = mkdtempSync(join(tmpdir(), "iac-test-home-"));
// `iac` enables node's compile cache (bin/iac.js); every test project is a new temp directory, so its
// entries would pile up in the machine's $TMPDIR/node-compile-cache run after run: keep them in the
// throwaway home instead (a user's own NODE_COMPILE_CACHE is left as it is).
const env = { ...process.env, IAC_HOME: process.env.IAC_HOME ?? home, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(home, "node-compile-cache") };
const summary = withFailureSummary();
const status = run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=300000", ...summary.args, ...files], env);
rmSync(home, { recursive: true, force: true });
const added = filesUnder(realHome).filter((f) => !before.has(f));
if (added.length > 0) {
  console.error(`\nwarning: the tests wrote into the real iac config directory ${realHome} (a test ran iac with an environment of its own and no IAC_HOME): ${added.join(", ")}`);
}
const ran = summary.print();
if (status === 0 && extra.length === 0 && ran === 0) {
  // The whole suite ran no test: a broken glob or runner, never a pass.
  console.error("\nnpm test ran no test at all: the test files were not found or the runner failed before it started.");
  process.exit(1);
}
process.exit(status);

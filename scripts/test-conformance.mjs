#!/usr/bin/env node
// `npm run test:conformance`: the conformance suite (docs/local-cloud-conformance.md). When the real
// cluster is a target (IAC_CONFORMANCE_TARGETS, default "emulated,real"), build it first (a no-op
// on a warm cache; a cold build takes long and prints its progress), then run the scenarios one
// file at a time. Extra arguments name scenario files.
import { spawnSync } from "node:child_process";
import { withFailureSummary } from "./failure-summary.mjs";

function run(cmd, args, { allowFailure = false } = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0 && !allowFailure) process.exit(r.status ?? 1);
  return r.status;
}

const targets = (process.env.IAC_CONFORMANCE_TARGETS ?? "emulated,real").split(",").map((s) => s.trim());
if (!process.env.IAC_SKIP_TYPECHECK) run("npx", ["tsc", "-p", "test/conformance"]);
if (targets.includes("real")) {
  // A component that fails to build is reported here; the scenarios that need it then fail.
  const status = run(process.execPath, ["--import", "tsx", "tools/real-cluster/cli.ts", "build"], { allowFailure: true });
  if (status !== 0) console.error("Some of the real cluster did not build (see above); the scenarios that need it will fail.");
}
const extra = process.argv.slice(2);
const files = extra.length > 0 ? extra : ["test/conformance/*.conformance.ts"];
const summary = withFailureSummary();
const status = run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=1800000", ...summary.args, ...files], { allowFailure: true });
summary.print();
process.exit(status ?? 1);

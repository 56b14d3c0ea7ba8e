/**
 * `.ci/run`'s decisions (docs/decisions/0009-ci-real-cluster.md), with stand-ins for `npm` and `go`
 * on PATH: npm test's failure fails the run; a build that runs out of its budget is stopped and
 * reported NOT RUN in a banner while the run exits 0 (npm test passed); a build that fails, a
 * missing Go or a failing conformance suite fail the run; all passing passes.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "iac-ci-run-"));
const script = join(dir, ".ci", "run");
mkdirSync(join(dir, ".ci"));
mkdirSync(join(dir, "bin"));
copyFileSync(join(ROOT, ".ci", "run"), script);
// A stand-in npm: each step's exit code (and the build's duration) comes from the environment.
writeFileSync(join(dir, "bin", "npm"), [
  "#!/bin/bash",
  'echo "npm $*"',
  'case "$*" in',
  '  "ci "*) exit 0 ;;',
  '  "test") exit ${FAKE_TEST:-0} ;;',
  '  "run real-cluster -- build") for i in $(seq 1 ${FAKE_BUILD_SECONDS:-0}); do sleep 1; done; exit ${FAKE_BUILD:-0} ;;',
  '  "run test:conformance") exit ${FAKE_CONFORMANCE:-0} ;;',
  "esac",
  "exit 99",
  "",
].join("\n"), { mode: 0o755 });
writeFileSync(join(dir, "bin", "go"), "#!/bin/bash\necho go1.26\n", { mode: 0o755 });

after(() => rmSync(dir, { recursive: true, force: true }));

function ciRun(env: Record<string, string>, withGo = true): Promise<{ code: number; out: string }> {
  const path = [join(dir, "bin"), dirname(process.execPath), "/usr/bin", "/bin"].join(":");
  if (!withGo) rmSync(join(dir, "bin", "go"), { force: true });
  return new Promise((done) => {
    execFile("bash", [script], { env: { PATH: path, HOME: dir, IAC_CI_NO_CHROMIUM: "1", ...env } }, (err, stdout, stderr) => {
      if (!withGo) writeFileSync(join(dir, "bin", "go"), "#!/bin/bash\necho go1.26\n", { mode: 0o755 });
      done({ code: err ? Number((err as { code?: unknown }).code) : 0, out: stdout + stderr });
    });
  });
}

describe(".ci/run", () => {
  it("passes when npm test, the build and the conformance suite pass, running them in that order", async () => {
    const r = await ciRun({});
    assert.equal(r.code, 0, r.out);
    const order = ["npm ci", "npm test", "npm run real-cluster -- build", "npm run test:conformance"].map((s) => r.out.indexOf(s));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), r.out);
  });

  it("fails with npm test, and runs nothing after it", async () => {
    const r = await ciRun({ FAKE_TEST: "1" });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /npm test FAILED/);
    assert.doesNotMatch(r.out, /real-cluster -- build/);
  });

  it("fails with the conformance suite", async () => {
    const r = await ciRun({ FAKE_CONFORMANCE: "1" });
    assert.equal(r.code, 1, r.out);
  });

  it("fails, loudly, when a component does not build or Go is missing", async () => {
    const failed = await ciRun({ FAKE_BUILD: "1" });
    assert.equal(failed.code, 1, failed.out);
    assert.match(failed.out, /CONFORMANCE SUITE NOT RUN: building the real cluster FAILED/);
    const noGo = await ciRun({}, false);
    assert.equal(noGo.code, 1, noGo.out);
    assert.match(noGo.out, /CONFORMANCE SUITE NOT RUN: Go is not installed/);
  });

  it("stops a build that outlasts its budget, says NOT RUN and why, and exits with npm test's status", async () => {
    // A 2-minute budget with 1 minute kept for the suite leaves the build its floor of 60 s.
    const r = await ciRun({ IAC_CI_BUDGET_MINUTES: "2", IAC_CI_CONFORMANCE_MINUTES: "1", FAKE_BUILD_SECONDS: "120" });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /CONFORMANCE SUITE NOT RUN: the real cluster's build did not finish within its budget/);
    assert.match(r.out, /the next run resumes from there/);
    assert.doesNotMatch(r.out, /npm run test:conformance/);
  });
});

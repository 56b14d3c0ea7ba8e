/**
 * The README's demo (`npm run demo`, scripts/demo.mjs) runs a copy of examples/aci-realtime in the
 * OS temp directory, its node_modules a link to the checkout's. A copy left by a demo run from
 * another checkout (moved or deleted since) has a link to elsewhere: the demo points it at this
 * checkout and runs, instead of failing on the existing link or running another checkout's iac.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

test("the demo replaces a node_modules link left by a demo from another checkout, deploys and finds nothing to change", (t) => {
  const tmp = mkdtempSync(join(tmpdir(), "iac-demo-test-"));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const demo = join(tmp, "iac-demo-aci-realtime");
  mkdirSync(demo, { recursive: true });
  symlinkSync(join(tmp, "a-deleted-checkout", "node_modules"), join(demo, "node_modules"), "dir");
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "demo.mjs")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(readlinkSync(join(demo, "node_modules")), join(ROOT, "node_modules"));
  assert.match(r.stdout, /Resources: 4 unchanged/, "the second preview finds nothing to change");
  assert.match(r.stdout, new RegExp(`from a copy of examples/aci-realtime in ${demo.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
});

/**
 * A run whose lock is taken from it (`iac cancel --force`) stops making cloud calls: no step
 * starts after it notices, and the run fails with StackLockLost instead of going on beside the
 * process that now holds the stack.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createFileBackend } from "../src/state/file-backend.js";
import { harness } from "./helpers/harness.js";

test("an up whose lock is broken while it runs starts no further cloud call and fails with StackLockLost", async (t) => {
  const h = await harness();
  t.after(() => h.cleanup());
  // A chain: each create waits for the one before, so the steps run one after another.
  await h.program(`
const a = new Thing("a", { value: 1 });
const b = new Thing("b", { value: a.arn });
const c = new Thing("c", { value: b.arn });
const d = new Thing("d", { value: c.arn });
const e = new Thing("e", { value: d.arn });
`);
  h.cloud.latencyMs = 300;
  const backend = createFileBackend({ projectDir: h.dir, project: "testproj", lockWatchMs: 50 });
  const running = h.run("up", { backend });
  // Once the first create is under way, another process breaks the lock and takes the stack.
  while (h.cloud.inFlight === 0) await new Promise((r) => setTimeout(r, 10));
  await h.backend.breakLock("dev");
  const other = await h.backend.lock("dev", "iac up (the other run)");
  const error = await running.then(() => undefined, (e: unknown) => e as Error & { code?: string });
  await other.release();
  assert.ok(error, "the run fails");
  assert.ok(error.code === "StackLockLost" || error.code === "StateConflict", `${error.code}: ${error.message}`);
  const creates = h.cloud.callsOf("create");
  assert.ok(creates.length <= 2, `no step starts once the loss is noticed (created: ${creates.join(", ")})`);
  assert.equal(h.cloud.objects.size, creates.length);
});

test("the steps a lost lock kept from starting say so (not 'interrupted'), and one warning says what happened and what to do", async (t) => {
  const h = await harness();
  t.after(() => h.cleanup());
  await h.program(`for (let i = 0; i < 6; i++) new Thing("t" + i, { value: i });\n`);
  h.cloud.latencyMs = 300;
  const backend = createFileBackend({ projectDir: h.dir, project: "testproj", lockWatchMs: 50 });
  const running = h.run("up", { backend, parallel: 1 });
  while (h.cloud.inFlight === 0) await new Promise((r) => setTimeout(r, 10));
  await h.backend.breakLock("dev");
  const error = await running.then(() => undefined, (e: unknown) => e as Error & { code?: string });
  assert.ok(error, "the run fails");
  const reasons = h.events.flatMap((e) => (e.kind === "step-skipped" ? [e.reason] : []));
  assert.ok(reasons.length >= 3, JSON.stringify(reasons));
  assert.deepEqual([...new Set(reasons)], ["not started: the stack's lock was lost"]);
  const warnings = h.events.flatMap((e) => (e.kind === "diagnostic" && e.severity === "warning" ? [e.message] : []));
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0]!, new RegExp(`^The run stopped because the stack's lock was lost: ${reasons.length} step\\(s\\) were not started \\(nothing was sent to the cloud for them\\).*run the command again`));
});

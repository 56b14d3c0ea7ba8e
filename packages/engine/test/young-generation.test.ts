/**
 * The young-generation cap (young-generation.ts): without a node flag, V8's new space stops growing
 * once it reaches the cap, where left alone it grows to its default maximum; a process given the
 * flag by its user is left alone. Each case is a fresh node process (V8's defaults).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { collectGarbage, YoungGenerationCap } from "../src/young-generation.js";

const CHILD = fileURLToPath(new URL("./fixtures/young-generation-child.ts", import.meta.url));

function child(mode: "cap" | "none"): { newSpaceMb: number; held: boolean } {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return JSON.parse(execFileSync(process.execPath, ["--import", "tsx", CHILD, mode], { env, encoding: "utf8" })) as { newSpaceMb: number; held: boolean };
}

test("a program that keeps what it allocates grows V8's new space past the cap when nothing holds it", () => {
  assert.ok(child("none").newSpaceMb > 8, "V8's own growth (the control: otherwise the next test proves nothing)");
});

test("the cap holds the new space at its size (2 x 2 MB semi-spaces here) once it has grown to it", () => {
  const r = child("cap");
  assert.equal(r.held, true);
  assert.ok(r.newSpaceMb <= 4.5, `new space ${r.newSpaceMb} MB`);
});

test("a process given --max-semi-space-size (or the growth factor) by its user is left as it is", () => {
  assert.equal(new YoungGenerationCap({ execArgv: ["--max-semi-space-size=64"], nodeOptions: "" }).held, true);
  assert.equal(new YoungGenerationCap({ execArgv: [], nodeOptions: "--semi-space-growth-factor=4" }).held, true);
  assert.equal(new YoungGenerationCap({ execArgv: [], nodeOptions: "" }).held, false);
});

test("collectGarbage collects, without node's --expose-gc: an object no longer referenced is gone", async () => {
  // Not in the first job: a WeakRef's target is kept until the job that created the WeakRef ends.
  const ref = await new Promise<WeakRef<object>>((resolve) => setImmediate(() => resolve(new WeakRef({ big: new Array(1000).fill(0) }))));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(process.execArgv.includes("--expose-gc"), false);
  collectGarbage();
  assert.equal(ref.deref(), undefined);
});

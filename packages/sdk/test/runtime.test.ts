/**
 * The program's async context: runWithMonitor gives each run its own monitor, reached by
 * everything the run starts (Output callbacks, timers, awaited continuations), so runs interleaved
 * in one process do not see each other's. The process default (setMonitor) is only a fallback.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Config, getStack } from "@iac/sdk";
import { getMonitor, runWithMonitor, setMonitor, tryGetMonitor } from "@iac/sdk/runtime";
import { FakeMonitor, settle } from "./fake-monitor.js";
import { Thing } from "./helpers.js";

afterEach(() => setMonitor(undefined));

/** A monitor for stack `stack` whose config `proj:word` is `word`. */
const stackMonitor = (stack: string, word: string) => new FakeMonitor({ stack, config: { "proj:word": word } });

describe("runWithMonitor", () => {
  it("keeps two interleaved runs apart: top level, Output callbacks, timers and config reads reach their own monitor", async () => {
    let releaseBoth!: () => void;
    const both = new Promise<void>((resolve) => (releaseBoth = resolve));
    const program = async (tag: string) => {
      const first = new Thing(`first-${tag}`, { v: tag });
      // Declared from an Output callback.
      first.urn.apply(() => new Thing(`cb-${tag}`, {}));
      await both;
      // Declared from a timer, after the other run has declared its own.
      await new Promise<void>((resolve) => setTimeout(() => (new Thing(`timer-${tag}`, {}), resolve()), 0));
      return { stack: getStack(), word: new Config().require("word") };
    };
    const a = stackMonitor("stack-a", "alpha");
    const b = stackMonitor("stack-b", "beta");
    const ra = runWithMonitor(a, () => program("a"));
    const rb = runWithMonitor(b, () => program("b"));
    assert.equal(tryGetMonitor(), undefined, "outside both runs there is no monitor");
    releaseBoth();
    assert.deepEqual(await ra, { stack: "stack-a", word: "alpha" });
    assert.deepEqual(await rb, { stack: "stack-b", word: "beta" });
    await settle();
    const names = (m: FakeMonitor) => m.reserved.map((u) => u.split("::").pop()).sort();
    assert.deepEqual(names(a), ["cb-a", "first-a", "timer-a"]);
    assert.deepEqual(names(b), ["cb-b", "first-b", "timer-b"]);
    assert.ok(a.reserved.every((u) => u.startsWith("urn:iac:stack-a::")));
  });

  it("is preferred to the process default, which only serves code outside every run", () => {
    const fallback = new FakeMonitor();
    const run = new FakeMonitor();
    setMonitor(fallback);
    assert.equal(tryGetMonitor(), fallback);
    runWithMonitor(run, () => assert.equal(getMonitor(), run));
    assert.equal(tryGetMonitor(), fallback);
    setMonitor(undefined);
    assert.throws(() => getMonitor(), /No iac deployment is running/);
  });

  it("is one context for every copy of @iac/sdk in the process", async () => {
    // A second instance of the module (as a program resolving its own copy would load it).
    const copy = (await import(`../src/runtime.ts?copy=${Date.now()}`)) as typeof import("@iac/sdk/runtime");
    assert.notEqual(copy.runWithMonitor, runWithMonitor, "a distinct module instance");
    const m = new FakeMonitor();
    runWithMonitor(m, () => assert.equal(copy.tryGetMonitor(), m));
    copy.runWithMonitor(m, () => assert.equal(tryGetMonitor(), m));
  });
});

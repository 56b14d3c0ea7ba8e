import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { walkReverse } from "../src/graph.js";
import { Limiter } from "../src/limiter.js";
import { harness, type Harness } from "./helpers/harness.js";

describe("engine: scheduling by the graph", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("independent creates run in parallel, bounded by --parallel", async () => {
    h.cloud.latencyMs = 10;
    await h.program(`for (let i = 0; i < 12; i++) new Thing("t" + i, {});\n`);
    await h.run("up", { parallel: 4 });
    assert.equal(h.cloud.objects.size, 12);
    assert.equal(h.cloud.maxInFlight, 4);
  });

  test("deletes of independent resources run in parallel; a chain runs in order", async () => {
    await h.program(`let prev: Thing | undefined;\nfor (let i = 0; i < 3; i++) prev = new Thing("c" + i, prev ? { value: prev.arn } : {});\nfor (let i = 0; i < 6; i++) new Thing("f" + i, {});\n`);
    await h.run("up");
    h.cloud.latencyMs = 10;
    h.cloud.calls.length = 0;
    h.cloud.maxInFlight = 0;
    await h.run("destroy", { parallel: 8 });
    assert.ok(h.cloud.maxInFlight > 1, `deletes ran one at a time (max ${h.cloud.maxInFlight})`);
    const chain = h.cloud.callsOf("delete").filter((n) => n.startsWith("c"));
    assert.deepEqual(chain, ["c2", "c1", "c0"]);
  });
});

describe("engine: step-start and Ctrl-C", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  /** Runs `operation` and aborts when the first step starts; `h.events` gets every event. */
  async function abortAtFirstStart(operation: "up" | "destroy") {
    const ac = new AbortController();
    const r = await h.run(operation, {
      parallel: 1,
      signal: ac.signal,
      onEvent: (e) => {
        h.events.push(e);
        if (e.kind === "step-start") ac.abort();
      },
    });
    return r;
  }

  test("step-start is emitted when a step holds a --parallel slot, not while it waits for one", async () => {
    h.cloud.latencyMs = 20;
    await h.program(`for (let i = 0; i < 3; i++) new Thing("t" + i, {});\n`);
    const finishedAtStart: number[] = [];
    await h.run("up", {
      parallel: 1,
      onEvent: (e) => {
        h.events.push(e);
        if (e.kind === "step-start") finishedAtStart.push(h.cloud.callsOf("create").length);
      },
    });
    // With one slot, the n-th step starts once the n-1 before it have finished their create.
    assert.deepEqual(finishedAtStart, [0, 1, 2]);
  });

  test("after an abort, queued creates never start: they are skipped as interrupted, the running one finishes and is recorded", async () => {
    h.cloud.latencyMs = 30;
    await h.program(`for (let i = 0; i < 4; i++) new Thing("t" + i, {});\n`);
    const r = await abortAtFirstStart("up");
    assert.equal(r.interrupted, true);
    assert.equal(r.failed, 0);
    assert.equal(h.cloud.objects.size, 1);
    assert.equal(h.steps("step-start").length, 1);
    assert.deepEqual(h.steps("step-done"), h.steps("step-start"));
    const skipped = h.events.flatMap((e) => (e.kind === "step-skipped" ? [e.reason] : []));
    assert.deepEqual(skipped, ["interrupted", "interrupted", "interrupted"]);
    const s = await h.state();
    assert.equal(s.resources.length, 1);
    assert.deepEqual(s.pendingOperations, []);
  });

  test("Ctrl-C does not abort the provider calls in flight: they finish and are recorded, and the run says what it waits for", async () => {
    h.cloud.latencyMs = 150;
    await h.program(`for (let i = 0; i < 6; i++) new Thing("t" + i, {});\n`);
    const ac = new AbortController();
    // Interrupted once both calls have reached the cloud.
    const poll = setInterval(() => h.cloud.inFlight === 2 && ac.abort(), 2);
    const r = await h.run("up", { parallel: 2, signal: ac.signal }).finally(() => clearInterval(poll));
    assert.equal(r.interrupted, true);
    assert.equal(r.failed, 0, "no call in flight was aborted");
    assert.equal(h.cloud.objects.size, 2);
    const s = await h.state();
    assert.equal(s.resources.length, 2, "both creates in flight are recorded");
    assert.deepEqual(s.pendingOperations, []);
    const notice = h.events.find((e) => e.kind === "diagnostic" && /^Interrupted/.test(e.message));
    assert.ok(notice?.kind === "diagnostic");
    assert.match(notice.message, /waiting for 2 cloud operation\(s\).*create urn:iac:dev::testproj::test:index:Thing::t0.*create urn:iac:dev::testproj::test:index:Thing::t1/);
  });

  test("the abort option aborts the provider calls in flight: they fail, and nothing is left half-recorded", async () => {
    h.cloud.latencyMs = 150;
    await h.program(`for (let i = 0; i < 2; i++) new Thing("t" + i, {});\n`);
    const interrupt = new AbortController();
    const abort = new AbortController();
    // Both aborted once both calls have reached the cloud.
    const poll = setInterval(() => {
      if (h.cloud.inFlight < 2) return;
      interrupt.abort();
      abort.abort();
    }, 2);
    const r = await h.run("up", { parallel: 2, signal: interrupt.signal, abort: abort.signal }).finally(() => clearInterval(poll));
    assert.equal(r.interrupted, true);
    assert.equal(r.failed, 2);
    assert.equal(h.cloud.objects.size, 0);
    assert.equal((await h.state()).pendingOperations.length, 0, "an aborted call that failed is recorded as failed, not left pending");
  });

  test("create-before-delete replaces that had not started when interrupted leave their resources as they were", async () => {
    await h.program(`for (let i = 0; i < 3; i++) new Thing("t" + i, { key: "k1" });\n`);
    await h.run("up");
    h.cloud.latencyMs = 30;
    await h.program(`for (let i = 0; i < 3; i++) new Thing("t" + i, { key: "k2" });\n`);
    const r = await abortAtFirstStart("up");
    assert.equal(r.interrupted, true);
    // The started replace finished (its old copy waits, marked, for a delete no interrupted run starts);
    // the two that had not started left their resources untouched.
    assert.equal(h.cloud.objects.size, 4);
    const s = await h.state();
    assert.equal(s.resources.filter((x) => x.pendingDelete).length, 1);
    const keys = s.resources.filter((x) => !x.pendingDelete).map((x) => x.inputs.key).sort();
    assert.deepEqual(keys, ["k1", "k1", "k2"]);
    // The next run finishes the job.
    h.cloud.latencyMs = 0;
    const next = await h.run("up");
    assert.equal(next.failed, 0);
    assert.deepEqual(next.counts, { replace: 2, same: 1 });
    assert.equal(h.cloud.objects.size, 3);
  });

  test("after an abort, queued deletes never start; the running one is recorded", async () => {
    await h.program(`for (let i = 0; i < 4; i++) new Thing("t" + i, {});\n`);
    await h.run("up");
    h.cloud.latencyMs = 30;
    const r = await abortAtFirstStart("destroy");
    assert.equal(r.interrupted, true);
    assert.equal(r.failed, 0);
    assert.equal(h.cloud.objects.size, 3);
    assert.equal(h.steps("step-start").length, 1);
    assert.deepEqual(
      h.events.flatMap((e) => (e.kind === "step-skipped" ? [e.reason] : [])),
      ["interrupted", "interrupted", "interrupted"],
    );
    assert.equal((await h.state()).resources.length, 3);
  });
});

describe("Limiter", () => {
  test("never runs more than its limit at once and runs everything", async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let max = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          running++;
          max = Math.max(max, running);
          await new Promise((r) => setImmediate(r));
          running--;
          done.push(i);
        }),
      ),
    );
    assert.equal(max, 3);
    assert.equal(done.length, 20);
  });
});

describe("walkReverse", () => {
  const nodes = [
    { k: "a", deps: [] },
    { k: "b", deps: ["a"] },
    { k: "c", deps: ["b"] },
    { k: "x", deps: ["a"] },
  ];

  test("visits dependents before what they depend on", async () => {
    const order: string[] = [];
    await walkReverse({ nodes, key: (n) => n.k, edges: (n) => n.deps, visit: async (n) => void order.push(n.k), skip: () => undefined });
    assert.ok(order.indexOf("c") < order.indexOf("b"));
    assert.ok(order.indexOf("b") < order.indexOf("a"));
    assert.ok(order.indexOf("x") < order.indexOf("a"));
    assert.equal(order.length, 4);
  });

  test("a failure leaves what it depends on unvisited, and other branches go on", async () => {
    const order: string[] = [];
    const skipped: string[] = [];
    const r = await walkReverse({
      nodes,
      key: (n) => n.k,
      edges: (n) => n.deps,
      visit: async (n) => {
        if (n.k === "b") throw new Error("no");
        order.push(n.k);
      },
      skip: (n) => skipped.push(n.k),
    });
    assert.deepEqual(r, { failed: 1, skipped: 1 });
    assert.deepEqual(order.sort(), ["c", "x"]);
    assert.deepEqual(skipped, ["a"]);
  });

  test("nodes on a cycle are skipped, not waited for forever", async () => {
    const skipped: string[] = [];
    await walkReverse({
      nodes: [{ k: "p", deps: ["q"] }, { k: "q", deps: ["p"] }],
      key: (n) => n.k,
      edges: (n) => n.deps,
      visit: async () => undefined,
      skip: (n) => skipped.push(n.k),
    });
    assert.deepEqual(skipped.sort(), ["p", "q"]);
  });
});

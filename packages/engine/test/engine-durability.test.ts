import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";
import type { Backend, StateWriter } from "../src/state/types.js";

const nameOf = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

/** The harness's backend, with `wrap` deciding what the writer's `begin` and `end` do around the real ones. */
function wrapping(inner: Backend, wrap: (w: StateWriter) => Partial<Pick<StateWriter, "begin" | "end">>): Backend {
  const open: Backend["open"] = async (stack, crypter) => {
    const w = await inner.open(stack, crypter);
    return overlay<StateWriter>(w, wrap(w));
  };
  return overlay(inner, { open });
}

/** `target` with some methods replaced (the others bound to it: backends and writers are class instances). */
function overlay<T extends object>(target: T, over: Partial<T>): T {
  return new Proxy(target, {
    get(t, key) {
      if (key in over) return (over as Record<PropertyKey, unknown>)[key];
      const v: unknown = Reflect.get(t, key);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

describe("engine: while a --parallel slot is free, a step's end record is queued, not awaited", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("a dependent starts once its dependency's end is queued; its own begin is what makes that end durable", { timeout: 20_000 }, async () => {
    // Ends are held back until b's begin is called: an engine that waited for a's end to be
    // durable before giving b its input would never call b's begin (the test would time out).
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const backend = wrapping(h.backend, (w) => ({
      begin(op) {
        log.push(`begin ${nameOf(op.urn)}`);
        if (nameOf(op.urn) === "b") release();
        return w.begin(op);
      },
      end(handle, result) {
        const name = nameOf(handle.op.urn);
        const written = w.end(handle, result);
        log.push(`end ${name} queued`);
        return written.then(() => gate).then(() => void log.push(`end ${name} durable`));
      },
    }));
    await h.program(`const a = new Thing("a", {});\nnew Thing("b", { value: a.arn });\n`);
    const r = await h.run("up", { backend });
    assert.equal(r.failed, 0);
    assert.deepEqual(log.slice(0, 4), ["begin a", "end a queued", "begin b", "end a durable"]);
    // run() returned only once every end was durable.
    assert.ok(log.includes("end b durable"));
    const s = await h.state();
    assert.deepEqual(s.resources.map((x) => nameOf(x.urn)).sort(), ["a", "b"]);
    assert.deepEqual(s.pendingOperations, []);
    // step-done is reported when the end is queued: a's done comes before b starts.
    const order = h.events.flatMap((e) => (e.kind === "step-done" || e.kind === "step-start" ? [`${e.kind} ${e.step.name}`] : []));
    assert.ok(order.indexOf("step-done a") < order.indexOf("step-start b"), order.join(", "));
  });

  test("an end record that fails to become durable after the step was reported done fails the run with that error", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const backend = wrapping(h.backend, (w) => ({
        end: (handle, result) => w.end(handle, result).then(() => Promise.reject(new Error("the disk is full (test)"))),
      }));
      await h.program(`new Thing("a", {});\n`);
      await assert.rejects(h.run("up", { backend }), /the disk is full \(test\)/);
      assert.deepEqual(h.steps("step-done"), ["create a"]);
      assert.ok(!h.events.some((e) => e.kind === "summary"), "no summary for a run whose state is not known to be recorded");
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      // The state was closed and the lock released: the next run goes ahead.
      const again = await h.run("up");
      assert.equal(again.failed, 0);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  test("destroy deletes a dependency as soon as its dependents' end records are queued", { timeout: 20_000 }, async () => {
    await h.program(`const a = new Thing("a", {});\nnew Thing("b", { value: a.arn });\n`);
    await h.run("up");
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const backend = wrapping(h.backend, (w) => ({
      begin(op) {
        log.push(`begin ${op.op} ${nameOf(op.urn)}`);
        if (nameOf(op.urn) === "a") release();
        return w.begin(op);
      },
      end(handle, result) {
        const written = w.end(handle, result);
        log.push(`end ${nameOf(handle.op.urn)} queued`);
        return written.then(() => gate);
      },
    }));
    const r = await h.run("destroy", { backend });
    assert.equal(r.failed, 0);
    assert.deepEqual(log.slice(0, 3), ["begin delete b", "end b queued", "begin delete a"]);
    assert.equal(h.cloud.objects.size, 0);
    assert.deepEqual((await h.state()).resources, []);
  });
});

describe("engine: a --parallel slot bounds the cloud calls, not the journal's flushes", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  for (const operation of ["up", "destroy"] as const) {
    test(`${operation}: the begins of up to three times --parallel steps beyond those in the cloud are written while it works, no more`, { timeout: 20_000 }, async () => {
      await h.program(Array.from({ length: 10 }, (_, i) => `new Thing("t${i}", {});\n`).join(""));
      if (operation === "destroy") await h.run("up");
      h.cloud.latencyMs = 30;
      h.cloud.maxInFlight = 0;
      const callsAtStart = h.cloud.calls.length;
      let begun = 0;
      let ended = 0;
      let maxOpen = 0;
      let maxNotSent = 0;
      const backend = wrapping(h.backend, (w) => ({
        begin(op) {
          begun++;
          maxOpen = Math.max(maxOpen, begun - ended);
          // Begun, and not (yet) sent to the cloud: neither finished nor in flight.
          maxNotSent = Math.max(maxNotSent, begun - (h.cloud.calls.length - callsAtStart) - h.cloud.inFlight);
          return w.begin(op);
        },
        end(handle, result) {
          ended++;
          return w.end(handle, result);
        },
      }));
      const r = await h.run(operation, { backend, parallel: 2 });
      assert.equal(r.failed, 0);
      assert.equal(h.cloud.maxInFlight, 2, "at most --parallel calls in the cloud at once");
      // One slot's worth of begins per flush was at most 3 open (2 in slots, 1 whose end was not yet queued).
      assert.ok(maxOpen >= 4, `begins are written ahead of a free slot (at most ${maxOpen} open)`);
      // What a crash may leave pending that never reached the cloud: four times --parallel (at the
      // start, every lookahead slot's begin is queued before any call; decisions/0012, decision 9),
      // where it was --parallel before decision 4 and twice --parallel before decision 9.
      assert.equal(maxNotSent, 8, "at most four times --parallel begun operations not yet sent");
      assert.deepEqual((await h.state()).pendingOperations, []);
      assert.equal(h.cloud.objects.size, operation === "up" ? 10 : 0);
    });
  }
});

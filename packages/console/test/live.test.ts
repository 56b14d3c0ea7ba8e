/**
 * The live stream against a backend whose stack changes under it: a run seen holding the lock,
 * and a run that took and released the lock between two ticks (found through the history).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend, HistoryEntry, LockStatus, ResourceState, Snapshot } from "@iac/engine";
import { MASKING_CRYPTER } from "../src/data.js";
import { watchStack, type LiveEvent } from "../src/live.js";

const res = (name: string, modified: string): ResourceState => ({ urn: `urn:iac:dev::p::t:index:T::${name}`, type: "t:index:T", custom: true, id: name, inputs: {}, outputs: {}, dependencies: [], modified });
const snap = (resources: ResourceState[]): Snapshot => ({ version: 1, project: "p", stack: "dev", secretsProvider: { type: "passphrase" }, resources, pendingOperations: [], outputs: {} });
const entry = (startTime: string): HistoryEntry => ({ version: 1, operation: "up", startTime, endTime: startTime, durationMs: 5, result: "succeeded", counts: { create: 1 }, failed: 0, command: "iac up", iacVersion: "0.1.0", host: "h" });

/** A backend whose state, lock and history the test sets. */
function fakeBackend() {
  const world = { snapshot: snap([res("a", "1")]), lock: undefined as LockStatus | undefined, history: [] as HistoryEntry[] };
  const backend = {
    url: "fake://",
    lockStatus: async () => world.lock,
    read: async () => world.snapshot,
    listHistory: async () => world.history.slice(0, 1),
  } as unknown as Backend;
  return { world, backend };
}

async function until(events: LiveEvent[], what: string, check: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`no ${what} in ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("a run seen holding the lock: status, its resources, then finished with the recorded update", async () => {
  const { world, backend } = fakeBackend();
  const events: LiveEvent[] = [];
  const abort = new AbortController();
  const done = watchStack({ backend, stack: "dev", view: { showSecrets: false, crypter: async () => MASKING_CRYPTER }, intervalMs: 5, signal: abort.signal, send: (e) => events.push(e) });
  await until(events, "idle status", () => events.some((e) => e.event === "status" && !e.data.running));
  world.lock = { holder: { host: "h", pid: 1, time: "2026-01-01T00:00:01.000Z", command: "up" }, liveness: "running", reason: "" };
  await until(events, "running status", () => events.some((e) => e.event === "status" && e.data.running));
  world.snapshot = snap([res("a", "2"), res("b", "1")]);
  world.history = [entry("2026-01-01T00:00:01.500Z")];
  world.lock = undefined;
  await until(events, "finished", () => events.some((e) => e.event === "finished"));
  abort.abort();
  await done;
  const seen = events.map((e) => (e.event === "resource" ? `${e.data.change} ${e.data.name}` : e.event === "status" ? `status ${e.data.running}` : e.event));
  assert.deepEqual(seen, ["pending", "status false", "status true", "updated a", "created b", "status false", "finished"]);
});

test("a run quicker than a tick is found through the history: its resources, then finished", async () => {
  const { world, backend } = fakeBackend();
  world.history = [entry("2026-01-01T00:00:00.000Z")];
  const events: LiveEvent[] = [];
  const abort = new AbortController();
  const done = watchStack({ backend, stack: "dev", view: { showSecrets: false, crypter: async () => MASKING_CRYPTER }, intervalMs: 5, signal: abort.signal, send: (e) => events.push(e) });
  await until(events, "idle status", () => events.some((e) => e.event === "status"));
  // Never locked while watched: only the history and the state say a run happened.
  world.snapshot = snap([res("a", "1"), res("c", "1")]);
  world.history = [entry("2026-01-01T00:00:05.000Z"), ...world.history];
  await until(events, "finished", () => events.some((e) => e.event === "finished"));
  abort.abort();
  await done;
  const finished = events.find((e) => e.event === "finished");
  assert.equal(finished?.event === "finished" ? finished.data.update?.id : undefined, "2026-01-01T00:00:05.000Z");
  assert.ok(events.some((e) => e.event === "resource" && e.data.change === "created" && e.data.name === "c"), JSON.stringify(events));
  assert.equal(events.filter((e) => e.event === "finished").length, 1, "reported once");
});

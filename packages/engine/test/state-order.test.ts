/**
 * Compaction writes resources in dependency order (model.ts). A run's writer hands its model's
 * snapshot, already in that order, and it is not ordered a second time (inDependencyOrder); any
 * other snapshot (`iac state import`, a backend's `write`) is.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { inDependencyOrder, StateModel } from "../src/state/model.js";
import type { ResourceState, Snapshot } from "../src/state/types.js";

const res = (urn: string, dependencies: string[] = [], extra: Partial<ResourceState> = {}): ResourceState =>
  ({ urn, type: "t:index:T", custom: true, id: `${urn}-id`, inputs: {}, outputs: {}, dependencies, ...extra }) as ResourceState;

const base = (resources: ResourceState[]): Snapshot => ({ version: 1, project: "p", stack: "dev", secretsProvider: { type: "keyfile" }, resources, pendingOperations: [], outputs: {} }) as Snapshot;

test("a snapshot out of order (as `iac state import` may give) is put in dependency order, copies after their live entry", () => {
  const c = res("c", ["b"]);
  const b = res("b", ["a"]);
  const a = res("a");
  const old = res("a", [], { id: "a-old", pendingDelete: true });
  const ordered = inDependencyOrder(base([c, old, b, a]));
  assert.deepEqual(ordered.resources.map((r) => `${r.urn}${r.pendingDelete ? "(old)" : ""}`), ["a", "a(old)", "b", "c"]);
});

test("the snapshot of a StateModel is taken as it is: the same object, not ordered again", () => {
  const model = new StateModel(base([res("c", ["b"]), res("b"), res("a")]));
  const snap = model.snapshot();
  assert.deepEqual(snap.resources.map((r) => r.urn), ["b", "c", "a"]);
  assert.equal(inDependencyOrder(snap), snap);
  // A copy of it is not known to be ordered: it is ordered (and comes out the same).
  const copy = { ...snap, resources: [...snap.resources].reverse() };
  assert.notEqual(inDependencyOrder(copy), copy);
  assert.deepEqual(inDependencyOrder(copy).resources.map((r) => r.urn), ["a", "b", "c"]);
});

/**
 * Group commit (state/group-commit.ts) as the steps of a run use it: each step waits for its
 * `begin` to be durable, makes its cloud call, then queues its `end` and the next step's `begin`.
 * What those waiters append in reaction to a write goes out together in the next write.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GroupCommit } from "../src/state/group-commit.js";
import { StateError } from "../src/state/errors.js";

test("what the waiters of a write append in reaction to it goes out in one next write, not one write each", async () => {
  const writes: string[][] = [];
  const commits = new GroupCommit({
    where: "test journal",
    write: async (text) => {
      writes.push(text.trim().split("\n"));
      // A disk: the write completes on another thread, a little later.
      await new Promise((resolve) => setTimeout(resolve, 2));
    },
    failedError: (failure) => new StateError("StateWriteFailed", String(failure)),
  });
  const SLOTS = 8;
  const STEPS = 5;
  // One --parallel slot: begin (awaited), the cloud call and the way back (more awaits in some
  // slots than in others, as steps differ), end (queued), the next step.
  const slot = async (s: number): Promise<void> => {
    for (let k = 0; k < STEPS; k++) {
      await commits.append({ kind: "begin", s, k });
      for (let hop = 0; hop < 2 + 3 * s; hop++) await Promise.resolve();
      void commits.append({ kind: "end", s, k });
    }
  };
  await Promise.all(Array.from({ length: SLOTS }, (_, s) => slot(s)));
  await commits.close();
  assert.equal(writes.flat().length, 2 * SLOTS * STEPS, "every record was written once");
  // One write per round of the slots (their begins with the ends of the round before), plus the last ends.
  assert.ok(writes.length <= STEPS + 1, `${writes.length} writes for ${STEPS} rounds of ${SLOTS} slots: ${writes.map((w) => w.length).join(", ")}`);
});

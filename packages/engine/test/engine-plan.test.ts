import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UNKNOWN } from "@iac/sdk/provider";
import { wrapSecret } from "@iac/sdk/runtime";
import { adjustDiff, defaultDiff } from "../src/diff.js";
import { decide } from "../src/plan.js";
import { applyIgnoreChanges, deepEqual, mask, pathMatches } from "../src/values.js";

describe("decide", () => {
  const update = defaultDiff({ a: 1 }, { a: 2 });
  const replace = adjustDiff(update, { news: { a: 2 }, olds: { a: 1 }, replaceOnChanges: ["a"] });
  const table = [
    { name: "a new resource is created", input: { exists: false, protect: false, deleteBeforeReplace: false }, kind: "create" },
    { name: "a new resource with an import id is imported", input: { exists: false, importId: "x", protect: false, deleteBeforeReplace: false }, kind: "import" },
    { name: "no changes is same", input: { exists: true, diff: defaultDiff({ a: 1 }, { a: 1 }), protect: false, deleteBeforeReplace: false }, kind: "same" },
    { name: "a change updates", input: { exists: true, diff: update, protect: false, deleteBeforeReplace: false }, kind: "update" },
    { name: "a replacing change replaces", input: { exists: true, diff: replace, protect: false, deleteBeforeReplace: false }, kind: "replace" },
    { name: "protect blocks a replace", input: { exists: true, diff: replace, protect: true, deleteBeforeReplace: false }, kind: "blocked" },
    { name: "protect does not block an update", input: { exists: true, diff: update, protect: true, deleteBeforeReplace: false }, kind: "update" },
  ] as const;
  for (const row of table) {
    test(row.name, () => assert.equal(decide(row.input).kind, row.kind));
  }
  test("delete-before-replace comes from the option or the provider's diff", () => {
    const viaOption = decide({ exists: true, diff: replace, protect: false, deleteBeforeReplace: true });
    const viaDiff = decide({ exists: true, diff: { ...replace, deleteBeforeReplace: true }, protect: false, deleteBeforeReplace: false });
    assert.ok(viaOption.kind === "replace" && viaOption.deleteBeforeReplace);
    assert.ok(viaDiff.kind === "replace" && viaDiff.deleteBeforeReplace);
  });
});

describe("diffs", () => {
  test("the default diff reports adds, updates and deletes per top-level property", () => {
    const d = defaultDiff({ a: 1, b: { x: 1 }, gone: true }, { a: 1, b: { x: 2 }, added: "y" });
    assert.deepEqual(d.detailed.map((x) => [x.path, x.kind]), [["b", "update"], ["added", "add"], ["gone", "delete"]]);
  });
  test("an unknown new value may change, even when a provider called it equal", () => {
    assert.equal(defaultDiff({ a: 1 }, { a: UNKNOWN }).changes, true);
    const adjusted = adjustDiff({ changes: false, replaces: [], detailed: [] }, { news: { a: UNKNOWN }, olds: { a: 1 } });
    assert.equal(adjusted.changes, true);
  });
  test("replaceOnChanges matches the path, its parents and *", () => {
    assert.equal(pathMatches("tags.env", ["tags"]), true);
    assert.equal(pathMatches("tags", ["tags.env"]), true);
    assert.equal(pathMatches("size", ["*"]), true);
    assert.equal(pathMatches("size", ["tags"]), false);
  });
  test("ignoreChanges takes old values at the listed paths, or drops the property when it had none", () => {
    assert.deepEqual(applyIgnoreChanges({ a: 2, t: { x: 2, y: 2 } }, { a: 1, t: { x: 1, y: 1 } }, ["a", "t.x"]), { a: 1, t: { x: 1, y: 2 } });
    assert.deepEqual(applyIgnoreChanges({ a: 2, b: 1 }, { b: 1 }, ["a"]), { b: 1 });
    assert.deepEqual(applyIgnoreChanges({ list: [1, 2] }, { list: [9, 2] }, ["list[0]"]), { list: [9, 2] });
  });
  test("a secret equals its plain value in diffs; masks hide secrets and unknowns", () => {
    assert.equal(deepEqual(wrapSecret("x") as never, "x"), true);
    assert.deepEqual(mask({ s: wrapSecret("x"), u: UNKNOWN, n: [1, wrapSecret(2)] }), { s: "[secret]", u: "(known after apply)", n: [1, "[secret]"] });
  });
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ProviderError } from "@iac/sdk/provider";
import { harness, type Harness } from "./helpers/harness.js";

const URN = (name: string) => `urn:iac:dev::testproj::test:index:Thing::${name}`;

/**
 * The cloud's rule in these tests, as with Flux's image objects: `b` can only be deleted while every
 * `a` still has the capability it needs (the controllers that remove its finalizers).
 */
function bNeedsA(h: Harness): void {
  h.cloud.guard = (op, name) => {
    if (op !== "delete" || name !== "b") return;
    const as = h.cloud.named("a");
    if (as.length === 0 || as.some((o) => o.inputs.value !== "capable")) {
      throw new ProviderError("b cannot be deleted: a no longer has the capability its delete needs", { code: "Hung" });
    }
  };
}

/** The mutating calls, in order. */
const changes = (h: Harness) => h.cloud.calls.filter((c) => !c.startsWith("read:"));

const before = (calls: readonly string[], first: string, then: string) => {
  assert.ok(calls.includes(first) && calls.includes(then), calls.join(" "));
  assert.ok(calls.indexOf(first) < calls.indexOf(then), `${first} before ${then}: ${calls.join(" ")}`);
};

describe("engine: a resource no longer declared is deleted before the update of what it depended on", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("one up removes b and takes a's capability away: b's delete runs first", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a] });\nnew Thing("c", {});\n`);
    await h.run("up");
    bNeedsA(h);
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: "plain" });\nnew Thing("c", {});\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 0, JSON.stringify(h.events.filter((e) => e.kind === "step-failed")));
    assert.deepEqual(changes(h), ["delete:b", "update:a"]);
    assert.equal(r.counts.delete, 1);
    assert.equal(r.counts.update, 1);
    const s = await h.state();
    assert.deepEqual(s.resources.map((x) => x.urn).sort(), [URN("a"), URN("c")]);
    assert.deepEqual(h.cloud.named("b"), []);
    // Said once, naming both.
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && e.message.includes(`${URN("b")} is deleted before ${URN("a")} changes`)));
  });

  for (const [flavour, opts] of [
    ["create-before-delete", "{}"],
    ["delete-before-replace", "{ deleteBeforeReplace: true }"],
  ] as const) {
    test(`a replace of a (${flavour}) waits for the delete of b, which depended on it`, async () => {
      await h.program(`const a = new Thing("a", { key: "k1", value: "capable" }, ${opts});\nnew Thing("b", { value: a.arn });\n`);
      await h.run("up");
      bNeedsA(h);
      h.cloud.calls.length = 0;
      await h.program(`new Thing("a", { key: "k2", value: "plain" }, ${opts});\n`);
      const r = await h.run("up");
      assert.equal(r.failed, 0, JSON.stringify(h.events.filter((e) => e.kind === "step-failed")));
      const calls = changes(h);
      before(calls, "delete:b", "create:a");
      before(calls, "delete:b", "delete:a");
      assert.equal(r.counts.replace, 1);
      assert.equal(h.cloud.named("a").length, 1);
      assert.deepEqual((await h.state()).resources.map((x) => x.urn), [URN("a")]);
    });
  }

  test("what b holds goes first too: c (removed, depends on b), then b (retainOnDelete: state only), then a's update", async () => {
    h.cloud.guard = (op, name) => {
      if (op === "delete" && name === "c" && h.cloud.named("a")[0]?.inputs.value !== "capable") throw new ProviderError("c needs a", { code: "Hung" });
    };
    await h.program(`const a = new Thing("a", { value: "capable" });\nconst b = new Thing("b", {}, { dependsOn: [a], retainOnDelete: true });\nnew Thing("c", { value: b.arn });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: "plain" });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 0, JSON.stringify(h.events.filter((e) => e.kind === "step-failed")));
    assert.deepEqual(changes(h), ["delete:c", "update:a"]);
    const done = h.events.flatMap((e) => (e.kind === "step-done" ? [`${e.step.kind} ${e.step.name}`] : []));
    assert.deepEqual(done, ["delete c", "delete b", "update a"]);
    assert.equal(h.cloud.named("b").length, 1, "b stays in the cloud (retainOnDelete)");
    assert.deepEqual((await h.state()).resources.map((x) => x.urn), [URN("a")]);
  });

  test("the preview the user confirmed carries the plan's deletes: the up takes it and still deletes b first", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a] });\n`);
    await h.run("up");
    bNeedsA(h);
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: "plain" });\n`);
    const p = await h.run("preview");
    assert.ok(p.plan);
    const r = await h.run("up", { plan: p.plan });
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && e.message.startsWith("The confirmed preview is the plan")), "the up took the preview's plan");
    assert.equal(r.failed, 0);
    assert.deepEqual(changes(h), ["delete:b", "update:a"]);
  });

  test("a delete that fails first: a's update is skipped (and what depends on a), unrelated work goes on, nothing else undeclared is deleted", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a] });\nnew Thing("d", { value: a.arn });\nnew Thing("old", {});\n`);
    await h.run("up");
    h.cloud.failures = [{ op: "delete", name: "b" }];
    h.cloud.calls.length = 0;
    await h.program(`const a = new Thing("a", { value: "plain" });\nnew Thing("d", { value: a.arn, tags: { x: "1" } });\nnew Thing("e", {});\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    assert.deepEqual(changes(h).sort(), ["create:e", "delete:b"]);
    const skipped = h.events.flatMap((e) => (e.kind === "step-skipped" ? [[e.step.name, e.reason]] : []));
    const reasonA = skipped.find(([n]) => n === "a")?.[1];
    assert.match(String(reasonA), new RegExp(`waited for the delete of ${URN("b").replace(/[$]/g, "\\$")}.*failed`));
    assert.ok(skipped.some(([n]) => n === "d"), JSON.stringify(skipped));
    assert.deepEqual(h.cloud.named("old").length, 1, "a run with failures deletes nothing else the program no longer declares");
    // Once the cloud lets b go, the next up finishes the job.
    h.cloud.failures = [];
    const again = await h.run("up");
    assert.equal(again.failed, 0);
    assert.deepEqual((await h.state()).resources.map((x) => x.urn).sort(), [URN("a"), URN("d"), URN("e")]);
  });

  test("a protected b fails its early delete with the remedy; a is not updated", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a], protect: true });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: "plain" });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 1);
    assert.deepEqual(changes(h), []);
    const failed = h.events.find((e) => e.kind === "step-failed");
    assert.ok(failed?.kind === "step-failed" && failed.step.name === "b" && failed.step.kind === "delete");
    assert.match(failed.error.message, /iac state unprotect/);
    assert.ok(h.events.some((e) => e.kind === "step-skipped" && e.step.name === "a"));
  });

  test("Ctrl-C during b's early delete: the delete finishes and is recorded, a's update does not start; the next up does it", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a] });\n`);
    await h.run("up");
    bNeedsA(h);
    h.cloud.calls.length = 0;
    h.cloud.latencyMs = 50;
    await h.program(`new Thing("a", { value: "plain" });\n`);
    const stop = new AbortController();
    const r = await h.run("up", {
      signal: stop.signal,
      onEvent: (e) => {
        h.events.push(e);
        if (e.kind === "step-start" && e.step.name === "b") stop.abort();
      },
    });
    assert.equal(r.interrupted, true);
    assert.equal(r.failed, 0);
    assert.deepEqual(changes(h), ["delete:b"]);
    assert.ok(h.events.some((e) => e.kind === "step-skipped" && e.step.name === "a" && e.reason === "interrupted"));
    assert.deepEqual((await h.state()).resources.map((x) => x.urn), [URN("a")]);
    h.cloud.calls.length = 0;
    const again = await h.run("up");
    assert.equal(again.failed, 0);
    assert.deepEqual(changes(h), ["update:a"]);
  });

  test("a program that fails while planning deletes nothing early: nothing reaches the cloud", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a] });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: "plain" });\nthrow new Error("the program stops here");\n`);
    await assert.rejects(h.run("up"), (e: Error & { code?: string }) => e.code === "ProgramError");
    assert.deepEqual(changes(h), []);
    assert.equal(h.cloud.named("b").length, 1);
  });

  test("a resource the plan found removed but the program declares again when it runs for real is not deleted (no early delete)", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a] });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    // The program counts its runs: the planning pass (run 1) leaves b out, the apply pass (run 2) declares it.
    const runs = JSON.stringify(join(h.dir, "runs"));
    await h.program(
      `import { existsSync, readFileSync, writeFileSync } from "node:fs";\n` +
        `const n = (existsSync(${runs}) ? Number(readFileSync(${runs}, "utf8")) : 0) + 1;\nwriteFileSync(${runs}, String(n));\n` +
        `const a = new Thing("a", { value: "plain" });\nif (n === 2) new Thing("b", {}, { dependsOn: [a] });\n`,
    );
    const r = await h.run("up");
    assert.equal(r.failed, 0);
    assert.deepEqual(changes(h), ["update:a"]);
    assert.equal(h.cloud.named("b").length, 1);
  });

  test("the gap: a program that fails only when it runs for real, after the plan ran it whole, keeps b's early delete; nothing else undeclared is deleted", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a] });\nnew Thing("old", {});\n`);
    await h.run("up");
    bNeedsA(h);
    h.cloud.calls.length = 0;
    const runs = JSON.stringify(join(h.dir, "runs"));
    await h.program(
      `import { existsSync, readFileSync, writeFileSync } from "node:fs";\n` +
        `const n = (existsSync(${runs}) ? Number(readFileSync(${runs}, "utf8")) : 0) + 1;\nwriteFileSync(${runs}, String(n));\n` +
        `new Thing("a", { value: "plain" });\nif (n === 2) throw new Error("only the second run fails");\n`,
    );
    await assert.rejects(h.run("up"), (e: Error & { code?: string }) => e.code === "ProgramError");
    // The planning pass ran the whole program: b's delete was the plan's, and a's update had begun.
    assert.deepEqual(changes(h), ["delete:b", "update:a"]);
    assert.equal(h.cloud.named("old").length, 1, "deletes at the end of a failed run do not happen");
  });

  test("b is not deleted early while a resource still declared depends on it: its step must first let go of b", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nconst b = new Thing("b", {}, { dependsOn: [a] });\nnew Thing("k", { value: b.arn });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: "plain" });\nnew Thing("k", { value: "own" });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 0);
    const calls = changes(h);
    before(calls, "update:k", "delete:b");
    before(calls, "update:a", "delete:b");
    assert.ok(h.events.some((e) => e.kind === "diagnostic" && e.message.includes(`${URN("k")}, still declared, depends on ${URN("b")}`)));
  });

  test("--target a: b is not targeted, so it is neither deleted nor waited for", async () => {
    await h.program(`const a = new Thing("a", { value: "capable" });\nnew Thing("b", {}, { dependsOn: [a] });\n`);
    await h.run("up");
    h.cloud.calls.length = 0;
    await h.program(`new Thing("a", { value: "plain" });\n`);
    const r = await h.run("up", { targets: [URN("a")] });
    assert.equal(r.failed, 0);
    assert.deepEqual(changes(h), ["update:a"]);
    assert.equal(h.cloud.named("b").length, 1);
  });
});

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { harness, type Harness } from "./helpers/harness.js";

describe("engine: the random provider", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  const program = (keeper: string) =>
    `import { RandomString, RandomPassword } from "@iac/sdk/random";\n` +
    `const s = new RandomString("s", { length: 12, keepers: { k: "${keeper}" } });\n` +
    `const p = new RandomPassword("p", { length: 16 });\n` +
    `export const result = s.result;\nexport const password = p.result;\n`;

  test("keeps its result across runs and replaces it when a keeper changes", async () => {
    await h.program(program("one"));
    const first = await h.run("up");
    assert.deepEqual(first.counts, { create: 2 });
    assert.equal(String(first.outputs.result).length, 12);
    const again = await h.run("up");
    assert.deepEqual(again.counts, { same: 2 });
    assert.equal(again.outputs.result, first.outputs.result);
    await h.program(program("two"));
    const replaced = await h.run("up");
    assert.deepEqual(replaced.counts, { replace: 1, same: 1 });
    assert.notEqual(replaced.outputs.result, first.outputs.result);
    assert.equal((await h.state()).resources.length, 2);
  });

  test("a password is secret: masked in events, wrapped in the stack outputs", async () => {
    await h.program(program("one"));
    const r = await h.run("up");
    const password = (r.outputs.password as { value: string }).value;
    assert.equal(typeof password, "string");
    assert.equal(password.length, 16);
    assert.ok(!JSON.stringify(h.events).includes(password));
    const outputs = h.events.find((e) => e.kind === "outputs");
    assert.ok(outputs?.kind === "outputs");
    assert.equal(outputs.outputs.password, "[secret]");
  });
});

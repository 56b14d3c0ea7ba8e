import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ProviderContext, PropertyMap, Provider } from "@iac/sdk/provider";
import { UNKNOWN } from "@iac/sdk/provider";
import { inspectOutput } from "@iac/sdk";
import { DEFAULT_SPECIAL, iacProviders, RandomPassword, RandomString, type RandomInputs } from "@iac/sdk/random";
import { install, uninstall } from "./fake-monitor.js";

afterEach(uninstall);

function ctx(type: string): ProviderContext {
  return {
    urn: `urn:iac:dev::proj::${type}::r`,
    type,
    name: "r",
    preview: false,
    signal: new AbortController().signal,
    log: { debug() {}, info() {}, warn() {} },
    timeouts: {},
  };
}

async function providerFor(type: string): Promise<Provider> {
  const set = await iacProviders.configure({}, { projectDir: "/tmp", stack: "dev", log: ctx(type).log });
  const p = set.provider(type);
  assert.ok(p, `random serves ${type}`);
  return p;
}

const STRING = "random:index:RandomString";
const PASSWORD = "random:index:RandomPassword";

async function checkAndCreate(type: string, news: Partial<RandomInputs>): Promise<{ inputs: PropertyMap; result: string }> {
  const p = await providerFor(type);
  const checked = await p.check(news as PropertyMap, undefined, ctx(type));
  assert.deepEqual(checked.failures, []);
  const created = await p.create(checked.inputs, ctx(type));
  return { inputs: checked.inputs, result: created.outputs.result as string };
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe("random provider: check", () => {
  it("applies defaults: every character set on, minimums zero", async () => {
    const p = await providerFor(STRING);
    const { inputs } = await p.check({ length: 8 }, undefined, ctx(STRING));
    assert.deepEqual(inputs, { length: 8, special: true, upper: true, lower: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 });
  });

  const cases: { args: PropertyMap; property: string; rule: RegExp }[] = [
    { args: { length: 0 }, property: "length", rule: />= 1/ },
    { args: { length: 2.5 }, property: "length", rule: /whole number/ },
    { args: {}, property: "length", rule: /required/ },
    { args: { length: 4, minUpper: 2, minNumeric: 3 }, property: "length", rule: /add up to 5/ },
    { args: { length: 4, minSpecial: -1 }, property: "minSpecial", rule: />= 0/ },
    { args: { length: 4, upper: false, minUpper: 1 }, property: "minUpper", rule: /upper is false/ },
    { args: { length: 4, upper: false, lower: false, numeric: false, special: false }, property: "special", rule: /No characters/ },
  ];
  for (const c of cases) {
    it(`fails on ${JSON.stringify(c.args)}, naming ${c.property}`, async () => {
      const p = await providerFor(STRING);
      const { failures } = await p.check(c.args, undefined, ctx(STRING));
      assert.ok(
        failures.some((f) => f.property === c.property && c.rule.test(f.reason)),
        `expected a failure on ${c.property} matching ${c.rule}, got ${JSON.stringify(failures)}`,
      );
    });
  }

  it("does not judge values unknown during preview", async () => {
    const p = await providerFor(STRING);
    const { failures } = await p.check({ length: UNKNOWN, minUpper: 3 }, undefined, { ...ctx(STRING), preview: true });
    assert.deepEqual(failures, []);
  });
});

describe("random provider: create", () => {
  it("generates exactly length characters from the enabled sets", async () => {
    const { result } = await checkAndCreate(STRING, { length: 40, special: false, upper: false });
    assert.equal(result.length, 40);
    assert.match(result, /^[a-z0-9]+$/);
  });

  it("honours minimums of every set", async () => {
    for (let i = 0; i < 20; i++) {
      const { result } = await checkAndCreate(STRING, { length: 10, minUpper: 3, minLower: 2, minNumeric: 2, minSpecial: 3 });
      assert.equal(result.length, 10);
      assert.ok(count(result, /[A-Z]/g) >= 3, result);
      assert.ok(count(result, /[a-z]/g) >= 2, result);
      assert.ok(count(result, /[0-9]/g) >= 2, result);
      assert.ok([...result].filter((ch) => DEFAULT_SPECIAL.includes(ch)).length >= 3, result);
    }
  });

  it("uses overrideSpecial as the special set", async () => {
    const { result } = await checkAndCreate(STRING, { length: 30, upper: false, lower: false, numeric: false, overrideSpecial: "_" });
    assert.equal(result, "_".repeat(30));
  });

  it("echoes the inputs and generates a new value each create", async () => {
    const p = await providerFor(STRING);
    const { inputs } = await p.check({ length: 16, keepers: { v: "1" } }, undefined, ctx(STRING));
    const a = await p.create(inputs, ctx(STRING));
    const b = await p.create(inputs, ctx(STRING));
    assert.deepEqual({ ...a.outputs, result: undefined }, { ...inputs, result: undefined });
    assert.notEqual(a.outputs.result, b.outputs.result);
    assert.notEqual(a.id, a.outputs.result, "the id is not the value");
  });

  it("marks a password's result secret; a string's is not", async () => {
    assert.deepEqual((await providerFor(PASSWORD)).secretOutputs, ["result"]);
    assert.deepEqual((await providerFor(STRING)).secretOutputs ?? [], []);
  });

  it("reads back the state as is", async () => {
    const p = await providerFor(STRING);
    const state = { inputs: { length: 3 }, outputs: { length: 3, result: "abc" } };
    assert.deepEqual(await p.read("id", state, ctx(STRING)), state);
  });
});

describe("random provider: diff", () => {
  const base = { length: 8, special: true, upper: true, lower: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 };
  const olds = { inputs: base, outputs: { ...base, result: "abcdefgh" } };

  it("finds no change when nothing changed", async () => {
    const d = await (await providerFor(STRING)).diff!("id", olds, { ...base }, ctx(STRING));
    assert.deepEqual(d, { changes: false, replaces: [], detailed: [] });
  });

  const changes: [string, PropertyMap][] = [
    ["length", { ...base, length: 9 }],
    ["special", { ...base, special: false }],
    ["minUpper", { ...base, minUpper: 1 }],
    ["overrideSpecial", { ...base, overrideSpecial: "!" }],
    ["keepers", { ...base, keepers: { deploy: "2" } }],
  ];
  for (const [prop, news] of changes) {
    it(`replaces when ${prop} changes`, async () => {
      const d = await (await providerFor(PASSWORD)).diff!("id", olds, news, ctx(PASSWORD));
      assert.equal(d.changes, true);
      assert.deepEqual(d.replaces, [prop]);
      assert.equal(d.detailed[0].replace, true);
      assert.match(d.detailed[0].reason ?? "", /keepers included/);
    });
  }

  it("replaces when a keeper's value changes or a keeper is removed", async () => {
    const p = await providerFor(STRING);
    const withKeepers = { inputs: { ...base, keepers: { a: "1", b: "2" } }, outputs: {} };
    assert.deepEqual((await p.diff!("id", withKeepers, { ...base, keepers: { a: "1", b: "3" } }, ctx(STRING))).replaces, ["keepers"]);
    const removed = await p.diff!("id", withKeepers, { ...base }, ctx(STRING));
    assert.deepEqual(removed.detailed, [{ path: "keepers", kind: "delete", replace: true, reason: removed.detailed[0].reason }]);
  });
});

describe("RandomString and RandomPassword resources", () => {
  it("register with the random module and expose result and echoed inputs", async () => {
    const m = install({ respond: (reg) => ({ id: "x", outputs: { ...reg.inputs, result: "generated" } }) });
    const s = new RandomString("s", { length: 4 });
    assert.deepEqual(await inspectOutput(s.result), { value: "generated", known: true, secret: false, dependencies: ["urn:iac:dev::proj::random:index:RandomString::s"] });
    assert.equal((await inspectOutput(s.length)).value, 4);
    assert.deepEqual(m.registrations[0].provider, { module: "@iac/sdk/random" });
  });

  it("make a password's result secret", async () => {
    install({ respond: (reg) => ({ id: "x", outputs: { ...reg.inputs, result: "generated" } }) });
    const p = new RandomPassword("p", { length: 4 });
    assert.equal((await inspectOutput(p.result)).secret, true);
    assert.equal((await inspectOutput(p.length)).secret, false);
  });
});

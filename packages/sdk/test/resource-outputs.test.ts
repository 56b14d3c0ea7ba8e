/**
 * Output properties are made on first access (a getter on the class's prototype), and plain inputs
 * are serialized without the asynchronous walk: both must be invisible to programs.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CustomResource, inspectOutput, Output, output, secret, type CustomResourceOptions } from "@iac/sdk";
import { install, settle, uninstall } from "./fake-monitor.js";
import { Thing } from "./helpers.js";

afterEach(uninstall);

class WithGetter extends CustomResource {
  declare readonly label: Output<string>;
  constructor(name: string, args: object) {
    super("test:index:WithGetter", name, args, {}, { module: "@test/things", outputs: ["label", "size"] });
  }
  /** A class accessor of the same name as an output: the declared output wins, as before. */
  get size(): string {
    return "the class's own";
  }
}

class SpecialThing extends Thing {
  declare readonly extra: Output<string>;
  constructor(name: string, args: object, opts?: CustomResourceOptions) {
    super(name, args, opts);
  }
}

class Narrow extends CustomResource {
  constructor(name: string, args: object, outputs: readonly string[]) {
    super("test:index:Narrow", name, args, {}, { module: "@test/things", outputs });
  }
}

describe("output properties", () => {
  it("are Outputs, the same one on every access, that settle with the provider's value", async () => {
    install({ respond: (reg) => ({ id: "x-id", outputs: { ...reg.inputs, endpoint: "https://x" } }) });
    const t = new Thing("x", { name: "given" });
    assert.ok(Output.isInstance(t.endpoint));
    assert.equal(t.endpoint, t.endpoint);
    assert.equal((await inspectOutput(t.endpoint)).value, "https://x");
    assert.equal((await inspectOutput(t.name)).value, "given");
    assert.deepEqual((await inspectOutput(t.name)).dependencies, ["urn:iac:dev::proj::test:index:Thing::x"]);
  });

  it("belong to each instance: two resources of one class have their own values", async () => {
    install({ respond: (reg) => ({ id: `${reg.name}-id`, outputs: { size: reg.name === "a" ? 1 : 2 } }) });
    const a = new Thing("a", {});
    const b = new Thing("b", {});
    assert.notEqual(a.size, b.size);
    assert.equal((await inspectOutput(a.size)).value, 1);
    assert.equal((await inspectOutput(b.size)).value, 2);
  });

  it("are secret when listed in additionalSecretOutputs, on that instance only", async () => {
    install();
    const a = new Thing("a", { key: "k" }, { additionalSecretOutputs: ["key"] });
    const b = new Thing("b", { key: "k" });
    assert.equal((await inspectOutput(a.key)).secret, true);
    assert.equal((await inspectOutput(b.key)).secret, false);
  });

  it("win over an accessor of the class with the same name", async () => {
    install({ respond: () => ({ id: "w", outputs: { size: 3 } }) });
    const w = new WithGetter("w", {});
    assert.ok(Output.isInstance(w.size));
    assert.equal((await inspectOutput(w.size as unknown as Output<number>)).value, 3);
  });

  it("work on a subclass of a resource class", async () => {
    install();
    const s = new SpecialThing("s", { name: "n" });
    assert.equal((await inspectOutput(s.name)).value, "n");
  });

  it("exist only where the instance's descriptor lists them", () => {
    install();
    const a = new Narrow("a", {}, ["x"]);
    const b = new Narrow("b", {}, ["y"]);
    assert.ok(Output.isInstance((a as unknown as Record<string, unknown>).x));
    assert.equal((a as unknown as Record<string, unknown>).y, undefined);
    assert.ok(Output.isInstance((b as unknown as Record<string, unknown>).y));
    assert.equal((b as unknown as Record<string, unknown>).x, undefined);
  });

  it("reject like the registration when the resource failed", async () => {
    install({ respond: () => Promise.reject(new Error("cloud said no")) });
    const t = new Thing("f", {});
    await assert.rejects(inspectOutput(t.endpoint), /cloud said no/);
    await assert.rejects(inspectOutput(t.urn), /cloud said no/);
  });
});

describe("plain inputs", () => {
  it("reach the monitor as the deep walk would make them: undefined and functions dropped, Dates as ISO strings, holes and non-finite numbers as null", async () => {
    const m = install();
    const when = new Date("2024-01-02T03:04:05.000Z");
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    new Thing("p", { a: 1, b: undefined, c: () => 1, d: when, e: { f: [NaN, Infinity, "s"], g: undefined }, h: sparse, i: null });
    await settle();
    assert.deepEqual(m.registrations[0]!.inputs, { a: 1, d: when.toISOString(), e: { f: [null, null, "s"] }, h: [1, null, 3], i: null });
    assert.deepEqual(m.registrations[0]!.propertyDependencies, {});
  });

  it("keep the program's property order when plain values and Outputs are mixed, and only Outputs add dependencies", async () => {
    const m = install();
    const dep = new Thing("dep", { name: "d" });
    new Thing("p", { first: 1, second: dep.name, third: { nested: secret("s") }, fourth: output("o") });
    await settle();
    await settle();
    const reg = m.registrations.find((r) => r.name === "p")!;
    assert.deepEqual(Object.keys(reg.inputs), ["first", "second", "third", "fourth"]);
    assert.equal(reg.inputs.second, "d");
    assert.deepEqual(reg.propertyDependencies, { second: ["urn:iac:dev::proj::test:index:Thing::dep"] });
  });
});

/**
 * Property access on an Output (`account.primaryEndpoints.web`, `group.ipAddress.ip`, `list[0].name`),
 * lifted as Pulumi users write it: secrecy, unknowns and dependencies carry over, and an Output
 * still behaves as an Output (not a thenable, no JSON, instanceof, util.inspect).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { CustomResource, inspectOutput, interpolate, output, Output, secret, UNKNOWN, type CustomResourceOptions } from "@iac/sdk";
import { install, uninstall } from "./fake-monitor.js";

afterEach(uninstall);

interface Endpoints {
  readonly web: string;
  readonly blob: string;
}

class Account extends CustomResource {
  declare readonly primaryEndpoints: Output<Endpoints>;
  declare readonly ipAddress: Output<{ ip?: string; ports: { port: number; protocol: string }[] } | undefined>;
  constructor(name: string, args: object, opts?: CustomResourceOptions) {
    super("test:index:Account", name, args, opts, { module: "@test/things", outputs: ["primaryEndpoints", "ipAddress"] });
  }
}

const URN = "urn:iac:dev::proj::test:index:Account::a";

describe("property access on an Output", () => {
  it("reads a property of a resource's object output, with the resource as dependency", async () => {
    install({ respond: () => ({ id: "a-id", outputs: { primaryEndpoints: { web: "https://a.web", blob: "https://a.blob" } } }) });
    const a = new Account("a", {});
    const web = a.primaryEndpoints.web;
    assert.ok(Output.isInstance(web));
    assert.ok(web instanceof Output);
    const d = await inspectOutput(web);
    assert.equal(d.value, "https://a.web");
    assert.equal(d.secret, false);
    assert.deepEqual(d.dependencies, [URN]);
  });

  it("reads nested properties and array elements: group.ipAddress.ports[1].port and .length", async () => {
    install({ respond: () => ({ id: "a-id", outputs: { ipAddress: { ip: "10.0.0.4", ports: [{ port: 80, protocol: "TCP" }, { port: 443, protocol: "TCP" }] } } }) });
    const a = new Account("a", {});
    assert.equal((await inspectOutput(a.ipAddress.ip)).value, "10.0.0.4");
    assert.equal((await inspectOutput(a.ipAddress.ports[1].port)).value, 443);
    assert.equal((await inspectOutput(a.ipAddress.ports.length)).value, 2);
    const list = output([{ name: "first" }, { name: "second" }]);
    assert.equal((await inspectOutput(list[0].name)).value, "first");
  });

  it("is undefined where the value has no such property, and on an undefined value", async () => {
    install({ respond: () => ({ id: "a-id", outputs: {} }) });
    const a = new Account("a", {});
    assert.equal((await inspectOutput(a.ipAddress.ip)).value, undefined);
    assert.equal((await inspectOutput(a.ipAddress.ports[3].port)).value, undefined);
    const o = output({ a: 1 }) as unknown as Record<string, Output<unknown>>;
    assert.equal((await inspectOutput(o.b!)).value, undefined);
    // Only own properties: the members of the value's prototype (an array's `map`) are not data.
    const list = output([1, 2]) as unknown as Record<string, Output<unknown>>;
    assert.equal((await inspectOutput(list.map!)).value, undefined);
  });

  it("keeps the secret mark: a property of a secret is secret", async () => {
    install();
    const s = secret({ user: "admin", password: "hunter2" });
    const d = await inspectOutput(s.password);
    assert.equal(d.value, "hunter2");
    assert.equal(d.secret, true);
    assert.equal((await inspectOutput(interpolate`${s.user}@host`)).secret, true);
  });

  it("is unknown during preview where the value is unknown, and known where it is", async () => {
    install({ preview: true, respond: () => ({ outputs: { primaryEndpoints: { web: UNKNOWN, blob: "https://known.blob" } } }) });
    const a = new Account("a", {});
    const web = await inspectOutput(a.primaryEndpoints.web);
    assert.equal(web.known, false);
    assert.deepEqual(web.dependencies, [URN]);
    assert.equal((await inspectOutput(a.primaryEndpoints.blob)).value, "https://known.blob");
    // A wholly unknown output (a resource to be created): every property of it is unknown.
    assert.equal((await inspectOutput(a.ipAddress.ports[0].port)).known, false);
  });

  it("passes a lifted property into another resource's args as a dependency", async () => {
    const m = install({ respond: (reg) => ({ id: `${reg.name}-id`, outputs: reg.name === "a" ? { primaryEndpoints: { web: "https://a.web", blob: "b" } } : reg.inputs }) });
    const a = new Account("a", {});
    new Account("b", { origin: a.primaryEndpoints.web });
    const reg = await m.registration("urn:iac:dev::proj::test:index:Account::b");
    assert.deepEqual(reg.inputs, { origin: "https://a.web" });
    assert.deepEqual(reg.dependencies, [URN]);
    assert.deepEqual(reg.propertyDependencies, { origin: [URN] });
  });

  it("flattens a resource held in an Output's value: output({ a }).a.primaryEndpoints is an Output of the endpoints", async () => {
    install({ respond: () => ({ id: "a-id", outputs: { primaryEndpoints: { web: "w", blob: "b" } } }) });
    const a = new Account("a", {});
    const held = output({ a }) as unknown as Record<string, Record<string, Output<Endpoints>>>;
    const d = await inspectOutput(held.a!.primaryEndpoints!);
    assert.deepEqual(d.value, { web: "w", blob: "b" });
    assert.deepEqual(d.dependencies, [URN]);
  });
});

describe("an Output with lifting still behaves as an Output", () => {
  it("is not a thenable: await gives the Output itself, and `then` is undefined", async () => {
    install();
    const o = output({ then: "not a method", x: 1 });
    assert.equal((o as unknown as { then?: unknown }).then, undefined);
    const awaited: unknown = await (o as unknown as Promise<unknown>);
    assert.equal(awaited, o);
    assert.equal(await Promise.resolve(o), o);
  });

  it("keeps apply, toString, toJSON and the members of Object.prototype", async () => {
    install();
    const o = output({ apply: "data", toString: "data", web: "w" });
    assert.equal(typeof o.apply, "function");
    assert.equal((await inspectOutput(o.apply((v) => v.web))).value, "w");
    assert.throws(() => `${String(o)}`, { code: "OutputToString" });
    assert.throws(() => JSON.stringify({ o }), { code: "OutputToJSON" });
    assert.equal(Object.prototype.hasOwnProperty.call(o, "web"), false);
    assert.equal(typeof (o as unknown as { hasOwnProperty: unknown }).hasOwnProperty, "function");
    assert.equal("web" in o, false);
    assert.deepEqual(Object.keys(o), []);
  });

  it("does not lift symbols or names starting with __ (util.inspect, iteration, module probes)", () => {
    install();
    const o = output({ a: 1 }) as unknown as Record<string | symbol, unknown>;
    assert.equal(o[Symbol.iterator], undefined);
    assert.equal(o[Symbol.toPrimitive], undefined);
    assert.equal(o[inspect.custom], undefined);
    assert.equal(o.__esModule, undefined);
    assert.match(inspect(o), /Output/);
    assert.throws(() => [...(o as unknown as Iterable<unknown>)], TypeError);
  });

  it("lifts on every Output, such as what apply returns", async () => {
    install();
    const derived = output(2).apply((n) => ({ doubled: n * 2 }));
    assert.equal((await inspectOutput(derived.doubled)).value, 4);
  });
});

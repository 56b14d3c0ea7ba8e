import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { all, ApplyError, concat, inspectOutput, interpolate, isSecret, Output, output, secret, unsecret, UNKNOWN } from "@iac/sdk";
import { install, settle, uninstall } from "./fake-monitor.js";
import { Thing } from "./helpers.js";

afterEach(uninstall);

describe("Output", () => {
  it("apply runs the callback on the resolved value and flattens returned Outputs and promises", async () => {
    install();
    const o = output(Promise.resolve(20)).apply((n) => output(Promise.resolve(n + 1))).apply(async (n) => n * 2);
    const d = await inspectOutput(o);
    assert.deepEqual(d, { value: 42, known: true, secret: false, dependencies: [] });
  });

  it("output() resolves Outputs and promises nested at any depth", async () => {
    install();
    const o = output({ a: [Promise.resolve(1), output("x")], b: { c: output(Promise.resolve(true)) } });
    assert.deepEqual((await inspectOutput(o)).value, { a: [1, "x"], b: { c: true } });
  });

  it("all combines arrays and objects", async () => {
    install();
    assert.deepEqual((await inspectOutput(all([output(1), Promise.resolve("b"), 3]))).value, [1, "b", 3]);
    assert.deepEqual((await inspectOutput(all({ x: output(1), y: "y" }))).value, { x: 1, y: "y" });
  });

  it("interpolate and concat build strings from Outputs", async () => {
    install();
    const host = output("acct");
    assert.equal((await inspectOutput(interpolate`https://${host}.blob/${Promise.resolve(7)}`)).value, "https://acct.blob/7");
    assert.equal((await inspectOutput(concat(host, ".", output(1)))).value, "acct.1");
  });

  it("does not run apply callbacks on unknown values, and what they produce is unknown", async () => {
    const m = install({ preview: true, respond: () => ({ outputs: { endpoint: UNKNOWN, size: 3 } }) });
    const t = new Thing("t", {});
    let calls = 0;
    const derived = t.endpoint.apply((e) => {
      calls++;
      return `${e}/path`;
    });
    const d = await inspectOutput(derived);
    assert.equal(calls, 0);
    assert.equal(d.known, false);
    assert.deepEqual(d.dependencies, ["urn:iac:dev::proj::test:index:Thing::t"]);
    const combined = await inspectOutput(interpolate`${t.size}-${t.endpoint}`);
    assert.equal(combined.known, false);
    assert.equal((await inspectOutput(t.size)).value, 3);
    assert.equal(m.errors.length, 0);
  });

  it("an Output holding an unknown part anywhere is unknown", async () => {
    install({ preview: true, respond: () => ({ outputs: { endpoint: { host: UNKNOWN, port: 443 } } }) });
    const t = new Thing("t", {});
    const d = await inspectOutput(t.endpoint);
    assert.equal(d.known, false);
    assert.deepEqual(d.value, { host: UNKNOWN, port: 443 });
  });

  it("secrecy propagates through apply, all, interpolate and into derived values", async () => {
    install();
    const s = secret("hunter2");
    assert.equal(await isSecret(s), true);
    assert.equal(await isSecret(s.apply((x) => x.length)), true);
    assert.equal(await isSecret(all([output(1), s])), true);
    assert.equal(await isSecret(interpolate`pw=${s}`), true);
    assert.equal(await isSecret(output(1).apply(() => s)), true, "a callback returning a secret makes the result secret");
    assert.equal(await isSecret(output({ nested: { s } })), true);
    assert.equal(await isSecret(unsecret(s)), false);
    assert.equal(await isSecret(output("plain")), false);
  });

  it("collects the resources an Output came from across apply and all", async () => {
    install();
    const a = new Thing("a", { name: "a" });
    const b = new Thing("b", { name: "b" });
    const d = await inspectOutput(all([a.name, b.name.apply((n) => n + "!")]));
    assert.deepEqual([...d.dependencies].sort(), ["urn:iac:dev::proj::test:index:Thing::a", "urn:iac:dev::proj::test:index:Thing::b"]);
    assert.deepEqual(d.value, ["a", "b!"]);
  });

  it("throws with a remedy when converted to a string or to JSON", () => {
    install();
    const o = output("x");
    assert.throws(() => `${o}`, /apply.*interpolate|interpolate/);
    assert.throws(() => String(o), { code: "OutputToString" });
    assert.throws(() => JSON.stringify({ o }), (e: Error & { code?: string }) => e.code === "OutputToJSON" && /apply/.test(e.message));
  });

  it("is not a promise: awaiting it gives the Output itself", async () => {
    install();
    const o = output(1);
    assert.equal(await (o as unknown as Promise<unknown>), o);
  });

  it("recognises Outputs of another copy of the SDK by their Symbol.for brand", async () => {
    install();
    const foreign = {
      [Symbol.for("iac.sdk.Output")]: true,
      [Symbol.for("iac.sdk.Output.state")]: () => Promise.resolve({ value: "from-elsewhere", secret: true, resources: [] }),
    };
    assert.equal(Output.isInstance(foreign), true);
    assert.equal(Output.isInstance({ value: 1 }), false);
    const adopted = output(foreign as unknown as Output<string>).apply((v) => v.toUpperCase());
    assert.deepEqual(await inspectOutput(adopted), { value: "FROM-ELSEWHERE", known: true, secret: true, dependencies: [] });
  });

  it("reports a failing apply callback to the monitor once, without an unhandled rejection", async () => {
    const m = install();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const bad = output(1).apply((): number => {
        throw new Error("boom");
      });
      const worse = bad.apply((n) => n + 1);
      await assert.rejects(inspectOutput(worse), (e: unknown) => e instanceof ApplyError && /boom/.test(e.message));
      await settle();
      assert.equal(m.errors.length, 1);
      assert.ok(m.errors[0] instanceof ApplyError);
      assert.equal(unhandled.length, 0);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

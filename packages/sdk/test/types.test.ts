/**
 * The typing of programs: these lines must type-check (`tsc -b packages/sdk`); the test also runs them.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { all, inspectOutput, interpolate, output, type Input, type Inputs, type Output, type Unwrap } from "@iac/sdk";
import { RandomString } from "@iac/sdk/random";
import { install, uninstall } from "./fake-monitor.js";

afterEach(uninstall);

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_: T): void => undefined;

describe("types", () => {
  it("let any property of args, at any depth, be an Output or a promise", async () => {
    const m = install();
    const len: Output<number> = output(Promise.resolve(6));
    const keeper: Input<string> = Promise.resolve("v1");
    new RandomString("s", { length: len, upper: output(false), keepers: output({ deploy: keeper }) });
    type Args = Inputs<{ tags: Record<string, string>; ports: number[] }>;
    const args: Args = { tags: { env: output("dev") }, ports: [80, output(443), Promise.resolve(8080)] };
    assert.deepEqual((await inspectOutput(output(args))).value, { tags: { env: "dev" }, ports: [80, 443, 8080] });
    const reg = await m.registration("urn:iac:dev::proj::random:index:RandomString::s");
    assert.deepEqual(reg.inputs, { length: 6, upper: false, keepers: { deploy: "v1" } });
  });

  it("unwrap Outputs and promises in the types of output() and all()", async () => {
    install();
    const o = output({ a: output(1), b: [Promise.resolve("x")] });
    expectType<Equal<typeof o, Output<{ a: number; b: string[] }>>>(true);
    const t = all([output(1), "s", Promise.resolve(true)] as const);
    expectType<Equal<typeof t, Output<[number, "s", boolean]>>>(true);
    expectType<Equal<Unwrap<Promise<Output<string>[]>>, string[]>>(true);
    const r = all({ n: output(1), s: "x" });
    expectType<Equal<typeof r, Output<{ n: number; s: string }>>>(true);
    const s: Output<string> = interpolate`${r.apply((v) => v.n)}`;
    assert.equal((await inspectOutput(s)).value, "1");
  });
});

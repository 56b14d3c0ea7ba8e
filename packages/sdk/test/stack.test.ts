import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { output, resolveStackOutputs, secret, UNKNOWN } from "@iac/sdk";
import { wrapSecret } from "@iac/sdk/runtime";
import { install, uninstall } from "./fake-monitor.js";
import { Group, Thing } from "./helpers.js";

afterEach(uninstall);

describe("resolveStackOutputs", () => {
  it("takes the named exports, resolving Outputs and promises deeply and wrapping secrets", async () => {
    install();
    const outputs = await resolveStackOutputs({
      plain: 1,
      name: output("n"),
      later: Promise.resolve({ nested: output([1, output(2)]) }),
      password: secret("pw"),
      helper: () => 1,
      nothing: undefined,
    });
    assert.deepEqual(outputs, { plain: 1, name: "n", later: { nested: [1, 2] }, password: wrapSecret("pw") });
  });

  it("adds the properties of what an exported default function returns (awaited)", async () => {
    install();
    const outputs = await resolveStackOutputs({
      a: "named",
      default: async () => ({ b: output("from default"), c: secret(3) }),
    });
    assert.deepEqual(outputs, { a: "named", b: "from default", c: wrapSecret(3) });
  });

  it("adds the properties of a default plain object", async () => {
    install();
    assert.deepEqual(await resolveStackOutputs({ default: { x: 1 } }), { x: 1 });
  });

  it("keeps unknown values UNKNOWN during preview", async () => {
    install({ preview: true, respond: () => ({ outputs: { endpoint: UNKNOWN } }) });
    const t = new Thing("t", {});
    assert.deepEqual(await resolveStackOutputs({ endpoint: t.endpoint, derived: t.endpoint.apply((e) => e.length) }), {
      endpoint: UNKNOWN,
      derived: UNKNOWN,
    });
  });

  it("turns resources into { urn, id } references", async () => {
    install();
    const t = new Thing("t", {});
    const g = new Group("g");
    assert.deepEqual(await resolveStackOutputs({ t, g }), {
      t: { urn: "urn:iac:dev::proj::test:index:Thing::t", id: "t-id" },
      g: { urn: "urn:iac:dev::proj::test:index:Group::g" },
    });
  });
});

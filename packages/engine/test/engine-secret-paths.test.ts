import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { PropertyMap } from "@iac/sdk/provider";
import { isSecretValue } from "@iac/sdk/runtime";
import { secretPathsOf, wrapPaths } from "../src/values.js";
import { harness, type Harness } from "./helpers/harness.js";

/** Every file the file backend wrote for the stack, as one string. */
async function stateText(h: Harness): Promise<string> {
  const dir = join(h.dir, ".iac");
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else files.push(await readFile(join(d, e.name), "utf8"));
    }
  };
  await walk(dir);
  return files.join("\n");
}

describe("secret paths: values", () => {
  test("wrapPaths wraps at nested paths and [*] patterns, copy on write, and leaves missing paths alone", () => {
    const map: PropertyMap = { list: [{ p: "a", q: 1 }, { p: "b" }], sku: { name: "x" }, plain: 1 };
    const out = wrapPaths(map, ["list[*].p", "sku.name", "nothing.here", "list[5].p"]);
    assert.ok(isSecretValue((out.list as { p: unknown }[])[0]!.p));
    assert.ok(isSecretValue((out.list as { p: unknown }[])[1]!.p));
    assert.equal((out.list as { q?: unknown }[])[0]!.q, 1);
    assert.ok(isSecretValue((out.sku as { name: unknown }).name));
    assert.equal(out.plain, 1);
    assert.equal((map.list as { p: unknown }[])[0]!.p, "a", "the input map is not changed");
    assert.equal(wrapPaths(map, ["nothing"]), map);
  });

  test("secretPathsOf finds secrets at the finest path, and wrapPaths puts them back there", () => {
    const wrapped = wrapPaths(<PropertyMap>{ c: [{ image: "i", env: [{ name: "K", v: "s" }] }, { image: "j" }], "a.b": { x: "y" } }, ["c[0].env[0].v", '["a.b"].x']);
    const paths = secretPathsOf(wrapped);
    assert.deepEqual(paths, ["c[0].env[0].v", '["a.b"].x']);
    const plainAgain: PropertyMap = { c: [{ image: "i", env: [{ name: "K", v: "s" }] }, { image: "j2" }], "a.b": { x: "y" } };
    assert.deepEqual(secretPathsOf(wrapPaths(plainAgain, paths)), paths);
  });
});

describe("engine: secrets at their paths", () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(() => h.cleanup());

  test("a value at a path the provider declares secret (secretInputs) is encrypted and masked even as a plain literal", async () => {
    await h.program(`new Thing("a", { value: [{ user: "u1", password: "literal-pw-1" }, { user: "u2", password: "literal-pw-2" }], tags: { token: "literal-token", env: "dev" } });\n`);
    const r = await h.run("up");
    assert.equal(r.failed, 0);
    const text = await stateText(h);
    for (const s of ["literal-pw-1", "literal-pw-2", "literal-token"]) {
      assert.doesNotMatch(text, new RegExp(s), `${s} is in plaintext in the state`);
      assert.doesNotMatch(JSON.stringify(h.events), new RegExp(s), `${s} is in an event`);
    }
    const res = (await h.state()).resources[0]!;
    const value = res.inputs.value as { user: unknown; password: unknown }[];
    assert.equal(value[0]!.user, "u1", "only the secret path is secret");
    assert.ok(isSecretValue(value[0]!.password));
    assert.ok(isSecretValue(value[1]!.password));
    assert.ok(isSecretValue((res.inputs.tags as { token: unknown }).token));
    assert.equal((res.inputs.tags as { env: unknown }).env, "dev");
    assert.ok(isSecretValue((res.outputs.value as { password: unknown }[])[0]!.password), "the same paths in the outputs are secret");
    // The provider still receives the plain value.
    assert.equal([...h.cloud.objects.values()][0]!.inputs.value && ((([...h.cloud.objects.values()][0]!.inputs.value) as { password: string }[])[0]!.password), "literal-pw-1");
  });

  test("one secret element of a list keeps the rest of the list plain, so a change elsewhere in it is shown as it is", async () => {
    const body = (image: string) =>
      `new Thing("a", { value: [{ image: "web:1", env: iac.secret("hunter2") }, { image: "${image}" }] });\n`;
    await h.program(body("side:1"));
    await h.run("up");
    const res = (await h.state()).resources[0]!;
    assert.ok(Array.isArray(res.inputs.value), "the list is not wrapped as a whole");
    assert.ok(isSecretValue((res.inputs.value as { env: unknown }[])[0]!.env));
    await h.program(body("side:2"));
    const r = await h.run("up");
    assert.deepEqual(r.counts, { update: 1 });
    const planned = h.events.find((e) => e.kind === "step-planned" && e.step.kind === "update");
    assert.ok(planned?.kind === "step-planned");
    const news = planned.step.news!.value as { image: string; env: string }[];
    const olds = planned.step.olds!.value as { image: string; env: string }[];
    assert.equal(news[1]!.image, "side:2");
    assert.equal(olds[1]!.image, "side:1");
    assert.equal(news[0]!.env, "[secret]");
    assert.doesNotMatch(JSON.stringify(h.events), /hunter2/);
    assert.doesNotMatch(await stateText(h), /hunter2/);
  });
});

describe("engine: a secret config value read as plain text", () => {
  test("warns once per run through a diagnostic, however often the program reads it, and points at requireSecret", async () => {
    const { wrapSecret } = await import("@iac/sdk/runtime");
    const h = await harness({ config: { "proj:token": wrapSecret("s3cret-token") } });
    try {
      await h.program(`const c = new iac.Config("proj");\nfor (let i = 0; i < 3; i++) new Thing("t" + i, { value: c.require("token") === "s3cret-token" ? "same" : "other" });\n`);
      const r = await h.run("preview");
      assert.equal(r.failed, 0);
      const warnings = h.events.filter((e) => e.kind === "diagnostic" && e.severity === "warning");
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      const message = (warnings[0] as { message: string }).message;
      assert.match(message, /"proj:token" is a secret, but config\.require\("token"\) returns it as plain text.*config\.requireSecret\("token"\)/);
      assert.doesNotMatch(JSON.stringify(h.events), /s3cret-token/);
    } finally {
      await h.cleanup();
    }
  });
});

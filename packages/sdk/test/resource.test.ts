import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ComponentResource, inspectOutput, output, Resource, ResourceError, secret, UNKNOWN } from "@iac/sdk";
import { SECRET_SIG, wrapSecret, type RegistrationResult } from "@iac/sdk/runtime";
import type { PropertyValue } from "@iac/sdk/provider";
import { install, settle, uninstall } from "./fake-monitor.js";
import { Group, Other, TestProvider, Thing } from "./helpers.js";

afterEach(uninstall);

const URN = (qualified: string, name: string): string => `urn:iac:dev::proj::${qualified}::${name}`;

describe("URNs", () => {
  it("are urn:iac:<stack>::<project>::<type>::<name> at the root", async () => {
    const m = install();
    const t = new Thing("web", {});
    assert.equal((await inspectOutput(t.urn)).value, URN("test:index:Thing", "web"));
    assert.deepEqual(m.reserved, [URN("test:index:Thing", "web")]);
  });

  it("carry the chain of parent types joined with $", async () => {
    const m = install();
    const outer = new Group("outer");
    const inner = new Group("inner", { parent: outer });
    new Thing("leaf", {}, { parent: inner });
    await settle();
    const leaf = m.registrations.find((r) => r.name === "leaf");
    assert.equal(leaf?.urn, URN("test:index:Group$test:index:Group$test:index:Thing", "leaf"));
    assert.equal(leaf?.parent, URN("test:index:Group$test:index:Group", "inner"));
  });

  it("are reserved at once, so a duplicate throws from the constructor", () => {
    install();
    new Thing("dup", {});
    assert.throws(() => new Thing("dup", {}), /Duplicate/);
  });

  it("reject bad type tokens and names with a remedy", () => {
    install();
    assert.throws(() => new Other("", {}), { code: "InvalidInput" });
    assert.throws(() => new Other("a::b", {}), /without "::"/);
    class Bad extends ComponentResource {
      constructor() {
        super("notatoken", "x");
      }
    }
    assert.throws(() => new Bad(), /package:module:Kind/);
  });
});

describe("registration", () => {
  it("returns at once and registers with inputs resolved deeply, secrets wrapped in place", async () => {
    const m = install();
    const t = new Thing("t", {
      name: Promise.resolve("n"),
      tags: { env: output("dev"), pw: secret("s3cret") },
      list: [1, output(2), undefined],
      skipped: undefined,
      fn: () => 1,
    });
    assert.equal(m.registrations.length, 0, "nothing is registered synchronously");
    const reg = await m.registration(URN("test:index:Thing", "t"));
    assert.deepEqual(reg.inputs, { name: "n", tags: { env: "dev", pw: wrapSecret("s3cret") }, list: [1, 2, null] });
    assert.equal(reg.custom, true);
    assert.deepEqual(reg.provider, { module: "@test/things" });
    assert.equal((await inspectOutput(t.id)).value, "t-id");
  });

  it("records dependencies and per-property dependencies from Outputs in the args", async () => {
    const m = install();
    const a = new Thing("a", { name: "a" });
    const b = new Thing("b", { name: "b" });
    new Thing("c", { name: a.name, endpoint: b.name.apply((n) => `${n}.example`), size: 1, ref: a });
    const reg = await m.registration(URN("test:index:Thing", "c"));
    assert.deepEqual([...reg.dependencies].sort(), [URN("test:index:Thing", "a"), URN("test:index:Thing", "b")]);
    assert.deepEqual(reg.propertyDependencies, {
      name: [URN("test:index:Thing", "a")],
      endpoint: [URN("test:index:Thing", "b")],
      ref: [URN("test:index:Thing", "a")],
    });
    assert.deepEqual(reg.inputs.ref, { urn: URN("test:index:Thing", "a"), id: "a-id" }, "a resource in args becomes a reference");
  });

  it("adds dependsOn (resources, promises, Outputs, arrays) and expands components to their children", async () => {
    const m = install();
    const x = new Thing("x", {});
    const y = new Thing("y", {});
    const g = new Group("g", {}, (self) => {
      new Thing("child1", {}, { parent: self });
      const sub = new Group("sub", { parent: self });
      new Thing("child2", {}, { parent: sub });
    });
    new Other("o", {}, { dependsOn: [x, Promise.resolve(g), output(y)] });
    const reg = await m.registration(URN("other:index:Other", "o"));
    assert.deepEqual(
      [...reg.dependencies].sort(),
      [
        URN("test:index:Group", "g"),
        URN("test:index:Group$test:index:Group", "sub"),
        URN("test:index:Group$test:index:Group$test:index:Thing", "child2"),
        URN("test:index:Group$test:index:Thing", "child1"),
        URN("test:index:Thing", "x"),
        URN("test:index:Thing", "y"),
      ].sort(),
    );
  });

  it("registers components as non-custom with no inputs and records their outputs", async () => {
    const m = install();
    const g = new Group("g");
    g.publish({ url: output("http://x"), pw: secret("p") });
    const reg = await m.registration(URN("test:index:Group", "g"));
    assert.equal(reg.custom, false);
    assert.deepEqual(reg.inputs, {});
    assert.equal(reg.provider, undefined);
    await settle();
    assert.deepEqual(m.componentOutputs.get(URN("test:index:Group", "g")), { url: "http://x", pw: wrapSecret("p") });
  });

  it("exposes declared outputs, echoes inputs the provider did not return, and marks secrets", async () => {
    install({ respond: (reg) => ({ id: "id-1", outputs: { endpoint: "https://e", key: wrapSecret("k") as unknown as PropertyValue, name: reg.inputs.name } }) });
    const t = new Thing("t", { name: "n", size: 5 });
    assert.deepEqual(await inspectOutput(t.endpoint), { value: "https://e", known: true, secret: false, dependencies: [URN("test:index:Thing", "t")] });
    assert.equal((await inspectOutput(t.size)).value, 5, "size echoes the input");
    const key = await inspectOutput(t.key);
    assert.equal(key.secret, true);
    assert.equal(key.value, "k");
  });

  it("in preview, leaves id and not-yet-produced outputs unknown for resources to be created", async () => {
    install({ preview: true, respond: () => ({ outputs: {} }) });
    const t = new Thing("t", { size: 2 });
    assert.equal((await inspectOutput(t.id)).known, false);
    assert.equal((await inspectOutput(t.endpoint)).value, UNKNOWN);
    assert.equal((await inspectOutput(t.size)).value, 2);
  });

  it("passes unknown inputs through as UNKNOWN", async () => {
    const m = install({ preview: true, respond: (reg): RegistrationResult => ({ outputs: reg.name === "a" ? { endpoint: UNKNOWN } : {} }) });
    const a = new Thing("a", {});
    new Thing("b", { endpoint: a.endpoint.apply((e) => e + "/x"), nested: { e: a.endpoint } });
    const reg = await m.registration(URN("test:index:Thing", "b"));
    assert.deepEqual(reg.inputs, { endpoint: UNKNOWN, nested: { e: UNKNOWN } });
  });

  it("takes another resource's output property as an input as serializeProperty would: secret, unknown, component URN, failure", async () => {
    const m = install({
      preview: true,
      respond: (reg): RegistrationResult => {
        if (reg.name === "broken") throw new Error("the cloud said no");
        return { outputs: reg.name === "a" ? { key: wrapSecret("k") as unknown as PropertyValue, name: "a-name" } : {} };
      },
    });
    const a = new Thing("a", {});
    const g = new Group("g", {}, (self) => new Thing("inside", {}, { parent: self }));
    const broken = new Thing("broken", {});
    new Thing("b", { key: a.key, name: a.name, endpoint: a.endpoint, group: g.urn });
    const reg = await m.registration(URN("test:index:Thing", "b"));
    assert.deepEqual(reg.inputs, {
      key: wrapSecret("k"),
      name: "a-name",
      // Not produced yet by a resource still to be created: unknown in preview.
      endpoint: UNKNOWN,
      group: URN("test:index:Group", "g"),
    });
    assert.deepEqual(reg.propertyDependencies, {
      key: [URN("test:index:Thing", "a")],
      name: [URN("test:index:Thing", "a")],
      endpoint: [URN("test:index:Thing", "a")],
      group: [URN("test:index:Group", "g"), URN("test:index:Group$test:index:Thing", "inside")],
    });
    const c = new Thing("c", { name: broken.name });
    await assert.rejects(inspectOutput(c.id));
    await settle();
    assert.equal(m.registrations.find((r) => r.name === "c"), undefined, "c is not registered");
    assert.ok(m.errors.some((e) => e instanceof ResourceError && /inputs of urn:iac:dev::proj::test:index:Thing::c could not be resolved.*the cloud said no/.test(e.message)));
  });

  it("reports inputs that fail to resolve as a ResourceError and does not register the resource", async () => {
    const m = install();
    const t = new Thing("t", { name: Promise.reject(new Error("no name")) });
    await assert.rejects(inspectOutput(t.name));
    await settle();
    assert.equal(m.registrations.length, 0);
    assert.equal(m.errors.length, 1);
    assert.ok(m.errors[0] instanceof ResourceError);
    assert.match((m.errors[0] as Error).message, /urn:iac:dev::proj::test:index:Thing::t.*no name/);
  });

  it("brands resources with Symbol.for", () => {
    install();
    assert.equal(Resource.isInstance(new Thing("t", {})), true);
    assert.equal(Resource.isInstance({ urn: "x" }), false);
  });
});

describe("options", () => {
  it("resolve timeouts to milliseconds, aliases to URNs, and pass the rest through", async () => {
    const m = install();
    const g = new Group("g");
    new Thing(
      "t",
      {},
      {
        parent: g,
        protect: true,
        ignoreChanges: ["tags"],
        replaceOnChanges: ["location"],
        deleteBeforeReplace: true,
        retainOnDelete: true,
        customTimeouts: { create: "5m", update: "1h30m", delete: 2500 },
        aliases: [{ name: "old" }, { noParent: true }, URN("test:index:Thing", "older")],
        import: "existing-id",
        additionalSecretOutputs: ["key"],
      },
    );
    const reg = await m.registration(URN("test:index:Group$test:index:Thing", "t"));
    assert.deepEqual(reg.options, {
      protect: true,
      ignoreChanges: ["tags"],
      replaceOnChanges: ["location"],
      retainOnDelete: true,
      customTimeouts: { create: 300_000, update: 5_400_000, delete: 2500 },
      aliases: [URN("test:index:Group$test:index:Thing", "old"), URN("test:index:Thing", "t"), URN("test:index:Thing", "older")],
      deleteBeforeReplace: true,
      import: "existing-id",
      additionalSecretOutputs: ["key"],
    });
  });

  it("reject a malformed duration with the option's name", () => {
    install();
    assert.throws(() => new Thing("t", {}, { customTimeouts: { create: "five minutes" } }), /customTimeouts\.create.*"30s"/);
  });

  it("children inherit protect from their parent unless they say otherwise", async () => {
    const m = install();
    const g = new Group("g", { protect: true });
    new Thing("a", {}, { parent: g });
    new Thing("b", {}, { parent: g, protect: false });
    await settle();
    const by = (n: string) => m.registrations.find((r) => r.name === n)!;
    assert.equal(by("a").options.protect, true);
    assert.equal(by("b").options.protect, false);
  });

  it("children inherit a parent's aliases, so changing a component's type keeps its children", async () => {
    const m = install();
    const g = new Group("g", { aliases: [{ type: "test:index:OldGroup" }] });
    new Thing("a", {}, { parent: g });
    const reg = await m.registration(URN("test:index:Group$test:index:Thing", "a"));
    assert.deepEqual(reg.options.aliases, [URN("test:index:OldGroup$test:index:Thing", "a")]);
  });

  it("leave out an alias that is the resource's own URN", async () => {
    const m = install();
    const g = new Group("g", { aliases: [{ name: "g-old" }] });
    new Thing("a", {}, { parent: g });
    const reg = await m.registration(URN("test:index:Group$test:index:Thing", "a"));
    assert.equal(reg.options.aliases, undefined);
  });
});

describe("explicit providers", () => {
  it("are resources of type iac:providers:<package> registered with their own module", async () => {
    const m = install();
    const p = new TestProvider("p", { region: "west" });
    assert.equal(p.package, "test");
    const reg = await m.registration(URN("iac:providers:test", "p"));
    assert.equal(reg.custom, true);
    assert.deepEqual(reg.provider, { module: "@test/things" });
    assert.deepEqual(reg.inputs, { region: "west" });
  });

  it("are named by the resources that use them, directly or inherited from a component", async () => {
    const m = install();
    const p = new TestProvider("p", {});
    new Thing("direct", {}, { provider: p });
    const g = new Group("g", { providers: [p] });
    new Thing("inherited", {}, { parent: g });
    new Other("other-package", {}, { parent: g });
    await settle();
    const by = (n: string) => m.registrations.find((r) => r.name === n)!;
    const pUrn = URN("iac:providers:test", "p");
    assert.deepEqual(by("direct").provider, { module: "@test/things", urn: pUrn });
    assert.deepEqual(by("inherited").provider, { module: "@test/things", urn: pUrn });
    assert.deepEqual(by("other-package").provider, { module: "@test/other" }, "a provider of another package is not used");
  });

  it("of another package are refused on a custom resource", () => {
    install();
    const p = new TestProvider("p", {});
    assert.throws(() => new Other("o", {}, { provider: p }), /provider for "test"/);
  });
});

describe("secrets in registrations", () => {
  it("never put a secret value in plaintext in the registered inputs", async () => {
    const m = install();
    new Thing("t", { key: secret(output("plain-looking")) });
    const reg = await m.registration(URN("test:index:Thing", "t"));
    const key = reg.inputs.key as Record<string, unknown>;
    assert.ok(SECRET_SIG in key);
  });
});

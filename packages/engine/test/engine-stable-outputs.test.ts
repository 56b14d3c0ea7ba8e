import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { UNKNOWN } from "@iac/sdk/provider";
import { isSecretValue, wrapSecret } from "@iac/sdk/runtime";
import { updatePreviewOutputs } from "../src/preview-outputs.js";
import { harness, type Harness } from "./helpers/harness.js";

/**
 * A provider of `srv:index:Server` written into the test project: a server whose `arn`, `host`,
 * `token` (secret) and `meta.uid` derive from its name and id, so an update (any change but the
 * name) keeps them, while `revision` and `meta.generation` grow with every update. Config
 * `srv:stable: "no"` leaves `stableOutputs` out. Calls are recorded on globalThis under `srv:store`.
 */
const PROVIDER = `
import type { Provider, ProviderModule, PropertyMap } from "@iac/sdk/provider";
type Store = { next: number; calls: string[]; objects: Map<string, PropertyMap> };
export const iacProviders: ProviderModule = {
  package: "srv",
  configure(config) {
    const stores = ((globalThis as any)[Symbol.for("iac.engine.test.srv")] ??= new Map<string, Store>());
    const key = String(config.store);
    const store: Store = stores.get(key) ?? { next: 1, calls: [], objects: new Map() };
    stores.set(key, store);
    const derived = (id: string, name: string) => ({ arn: "arn:srv:" + id, host: name + ".example.net", token: "tok-" + id });
    const server: Provider = {
      secretOutputs: ["token"],
      ...(config.stable === "no" ? {} : { stableOutputs: ["arn", "host", "token", "meta.uid"] }),
      async check(news, olds, ctx) {
        const name = news.name ?? olds?.name ?? ctx.name + "-" + Math.random().toString(36).slice(2, 8);
        return { inputs: { ...news, name }, failures: [] };
      },
      async diff(_id, olds, news) {
        const detailed = [];
        for (const k of new Set([...Object.keys(olds.inputs), ...Object.keys(news)])) {
          if (JSON.stringify(olds.inputs[k]) === JSON.stringify(news[k]) && !JSON.stringify(news[k] ?? null).includes("iac:unknown")) continue;
          detailed.push({ path: k, kind: "update" as const, replace: k === "name", ...(k === "name" ? { reason: "a server cannot be renamed" } : {}) });
        }
        return { changes: detailed.length > 0, replaces: detailed.filter((d) => d.replace).map((d) => d.path), detailed };
      },
      async create(news, ctx) {
        store.calls.push("create:" + ctx.name);
        const id = "srv-" + store.next++;
        const outputs = { ...news, ...derived(id, String(news.name)), revision: 1, meta: { uid: "uid-" + id, generation: 1 } };
        store.objects.set(id, outputs);
        return { id, outputs };
      },
      async read(id, olds) {
        const o = store.objects.get(id);
        return o && { inputs: olds.inputs, outputs: o };
      },
      async update(id, olds, news, ctx) {
        store.calls.push("update:" + ctx.name);
        const before = olds.outputs as any;
        const outputs = { ...news, ...derived(id, String(news.name)), revision: before.revision + 1, meta: { uid: before.meta.uid, generation: before.meta.generation + 1 } };
        store.objects.set(id, outputs);
        return { outputs };
      },
      async delete(id, _olds, ctx) {
        store.calls.push("delete:" + ctx.name);
        store.objects.delete(id);
      },
    };
    return { provider: (type) => (type === "srv:index:Server" ? server : undefined) };
  },
};
`;

const RESOURCE = `
import { CustomResource, type CustomResourceOptions, type Input, type Output } from "@iac/sdk";
import { fileURLToPath } from "node:url";
const MODULE = fileURLToPath(new URL("./srv-provider.ts", import.meta.url));
export class Server extends CustomResource {
  declare readonly size: Output<number>;
  declare readonly arn: Output<string>;
  declare readonly host: Output<string>;
  declare readonly token: Output<string>;
  declare readonly revision: Output<number>;
  declare readonly meta: Output<{ uid: string; generation: number }>;
  constructor(name: string, args: { size?: Input<number>; tags?: Input<Record<string, Input<string>>> }, opts?: CustomResourceOptions) {
    super("srv:index:Server", name, args, opts, { module: MODULE, outputs: ["name", "size", "tags", "arn", "host", "token", "revision", "meta"] });
  }
}
`;

/** `a` and five dependents, each using one of a's outputs. */
const program = (size: number) => `import { Server } from "./srv.ts";
const a = new Server("a", { size: ${size} });
new Server("viaHost", { tags: { upstream: a.host } });
new Server("viaArn", { tags: { arn: a.arn } });
new Server("viaToken", { tags: { token: a.token } });
new Server("viaRevision", { tags: { revision: a.revision.apply(String) } });
new Server("viaSize", { size: a.size });
export const meta = a.meta;
export const token = a.token;
`;

function stepKinds(h: Harness): Record<string, string> {
  return Object.fromEntries(h.steps().map((s) => s.split(" ")).map(([kind, name]) => [name!, kind!]));
}

describe("engine: preview of an update with a provider's stableOutputs", () => {
  let h: Harness;
  let store: string;
  beforeEach(async () => {
    store = `store-${Math.random().toString(36).slice(2)}`;
    h = await harness({ config: { "srv:store": store } });
    await writeFile(join(h.dir, "srv-provider.ts"), PROVIDER);
    await writeFile(join(h.dir, "srv.ts"), RESOURCE);
  });
  afterEach(async () => {
    (globalThis as Record<symbol, Map<string, unknown> | undefined>)[Symbol.for("iac.engine.test.srv")]?.delete(store);
    await h.cleanup();
  });
  const calls = () =>
    ((globalThis as Record<symbol, Map<string, { calls: string[] }>>)[Symbol.for("iac.engine.test.srv")]!.get(store)!.calls);

  test("dependents of stable outputs are same, dependents of changing outputs may change, and up does what preview said", async () => {
    await h.program(program(1));
    await h.run("up");
    await h.program(program(2));
    calls().length = 0;

    const preview = await h.run("preview");
    assert.deepEqual(stepKinds(h), { a: "update", viaHost: "same", viaArn: "same", viaToken: "same", viaRevision: "update", viaSize: "update" });
    assert.deepEqual(calls(), []);
    const revision = h.events.find((e) => e.kind === "step-planned" && e.step.name === "viaRevision");
    assert.ok(revision?.kind === "step-planned");
    assert.deepEqual(revision.step.diffs?.map((d) => d.path), ["tags"]);
    // A nested stable path is known, its siblings are not; the stable secret stays secret.
    const outputs = h.events.find((e) => e.kind === "outputs");
    assert.ok(outputs?.kind === "outputs");
    assert.deepEqual(outputs.outputs.meta, { uid: "uid-srv-1", generation: "(known after apply)" });
    assert.equal(outputs.outputs.token, "[secret]");

    const up = await h.run("up");
    assert.deepEqual(stepKinds(h), { a: "update", viaHost: "same", viaArn: "same", viaToken: "same", viaRevision: "update", viaSize: "update" });
    assert.deepEqual(up.counts, preview.counts);
    assert.deepEqual(calls().sort(), ["update:a", "update:viaRevision", "update:viaSize"]);
  });

  test("without stableOutputs every output the inputs do not echo is unknown, so preview shows dependents changing that up leaves alone", async () => {
    await h.cleanup();
    h = await harness({ config: { "srv:store": store, "srv:stable": "no" } });
    await writeFile(join(h.dir, "srv-provider.ts"), PROVIDER);
    await writeFile(join(h.dir, "srv.ts"), RESOURCE);
    await h.program(program(1));
    await h.run("up");
    await h.program(program(2));
    await h.run("preview");
    assert.deepEqual(stepKinds(h), { a: "update", viaHost: "update", viaArn: "update", viaToken: "update", viaRevision: "update", viaSize: "update" });
    await h.run("up");
    assert.equal(stepKinds(h).viaHost, "same");
  });
});

describe("engine: updatePreviewOutputs", () => {
  test("keeps stable outputs, echoes inputs, and marks every other old output unknown", () => {
    const out = updatePreviewOutputs({
      oldOutputs: { id: "/x/a", name: "a", location: "westeurope", tags: { env: "dev" }, state: "Succeeded" },
      inputs: { name: "a", location: "West Europe", tags: { env: "prod" } },
      stableOutputs: ["id", "name", "location"],
    });
    assert.deepEqual(out, { id: "/x/a", name: "a", location: "westeurope", tags: { env: "prod" }, state: UNKNOWN });
  });

  test("an input that is unknown stays unknown when the output is not stable", () => {
    const out = updatePreviewOutputs({ oldOutputs: { tags: { a: "1" } }, inputs: { tags: UNKNOWN }, stableOutputs: ["id"] });
    assert.deepEqual(out, { tags: UNKNOWN });
  });

  test("grafts stable nested paths onto the input's echo, and keeps them in an old object no input names", () => {
    const out = updatePreviewOutputs({
      oldOutputs: {
        metadata: { name: "cm", namespace: "default", uid: "u-1", resourceVersion: "7", labels: { a: "1" } },
        status: { phase: "Active", since: "t0" },
      },
      inputs: { metadata: { name: "cm", labels: { a: "2" } } },
      stableOutputs: ["metadata.name", "metadata.namespace", "metadata.uid", "status.since"],
    });
    assert.deepEqual(out, {
      metadata: { name: "cm", namespace: "default", uid: "u-1", labels: { a: "2" } },
      status: { phase: UNKNOWN, since: "t0" },
    });
  });

  test("keeps a stable secret output wrapped, and an output absent before stays absent", () => {
    const out = updatePreviewOutputs({ oldOutputs: { key: wrapSecret("k"), id: "i" }, inputs: {}, stableOutputs: ["key", "fqdn"] });
    assert.ok(isSecretValue(out.key));
    assert.equal(out.key.value, "k");
    assert.equal(out.id, UNKNOWN);
    assert.equal("fqdn" in out, false);
  });
});

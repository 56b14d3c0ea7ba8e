/**
 * The object provider's `stableOutputs` (what preview shows unchanged for an object to be updated)
 * holds against the local cloud: an apply that changes data, labels and annotations keeps the
 * apiVersion, kind, name, namespace (also when the program leaves it implicit), uid and creation
 * time; and a new or unknown value of the identity fields replaces instead of updating.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UNKNOWN, type PropertyMap, type PropertyValue } from "@iac/sdk/provider";
import { checkedCreate, context, startTestCloud, type TestCloud } from "./local-cloud.js";

function valueAt(map: PropertyMap, path: string): PropertyValue | undefined {
  let cur: PropertyValue | undefined = map;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function withPath(map: PropertyMap, path: string, value: PropertyValue): PropertyMap {
  const out = structuredClone(map);
  const keys = path.split(".");
  let cur = out as Record<string, PropertyValue>;
  for (const key of keys.slice(0, -1)) cur = (cur[key] ??= {}) as Record<string, PropertyValue>;
  cur[keys.at(-1)!] = value;
  return out;
}

describe("Kubernetes objects: stableOutputs", () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud();
  });
  after(async () => {
    await t?.close();
  });

  it("an apply that changes data, labels and annotations keeps every stable output", async () => {
    const man = t.provider("kubernetes:index:Manifest");
    const ctx = context({ name: "stable" });
    const stable = man.stableOutputs ?? [];
    assert.deepEqual([...stable].sort(), ["apiVersion", "kind", "metadata.creationTimestamp", "metadata.name", "metadata.namespace", "metadata.uid"]);
    // No namespace in the program: the API server's default is the one the outputs keep.
    const c = await checkedCreate(man, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "stable" }, data: { a: "1" } }, ctx);
    for (const path of stable) assert.notEqual(valueAt(c.outputs, path), undefined, `${path} is an output`);
    const news = { ...c.inputs, metadata: { name: "stable", labels: { tier: "web" }, annotations: { note: "x" } }, data: { a: "2", b: "3" } };
    const d = await man.diff!(c.id, { inputs: c.inputs, outputs: c.outputs }, news, ctx);
    assert.deepEqual(d.replaces, []);
    const u = await man.update(c.id, { inputs: c.inputs, outputs: c.outputs }, news, ctx);
    assert.deepEqual(u.outputs.data, { a: "2", b: "3" });
    for (const path of stable) assert.deepEqual(valueAt(u.outputs, path), valueAt(c.outputs, path), path);
    await man.delete(c.id, { inputs: news, outputs: u.outputs }, ctx);
  });

  it("a new or unknown apiVersion, kind, name or namespace replaces the object", async () => {
    const man = t.provider("kubernetes:index:Manifest");
    const ctx = context({ name: "ids" });
    const inputs = (await man.check({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ids", namespace: "default" }, data: { a: "1" } }, undefined, ctx)).inputs;
    const olds = { inputs, outputs: {} };
    const others: Record<string, PropertyValue> = { apiVersion: "v2", kind: "Secret", "metadata.name": "other", "metadata.namespace": "elsewhere" };
    for (const [path, other] of Object.entries(others)) {
      for (const value of [other, UNKNOWN]) {
        const d = await man.diff!("v1/ConfigMap/default/ids", olds, withPath(inputs, path, value), ctx);
        assert.ok(d.replaces.length > 0, `${path} = ${JSON.stringify(value)} replaces`);
      }
    }
  });
});

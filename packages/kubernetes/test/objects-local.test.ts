import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PropertyMap } from "@iac/sdk/provider";
import { checkedCreate, context, startTestCloud, type TestCloud } from "./local-cloud.js";

describe("Kubernetes objects against the local cloud", () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud();
  });
  after(async () => {
    await t?.close();
  });

  const cm = (data: Record<string, string>): PropertyMap => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "app" }, data });

  it("creates a namespace, applies a ConfigMap in it, reads it back, updates it and deletes both", async () => {
    const ns = t.provider("kubernetes:core/v1:Namespace");
    const man = t.provider("kubernetes:index:Manifest");
    const ctx = context();
    const n = await checkedCreate(ns, { metadata: { name: "app" } }, context({ name: "app", type: "kubernetes:core/v1:Namespace" }));
    assert.equal(n.id, "v1/Namespace/app");
    const c = await checkedCreate(man, cm({ a: "1", b: "2" }), ctx);
    assert.equal(c.id, "v1/ConfigMap/app/settings");
    assert.deepEqual(c.outputs.data, { a: "1", b: "2" });
    assert.equal((c.outputs.metadata as PropertyMap).managedFields, undefined, "outputs leave managedFields out");

    // Server-side apply drops the field the program no longer sets.
    const news = cm({ a: "10" });
    const d = await man.diff!(c.id, { inputs: c.inputs, outputs: c.outputs }, news, ctx);
    assert.deepEqual(d.detailed.map((x) => `${x.kind} ${x.path}`), ["update data.a", "delete data.b"]);
    assert.deepEqual(d.replaces, []);
    const u = await man.update(c.id, { inputs: c.inputs, outputs: c.outputs }, news, ctx);
    assert.deepEqual(u.outputs.data, { a: "10" });
    const live = await t.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "app", name: "settings" });
    assert.deepEqual(live?.["data"], { a: "10" }, "the cluster holds only the fields the program sets");
    const managers = ((live?.metadata.managedFields as { manager: string }[] | undefined) ?? []).map((m) => m.manager);
    assert.deepEqual(managers, ["iac"], "iac is the field manager");

    await man.delete(c.id, { inputs: news, outputs: u.outputs }, ctx);
    assert.equal(await man.read(c.id, { inputs: news, outputs: u.outputs }, ctx), undefined);
    await man.delete(c.id, { inputs: news, outputs: u.outputs }, ctx); // already gone: success
    await ns.delete(n.id, { inputs: n.inputs, outputs: n.outputs }, ctx);
    assert.equal(await t.client.get({ apiVersion: "v1", kind: "Namespace", name: "app" }), undefined, "delete waits until the namespace is gone");
  });

  it("refuses to create over an object it did not create, naming the import id", async () => {
    const man = t.provider("kubernetes:index:Manifest");
    await t.client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "theirs", namespace: "default" } } as never, { fieldManager: "kubectl" });
    await assert.rejects(checkedCreate(man, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "theirs", namespace: "default" }, data: { x: "1" } }, context()), (e: Error & { code?: string }) => {
      return e.code === "Conflict" && /import: "v1\/ConfigMap\/default\/theirs"/.test(e.message);
    });
  });

  it("reports drift on refresh: a field changed on the cluster shows its live value", async () => {
    const man = t.provider("kubernetes:index:Manifest");
    const ctx = context();
    const c = await checkedCreate(man, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "drift", namespace: "default" }, data: { mode: "a" } }, ctx);
    await t.client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "drift", namespace: "default" }, data: { mode: "b" } } as never, { fieldManager: "kubectl-edit" });
    const r = await man.read(c.id, { inputs: c.inputs, outputs: c.outputs }, ctx);
    assert.deepEqual(r?.inputs.data, { mode: "b" });
    const d = await man.diff!(c.id, r!, c.inputs, ctx);
    assert.deepEqual(d.detailed.map((x) => x.path), ["data.mode"], "the next up puts the program's value back");
    await man.delete(c.id, r!, ctx);
  });

  it("applies a CRD, waits until it is Established, then applies a custom resource of it", async () => {
    const man = t.provider("kubernetes:index:Manifest");
    const ctx = context();
    const crd = await checkedCreate(
      man,
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "widgets.example.com" },
        spec: {
          group: "example.com",
          scope: "Namespaced",
          names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
          versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
        },
      },
      ctx,
    );
    const conditions = ((crd.outputs.status as PropertyMap).conditions as { type: string; status: string }[]).map((c) => `${c.type}=${c.status}`);
    assert.ok(conditions.includes("Established=True"), `create returned once Established: ${conditions}`);
    const w = await checkedCreate(man, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1", namespace: "default" }, spec: { size: 3 } }, ctx);
    assert.equal(w.id, "example.com/v1/Widget/default/w1");
    await man.delete(w.id, w, ctx);
    await man.delete(crd.id, crd, ctx);
  });

  it("waits for a Deployment to become available, and replaces it when its selector changes", async () => {
    const man = t.provider("kubernetes:index:Manifest");
    const ctx = context();
    const dep = (app: string): PropertyMap => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default" },
      spec: { replicas: 2, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
    });
    const d = await checkedCreate(man, dep("web"), ctx);
    const status = d.outputs.status as PropertyMap;
    assert.equal(status.availableReplicas, 2, "create returned once the replicas were available");
    const diff = await man.diff!(d.id, d, dep("web2"), ctx);
    assert.deepEqual(diff.replaces, ["spec"]);
    assert.equal(diff.deleteBeforeReplace, true);
    assert.match(diff.detailed.find((x) => x.replace)?.reason ?? "", /selector is immutable/);
    await man.delete(d.id, d, ctx);
  });

  it("fails check on a Flux Kustomization that still has validation: client", async () => {
    const ks = t.provider("flux:kustomize/v1:Kustomization");
    const r = await ks.check({ metadata: { name: "realtimeapp-dev" }, spec: { interval: "1m0s", prune: true, validation: "client", sourceRef: { kind: "GitRepository", name: "x" } } }, undefined, context());
    assert.deepEqual(r.failures.map((f) => f.property), ["spec.validation"]);
    assert.equal((r.inputs.metadata as PropertyMap).namespace, "flux-system", "Flux objects default to flux-system");
    assert.equal(r.inputs.apiVersion, "kustomize.toolkit.fluxcd.io/v1");
  });
});

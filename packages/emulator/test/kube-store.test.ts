/**
 * The Kubernetes store's semantics without HTTP: server-side apply ownership, generation,
 * finalizers, namespace termination, garbage collection, CRDs, dry runs, validation, persistence.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { KubeApiError, KubeStore, type KubeObject } from "../src/kube/index.js";

function cm(name: string, data: Record<string, string>, namespace = "default"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data };
}

function deployment(name: string, options: { app?: string; replicas?: number; image?: string } = {}): KubeObject {
  const app = options.app ?? name;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: "web", image: options.image ?? "nginx:1" }] } },
    },
  };
}

const widgetCrd: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { kind: "Widget", plural: "widgets" },
    versions: [{ name: "v1", served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], items: { type: "object", properties: { name: { type: "string" }, port: { type: "integer" } } } } } } } } } }],
  },
};

function rejects(fn: () => unknown, code: string, status: number): KubeApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KubeApiError, `expected a KubeApiError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.httpStatus, status);
    assert.equal(err.status.kind, "Status");
    assert.equal(err.status.code, status);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const ref = (o: KubeObject) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name! });

describe("the Kubernetes store", () => {
  it("starts with the default and kube-system namespaces, Active and carrying the kubernetes finalizer", () => {
    const store = new KubeStore();
    const names = store.list({ apiVersion: "v1", kind: "Namespace" }).map((n) => n.metadata.name);
    assert.deepEqual(names, ["default", "kube-system"]);
    const ns = store.get({ apiVersion: "v1", kind: "Namespace", name: "default" })!;
    assert.deepEqual(ns["spec"], { finalizers: ["kubernetes"] });
    assert.deepEqual(ns["status"], { phase: "Active" });
    store.close();
  });

  it("sets uid, creationTimestamp and a growing string resourceVersion, and generation only for kinds with a spec workflow", () => {
    const store = new KubeStore();
    const a = store.apply(cm("a", { x: "1" }), { fieldManager: "m" });
    const b = store.apply(cm("b", { x: "1" }), { fieldManager: "m" });
    assert.match(a.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.match(a.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(typeof a.metadata.resourceVersion, "string");
    assert.ok(Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
    assert.equal(a.metadata.generation, undefined);
    const d = store.apply(deployment("web", { replicas: 1 }), { fieldManager: "m" });
    assert.equal(d.metadata.generation, 1);
    store.close();
  });

  it("bumps generation on spec changes but not on label or status changes", () => {
    const store = new KubeStore();
    store.apply(deployment("web", { replicas: 1 }), { fieldManager: "m" });
    const labelled = store.patch(ref(deployment("web")), { type: "merge", body: { metadata: { labels: { a: "b" } } } });
    assert.equal(labelled.metadata.generation, 1);
    const withStatus = store.updateStatus(ref(deployment("web")), { replicas: 1 }, { fieldManager: "deployment-controller" });
    assert.equal(withStatus.metadata.generation, 1);
    assert.deepEqual(withStatus["status"], { replicas: 1 });
    const scaled = store.apply(deployment("web", { replicas: 3 }), { fieldManager: "m" });
    assert.equal(scaled.metadata.generation, 2);
    assert.deepEqual(scaled["status"], { replicas: 1 }, "a main-resource write keeps the status");
    store.close();
  });

  it("does not change the resourceVersion for an apply that changes nothing", () => {
    const store = new KubeStore();
    const first = store.apply(cm("same", { a: "1" }), { fieldManager: "m" });
    const again = store.apply(cm("same", { a: "1" }), { fieldManager: "m" });
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion);
    store.close();
  });

  it("records Apply ownership in managedFields as FieldsV1 with keyed list items", () => {
    const store = new KubeStore();
    const d = store.apply(deployment("web", { replicas: 2 }), { fieldManager: "eng" });
    const entries = d.metadata.managedFields!;
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.manager, "eng");
    assert.equal(entries[0]!.operation, "Apply");
    assert.equal(entries[0]!.fieldsType, "FieldsV1");
    const containers = (entries[0]!.fieldsV1 as any)["f:spec"]["f:template"]["f:spec"]["f:containers"];
    assert.deepEqual(containers['k:{"name":"web"}'], { ".": {}, "f:image": {}, "f:name": {} });
    assert.deepEqual((entries[0]!.fieldsV1 as any)["f:spec"]["f:replicas"], {});
    store.close();
  });

  it("removes fields a manager stops applying, but keeps those another manager owns", () => {
    const store = new KubeStore();
    store.apply(cm("c", { a: "1", b: "2", c: "3" }), { fieldManager: "one" });
    store.apply(cm("c", { c: "3" }), { fieldManager: "two" });
    const after = store.apply(cm("c", { a: "1" }), { fieldManager: "one" });
    assert.deepEqual(after["data"], { a: "1", c: "3" }, "b is gone, c stays because two owns it");
    store.close();
  });

  it("removes list items of keyed lists that the manager no longer applies", () => {
    const store = new KubeStore();
    const two = deployment("web");
    (two as any).spec.template.spec.containers.push({ name: "sidecar", image: "busybox" });
    store.apply(two, { fieldManager: "m" });
    const one = store.apply(deployment("web"), { fieldManager: "m" });
    assert.deepEqual((one as any).spec.template.spec.containers.map((c: any) => c.name), ["web"]);
    store.close();
  });

  it("rejects an apply that changes a field another manager owns with a 409 naming the manager and field", () => {
    const store = new KubeStore();
    store.apply(deployment("web", { replicas: 2 }), { fieldManager: "one" });
    const err = rejects(() => store.apply(deployment("web", { replicas: 5 }), { fieldManager: "two" }), "Conflict", 409);
    assert.equal(err.status.message, 'Apply failed with 1 conflict: conflict with "one": .spec.replicas');
    assert.deepEqual(err.status.details?.causes, [{ reason: "FieldManagerConflict", message: 'conflict with "one"', field: ".spec.replicas" }]);
    assert.equal((store.get(ref(deployment("web"))) as any).spec.replicas, 2);
    store.close();
  });

  it("lets a forced apply take the field, removing it from the previous owner", () => {
    const store = new KubeStore();
    store.apply(deployment("web", { replicas: 2 }), { fieldManager: "one" });
    const forced = store.apply(deployment("web", { replicas: 5 }), { fieldManager: "two", force: true });
    assert.equal((forced as any).spec.replicas, 5);
    const one = forced.metadata.managedFields!.find((e) => e.manager === "one")!;
    assert.equal((one.fieldsV1 as any)["f:spec"]["f:replicas"], undefined);
    const two = forced.metadata.managedFields!.find((e) => e.manager === "two")!;
    assert.deepEqual((two.fieldsV1 as any)["f:spec"]["f:replicas"], {});
    store.close();
  });

  it("shares ownership when two managers apply the same value, without conflict", () => {
    const store = new KubeStore();
    store.apply(cm("s", { a: "1" }), { fieldManager: "one" });
    const shared = store.apply(cm("s", { a: "1" }), { fieldManager: "two" });
    assert.deepEqual(shared.metadata.managedFields!.map((e) => e.manager).sort(), ["one", "two"]);
    const afterOneLeaves = store.apply(cm("s", {}), { fieldManager: "one" });
    assert.deepEqual(afterOneLeaves["data"], { a: "1" }, "two still owns a");
    store.close();
  });

  it("gives non-apply writers Update ownership of what they change, taking it from appliers without conflict", () => {
    const store = new KubeStore();
    store.apply(cm("u", { a: "1" }), { fieldManager: "applier" });
    const patched = store.patch(ref(cm("u", {})), { type: "merge", body: { data: { a: "2" } } }, { fieldManager: "editor" });
    const editor = patched.metadata.managedFields!.find((e) => e.manager === "editor")!;
    assert.equal(editor.operation, "Update");
    assert.deepEqual(editor.fieldsV1, { "f:data": { "f:a": {} } });
    assert.equal(patched.metadata.managedFields!.find((e) => e.manager === "applier"), undefined, "the applier lost its only field");
    store.close();
  });

  it("applies JSON patches and strategic merge patches that merge containers by name", () => {
    const store = new KubeStore();
    store.apply(deployment("web"), { fieldManager: "m" });
    const smp = store.patch(ref(deployment("web")), { type: "strategic", body: { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:2" }, { name: "log", image: "busybox" }] } } } } });
    assert.deepEqual((smp as any).spec.template.spec.containers, [{ name: "web", image: "nginx:2" }, { name: "log", image: "busybox" }]);
    const jp = store.patch(ref(deployment("web")), { type: "json", body: [{ op: "replace", path: "/spec/template/spec/containers/1/image", value: "alpine" }] });
    assert.equal((jp as any).spec.template.spec.containers[1].image, "alpine");
    store.close();
  });

  it("refuses a stale resourceVersion on update with 409 Conflict and accepts the current one", () => {
    const store = new KubeStore();
    const first = store.create(cm("v", { a: "1" }));
    store.update({ ...cm("v", { a: "2" }), metadata: { ...first.metadata } });
    const err = rejects(() => store.update({ ...cm("v", { a: "3" }), metadata: { ...first.metadata } }), "Conflict", 409);
    assert.match(err.message, /the object has been modified; please apply your changes to the latest version/);
    store.close();
  });

  it("answers create of an existing object with AlreadyExists and get of a missing one with undefined", () => {
    const store = new KubeStore();
    store.create(cm("dup", {}));
    const err = rejects(() => store.create(cm("dup", {})), "AlreadyExists", 409);
    assert.deepEqual(err.status.details, { name: "dup", kind: "configmaps" });
    assert.equal(store.get({ apiVersion: "v1", kind: "ConfigMap", name: "nope" }), undefined);
    rejects(() => store.delete({ apiVersion: "v1", kind: "ConfigMap", name: "nope" }), "NotFound", 404);
    store.close();
  });

  it("rejects a change of a Deployment's selector as immutable (422 Invalid)", () => {
    const store = new KubeStore();
    store.apply(deployment("web", { app: "a" }), { fieldManager: "m" });
    const err = rejects(() => store.apply(deployment("web", { app: "b" }), { fieldManager: "m" }), "Invalid", 422);
    assert.match(err.message, /^Deployment\.apps "web" is invalid: spec\.selector: Invalid value: .*: field is immutable$/);
    assert.deepEqual(err.status.details?.kind, "Deployment");
    assert.equal(err.status.details?.causes?.[0]?.field, "spec.selector");
    store.close();
  });

  it("keeps a Service's allocated clusterIP and refuses to change it", () => {
    const store = new KubeStore();
    const svc = store.apply({ apiVersion: "v1", kind: "Service", metadata: { name: "svc", namespace: "default" }, spec: { ports: [{ port: 80 }] } }, { fieldManager: "m" });
    const ip = (svc as any).spec.clusterIP as string;
    assert.match(ip, /^10\.96\.\d+\.\d+$/);
    rejects(() => store.patch(ref(svc), { type: "merge", body: { spec: { clusterIP: "10.0.0.1" } } }), "Invalid", 422);
    store.close();
  });

  it("computes a dry run without storing anything", () => {
    const store = new KubeStore();
    const rv = store.resourceVersion();
    const result = store.apply(cm("dry", { a: "1" }), { fieldManager: "m", dryRun: true });
    assert.deepEqual(result["data"], { a: "1" });
    assert.equal(store.get({ apiVersion: "v1", kind: "ConfigMap", name: "dry" }), undefined);
    assert.equal(store.resourceVersion(), rv);
    store.close();
  });

  it("keeps an object with finalizers, with a deletionTimestamp, until its finalizers are removed", () => {
    const store = new KubeStore();
    const events: string[] = [];
    store.watch((e) => events.push(`${e.type} ${e.object.metadata.name}`), { kind: "ConfigMap" });
    store.apply({ ...cm("f", {}), metadata: { name: "f", namespace: "default", finalizers: ["example.com/block"] } }, { fieldManager: "m" });
    const result = store.delete(ref(cm("f", {})));
    assert.equal(result.kind, "pending");
    assert.ok(result.object.metadata.deletionTimestamp);
    assert.ok(store.get(ref(cm("f", {}))), "still there");
    store.patch(ref(cm("f", {})), { type: "merge", body: { metadata: { finalizers: null } } });
    assert.equal(store.get(ref(cm("f", {}))), undefined);
    assert.deepEqual(events, ["ADDED f", "MODIFIED f", "DELETED f"]);
    store.close();
  });

  it("terminates a namespace: Terminating, content deleted, conditions while finalizers remain, then gone", () => {
    const store = new KubeStore();
    store.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } }, { fieldManager: "m" });
    store.apply(cm("plain", {}, "demo"), { fieldManager: "m" });
    store.apply({ ...cm("held", {}, "demo"), metadata: { name: "held", namespace: "demo", finalizers: ["example.com/block"] } }, { fieldManager: "m" });
    const deleting = store.delete({ apiVersion: "v1", kind: "Namespace", name: "demo" });
    assert.equal(deleting.kind, "pending");
    assert.equal((deleting.object as any).status.phase, "Terminating");
    rejects(() => store.create(cm("late", {}, "demo")), "Forbidden", 403);
    store.reconcile();
    assert.equal(store.get(ref(cm("plain", {}, "demo"))), undefined);
    const ns = store.get({ apiVersion: "v1", kind: "Namespace", name: "demo" })! as any;
    assert.equal(ns.status.phase, "Terminating");
    const byType = Object.fromEntries(ns.status.conditions.map((c: any) => [c.type, c]));
    assert.equal(byType.NamespaceContentRemaining.status, "True");
    assert.equal(byType.NamespaceContentRemaining.message, "Some resources are remaining: configmaps has 1 resource instances");
    assert.equal(byType.NamespaceFinalizersRemaining.message, "Some content in the namespace has finalizers remaining: example.com/block in 1 resource instances");
    store.patch(ref(cm("held", {}, "demo")), { type: "merge", body: { metadata: { finalizers: null } } });
    store.reconcile();
    assert.equal(store.get({ apiVersion: "v1", kind: "Namespace", name: "demo" }), undefined);
    store.close();
  });

  it("garbage-collects dependents: Background after the owner goes, Foreground before, Orphan strips ownerReferences", () => {
    const store = new KubeStore();
    for (const policy of ["Background", "Foreground", "Orphan"] as const) {
      const p = policy.toLowerCase();
      const owner = store.apply(cm(`owner-${p}`, {}), { fieldManager: "m" });
      store.apply({ ...cm(`dep-${p}`, {}), metadata: { name: `dep-${p}`, namespace: "default", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: owner.metadata.name!, uid: owner.metadata.uid! }] } }, { fieldManager: "m" });
      const result = store.delete(ref(owner), { propagationPolicy: policy });
      assert.equal(result.kind, policy === "Background" ? "deleted" : "pending");
      store.reconcile();
      assert.equal(store.get(ref(owner)), undefined, `${policy}: the owner is gone`);
      const dep = store.get({ apiVersion: "v1", kind: "ConfigMap", name: `dep-${p}` });
      if (policy === "Orphan") assert.equal(dep?.metadata.ownerReferences, undefined, "orphaned dependent kept without owner");
      else assert.equal(dep, undefined, `${policy}: the dependent is deleted`);
    }
    store.close();
  });

  it("serves a CRD's kind once it is Established, with NamesAccepted and Established conditions", () => {
    const store = new KubeStore();
    assert.throws(() => store.apply({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }, { fieldManager: "m" }), /no matches for kind "Widget"/);
    const crd = store.apply(widgetCrd, { fieldManager: "m" }) as any;
    const conditions = Object.fromEntries(crd.status.conditions.map((c: any) => [c.type, c]));
    assert.equal(conditions.Established.status, "True");
    assert.equal(conditions.NamesAccepted.status, "True");
    assert.deepEqual(crd.status.acceptedNames, { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" });
    assert.ok(crd.metadata.finalizers.includes("customresourcecleanup.apiextensions.k8s.io"));
    const w = store.apply({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { ports: [{ name: "a", port: 1 }] } }, { fieldManager: "m" });
    assert.equal(w.metadata.generation, 1);
    assert.deepEqual((w.metadata.managedFields![0]!.fieldsV1 as any)["f:spec"]["f:ports"], { 'k:{"name":"a"}': { ".": {}, "f:name": {}, "f:port": {} } }, "the schema's list-map-keys are honoured");
    store.close();
  });

  it("establishes CRDs after a configured delay", async () => {
    const store = new KubeStore({ crdEstablishDelayMs: 30 });
    const crd = store.apply(widgetCrd, { fieldManager: "m" });
    assert.equal(crd["status"], undefined);
    const established = await new Promise<KubeObject>((resolve) => {
      const stop = store.watch((e) => {
        if ((e.object as any).status?.conditions?.some((c: any) => c.type === "Established")) {
          stop();
          resolve(e.object);
        }
      }, { kind: "CustomResourceDefinition" });
    });
    assert.equal(established.metadata.name, "widgets.example.com");
    store.close();
  });

  it("deletes a CRD's instances when the CRD is deleted, then the CRD itself", () => {
    const store = new KubeStore();
    store.apply(widgetCrd, { fieldManager: "m" });
    store.apply({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }, { fieldManager: "m" });
    assert.equal(store.delete(ref(widgetCrd)).kind, "pending");
    store.reconcile();
    assert.equal(store.get(ref(widgetCrd)), undefined);
    assert.deepEqual(store.list({ apiVersion: "example.com/v1", kind: "Widget" }), []);
    store.close();
  });

  it("filters lists by label and field selectors", () => {
    const store = new KubeStore();
    store.apply({ ...cm("l1", {}), metadata: { name: "l1", namespace: "default", labels: { app: "a", tier: "web" } } }, { fieldManager: "m" });
    store.apply({ ...cm("l2", {}), metadata: { name: "l2", namespace: "default", labels: { app: "b" } } }, { fieldManager: "m" });
    const names = (q: { labelSelector?: string; fieldSelector?: string }) => store.list({ apiVersion: "v1", kind: "ConfigMap", ...q }).map((o) => o.metadata.name);
    assert.deepEqual(names({ labelSelector: "app=a" }), ["l1"]);
    assert.deepEqual(names({ labelSelector: "app in (a,b),!tier" }), ["l2"]);
    assert.deepEqual(names({ fieldSelector: "metadata.name=l2" }), ["l2"]);
    assert.deepEqual(names({ fieldSelector: "metadata.namespace=default,metadata.name!=l2" }), ["l1"]);
    store.close();
  });

  it("persists objects and the resourceVersion counter in kube.json across restarts", () => {
    const dir = mkdtempSync(join(tmpdir(), "kube-store-"));
    try {
      const first = new KubeStore({ dataDir: dir });
      first.apply(widgetCrd, { fieldManager: "m" });
      first.apply({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "kept", namespace: "default" } }, { fieldManager: "m" });
      const rv = Number(first.resourceVersion());
      first.close();
      const second = new KubeStore({ dataDir: dir });
      assert.ok(second.get({ apiVersion: "example.com/v1", kind: "Widget", name: "kept" }), "the CR and its CRD came back");
      const next = second.apply(cm("after", {}), { fieldManager: "m" });
      assert.ok(Number(next.metadata.resourceVersion) > rv, "the counter continues");
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

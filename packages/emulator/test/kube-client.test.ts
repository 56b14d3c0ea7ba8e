/**
 * The emulated Kubernetes API through the real @kubernetes/client-node 2.x: discovery, CRUD,
 * server-side apply, Status bodies, CRDs and custom objects, watch, 401, persistence.
 */
import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { raw, startKubeCloud, type KubeCloud } from "./kube-helpers.js";

function clientFor(kube: KubeCloud) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kube.kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  };
}

/** The parsed Status body of a failed call. */
async function statusOf(promise: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof k8s.ApiException, `expected an ApiException, got ${String(err)}`);
    return { code: err.code, body: JSON.parse(err.body as string) };
  }
  assert.fail("expected the call to fail");
}

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { kind: "Widget", plural: "widgets", singular: "widget", shortNames: ["wd"] },
    // client-node serializes only its model's property names (x_kubernetes_preserve_unknown_fields), so
    // the schema declares its fields: the server prunes what it does not declare.
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } } } }],
  },
};

describe("the Kubernetes API through @kubernetes/client-node", () => {
  let kube: KubeCloud;
  let c: ReturnType<typeof clientFor>;

  before(async () => {
    kube = await startKubeCloud({ namespaceTerminationDelayMs: 100, keep: true });
    c = clientFor(kube);
    await c.core.createNamespace({ body: { metadata: { name: "demo" } } });
  });
  after(async () => {
    await kube.close();
    rmSync(kube.dataDir, { recursive: true, force: true });
  });

  it("reports version 1.32 and lists deployments before deployments/status in apps/v1 discovery", async () => {
    const version = JSON.parse((await raw(kube.cloud, { path: "/version", token: null })).body);
    assert.equal(version.major, "1");
    assert.equal(version.minor, "32");
    assert.match(version.gitVersion, /^v1\.32\.\d+$/);
    const apps = JSON.parse((await raw(kube.cloud, { path: "/apis/apps/v1" })).body);
    const names = apps.resources.map((r: any) => r.name);
    assert.ok(names.indexOf("deployments") < names.indexOf("deployments/status"));
    const deploy = apps.resources.find((r: any) => r.name === "deployments");
    assert.deepEqual(deploy.shortNames, ["deploy"]);
    assert.equal(deploy.namespaced, true);
    assert.ok(deploy.verbs.includes("patch"));
  });

  it("answers /apis in the aggregated discovery form when asked and in the legacy form otherwise", async () => {
    const aggregated = await raw(kube.cloud, { path: "/apis", headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" } });
    assert.equal(aggregated.headers["content-type"], "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    const doc = JSON.parse(aggregated.body);
    assert.equal(doc.kind, "APIGroupDiscoveryList");
    const apps = doc.items.find((i: any) => i.metadata.name === "apps");
    const deployments = apps.versions[0].resources.find((r: any) => r.resource === "deployments");
    assert.deepEqual(deployments.responseKind, { group: "apps", version: "v1", kind: "Deployment" });
    assert.equal(deployments.scope, "Namespaced");
    assert.deepEqual(deployments.subresources.map((x: any) => x.subresource), ["status"]);
    const legacy = JSON.parse((await raw(kube.cloud, { path: "/apis", headers: { accept: "application/json" } })).body);
    assert.equal(legacy.kind, "APIGroupList");
    assert.deepEqual(legacy.groups.find((g: any) => g.name === "apps").preferredVersion, { groupVersion: "apps/v1", version: "v1" });
  });

  it("serves OpenAPI v3 documents whose PATCH operations accept fieldValidation, as kubectl's validation requires", async () => {
    const index = JSON.parse((await raw(kube.cloud, { path: "/openapi/v3" })).body);
    const url = index.paths["api/v1"].serverRelativeURL as string;
    assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]+$/);
    const doc = JSON.parse((await raw(kube.cloud, { path: url })).body);
    const item = doc.paths["/api/v1/namespaces/{namespace}/configmaps/{name}"];
    assert.deepEqual(item.patch["x-kubernetes-group-version-kind"], { group: "", version: "v1", kind: "ConfigMap" });
    assert.ok(item.patch.parameters.some((p: any) => p.name === "fieldValidation" && p.in === "query"));
  });

  it("answers kubectl's Table Accept header with the namespace printer's Name, Status and Age columns", async () => {
    const res = await raw(kube.cloud, { path: "/api/v1/namespaces", headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" } });
    const table = JSON.parse(res.body);
    assert.equal(table.kind, "Table");
    assert.deepEqual(table.columnDefinitions.map((c: any) => c.name), ["Name", "Status", "Age"]);
    assert.deepEqual(table.rows.map((r: any) => r.cells.slice(0, 2)), [["default", "Active"], ["demo", "Active"], ["kube-system", "Active"]]);
    assert.equal(table.rows[0].object.kind, "PartialObjectMetadata");
  });

  it("pages lists with limit and continue", async () => {
    for (const n of ["p1", "p2", "p3"]) await c.core.createNamespacedConfigMap({ namespace: "demo", body: { metadata: { name: n, labels: { paged: "yes" } } } });
    const first = await c.core.listNamespacedConfigMap({ namespace: "demo", labelSelector: "paged=yes", limit: 2 });
    assert.deepEqual(first.items.map((i) => i.metadata?.name), ["p1", "p2"]);
    assert.equal(first.metadata?.remainingItemCount, 1);
    const second = await c.core.listNamespacedConfigMap({ namespace: "demo", labelSelector: "paged=yes", limit: 2, _continue: first.metadata?._continue });
    assert.deepEqual(second.items.map((i) => i.metadata?.name), ["p3"]);
    assert.equal(second.metadata?._continue, undefined);
  });

  it("ends a watch from a forgotten resourceVersion with a 410 Expired ERROR event", async () => {
    const res = await raw(kube.cloud, { path: "/api/v1/namespaces?watch=true&resourceVersion=-5" });
    const event = JSON.parse(res.body.trim());
    assert.equal(event.type, "ERROR");
    assert.equal(event.object.code, 410);
    assert.equal(event.object.reason, "Expired");
  });

  it("refuses a request without a bearer token with a 401 Status", async () => {
    const res = await raw(kube.cloud, { path: "/api/v1/namespaces", token: null });
    assert.equal(res.status, 401);
    assert.deepEqual(JSON.parse(res.body), { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
  });

  it("creates, reads, replaces and deletes a ConfigMap with the typed CoreV1Api", async () => {
    const created = await c.core.createNamespacedConfigMap({ namespace: "demo", body: { metadata: { name: "crud" }, data: { a: "1" } } });
    assert.ok(created.metadata?.uid);
    const read = await c.core.readNamespacedConfigMap({ name: "crud", namespace: "demo" });
    assert.deepEqual(read.data, { a: "1" });
    read.data = { a: "2" };
    const replaced = await c.core.replaceNamespacedConfigMap({ name: "crud", namespace: "demo", body: read });
    assert.deepEqual(replaced.data, { a: "2" });
    await c.core.deleteNamespacedConfigMap({ name: "crud", namespace: "demo" });
    const gone = await statusOf(c.core.readNamespacedConfigMap({ name: "crud", namespace: "demo" }));
    assert.equal(gone.code, 404);
    assert.deepEqual(gone.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'configmaps "crud" not found', reason: "NotFound", details: { name: "crud", kind: "configmaps" }, code: 404 });
  });

  it("answers AlreadyExists and a stale-resourceVersion Conflict with 409 Status bodies", async () => {
    const first = await c.core.createNamespacedConfigMap({ namespace: "demo", body: { metadata: { name: "occ" }, data: { a: "1" } } });
    const dup = await statusOf(c.core.createNamespacedConfigMap({ namespace: "demo", body: { metadata: { name: "occ" } } }));
    assert.equal(dup.code, 409);
    assert.equal(dup.body.reason, "AlreadyExists");
    assert.equal(dup.body.message, 'configmaps "occ" already exists');
    await c.core.replaceNamespacedConfigMap({ name: "occ", namespace: "demo", body: { ...first, data: { a: "2" } } });
    const stale = await statusOf(c.core.replaceNamespacedConfigMap({ name: "occ", namespace: "demo", body: { ...first, data: { a: "3" } } }));
    assert.equal(stale.code, 409);
    assert.equal(stale.body.reason, "Conflict");
    assert.deepEqual(stale.body.details, { name: "occ", kind: "configmaps" });
  });

  it("server-side applies through KubernetesObjectApi: ownership, removal, conflict and force", async () => {
    const desired = (data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa", namespace: "demo" }, data });
    const applied: k8s.KubernetesObject = await c.objects.patch(desired({ a: "1", b: "2" }), undefined, undefined, "engine", false, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual((applied as any).data, { a: "1", b: "2" });
    assert.equal(applied.metadata?.managedFields?.[0]?.manager, "engine");
    assert.equal(applied.metadata?.managedFields?.[0]?.operation, "Apply");
    const shrunk = await c.objects.patch(desired({ a: "1" }), undefined, undefined, "engine", false, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual((shrunk as any).data, { a: "1" }, "b is removed once engine stops applying it");
    const conflict = await statusOf(c.objects.patch(desired({ a: "9" }), undefined, undefined, "other", false, k8s.PatchStrategy.ServerSideApply));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.body.message, 'Apply failed with 1 conflict: conflict with "engine": .data.a');
    assert.equal(conflict.body.details.causes[0].reason, "FieldManagerConflict");
    const forced = await c.objects.patch(desired({ a: "9" }), undefined, undefined, "other", true, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual((forced as any).data, { a: "9" });
  });

  it("returns a dry-run result without storing it", async () => {
    const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dry", namespace: "demo" }, data: { a: "1" } };
    const result = await c.objects.patch(obj, undefined, "All", "engine", true, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual((result as any).data, { a: "1" });
    const missing = await statusOf(c.core.readNamespacedConfigMap({ name: "dry", namespace: "demo" }));
    assert.equal(missing.code, 404);
  });

  it("rejects a Deployment selector change with 422 Invalid field is immutable", async () => {
    const dep = (app: string) => ({
      metadata: { name: "web", namespace: "demo" },
      spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: "web", image: "nginx" }] } } },
    });
    const created = await c.apps.createNamespacedDeployment({ namespace: "demo", body: dep("a") });
    assert.equal(created.metadata?.generation, 1);
    const err = await statusOf(c.apps.replaceNamespacedDeployment({ name: "web", namespace: "demo", body: dep("b") }));
    assert.equal(err.code, 422);
    assert.equal(err.body.reason, "Invalid");
    assert.deepEqual({ name: err.body.details.name, group: err.body.details.group, kind: err.body.details.kind }, { name: "web", group: "apps", kind: "Deployment" });
    assert.match(err.body.message, /spec\.selector: Invalid value: .*: field is immutable/);
  });

  it("serves a CRD's kind once Established and stores custom objects", async () => {
    await c.ext.createCustomResourceDefinition({ body: crd as k8s.V1CustomResourceDefinition });
    const read = await c.ext.readCustomResourceDefinition({ name: "widgets.example.com" });
    assert.equal(read.status?.conditions?.find((x) => x.type === "Established")?.status, "True");
    assert.equal(read.status?.conditions?.find((x) => x.type === "NamesAccepted")?.status, "True");
    const w = await c.custom.createNamespacedCustomObject({ group: "example.com", version: "v1", namespace: "demo", plural: "widgets", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: 3 } } });
    assert.equal(w.spec.size, 3);
    const listed = await c.objects.list("example.com/v1", "Widget", "demo");
    assert.deepEqual(listed.items.map((i) => i.metadata?.name), ["w1"]);
  });

  it("streams ADDED, MODIFIED and DELETED watch events to client-node's Watch", async () => {
    const events: string[] = [];
    let abort: AbortController | undefined;
    const done = new Promise<void>((resolve, reject) => {
      void new k8s.Watch(c.kc)
        .watch("/api/v1/namespaces/demo/configmaps", { fieldSelector: "metadata.name=watched" }, (type, obj) => {
          events.push(`${type} ${obj.data?.a ?? "-"}`);
          if (type === "DELETED") resolve();
        }, (err) => (err && !String(err).includes("abort") ? reject(err) : undefined))
        .then((a) => {
          abort = a;
          return (async () => {
            await c.core.createNamespacedConfigMap({ namespace: "demo", body: { metadata: { name: "watched" }, data: { a: "1" } } });
            await c.core.patchNamespacedConfigMap({ name: "watched", namespace: "demo", body: { data: { a: "2" } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
            await c.core.deleteNamespacedConfigMap({ name: "watched", namespace: "demo" });
          })();
        }, reject);
    });
    await done;
    abort?.abort();
    assert.deepEqual(events, ["ADDED 1", "MODIFIED 2", "DELETED 2"]);
  });

  it("replays events after a given resourceVersion", async () => {
    const created = await c.core.createNamespacedConfigMap({ namespace: "demo", body: { metadata: { name: "replayed" }, data: { a: "1" } } });
    await c.core.deleteNamespacedConfigMap({ name: "replayed", namespace: "demo" });
    const res = await raw(kube.cloud, { path: `/api/v1/namespaces/demo/configmaps?watch=true&fieldSelector=metadata.name%3Dreplayed&resourceVersion=${created.metadata!.resourceVersion}&timeoutSeconds=1` });
    const lines = res.body.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.type), ["DELETED"]);
  });

  it("keeps a finalizer-bearing object with a deletionTimestamp until the finalizer is removed", async () => {
    await c.core.createNamespacedConfigMap({ namespace: "demo", body: { metadata: { name: "held", finalizers: ["example.com/hold"] } } });
    await c.core.deleteNamespacedConfigMap({ name: "held", namespace: "demo" });
    const held = await c.core.readNamespacedConfigMap({ name: "held", namespace: "demo" });
    assert.ok(held.metadata?.deletionTimestamp instanceof Date);
    await c.core.patchNamespacedConfigMap({ name: "held", namespace: "demo", body: [{ op: "remove", path: "/metadata/finalizers" }] }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch));
    assert.equal((await statusOf(c.core.readNamespacedConfigMap({ name: "held", namespace: "demo" }))).code, 404);
  });

  it("terminates a deleted namespace: Terminating first, then gone with its content", async () => {
    await c.core.createNamespace({ body: { metadata: { name: "doomed" } } });
    // A finalizer of our own on the content holds the namespace in Terminating until we release it, so
    // what is checked while it terminates does not race the namespace controller on a busy machine.
    await c.core.createNamespacedConfigMap({ namespace: "doomed", body: { metadata: { name: "x", finalizers: ["example.com/hold"] } } });
    await c.core.deleteNamespace({ name: "doomed" });
    const terminating = await c.core.readNamespace({ name: "doomed" });
    assert.equal(terminating.status?.phase, "Terminating");
    const forbidden = await statusOf(c.core.createNamespacedConfigMap({ namespace: "doomed", body: { metadata: { name: "y" } } }));
    assert.equal(forbidden.code, 403);
    assert.equal(forbidden.body.message, 'configmaps "y" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    const released = await raw(kube.cloud, {
      method: "PATCH", path: "/api/v1/namespaces/doomed/configmaps/x",
      headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ metadata: { finalizers: null } }),
    });
    assert.equal(released.status, 200);
    for (let i = 0; i < 100; i++) {
      const r = await raw(kube.cloud, { path: "/api/v1/namespaces/doomed" });
      if (r.status === 404) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal((await statusOf(c.core.readNamespace({ name: "doomed" }))).code, 404);
    assert.equal((await statusOf(c.core.readNamespacedConfigMap({ name: "x", namespace: "doomed" }))).code, 404);
  });

  it("keeps the cluster across a restart of the local cloud", async () => {
    await c.core.createNamespacedConfigMap({ namespace: "demo", body: { metadata: { name: "durable" }, data: { k: "v" } } });
    await kube.cloud.close();
    kube = await startKubeCloud({ dataDir: kube.dataDir });
    c = clientFor(kube);
    const back = await c.core.readNamespacedConfigMap({ name: "durable", namespace: "demo" });
    assert.deepEqual(back.data, { k: "v" });
    const w = await c.custom.getNamespacedCustomObject({ group: "example.com", version: "v1", namespace: "demo", plural: "widgets", name: "w1" });
    assert.equal(w.spec.size, 3, "custom kinds are served again after the restart");
  });
});

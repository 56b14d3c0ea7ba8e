/**
 * The `meta.k8s.io/v1` Table responses `kubectl get` renders, asked for over HTTPS with kubectl's
 * Accept header: the built-in printers' columns and cells (kubernetes
 * pkg/printers/internalversion/printers.go), the generic CREATED AT of CRDs, and a CRD's own
 * additionalPrinterColumns or NAME/AGE for its custom resources.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KubeService } from "../src/kube/index.js";
import { raw, startKubeCloud, type KubeCloud } from "./kube-helpers.js";

const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

interface Table {
  readonly kind: string;
  readonly columnDefinitions: readonly { name: string; type: string; priority: number }[];
  readonly rows: readonly { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[];
}

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: "web", image: "nginx:1" }, { name: "log", image: "busybox:1" }] },
});

describe("Table responses for kubectl get", () => {
  let kube: KubeCloud;
  let store: KubeService["store"];

  /** The Table of a list (or one object), with cells keyed by column name, AGE left out. */
  const table = async (path: string) => {
    const res = await raw(kube.cloud, { path, headers: { accept: TABLE_ACCEPT } });
    assert.equal(res.status, 200, res.body);
    const t = JSON.parse(res.body) as Table;
    assert.equal(t.kind, "Table");
    const names = t.columnDefinitions.map((c) => c.name);
    return {
      columns: names,
      wide: t.columnDefinitions.filter((c) => c.priority > 0).map((c) => c.name),
      rows: t.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r.cells[i]]).filter(([n]) => n !== "Age"))),
      raw: t,
    };
  };

  before(async () => {
    kube = await startKubeCloud();
    store = kube.cloud.service<KubeService>("kubernetes")!.store;
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "t" } });
  });
  after(async () => {
    await kube.close();
  });

  it("prints a Deployment's READY as ready/desired, UP-TO-DATE and AVAILABLE, with containers, images and selector as wide columns", async () => {
    store.create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "t" }, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: template("web") } });
    store.updateStatus({ apiVersion: "apps/v1", kind: "Deployment", namespace: "t", name: "web" }, { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 1 }, { fieldManager: "test" });
    const t = await table("/apis/apps/v1/namespaces/t/deployments");
    assert.deepEqual(t.columns, ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
    assert.deepEqual(t.wide, ["Containers", "Images", "Selector"]);
    assert.deepEqual(t.rows, [{ Name: "web", Ready: "2/3", "Up-to-date": 3, Available: 1, Containers: "web,log", Images: "nginx:1,busybox:1", Selector: "app=web" }]);
    assert.match(String(t.raw.rows[0]!.cells[4]), /^\d+s$/);
    assert.equal(t.raw.rows[0]!.object.kind, "PartialObjectMetadata");
  });

  it("prints a Deployment without status as 0 ready of its defaulted replicas, and one object asked by name the same way", async () => {
    store.create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "fresh", namespace: "t" }, spec: { selector: { matchLabels: { app: "fresh" } }, template: template("fresh") } });
    const t = await table("/apis/apps/v1/namespaces/t/deployments/fresh");
    assert.deepEqual(t.rows, [{ Name: "fresh", Ready: "0/1", "Up-to-date": 0, Available: 0, Containers: "web,log", Images: "nginx:1,busybox:1", Selector: "app=fresh" }]);
  });

  it("prints StatefulSets with READY and DaemonSets with their scheduling counts and node selector", async () => {
    store.create({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "t" }, spec: { replicas: 2, serviceName: "db", selector: { matchLabels: { app: "db" } }, template: template("db") } });
    const sts = await table("/apis/apps/v1/namespaces/t/statefulsets");
    assert.deepEqual(sts.columns, ["Name", "Ready", "Age", "Containers", "Images"]);
    assert.deepEqual(sts.rows, [{ Name: "db", Ready: "0/2", Containers: "web,log", Images: "nginx:1,busybox:1" }]);

    const ds = template("agent");
    store.create({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "t" }, spec: { selector: { matchLabels: { app: "agent" } }, template: { ...ds, spec: { ...ds.spec, nodeSelector: { "kubernetes.io/os": "linux" } } } } });
    store.updateStatus({ apiVersion: "apps/v1", kind: "DaemonSet", namespace: "t", name: "agent" }, { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1, numberMisscheduled: 0 }, { fieldManager: "test" });
    const t = await table("/apis/apps/v1/namespaces/t/daemonsets");
    assert.deepEqual(t.columns, ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"]);
    assert.deepEqual(t.rows, [{ Name: "agent", Desired: 1, Current: 1, Ready: 1, "Up-to-date": 1, Available: 1, "Node Selector": "kubernetes.io/os=linux", Containers: "web,log", Images: "nginx:1,busybox:1", Selector: "app=agent" }]);
  });

  it("prints Services with TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) as kubectl shows them per service type", async () => {
    store.create({ apiVersion: "v1", kind: "Service", metadata: { name: "a-plain", namespace: "t" }, spec: { selector: { app: "web", tier: "front" }, ports: [{ port: 80, targetPort: 8080 }, { port: 53, protocol: "UDP" }] } });
    store.create({ apiVersion: "v1", kind: "Service", metadata: { name: "b-node", namespace: "t" }, spec: { type: "NodePort", ports: [{ port: 443, nodePort: 30443 }], externalIPs: ["192.0.2.7"] } });
    store.create({ apiVersion: "v1", kind: "Service", metadata: { name: "c-lb", namespace: "t" }, spec: { type: "LoadBalancer", ports: [{ port: 80 }] } });
    store.create({ apiVersion: "v1", kind: "Service", metadata: { name: "d-lb-ready", namespace: "t" }, spec: { type: "LoadBalancer", ports: [{ port: 80 }] } });
    store.updateStatus({ apiVersion: "v1", kind: "Service", namespace: "t", name: "d-lb-ready" }, { loadBalancer: { ingress: [{ ip: "203.0.113.9" }] } }, { fieldManager: "test" });
    store.create({ apiVersion: "v1", kind: "Service", metadata: { name: "e-ext", namespace: "t" }, spec: { type: "ExternalName", externalName: "db.example.com" } });
    const t = await table("/api/v1/namespaces/t/services");
    assert.deepEqual(t.columns, ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"]);
    const plain = store.get({ apiVersion: "v1", kind: "Service", namespace: "t", name: "a-plain" })!;
    const clusterIp = (plain["spec"] as { clusterIP: string }).clusterIP;
    assert.match(clusterIp, /^10\.\d+\.\d+\.\d+$/);
    assert.deepEqual(
      t.rows.map((r) => [r["Name"], r["Type"], r["External-IP"], r["Port(s)"], r["Selector"]]),
      [
        ["a-plain", "ClusterIP", "<none>", "80/TCP,53/UDP", "app=web,tier=front"],
        ["b-node", "NodePort", "192.0.2.7", "443:30443/TCP", "<none>"],
        ["c-lb", "LoadBalancer", "<pending>", "80/TCP", "<none>"],
        ["d-lb-ready", "LoadBalancer", "203.0.113.9", "80/TCP", "<none>"],
        ["e-ext", "ExternalName", "db.example.com", "<none>", "<none>"],
      ],
    );
    assert.equal(t.rows[0]!["Cluster-IP"], clusterIp);
    assert.equal(t.rows[4]!["Cluster-IP"], "<none>");
  });

  it("counts ConfigMap data and binaryData, Secret data (stringData folded in) with the Secret's type, and ServiceAccount secrets", async () => {
    store.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "t" }, data: { a: "1", b: "2" }, binaryData: { c: "AA==" } });
    store.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "opaque", namespace: "t" }, stringData: { user: "u", pass: "p" } });
    store.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "tls", namespace: "t" }, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } });
    store.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "bot", namespace: "t" }, secrets: [{ name: "opaque" }] });
    const cm = await table("/api/v1/namespaces/t/configmaps");
    assert.deepEqual(cm.columns, ["Name", "Data", "Age"]);
    assert.deepEqual(cm.rows, [{ Name: "cfg", Data: 3 }]);
    const secrets = await table("/api/v1/namespaces/t/secrets");
    assert.deepEqual(secrets.columns, ["Name", "Type", "Data", "Age"]);
    assert.deepEqual(secrets.rows, [{ Name: "opaque", Type: "Opaque", Data: 2 }, { Name: "tls", Type: "kubernetes.io/tls", Data: 2 }]);
    const sa = await table("/api/v1/namespaces/t/serviceaccounts");
    assert.deepEqual(sa.columns, ["Name", "Secrets", "Age"]);
    assert.deepEqual(sa.rows, [{ Name: "bot", Secrets: 1 }]);
  });

  it("prints namespaces with their phase as STATUS", async () => {
    const t = await table("/api/v1/namespaces");
    assert.deepEqual(t.columns, ["Name", "Status", "Age"]);
    assert.deepEqual(t.rows, [{ Name: "default", Status: "Active" }, { Name: "kube-system", Status: "Active" }, { Name: "t", Status: "Active" }]);
  });

  it("prints CRDs with the generic CREATED AT timestamp, and custom resources with the CRD's printer columns or NAME and AGE", async () => {
    const crd = store.create({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "gadgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { kind: "Gadget", plural: "gadgets", singular: "gadget", listKind: "GadgetList" },
        versions: [
          { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } }, additionalPrinterColumns: [{ name: "Size", type: "integer", jsonPath: ".spec.size" }] },
          { name: "v2", served: true, storage: false, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } },
        ],
      },
    });
    const t = await table("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
    assert.deepEqual(t.raw.columnDefinitions.map((c) => [c.name, c.type]), [["Name", "string"], ["Created At", "date"]]);
    const created = crd.metadata.creationTimestamp!;
    assert.deepEqual(t.rows, [{ Name: "gadgets.example.com", "Created At": created }]);
    assert.match(created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // With the default options a CRD is Established as it is created, so its kind is served at once.
    store.create({ apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g1", namespace: "t" }, spec: { size: 4 } });
    const v1 = await table("/apis/example.com/v1/namespaces/t/gadgets");
    assert.deepEqual(v1.columns, ["Name", "Size"]);
    assert.deepEqual(v1.rows, [{ Name: "g1", Size: 4 }]);
    const v2 = await table("/apis/example.com/v2/namespaces/t/gadgets");
    assert.deepEqual(v2.columns, ["Name", "Age"]);
  });
});

describe("metadata-only responses (PartialObjectMetadata)", () => {
  let kube: KubeCloud;
  let store: KubeService["store"];
  const LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
  const ONE_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

  before(async () => {
    kube = await startKubeCloud();
    store = kube.cloud.service<KubeService>("kubernetes")!.store;
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "m" } });
    for (const name of ["a", "b"]) store.create({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "m", labels: { app: name }, annotations: { note: name } }, data: { key: Buffer.from("value").toString("base64") } });
  });
  after(async () => {
    await kube.close();
  });

  it("answers a list asked as PartialObjectMetadataList with each object's metadata and no data, selectors applied", async () => {
    const res = await raw(kube.cloud, { path: "/api/v1/namespaces/m/secrets?labelSelector=app%3Da", headers: { accept: LIST_ACCEPT } });
    assert.equal(res.status, 200, res.body);
    const list = JSON.parse(res.body) as { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: { kind: string; apiVersion: string; metadata: { name: string; annotations: Record<string, string> }; data?: unknown }[] };
    assert.equal(list.kind, "PartialObjectMetadataList");
    assert.equal(list.apiVersion, "meta.k8s.io/v1");
    assert.match(list.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(list.items.map((i) => [i.kind, i.apiVersion, i.metadata.name, i.metadata.annotations["note"], "data" in i]), [["PartialObjectMetadata", "meta.k8s.io/v1", "a", "a", false]]);
  });

  it("answers one object asked as PartialObjectMetadata with its metadata; the other form is refused with 406, as the apiserver does, even with application/json after it", async () => {
    const one = await raw(kube.cloud, { path: "/api/v1/namespaces/m/secrets/b", headers: { accept: ONE_ACCEPT } });
    const meta = JSON.parse(one.body) as { kind: string; metadata: { name: string }; data?: unknown };
    assert.deepEqual([meta.kind, meta.metadata.name, "data" in meta], ["PartialObjectMetadata", "b", false]);
    const listAsOne = await raw(kube.cloud, { path: "/api/v1/namespaces/m/secrets", headers: { accept: ONE_ACCEPT } });
    assert.equal(listAsOne.status, 406);
    assert.equal((JSON.parse(listAsOne.body) as { message: string }).message, "you requested PartialObjectMetadata, but the requested object is a list (*core.SecretList)");
    const oneAsList = await raw(kube.cloud, { path: "/api/v1/namespaces/m/secrets/b", headers: { accept: LIST_ACCEPT } });
    assert.equal(oneAsList.status, 406);
    assert.equal((JSON.parse(oneAsList.body) as { message: string }).message, "you requested PartialObjectMetadataList, but the requested object is not a list (*core.Secret)");
    // Plain JSON first: the full objects.
    const plain = JSON.parse((await raw(kube.cloud, { path: "/api/v1/namespaces/m/secrets", headers: { accept: `application/json,${LIST_ACCEPT}` } })).body) as { kind: string };
    assert.equal(plain.kind, "SecretList");
  });
});

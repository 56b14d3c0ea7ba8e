import { test } from "node:test";
import assert from "node:assert/strict";
import { UNKNOWN } from "@iac/sdk/provider";
import { diffObjects, fieldChanges } from "../src/diff.js";
import { immutableRuleFor } from "../src/immutable.js";
import { removedFieldFailures } from "../src/flux/removed-fields.js";
import { idOf, parseId } from "../src/objects.js";
import { formatGoDuration, parseGoDuration } from "../src/duration.js";
import { fluxReadiness } from "../src/readiness.js";

const deployment = (over: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "app", labels: { "app.kubernetes.io/name": "web" } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
    ...over,
  },
});

test("reports field-level changes with readable paths", () => {
  const changes = fieldChanges(deployment(), deployment({ replicas: 3, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } }));
  assert.deepEqual(changes, [
    { path: "spec.replicas", kind: "update" },
    { path: "spec.template.spec.containers[0].image", kind: "update" },
  ]);
  const labels = fieldChanges({ metadata: { labels: {} } }, { metadata: { labels: { "app.kubernetes.io/part-of": "x" } } });
  assert.deepEqual(labels, [{ path: 'metadata.labels["app.kubernetes.io/part-of"]', kind: "add" }]);
});

test("updates a Deployment in place when only its replicas and image change", () => {
  const d = diffObjects(deployment(), deployment({ replicas: 2 }));
  assert.equal(d.changes, true);
  assert.deepEqual(d.replaces, []);
  assert.equal(d.deleteBeforeReplace, undefined);
});

test("replaces a Deployment whose selector changes, deleting the old one first (same name)", () => {
  const d = diffObjects(deployment(), deployment({ selector: { matchLabels: { app: "web2" } } }));
  assert.deepEqual(d.replaces, ["spec"]);
  assert.equal(d.deleteBeforeReplace, true);
  const detail = d.detailed.find((x) => x.path === "spec.selector.matchLabels.app");
  assert.equal(detail?.replace, true);
  assert.match(detail?.reason ?? "", /selector is immutable/);
});

test("replaces an object that moves to another namespace without deleting first (names differ)", () => {
  const moved = deployment();
  const d = diffObjects(deployment(), { ...moved, metadata: { ...moved.metadata, namespace: "other" } });
  assert.deepEqual(d.replaces, ["metadata"]);
  assert.equal(d.deleteBeforeReplace, undefined);
});

test("replaces an immutable ConfigMap whose data changes but not when only its labels do", () => {
  const cm = (data: string, labels: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", immutable: true, metadata: { name: "c", labels }, data: { a: data } });
  assert.deepEqual(diffObjects(cm("1"), cm("2")).replaces, ["data"]);
  assert.deepEqual(diffObjects(cm("1"), cm("1", { x: "y" })).replaces, []);
});

test("looks up the immutable-field table by group, kind and path prefix", () => {
  const cases: [string, string, string, boolean][] = [
    ["apps", "Deployment", "spec.selector.matchLabels.app", true],
    ["apps", "Deployment", "spec.replicas", false],
    ["apps", "StatefulSet", "spec.volumeClaimTemplates[0].spec.resources", true],
    ["batch", "Job", "spec.template.spec.containers[0].image", true],
    ["", "Service", "spec.clusterIP", true],
    ["", "Service", "spec.ports[0].port", false],
    ["rbac.authorization.k8s.io", "ClusterRoleBinding", "roleRef.name", true],
    ["", "ConfigMap", "metadata.name", true],
    ["", "ConfigMap", "metadata.labels.a", false],
    ["example.com", "Widget", "spec.selector", false],
  ];
  for (const [group, kind, path, replaces] of cases) {
    assert.equal(immutableRuleFor(group, kind, path) !== undefined, replaces, `${group}/${kind} ${path}`);
  }
});

test("treats a value unknown during preview as a change", () => {
  assert.deepEqual(fieldChanges({ data: { a: "1" } }, { data: { a: UNKNOWN } }), [{ path: "data.a", kind: "update" }]);
});

test("fails check on validation: client, naming server-side apply as its replacement", () => {
  const ks = {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: "realtimeapp-dev" },
    spec: { interval: "1m0s", path: "./deploy/overlays/dev", prune: true, validation: "client", sourceRef: { kind: "GitRepository", name: "realtimeapp-infra" } },
  };
  const failures = removedFieldFailures(ks);
  assert.equal(failures.length, 1);
  assert.equal(failures[0].property, "spec.validation");
  assert.match(failures[0].reason, /removed in kustomize\.toolkit\.fluxcd\.io\/v1/);
  assert.match(failures[0].reason, /server-side apply/);
});

test("fails check on an apiVersion Flux no longer serves and on the other removed fields", () => {
  const failures = removedFieldFailures({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1beta1",
    kind: "Kustomization",
    spec: { patchesStrategicMerge: [], patchesJson6902: [] },
  });
  assert.deepEqual(failures.map((f) => f.property), ["apiVersion", "spec.patchesStrategicMerge", "spec.patchesJson6902"]);
  assert.match(failures[0].reason, /use kustomize\.toolkit\.fluxcd\.io\/v1/);
  const helm = removedFieldFailures({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", spec: { chart: { spec: { valuesFile: "x.yaml" } }, postRenderers: [{ kustomize: { patchesJson6902: [] } }] } });
  assert.deepEqual(helm.map((f) => f.property), ["spec.chart.spec.valuesFile", "spec.postRenderers[0].kustomize.patchesJson6902"]);
  assert.deepEqual(removedFieldFailures({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", spec: { url: "https://x" } }), []);
});

test("makes object ids that parse back, for namespaced, cluster-scoped and core objects", () => {
  for (const key of [
    { apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "frontend" },
    { apiVersion: "v1", kind: "Namespace", name: "web" },
    { apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "b" },
    { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "widgets.example.com" },
  ]) {
    assert.deepEqual(parseId(idOf(key)), key);
  }
  assert.equal(idOf({ apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "frontend" }), "apps/v1/Deployment/web/frontend");
  assert.throws(() => parseId("Deployment"), /is not a Kubernetes object id/);
});

test("speaks Go durations as Flux writes them", () => {
  assert.equal(formatGoDuration(parseGoDuration("1m")!), "1m0s");
  assert.equal(formatGoDuration(parseGoDuration("10m")!), "10m0s");
  assert.equal(formatGoDuration(parseGoDuration("1h30m")!), "1h30m0s");
  assert.equal(formatGoDuration(parseGoDuration("2m0s")!), "2m0s");
  assert.equal(parseGoDuration("1d"), undefined);
});

test("reads a Flux object's Ready condition: the controller's failure fails, a source or dependency not ready yet waits", () => {
  const obj = (ready: Record<string, string> | undefined, extra: Record<string, string>[] = []) => ({
    kind: "Kustomization",
    metadata: { generation: 2 },
    status: { observedGeneration: 2, conditions: [...(ready ? [{ type: "Ready", ...ready }] : []), ...extra] },
  });
  // Flux's message for an absent path (kustomize-controller), reported as the failure.
  const notFound = obj({ status: "False", reason: "ArtifactFailed", message: "kustomization path not found: stat /tmp/kustomization-1/deploy/nowhere: no such file or directory" });
  assert.deepEqual(fluxReadiness(notFound), { kind: "failed", message: "kustomization path not found: stat /tmp/kustomization-1/deploy/nowhere: no such file or directory" });
  assert.equal(fluxReadiness(obj({ status: "False", reason: "ArtifactFailed", message: "Source artifact not found, retrying in 30s" })).kind, "pending");
  assert.equal(fluxReadiness(obj({ status: "False", reason: "ArtifactFailed", message: "Source 'GitRepository/flux-system/app' not found" })).kind, "pending");
  assert.equal(fluxReadiness(obj({ status: "False", reason: "DependencyNotReady", message: "dependency 'flux-system/infra' is not ready" })).kind, "pending");
  assert.equal(fluxReadiness(obj({ status: "Unknown", reason: "Progressing", message: "reconciliation in progress" })).kind, "pending");
  assert.deepEqual(fluxReadiness(obj({ status: "Unknown", reason: "Progressing" }, [{ type: "Stalled", status: "True", reason: "InvalidURL", message: "bad url" }])), { kind: "failed", message: "bad url" });
  assert.equal(fluxReadiness({ ...obj({ status: "True", reason: "ReconciliationSucceeded" }), status: { observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }] } }).kind, "pending", "an older generation's Ready does not count");
  assert.equal(fluxReadiness(obj({ status: "True", reason: "ReconciliationSucceeded" })).kind, "ready");
});

test("a Flux failure that will be retried fails the wait though status.observedGeneration lags (real kustomize-controller)", () => {
  // The status of a new Kustomization with wait: true whose Deployment never becomes ready, as the
  // real kustomize-controller v1.9.4 writes it (flux-features conformance scenario).
  const message = "health check failed after 30.017328155s: timeout waiting for: [Deployment/features/stuck status: 'InProgress']";
  const live = {
    kind: "Kustomization",
    metadata: { generation: 1 },
    status: {
      observedGeneration: -1,
      conditions: [
        { type: "Reconciling", status: "True", reason: "ProgressingWithRetry", observedGeneration: 1, message: "Running health checks for revision main@sha1:ac2c with a timeout of 30s" },
        { type: "Ready", status: "False", reason: "HealthCheckFailed", observedGeneration: 1, message },
      ],
    },
  };
  assert.deepEqual(fluxReadiness(live), { kind: "failed", message });
  // A failure judged on an older generation is not the current spec's.
  const older = { ...live, metadata: { generation: 2 } };
  assert.equal(fluxReadiness(older).kind, "pending");
});

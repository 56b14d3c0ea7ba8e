import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { applyDependencies, sortForApply, stageOf } from "../src/order.js";
import { parseObjects } from "../src/yaml-load.js";
import type { KubeObject } from "../src/objects.js";

const gotk = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url);

function obj(apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace }, ...extra } as KubeObject;
}

test("sorts Flux's install manifests as kustomize-controller applies them: CRDs, the namespace and cluster roles first", () => {
  const objects = parseObjects(readFileSync(gotk, "utf8"), "gotk-components.yaml");
  const sorted = sortForApply(objects);
  const kinds = sorted.map((o) => o.kind);
  assert.deepEqual(kinds.slice(0, 15), [...Array(11).fill("CustomResourceDefinition"), "Namespace", "ClusterRole", "ClusterRole", "ClusterRole"]);
  // Then in ReconcileOrder: bindings, quota, service accounts, services, deployments, then the index-0 kinds.
  const rest = [...new Set(kinds.slice(15))];
  assert.deepEqual(rest, ["ClusterRoleBinding", "ResourceQuota", "ServiceAccount", "Service", "Deployment", "NetworkPolicy"]);
});

test("puts the *Class kinds in their own stage and webhook configurations last", () => {
  const objects = [
    obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "v"),
    obj("apps/v1", "Deployment", "d", "ns"),
    obj("storage.k8s.io/v1", "StorageClass", "fast"),
    obj("v1", "Namespace", "ns"),
  ];
  assert.deepEqual(sortForApply(objects).map((o) => o.kind), ["Namespace", "StorageClass", "Deployment", "ValidatingWebhookConfiguration"]);
  assert.deepEqual(objects.map(stageOf), ["webhooks", "rest", "classes", "clusterDefinitions"]);
});

test("breaks ties within a rank by API group, kind, namespace and name", () => {
  const objects = [
    obj("source.toolkit.fluxcd.io/v1", "GitRepository", "b", "flux-system"),
    obj("networking.k8s.io/v1", "NetworkPolicy", "a", "flux-system"),
    obj("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "z", "flux-system"),
  ];
  assert.deepEqual(sortForApply(objects).map((o) => o.kind), ["Kustomization", "NetworkPolicy", "GitRepository"]);
});

test("makes later stages depend on the previous one, custom resources on their CRD and objects on their namespace", () => {
  const crd = obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", undefined, {
    spec: { group: "example.com", names: { kind: "Widget", plural: "widgets" }, scope: "Namespaced" },
  });
  const objects = [
    obj("example.com/v1", "Widget", "w1", "demo"), // 0
    obj("v1", "ConfigMap", "c", "demo"), // 1
    crd, // 2
    obj("v1", "Namespace", "demo"), // 3
    obj("storage.k8s.io/v1", "StorageClass", "fast"), // 4
  ];
  const deps = applyDependencies(objects);
  assert.deepEqual(deps[2], [], "the CRD waits for nothing");
  assert.deepEqual(deps[3], [], "the namespace waits for nothing");
  assert.deepEqual(deps[4], [2, 3], "the class waits for the cluster definitions");
  assert.deepEqual(deps[1], [3, 4], "the ConfigMap waits for the class stage and its namespace");
  assert.deepEqual(deps[0], [2, 3, 4], "the Widget waits for its CRD too");
});

test("leaves objects of one stage independent of each other so they apply in parallel", () => {
  const objects = [obj("v1", "ConfigMap", "a", "x"), obj("v1", "Secret", "b", "x"), obj("apps/v1", "Deployment", "c", "x")];
  assert.deepEqual(applyDependencies(objects), [[], [], []]);
});

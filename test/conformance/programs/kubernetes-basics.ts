/**
 * The conformance program of `@iac/kubernetes` itself, in phases (config `phase`): 1 creates a
 * namespace, a CRD and a custom resource of it in one program, a Deployment and a ConfigMap;
 * 2 changes the Deployment's selector (immutable: a replace) and drops a ConfigMap key (server-side
 * apply removes it); 3 gives the custom resource a value its CRD's schema refuses (`minimum: 1`).
 */
import { Config } from "@iac/sdk";
import { Manifest, Namespace } from "@iac/kubernetes";

const phase = Number(new Config().get("phase") ?? "1");
const ns = new Namespace("kb", { metadata: { name: "kb" } });

const crd = new Manifest("widgets", {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    names: { kind: "Widget", plural: "widgets", singular: "widget" },
    scope: "Namespaced",
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } } } } } }],
  },
});

new Manifest("w1", { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1", namespace: "kb" }, spec: { size: phase >= 3 ? 0 : 3 } }, { dependsOn: [crd, ns] });

const app = phase >= 2 ? "web2" : "web";
new Manifest("web", {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "kb" },
  spec: { replicas: 2, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
}, { dependsOn: [ns] });

new Manifest("settings", {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "kb" },
  data: phase >= 2 ? { LOG_LEVEL: "info" } : { LOG_LEVEL: "info", FEATURE: "on" },
}, { dependsOn: [ns] });

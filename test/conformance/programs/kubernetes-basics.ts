/**
 * The conformance program of `@iac/kubernetes` itself, in phases (config `phase`): 1 creates a
 * namespace, a CRD and a custom resource of it in one program, a Deployment and a ConfigMap;
 * 2 changes the Deployment's selector (immutable: a replace) and drops a ConfigMap key (server-side
 * apply removes it); 3 gives the custom resource a value its CRD's schema refuses (`minimum: 1`);
 * 4 a value of the wrong type (a string where the schema says integer); 5 (as 2) adds a Deployment
 * whose image never starts, with a 15 s progress deadline, which iac's readiness wait must report.
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

new Manifest("w1", { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1", namespace: "kb" }, spec: { size: phase === 4 ? "big" : phase === 3 ? 0 : 3 } }, { dependsOn: [crd, ns] });

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

if (phase === 5) {
  new Manifest("stuck", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "stuck", namespace: "kb" },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 15,
      selector: { matchLabels: { app: "stuck" } },
      // The real cluster's fake node never starts an image of this registry (packages/emulator/src/real/kwok-stages.ts).
      template: { metadata: { labels: { app: "stuck" } }, spec: { containers: [{ name: "app", image: "unpullable.invalid/app:1" }] } },
    },
  }, { dependsOn: [ns] });
}

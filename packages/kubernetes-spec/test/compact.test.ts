import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { compactOpenApi, trimDescription, typeKey } from "../gen/compact.js";

const dir = mkdtempSync(join(tmpdir(), "iac-k8s-spec-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const gvk = { group: "apps", version: "v1", kind: "Widget" };
const op = { "x-kubernetes-group-version-kind": gvk };
const doc = {
  paths: {
    "/apis/apps/v1/namespaces/{namespace}/widgets": { get: op, post: op },
    "/apis/apps/v1/namespaces/{namespace}/widgets/{name}": { get: op, put: op, patch: op },
    "/apis/apps/v1/namespaces/{namespace}/widgets/{name}/status": { get: op, patch: op },
    "/apis/apps/v1/watch/namespaces/{namespace}/widgets": { get: op },
    "/apis/apps/v1/widgetreviews": { post: { "x-kubernetes-group-version-kind": { ...gvk, kind: "WidgetReview" } } },
  },
  components: {
    schemas: {
      "io.k8s.api.apps.v1.Widget": {
        description: "A widget.\n\nMore text.",
        "x-kubernetes-group-version-kind": [gvk],
        properties: {
          metadata: { allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }] },
          spec: { description: "What it does. More info: https://example.com", allOf: [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.WidgetSpec" }] },
        },
      },
      "io.k8s.api.apps.v1.WidgetReview": { "x-kubernetes-group-version-kind": [{ ...gvk, kind: "WidgetReview" }], properties: {} },
      "io.k8s.api.apps.v1.WidgetSpec": {
        required: ["size", "mode"],
        properties: {
          size: { allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity" }] },
          port: { allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" }] },
          mode: { type: "string", enum: ["On", "Off"] },
          parts: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
          labels: { type: "object", additionalProperties: { type: "string" } },
        },
      },
    },
  },
};

test("compacts a group-version document into kinds, types and descriptions, the same bytes twice", () => {
  writeFileSync(join(dir, "server-version.json"), JSON.stringify({ gitVersion: "v1.99.0" }));
  writeFileSync(join(dir, "apis_apps_v1.json"), JSON.stringify(doc));
  writeFileSync(join(dir, "apis_apps.json"), JSON.stringify({ paths: {} })); // a group document: not read
  const out = mkdtempSync(join(dir, "out-"));
  const first = compactOpenApi({ rawDir: dir, outDir: out, read: (f) => readFileSync(f, "utf8") });
  assert.deepEqual(first, { files: 3, kinds: 2, types: 3 });
  const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8"));
  assert.equal(index.source.kubernetes, "v1.99.0");
  assert.deepEqual(index.source.documents, ["/openapi/v3/apis/apps/v1"]);
  assert.deepEqual(index.kinds["apps/v1/Widget"], { group: "apps", version: "v1", kind: "Widget", plural: "widgets", namespaced: true, type: "apps.v1.Widget", apply: true, subresources: ["status"] });
  assert.equal(index.kinds["apps/v1/WidgetReview"].apply, false, "create-only: no class");
  const types = JSON.parse(readFileSync(join(out, "types.json"), "utf8")).types;
  assert.deepEqual(types["apps.v1.WidgetSpec"], {
    properties: { size: "quantity", port: "int-or-string", mode: { enum: ["Off", "On"] }, parts: { array: "string", listType: "set" }, labels: { map: "string" } },
    required: ["mode", "size"],
  });
  assert.equal(types["apps.v1.Widget"].properties.metadata, "@meta.v1.ObjectMeta");
  const descriptions = JSON.parse(readFileSync(join(out, "descriptions.json"), "utf8")).descriptions;
  assert.equal(descriptions["apps.v1.Widget"], "A widget.");
  assert.equal(descriptions["apps.v1.Widget.spec"], "What it does.");
  assert.equal(compactOpenApi({ rawDir: dir, outDir: out, read: (f) => readFileSync(f, "utf8") }).files, 0, "nothing rewritten");
});

test("type keys drop the package prefix; descriptions keep their first paragraph", () => {
  assert.equal(typeKey("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "meta.v1.ObjectMeta");
  assert.equal(typeKey("io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService"), "apiregistration.v1.APIService");
  assert.equal(trimDescription("One.\n\nTwo."), "One.");
});

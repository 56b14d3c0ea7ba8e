/**
 * Custom resources held to their CRD's structural schema. Every expected message below is what a
 * real kube-apiserver (v1.36, the real cluster of docs/real-cluster.md) answered for the same
 * object; where the apiserver lists several causes in a map's order, the test checks the set.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { checkCustomObject } from "../src/kube/schema.js";
import type { KubeObject } from "../src/kube/types.js";
import { raw, startKubeCloud, type KubeCloud } from "./kube-helpers.js";

const gadgetSchema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["name"],
      properties: {
        name: { type: "string", minLength: 2, maxLength: 5, pattern: "^[a-z]+$" },
        size: { type: "integer", minimum: 1, maximum: 10 },
        ratio: { type: "number", exclusiveMinimum: true, minimum: 0 },
        mode: { type: "string", enum: ["a", "b"], default: "a" },
        when: { type: "string", format: "date-time" },
        tags: { type: "array", maxItems: 2, minItems: 1, items: { type: "string" } },
        uniq: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
        labels: { type: "object", additionalProperties: { type: "string" }, maxProperties: 1 },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        ios: { "x-kubernetes-int-or-string": true },
        nested: { type: "object", properties: { deep: { type: "boolean", default: true }, x: { type: "string" } } },
        cel: { type: "integer" },
      },
      "x-kubernetes-validations": [{ rule: "!has(self.cel) || self.cel > 5", message: "cel must be above 5" }],
    },
    status: { type: "object", properties: { phase: { type: "string" } } },
  },
};
const gadget = (spec: unknown, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g" }, spec, ...extra }) as KubeObject;
const messages = (o: ReturnType<typeof checkCustomObject>) => o.errors.map((e) => `${e.field}: ${e.type}`);
const NOT_CHECKED = "<nil>: FieldValueInvalid";

describe("a custom resource against its CRD's structural schema", () => {
  it("refuses what the schema refuses, one cause per field, as the apiserver lists them", () => {
    const o = checkCustomObject(gadgetSchema, gadget({ name: "x", size: 0, ratio: 0, mode: "c", when: "yesterday", tags: [], uniq: ["a", "a"], labels: { a: "1", b: "2" }, ios: true, nested: { deep: "no" }, cel: 1 }));
    assert.deepEqual(new Set(messages(o)), new Set([
      "spec.size: FieldValueInvalid", "spec.labels: FieldValueTooMany", "spec.mode: FieldValueNotSupported", "spec.name: FieldValueInvalid",
      "spec.nested.deep: FieldValueTypeInvalid", "spec.ios: FieldValueTypeInvalid", "spec.when: FieldValueInvalid", "spec.tags: FieldValueInvalid",
      "spec.ratio: FieldValueInvalid", "spec.uniq[1]: FieldValueDuplicate", NOT_CHECKED,
    ]));
    const detail = Object.fromEntries(o.errors.map((e) => [e.field, e.detail]));
    assert.equal(detail["spec.size"], "spec.size in body should be greater than or equal to 1");
    assert.equal(detail["spec.ratio"], "spec.ratio in body should be greater than 0");
    assert.equal(detail["spec.name"], "spec.name in body should be at least 2 chars long");
    assert.equal(detail["spec.nested.deep"], 'spec.nested.deep in body must be of type boolean: "string"');
    assert.equal(detail["spec.ios"], 'spec.ios in body must be of type integer,string: "boolean"');
    assert.equal(detail["spec.when"], 'spec.when in body must be of type date-time: "yesterday"');
    assert.equal(detail["spec.tags"], "spec.tags in body should have at least 1 items");
    assert.equal(detail["spec.mode"], 'supported values: "a", "b"');
  });

  it("reports the first failing string check only, item types before counts, and a missing required field", () => {
    const o = checkCustomObject(gadgetSchema, gadget({ name: "ABCDEFG", size: 11, tags: [1, 2, 3] }));
    assert.deepEqual(messages(o), ["spec.name: FieldValueTooLong", "spec.size: FieldValueInvalid", "spec.tags[0]: FieldValueTypeInvalid", "spec.tags[1]: FieldValueTypeInvalid", "spec.tags[2]: FieldValueTypeInvalid", "spec.tags: FieldValueTooMany", NOT_CHECKED]);
    const required = checkCustomObject(gadgetSchema, gadget({ size: 2.5 }));
    assert.deepEqual(messages(required), ["spec.size: FieldValueTypeInvalid", "<nil>: FieldValueInvalid", "spec.name: FieldValueRequired", NOT_CHECKED]);
  });

  it("prunes unknown fields (naming them) and non-nullable nulls, keeps preserved ones, and applies defaults", () => {
    const o = checkCustomObject(gadgetSchema, gadget({ name: "ok", size2: 1, nested: { zz: 1 }, free: { any: { deep: 1 } }, when: null }, { extra: 1 }));
    assert.deepEqual(o.unknown, ["extra", "spec.nested.zz", "spec.size2"]);
    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.object["spec"], { name: "ok", nested: { deep: true }, free: { any: { deep: 1 } }, mode: "a" });
    assert.equal(o.object["extra"], undefined);
  });
});

describe("custom resources through the API, as the apiserver answers them", () => {
  let k: KubeCloud;
  const path = "/apis/example.com/v1/namespaces/default/gadgets";
  const send = (method: string, p: string, body: unknown, contentType = "application/json") => raw(k.cloud, { method, path: p, headers: { "content-type": contentType }, body: JSON.stringify(body) });

  before(async () => {
    k = await startKubeCloud();
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "gadgets.example.com" }, spec: { group: "example.com", scope: "Namespaced", names: { kind: "Gadget", plural: "gadgets", singular: "gadget", listKind: "GadgetList" }, versions: [{ name: "v1", served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: gadgetSchema } }] } };
    const r = await send("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    assert.equal(r.status, 201, r.body);
    await new Promise((done) => setTimeout(done, 50));
  });
  after(async () => k.close());

  it("answers fieldValidation=Strict with 400 naming every unknown field", async () => {
    const r = await send("POST", `${path}?fieldValidation=Strict`, gadget({ name: "ok", size2: 1 }, { extra: 1 }));
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).message, 'Gadget in version "v1" cannot be handled as a Gadget: strict decoding error: unknown field "extra", unknown field "spec.size2"');
  });

  it("warns about unknown fields by default (Warn) and drops them, applying defaults", async () => {
    const r = await send("POST", path, { ...gadget({ name: "ok", size2: 1 }), metadata: { name: "warned" } });
    assert.equal(r.status, 201, r.body);
    assert.equal(r.headers["warning"], '299 - "unknown field \\"spec.size2\\""');
    assert.deepEqual(JSON.parse(r.body).spec, { name: "ok", mode: "a" });
  });

  it("answers 422 Invalid with the apiserver's message and causes", async () => {
    const r = await send("POST", path, { ...gadget({ name: "ok", size: 0 }), metadata: { name: "small" } });
    assert.equal(r.status, 422);
    const status = JSON.parse(r.body);
    assert.equal(status.message, 'Gadget.example.com "small" is invalid: [spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1, <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]');
    assert.deepEqual(status.details.causes[0], { reason: "FieldValueInvalid", message: "Invalid value: 0: spec.size in body should be greater than or equal to 1", field: "spec.size" });
  });

  it("refuses server-side apply of an undeclared or mistyped field with the apiserver's 500", async () => {
    const unknown = await send("PATCH", `${path}/s1?fieldManager=t`, { ...gadget({ name: "ok", nested: { zz: 1 } }), metadata: { name: "s1" } }, "application/apply-patch+yaml");
    assert.equal(unknown.status, 500);
    assert.deepEqual(JSON.parse(unknown.body), { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "failed to create typed patch object (/s1; example.com/v1, Kind=Gadget): .spec.nested.zz: field not declared in schema", code: 500 });
    for (const [spec, problem] of [
      [{ name: 5 }, ".spec.name: expected string, got &value.valueUnstructured{Value:5}"],
      [{ name: "ok", nested: { deep: "no" } }, ".spec.nested.deep: expected boolean, got &{no}"],
      [{ name: "ok", tags: "a" }, ".spec.tags: expected list, got &{a}"],
      [{ name: "ok", size: "big" }, ".spec.size: expected numeric (int or float), got string"],
    ] as const) {
      const r = await send("PATCH", `${path}/s1?fieldManager=t`, { ...gadget(spec), metadata: { name: "s1" } }, "application/apply-patch+yaml");
      assert.equal(JSON.parse(r.body).message, `failed to create typed patch object (/s1; example.com/v1, Kind=Gadget): ${problem}`);
    }
    const ok = await send("PATCH", `${path}/s1?fieldManager=t`, { ...gadget({ name: "ok", free: { a: { b: 1 } }, labels: { x: "y" } }), metadata: { name: "s1" } }, "application/apply-patch+yaml");
    assert.equal(ok.status, 201, ok.body);
    assert.deepEqual(JSON.parse(ok.body).spec, { name: "ok", free: { a: { b: 1 } }, labels: { x: "y" }, mode: "a" });
  });

  it("refuses a Flux Kustomization with a typo and a wrong type as a cluster with Flux's CRDs does", async () => {
    const gotk = await readFile(new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url), "utf8");
    const crd = parseAllDocuments(gotk).map((d) => d.toJS() as KubeObject).find((o) => o?.metadata?.name === "kustomizations.kustomize.toolkit.fluxcd.io")!;
    assert.equal((await send("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status, 201);
    await new Promise((done) => setTimeout(done, 50));
    await send("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
    const ks = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "typo", namespace: "flux-system" }, spec: { intervall: "1m", interval: "1m", path: "./x", prune: "yes", sourceRef: { kind: "GitRepo", name: "cases" } } };
    const ksPath = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations";
    const strict = await send("POST", `${ksPath}?fieldValidation=Strict`, ks);
    assert.equal(strict.status, 400);
    assert.equal(JSON.parse(strict.body).message, 'Kustomization in version "v1" cannot be handled as a Kustomization: strict decoding error: unknown field "spec.intervall"');
    const warned = await send("POST", `${ksPath}?fieldValidation=Warn`, ks);
    assert.equal(warned.status, 422);
    assert.equal(warned.headers["warning"], '299 - "unknown field \\"spec.intervall\\""');
    const causes = JSON.parse(warned.body).details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    assert.deepEqual(new Set(causes), new Set([
      'spec.prune: Invalid value: "string": spec.prune in body must be of type boolean: "string"',
      'spec.sourceRef.kind: Unsupported value: "GitRepo": supported values: "OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"',
      "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
    ]));
    const applied = await send("PATCH", `${ksPath}/typo?fieldManager=x`, ks, "application/apply-patch+yaml");
    assert.equal(JSON.parse(applied.body).message, "failed to create typed patch object (flux-system/typo; kustomize.toolkit.fluxcd.io/v1, Kind=Kustomization): .spec.intervall: field not declared in schema");
  });
});

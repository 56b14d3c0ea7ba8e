/**
 * Built-in kinds held to the real apiserver's schemas and validation (builtin-schema.ts,
 * validation.ts), `kubectl explain`'s OpenAPI documents (builtin-openapi.ts), and the CEL rules of
 * Flux's CRDs (cel.ts). Expected messages are those the real cluster (kube-apiserver v1.36.3,
 * docs/real-cluster.md) answered for the same objects; the conformance scenario
 * kubernetes-validation compares them through kubectl.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { compileRule } from "../src/kube/cel.js";
import type { KubeObject } from "../src/kube/types.js";
import { raw, startKubeCloud, type KubeCloud } from "./kube-helpers.js";

const deployment = (name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { ...spec, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container] } } },
});
const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";

describe("built-in kinds validated as the real apiserver validates them", () => {
  let k: KubeCloud;
  before(async () => {
    k = await startKubeCloud();
  });
  after(() => k.close());
  const send = (method: string, path: string, body: unknown, contentType = "application/json") =>
    raw(k.cloud, { method, path, body: JSON.stringify(body), headers: { "content-type": contentType } });
  const message = (r: { body: string }) => JSON.parse(r.body).message as string;

  it("refuses a value of the wrong type on create with Go's decoding error (400)", async () => {
    for (const [obj, expected] of [
      [deployment("a", { name: "app", image: "nginx" }, { replicas: "two" }), "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"],
      [deployment("b", { name: "app", image: "nginx", ports: [{ containerPort: "80" }] }), "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32"],
      [deployment("c", { name: 5, image: "nginx" }), "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.name of type string"],
      [deployment("d", { name: "app", image: "nginx" }, { replicas: 1.5 }), "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"],
      [{ ...deployment("e", { name: "app", image: "nginx" }), metadata: { name: "e", labels: "web" } }, "json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string"],
      [deployment("f", { name: "app", image: "nginx", securityContext: { runAsUser: "root" } }), "json: cannot unmarshal string into Go struct field SecurityContext.spec.template.spec.containers.securityContext.runAsUser of type int64"],
      [deployment("g", { name: "app", image: "nginx" }, { replicas: 3000000000 }), "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32"],
      [deployment("q1", { name: "app", image: "nginx", resources: { limits: { cpu: "lots" } } }), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
      [deployment("q2", { name: "app", image: "nginx" }, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: true } } }), "json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32"],
    ] as const) {
      const r = await send("POST", `${DEPLOYMENTS}?fieldValidation=Strict`, obj);
      assert.equal(r.status, 400, r.body);
      assert.equal(JSON.parse(r.body).reason, "BadRequest");
      assert.equal(message(r), `Deployment in version "v1" cannot be handled as a Deployment: ${expected}`);
    }
  });

  it("refuses a value of the wrong type under server-side apply with the typed patch's 500, keyed list elements by their keys", async () => {
    const apply = (name: string, obj: unknown) => send("PATCH", `${DEPLOYMENTS}/${name}?fieldManager=t`, obj, "application/apply-patch+yaml");
    const one = await apply("ssa", deployment("ssa", { name: "app", image: 7 }));
    assert.equal(one.status, 500, one.body);
    assert.equal(message(one), "failed to create typed patch object (/ssa; apps/v1, Kind=Deployment): .spec.template.spec.containers[name=\"app\"].image: expected string, got &value.valueUnstructured{Value:7}");
    const port = await apply("ssa", deployment("ssa", { name: "app", image: "nginx", ports: [{ containerPort: 80, protocol: "UDP", name: 5 }] }));
    assert.equal(message(port), 'failed to create typed patch object (/ssa; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="UDP"].name: expected string, got &value.valueUnstructured{Value:5}');
    // Several wrong types are listed together (the apiserver's order varies; here in document order).
    const many = await apply("ssa", deployment("ssa", { name: "app", image: "nginx", args: ["a", 5], env: [{ name: "X", value: 5 }] }, { replicas: "two" }));
    assert.equal(message(many), [
      "failed to create typed patch object (/ssa; apps/v1, Kind=Deployment): errors:",
      "  .spec.replicas: expected numeric (int or float), got string",
      '  .spec.template.spec.containers[name="app"].args[1]: expected string, got &value.valueUnstructured{Value:5}',
      '  .spec.template.spec.containers[name="app"].env[name="X"].value: expected string, got &value.valueUnstructured{Value:5}',
    ].join("\n"));
    const unknown = await apply("ssa", { ...deployment("ssa", { name: "app", image: "nginx", imagee: "x" }, { replica: 3 }) });
    assert.equal(message(unknown), "failed to create typed patch object (/ssa; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema");
    const quantity = await apply("ssa", deployment("ssa", { name: "app", image: "nginx", resources: { limits: { cpu: "lots" } } }));
    assert.equal(message(quantity), "failed to convert new object (/ssa; apps/v1, Kind=Deployment) to proper version: unable to convert unstructured object to apps/v1, Kind=Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    const scalar = await apply("ssa", deployment("ssa", { name: "app", image: "nginx", resources: { limits: { cpu: { a: 1 } } } }));
    assert.equal(message(scalar), 'failed to create typed patch object (/ssa; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="app"].resources.limits.cpu: expected any scalar, got &{map[a:1]}');
    const surge = await apply("ssa", deployment("ssa", { name: "app", image: "nginx" }, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: true } } }));
    assert.equal(message(surge), "failed to convert new object (/ssa; apps/v1, Kind=Deployment) to proper version: unable to convert unstructured object to apps/v1, Kind=Deployment: json: cannot unmarshal bool into Go value of type int32");
    const fraction = await apply("ssa", deployment("ssa", { name: "app", image: "nginx", securityContext: { runAsUser: 1.5 } }));
    assert.equal(fraction.status, 500);
    assert.equal(message(fraction), "failed to convert new object (/ssa; apps/v1, Kind=Deployment) to proper version: unable to convert unstructured object to apps/v1, Kind=Deployment: cannot convert float64 to int64");
  });

  it("refuses enum values, port numbers out of range, and containers without a valid name or an image (422)", async () => {
    for (const [name, container, expected] of [
      ["enum", { name: "app", image: "nginx", imagePullPolicy: "Sometimes" }, 'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"'],
      ["port", { name: "app", image: "nginx", ports: [{ containerPort: 70000 }] }, "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"],
      ["noname", { image: "nginx" }, "spec.template.spec.containers[0].name: Required value"],
      ["badname", { name: "Web_App", image: "nginx" }, `spec.template.spec.containers[0].name: Invalid value: "Web_App": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`],
      ["noimage", { name: "app" }, "spec.template.spec.containers[0].image: Required value"],
      ["cpu", { name: "app", image: "nginx", resources: { limits: { cpu: "1" }, requests: { cpu: "2" } } }, 'spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
      ["memory", { name: "app", image: "nginx", resources: { limits: { memory: "512Mi", cpu: "500m" }, requests: { memory: "1Gi", cpu: "250m" } } }, 'spec.template.spec.containers[0].resources.requests: Invalid value: "1Gi": must be less than or equal to memory limit of 512Mi'],
      ["negative", { name: "app", image: "nginx", resources: { limits: { cpu: "-1" } } }, 'spec.template.spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    ] as const) {
      const r = await send("POST", DEPLOYMENTS, deployment(name, container));
      assert.equal(r.status, 422, r.body);
      assert.equal(message(r), `Deployment.apps "${name}" is invalid: ${expected}`);
    }
    const svc = await send("POST", "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "svc" }, spec: { type: "Sideways", ports: [{ port: 70000, targetPort: 8080 }] } });
    assert.equal(svc.status, 422, svc.body);
    const causes = JSON.parse(svc.body).details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    assert.deepEqual(new Set(causes), new Set([
      "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
      'spec.type: Unsupported value: "Sideways": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]));
    for (const [name, spec, expected] of [
      ["minus", { replicas: -1 }, "spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
      ["surge", { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "abc" } } }, `spec.strategy.rollingUpdate.maxSurge: Invalid value: "abc": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`],
    ] as const) {
      assert.equal(message(await send("POST", DEPLOYMENTS, deployment(name, { name: "app", image: "nginx" }, spec))), `Deployment.apps "${name}" is invalid: ${expected}`);
    }
    const dup = deployment("dup", { name: "app", image: "nginx" });
    dup.spec.template.spec.containers.push({ name: "app", image: "redis" });
    assert.equal(message(await send("POST", DEPLOYMENTS, dup)), 'Deployment.apps "dup" is invalid: spec.template.spec.containers[1].name: Duplicate value: "app"');
    const named = await send("POST", "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "svc2" }, spec: { ports: [{ port: 80, targetPort: "Not_A_Name" }] } });
    assert.equal(message(named), 'Service "svc2" is invalid: spec.ports[0].targetPort: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
    const ok = await send("POST", DEPLOYMENTS, deployment("fine", { name: "app", image: "nginx", imagePullPolicy: "Always", ports: [{ containerPort: 8080 }], resources: { limits: { cpu: "100m", "nvidia.com/gpu": 1 }, requests: { cpu: "0.1" } } }));
    assert.equal(ok.status, 201, ok.body);
  });

  it("publishes the real schemas of built-in kinds, with their GVK, so kubectl explain reads them", async () => {
    const doc = JSON.parse((await raw(k.cloud, { path: "/openapi/v3/apis/apps/v1" })).body);
    const schemas = doc.components.schemas;
    const d = schemas["io.k8s.api.apps.v1.Deployment"];
    assert.deepEqual(d["x-kubernetes-group-version-kind"], [{ group: "apps", kind: "Deployment", version: "v1" }]);
    assert.equal(d.description, "Deployment enables declarative updates for Pods and ReplicaSets.");
    assert.deepEqual(d.properties.spec.allOf, [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" }]);
    const spec = schemas["io.k8s.api.apps.v1.DeploymentSpec"];
    assert.deepEqual(spec.required, ["selector", "template"]);
    assert.deepEqual(spec.properties.replicas, { description: "Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.", type: "integer" });
    const containers = schemas["io.k8s.api.core.v1.PodSpec"].properties.containers;
    assert.equal(containers["x-kubernetes-list-type"], "map");
    assert.deepEqual(containers.items.allOf, [{ $ref: "#/components/schemas/io.k8s.api.core.v1.Container" }]);
    assert.deepEqual(schemas["io.k8s.api.core.v1.Container"].properties.imagePullPolicy.enum, ["Always", "IfNotPresent", "Never"]);
    assert.ok(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"], "the IntOrString component is there for maxSurge");
    // The index's hashes are kept per document input: a CRD's new schema still changes its hash.
    const crd = (max: number) => ({
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "gizmos.example.com" },
      spec: { group: "example.com", names: { kind: "Gizmo", plural: "gizmos" }, scope: "Namespaced", versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer", maximum: max } } } } } } }] },
    });
    const hashOf = async () => JSON.parse((await raw(k.cloud, { path: "/openapi/v3" })).body).paths["apis/example.com/v1"]?.serverRelativeURL as string | undefined;
    assert.equal(await hashOf(), undefined);
    assert.equal((await send("PATCH", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.example.com?fieldManager=t", crd(5), "application/apply-patch+yaml")).status, 201);
    const first = await hashOf();
    assert.match(String(first), /hash=/);
    assert.equal(await hashOf(), first);
    await send("PATCH", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.example.com?fieldManager=t", crd(9), "application/apply-patch+yaml");
    assert.notEqual(await hashOf(), first);
    // kubectl's client-side apply then patches built-ins from its own Go types, as before.
    const patch = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch;
    assert.equal(patch.requestBody.content["application/strategic-merge-patch+json"], undefined);
  });
});

describe("CEL rules of Flux's CRDs", () => {
  let k: KubeCloud;
  before(async () => {
    k = await startKubeCloud();
  });
  after(() => k.close());
  const send = (method: string, path: string, body: unknown, contentType = "application/json") =>
    raw(k.cloud, { method, path, body: JSON.stringify(body), headers: { "content-type": contentType } });

  it("evaluates the subset the rules use, and leaves other rules unevaluated", () => {
    const rule = compileRule("(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))")!;
    assert.equal(rule({ chart: {} }), true);
    assert.equal(rule({ chart: {}, chartRef: {} }), false);
    assert.equal(rule({}), false);
    const size = compileRule("self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)")!;
    assert.equal(size({ type: "generic-oidc", oidcProviders: [] }), false);
    assert.equal(size({ type: "generic-oidc", oidcProviders: [{}] }), true);
    assert.equal(compileRule("self.all(x, x > 0)"), undefined);
    assert.equal(compileRule("self.a ? 1 : 2"), undefined);
  });

  it("compiles every x-kubernetes-validations rule of Flux's CRDs", async () => {
    const gotk = await readFile(new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url), "utf8");
    const rules: string[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (typeof v === "object" && v !== null) {
        for (const [k, child] of Object.entries(v)) {
          if (k === "x-kubernetes-validations" && Array.isArray(child)) rules.push(...child.map((r: { rule: string }) => r.rule));
          else collect(child);
        }
      }
    };
    for (const d of parseAllDocuments(gotk)) collect(d.toJS());
    assert.ok(rules.length >= 10, `found ${rules.length} rules`);
    assert.deepEqual(rules.filter((r) => compileRule(r) === undefined), []);
  });

  it("refuses a HelmRelease with both chart and chartRef, or neither, with the rule's message", async () => {
    const gotk = await readFile(new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url), "utf8");
    const crd = parseAllDocuments(gotk).map((d) => d.toJS() as KubeObject).find((o) => o?.metadata?.name === "helmreleases.helm.toolkit.fluxcd.io")!;
    assert.equal((await send("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status, 201);
    await new Promise((done) => setTimeout(done, 50));
    const path = "/apis/helm.toolkit.fluxcd.io/v2/namespaces/default/helmreleases";
    const hr = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", metadata: { name }, spec: { interval: "5m", ...spec } });
    const chart = { spec: { chart: "app", sourceRef: { kind: "HelmRepository", name: "repo" } } };
    const chartRef = { kind: "OCIRepository", name: "app" };
    for (const [name, spec, expected] of [
      ["neither", {}, 'HelmRelease.helm.toolkit.fluxcd.io "neither" is invalid: spec: Invalid value: either chart or chartRef must be set'],
      ["both", { chart, chartRef }, 'HelmRelease.helm.toolkit.fluxcd.io "both" is invalid: spec: Invalid value: either chart or chartRef must be set'],
      ["retry", { chartRef, install: { strategy: { name: "RemediateOnFailure", retryInterval: "1m" } } }, `HelmRelease.helm.toolkit.fluxcd.io "retry" is invalid: spec.install.strategy: Invalid value: .retryInterval cannot be set when .name is 'RemediateOnFailure'`],
    ] as const) {
      const r = await send("POST", path, hr(name, spec));
      assert.equal(r.status, 422, r.body);
      assert.equal(JSON.parse(r.body).message, expected);
    }
    assert.equal((await send("POST", path, hr("valid", { chartRef }))).status, 201);
  });
});

import { strict as assert } from "node:assert";
import { test } from "node:test";
import { kubernetesSpec, nearest, validate } from "../src/index.js";

const UNKNOWN = "\u0000unknown\u0000";
function check(kind: string, apiVersion: string, obj: Record<string, unknown>) {
  const k = kubernetesSpec.tryFindKind(apiVersion, kind)!;
  return validate({ apiVersion, kind, ...obj }, `@${k.type}`, { types: kubernetesSpec.types, unknown: UNKNOWN, what: `${apiVersion} ${kind}` });
}

const deployment = {
  metadata: { name: "web" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }] }] } },
  },
};

test("a well-formed Deployment has no failures", () => {
  assert.deepEqual(check("Deployment", "apps/v1", deployment), []);
});

test("a misspelt field is refused, naming the nearest known field", () => {
  const bad = structuredClone(deployment) as any;
  bad.spec.template.spec.containers[0].imagePullPolicyy = "Always";
  bad.spec.replica = 3;
  const failures = check("Deployment", "apps/v1", bad).sort((a, b) => a.property.localeCompare(b.property));
  assert.deepEqual(
    failures.map((f) => f.property),
    ["spec.replica", "spec.template.spec.containers[0].imagePullPolicyy"],
  );
  assert.match(failures[0]!.reason, /did you mean "replicas"/);
  assert.match(failures[1]!.reason, /did you mean "imagePullPolicy"/);
});

test("types, enums and required fields are checked with the path", () => {
  const bad = structuredClone(deployment) as any;
  bad.spec.replicas = "two";
  delete bad.spec.selector;
  bad.spec.template.spec.containers[0].imagePullPolicy = "Sometimes";
  const failures = check("Deployment", "apps/v1", bad);
  const byPath = Object.fromEntries(failures.map((f) => [f.property, f.reason]));
  assert.match(byPath["spec.selector"]!, /required/);
  assert.match(byPath["spec.replicas"]!, /whole number/);
  assert.match(byPath["spec.template.spec.containers[0].imagePullPolicy"]!, /one of "Always", "IfNotPresent", "Never"/);
});

test("int-or-string, quantities and unknown values (preview) are accepted", () => {
  const svc = { metadata: { name: "web" }, spec: { ports: [{ port: 80, targetPort: "http" }, { port: 81, targetPort: 8081 }], selector: { app: UNKNOWN } } };
  assert.deepEqual(check("Service", "v1", svc), []);
  const pod = { spec: { containers: [{ name: "a", image: UNKNOWN, resources: { limits: { cpu: "500m", memory: 1024 } } }] } };
  assert.deepEqual(check("Pod", "v1", pod), []);
});

test("duplicate keys of a map-typed list are refused", () => {
  const pod = { spec: { containers: [{ name: "a", image: "x" }, { name: "a", image: "y" }] } };
  assert.match(check("Pod", "v1", pod)[0]!.reason, /duplicates another item's name/);
});

test("nearest picks case-insensitive matches and close edits only", () => {
  assert.equal(nearest("Replicas", ["replicas", "paused"]), "replicas");
  assert.equal(nearest("contianers", ["containers", "volumes"]), "containers");
  assert.equal(nearest("zzz", ["containers", "volumes"]), undefined);
});

test("an empty string is accepted where an enum is expected (the default of an optional built-in field)", () => {
  const pod = { spec: { containers: [{ name: "a", image: "x" }], tolerations: [{ key: "k", operator: "Exists", effect: "" }] } };
  assert.deepEqual(check("Pod", "v1", pod), []);
});

/**
 * kubectl's daily verbs against the emulated API, with the real kubectl (1.32): the `create`
 * subcommands (which send protobuf bodies), `scale` (the scale subresource), `auth can-i` (a
 * SelfSubjectAccessReview), `rollout history|status|undo` (ReplicaSets behind Deployments). Each
 * printed what it prints against a real cluster.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { kubeServiceWithControllers } from "../src/controllers/kube-service.js";
import { startLocalCloud, type LocalCloud } from "../src/index.js";
import { decodeProtobufObject } from "../src/kube/protobuf.js";
import { startKubeCloud, type KubeCloud } from "./kube-helpers.js";

const KUBECTL = "/usr/bin/kubectl";

describe("kubectl's daily verbs against the emulated API", { skip: existsSync(KUBECTL) ? false : "kubectl not installed at /usr/bin/kubectl" }, () => {
  let kube: KubeCloud;
  let home: string;
  const kubectl = (...args: string[]): Promise<{ stdout: string; stderr: string; rc: number }> =>
    new Promise((resolve) => {
      execFile(KUBECTL, ["--kubeconfig", kube.kubeconfig, ...args], { env: { ...process.env, HOME: home, KUBECACHEDIR: join(home, "cache") }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ stdout, stderr, rc: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0 });
      });
    });
  const ok = async (...args: string[]) => {
    const r = await kubectl(...args);
    assert.equal(r.rc, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };

  before(async () => {
    kube = await startKubeCloud();
    home = mkdtempSync(join(tmpdir(), "iac-kubectl-verbs-"));
  });
  after(async () => {
    await kube.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("creates a namespace, a configmap, secrets, a service account and a deployment (protobuf bodies)", async () => {
    assert.equal(await ok("create", "namespace", "demo"), "namespace/demo created");
    assert.equal(await ok("create", "configmap", "cfg", "-n", "demo", "--from-literal=a=1", "--from-literal=b=two"), "configmap/cfg created");
    assert.equal(await ok("create", "secret", "generic", "s", "-n", "demo", "--from-literal=p=x"), "secret/s created");
    assert.equal(await ok("create", "secret", "docker-registry", "reg", "-n", "demo", "--docker-username=u", "--docker-password=p", "--docker-server=r.io"), "secret/reg created");
    assert.equal(await ok("create", "serviceaccount", "bot", "-n", "demo"), "serviceaccount/bot created");
    assert.equal(await ok("create", "deployment", "web", "-n", "demo", "--image=nginx", "--replicas=2", "--port=80"), "deployment.apps/web created");
    assert.deepEqual(JSON.parse(await ok("get", "cm", "cfg", "-n", "demo", "-o", "jsonpath={.data}")), { a: "1", b: "two" });
    assert.equal(await ok("get", "secret", "s", "-n", "demo", "-o", "jsonpath={.type} {.data.p}"), "Opaque eA==");
    assert.equal(await ok("get", "secret", "reg", "-n", "demo", "-o", "jsonpath={.type}"), "kubernetes.io/dockerconfigjson");
    const deployment = JSON.parse(await ok("get", "deploy", "web", "-n", "demo", "-o", "json"));
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(deployment.spec.selector, { matchLabels: { app: "web" } });
    assert.deepEqual(deployment.spec.template.spec.containers, [{ name: "nginx", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }], resources: {} }]);
    assert.equal(deployment.metadata.generateName, undefined, "empty protobuf strings are no values");
  });

  it("scales a deployment through its scale subresource", async () => {
    assert.equal(await ok("scale", "deployment", "web", "-n", "demo", "--replicas=3"), "deployment.apps/web scaled");
    assert.equal(await ok("get", "deploy", "web", "-n", "demo", "-o", "jsonpath={.spec.replicas}"), "3");
    const scale = JSON.parse(await ok("get", "--raw", "/apis/apps/v1/namespaces/demo/deployments/web/scale"));
    assert.deepEqual([scale.kind, scale.apiVersion, scale.spec.replicas, scale.status.selector], ["Scale", "autoscaling/v1", 3, "app=web"]);
  });

  it("answers auth can-i yes, since the local cloud enforces no RBAC", async () => {
    assert.equal(await ok("auth", "can-i", "create", "pods"), "yes");
    assert.equal(await ok("auth", "can-i", "delete", "deployments", "-n", "demo"), "yes");
  });

  it("refuses a built-in object with a misspelt field as the apiserver does, per kubectl's --validate", async () => {
    const typo = join(home, "typo.yaml");
    writeFileSync(typo, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo, namespace: demo}\ndata: {a: '1'}\ndatta: {b: '2'}\n");
    const strict = await kubectl("apply", "-f", typo);
    assert.equal(strict.rc, 1);
    assert.match(strict.stderr, /ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"/);
    const ssa = await kubectl("apply", "--server-side", "-f", typo);
    assert.match(ssa.stderr, /failed to create typed patch object \(demo\/typo; v1, Kind=ConfigMap\): \.datta: field not declared in schema/);
    const warned = await kubectl("apply", "--validate=warn", "-f", typo);
    assert.equal(warned.rc, 0, warned.stderr);
    assert.match(warned.stderr, /unknown field "datta"/);
    assert.deepEqual(JSON.parse(await ok("get", "cm", "typo", "-n", "demo", "-o", "json")).datta, undefined, "dropped, as the apiserver drops it");
  });

  it("refuses a protobuf body with a field it does not know, naming it, rather than dropping it", () => {
    // k8s\0 + Unknown{typeMeta{apiVersion "v1", kind "ConfigMap"}, raw: ConfigMap{metadata{name "x"}, field 9: "?"}}
    const meta = Buffer.from([0x0a, 0x01, 0x78]);
    const raw = Buffer.concat([Buffer.from([0x0a, meta.length]), meta, Buffer.from([0x4a, 0x01, 0x3f])]);
    const typeMeta = Buffer.concat([Buffer.from([0x0a, 0x02]), Buffer.from("v1"), Buffer.from([0x12, 0x09]), Buffer.from("ConfigMap")]);
    const body = Buffer.concat([Buffer.from("k8s\0", "latin1"), Buffer.from([0x0a, typeMeta.length]), typeMeta, Buffer.from([0x12, raw.length]), raw]);
    assert.throws(() => decodeProtobufObject(body), /protobuf field 9 of the object; send the object as JSON or YAML/);
  });
});

describe("kubectl rollout against the emulated Deployment controller", { skip: existsSync(KUBECTL) ? false : "kubectl not installed at /usr/bin/kubectl" }, () => {
  let cloud: LocalCloud;
  let home: string;
  const ok = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(KUBECTL, ["--kubeconfig", cloud.endpoints.kubeconfig, ...args], { env: { ...process.env, HOME: home, KUBECACHEDIR: join(home, "cache") }, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`)) : resolve(stdout.trim())));
    });
  const settle = () => new Promise((r) => setTimeout(r, 400));

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "iac-kubectl-rollout-"));
    cloud = await startLocalCloud({ dataDir: join(home, "local"), services: { kubernetes: kubeServiceWithControllers({ tuning: { deploymentDelayMs: 20, resyncMs: 100 } }) } });
  });
  after(async () => {
    await cloud.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("prints a Deployment's columns for every change with get --watch", async () => {
    await ok("create", "deployment", "watched", "--image=nginx");
    await settle();
    const child = spawn(KUBECTL, ["--kubeconfig", cloud.endpoints.kubeconfig, "get", "deploy", "watched", "--watch"], { env: { ...process.env, HOME: home, KUBECACHEDIR: join(home, "cache") } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += String(d)));
    await new Promise((r) => setTimeout(r, 1_500));
    await ok("scale", "deployment", "watched", "--replicas=2");
    await new Promise((r) => setTimeout(r, 1_500));
    child.kill();
    const lines = out.trim().split("\n");
    assert.match(lines[0]!, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    assert.equal(lines.filter((l) => l.startsWith("NAME")).length, 1, "one header");
    assert.match(lines[lines.length - 1]!, /^watched\s+2\/2\s+2\s+2\s+\d+s$/);
    await ok("delete", "deployment", "watched");
  });

  it("keeps one ReplicaSet per template with its revision: history, status and undo work as on a cluster", async () => {
    await ok("create", "deployment", "web", "--image=nginx", "--replicas=2");
    await settle();
    await ok("set", "image", "deployment/web", "nginx=nginx:1.27");
    await settle();
    assert.equal(await ok("rollout", "status", "deployment/web", "--timeout=20s"), 'deployment "web" successfully rolled out');
    assert.match(await ok("rollout", "history", "deployment/web"), /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const sets = JSON.parse(await ok("get", "rs", "-o", "json")).items.map((rs: any) => [rs.metadata.annotations["deployment.kubernetes.io/revision"], rs.spec.replicas, rs.spec.template.spec.containers[0].image]).sort();
    assert.deepEqual(sets, [["1", 0, "nginx"], ["2", 2, "nginx:1.27"]]);
    assert.equal(await ok("rollout", "undo", "deployment/web"), "deployment.apps/web rolled back");
    await settle();
    assert.match(await ok("rollout", "history", "deployment/web"), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/, "the template rolled back to is renumbered, not copied");
    assert.equal(await ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"), "nginx");
    await ok("delete", "deployment", "web");
    await settle();
    assert.equal(JSON.parse(await ok("get", "rs", "-o", "json")).items.length, 0, "the ReplicaSets go with their Deployment");
  });
});

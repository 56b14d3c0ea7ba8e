import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSecretValue, setMonitor, type Monitor, type RegistrationResult, type ResourceRegistration } from "@iac/sdk/runtime";
import type { PropertyMap } from "@iac/sdk/provider";
import { ConfigFile, Directory, Manifest, Provider } from "../src/index.js";
import { FluxBootstrap, Kustomization } from "../src/flux/index.js";

/** A monitor that records registrations and echoes inputs. */
class RecordingMonitor implements Monitor {
  readonly project = "proj";
  readonly stack = "dev";
  readonly preview = false;
  readonly config = {};
  readonly registrations: ResourceRegistration[] = [];
  readonly reserved: string[] = [];
  readonly errors: unknown[] = [];
  constructor(readonly projectDir: string) {}
  reserve(urn: string): void {
    if (this.reserved.includes(urn)) throw new Error(`duplicate ${urn}`);
    this.reserved.push(urn);
  }
  async registerResource(reg: ResourceRegistration): Promise<RegistrationResult> {
    this.registrations.push(reg);
    return { id: `${reg.name}-id`, outputs: reg.inputs };
  }
  registerOutputs(): void {}
  reportError(error: unknown): void {
    this.errors.push(error);
  }
  abandon(): void {}
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe("the resource classes", () => {
  let dir: string;
  let monitor: RecordingMonitor;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "iac-k8s-classes-"));
  });
  after(() => {
    setMonitor(undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const fresh = () => {
    monitor = new RecordingMonitor(dir);
    setMonitor(monitor);
  };
  const byName = (suffix: string) => monitor.registrations.find((r) => r.name.endsWith(suffix))!;

  it("declares one Manifest per object of a ConfigFile, ordered as Flux applies them", async () => {
    fresh();
    writeFileSync(
      join(dir, "app.yaml"),
      `apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: demo}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: demo}
data: {a: "1"}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, scope: Namespaced, names: {kind: Widget, plural: widgets}, versions: [{name: v1, served: true, storage: true}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: demo}
`,
    );
    const file = new ConfigFile("app", { file: "app.yaml" });
    await settle();
    assert.deepEqual(Object.keys(file.resources).sort(), ["ConfigMap/demo/settings", "CustomResourceDefinition/widgets.example.com", "Namespace/demo", "Widget/demo/w1"]);
    const children = monitor.registrations.filter((r) => r.type === "kubernetes:index:Manifest");
    assert.equal(children.length, 4);
    const crd = byName("CustomResourceDefinition/widgets.example.com");
    const ns = byName("Namespace/demo");
    assert.deepEqual([...byName("Widget/demo/w1").dependencies].sort(), [crd.urn, ns.urn].sort(), "the custom resource waits for its CRD and namespace");
    assert.deepEqual([...byName("ConfigMap/demo/settings").dependencies].sort(), [crd.urn, ns.urn].sort(), "everything else waits for the cluster definitions");
    assert.deepEqual(crd.dependencies, []);
    assert.ok(children.every((c) => c.parent !== undefined && c.provider?.module === "@iac/kubernetes"));
    assert.deepEqual(monitor.errors, []);
  });

  it("loads every YAML file of a Directory and refuses one holding a kustomization.yaml", async () => {
    fresh();
    mkdirSync(join(dir, "plain", "sub"), { recursive: true });
    writeFileSync(join(dir, "plain", "ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n");
    writeFileSync(join(dir, "plain", "sub", "svc.yml"), "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: web}\nspec: {ports: [{port: 80}]}\n");
    const d = new Directory("plain", { path: "plain" });
    await settle();
    assert.deepEqual(Object.keys(d.resources).sort(), ["Namespace/web", "Service/web/web"]);
    writeFileSync(join(dir, "plain", "sub", "kustomization.yaml"), "resources: [svc.yml]\n");
    assert.throws(
      () => new Directory("plain2", { path: "plain" }),
      (e: Error) => {
        // What failed and where, then each way out, naming the folder to use.
        assert.match(e.message, /^Directory "plain" holds plain\/sub\/kustomization\.yaml: that folder is a kustomization, which kustomize must build/);
        assert.match(e.message, /declare a Kustomization from "@iac\/kubernetes\/flux" with spec\.path "\.\/plain\/sub"/);
        assert.match(e.message, /`kubectl kustomize plain\/sub > plain\/sub\.yaml`.*new ConfigFile\("<name>", \{ file: "plain\/sub\.yaml" \}\)/);
        assert.match(e.message, /only lists files .*delete it, or point Directory at a folder without one/);
        return true;
      },
    );
  });

  it("keeps a Secret's data secret in state even when the program did not mark it", async () => {
    fresh();
    new Manifest("creds", { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, stringData: { token: "t0k3n" } });
    await settle();
    const reg = byName("creds");
    assert.ok(isSecretValue(reg.inputs.stringData), "stringData is wrapped as a secret");
    assert.deepEqual(reg.options.additionalSecretOutputs, ["data", "stringData"]);
  });

  it("takes { object } as well as the object's fields", async () => {
    fresh();
    new Manifest("cm", { object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "b" } } });
    await settle();
    assert.deepEqual(byName("cm").inputs, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "b" } } as PropertyMap);
  });

  it("gives Flux resources the flux twin of an explicit kubernetes Provider", async () => {
    fresh();
    const cluster = new Provider("staging", { kubeconfig: "apiVersion: v1\nclusters: []\n" });
    new Kustomization("apps", { spec: { interval: "1m", prune: true, sourceRef: { kind: "GitRepository", name: "x" } } }, { provider: cluster });
    new FluxBootstrap("flux", { version: "v2.9.4", git: { url: "https://git.example.com/fleet.git", path: "clusters/a", credentials: { username: "u", password: "p" } } }, { provider: cluster });
    await settle();
    const twin = monitor.registrations.find((r) => r.type === "iac:providers:flux")!;
    assert.ok(twin, "the twin provider is registered");
    assert.ok(isSecretValue(twin.inputs.kubeconfig), "the kubeconfig stays secret");
    assert.equal(byName("apps").provider?.urn, twin.urn);
    assert.equal(byName("apps").inputs.apiVersion, "kustomize.toolkit.fluxcd.io/v1");
    const flux = byName("flux");
    assert.equal(flux.provider?.urn, twin.urn);
    assert.ok(isSecretValue((flux.inputs.git as PropertyMap).credentials), "git credentials are secret in state");
    assert.deepEqual(monitor.errors, []);
  });
});

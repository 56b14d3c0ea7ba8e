/**
 * Building a Kustomization as kustomize-controller does: the whole revision, a real kustomize, the
 * generated kustomization.yaml of a plain folder, the Kustomization's own overlay fields, and
 * post-build substitution. Messages are those the real controller wrote (docs/local-cloud-conformance.md).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findKustomize, KustomizeBuildError, kustomizeBuild, overlayOf } from "../src/controllers/kustomize-build.js";
import type { KubeObject } from "../src/controllers/objects.js";
import { substituteObjects, substituteText } from "../src/controllers/substitute.js";

const kustomize = findKustomize();
const file = (path: string, content: string) => ({ path, content });
const ROOT = "/tmp/kustomization-42";
const build = (files: { path: string; content: string }[], path: string, spec: Record<string, unknown> = {}) => kustomizeBuild({ files, path, overlay: overlayOf(spec), kustomize, displayRoot: ROOT });
const names = (objects: readonly KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`).sort();

const base = [
  file("deploy/bases/app/kustomization.yaml", "resources: [app.yaml]\nconfigMapGenerator:\n- name: app-config\n  literals: [LOG_LEVEL=info, ADDR=redis:6379]\n"),
  file(
    "deploy/bases/app/app.yaml",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/example/app:latest\n        envFrom: [{configMapRef: {name: app-config}}]\n",
  ),
  file(
    "deploy/overlays/dev/kustomization.yaml",
    "namespace: dev\nnameSuffix: -dev\nresources: [../../bases/app]\nconfigMapGenerator:\n- name: app-config\n  behavior: merge\n  literals: [LOG_LEVEL=debug]\npatches:\n- target: {kind: Deployment, name: app}\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 2\nimages:\n- name: ghcr.io/example/app\n  newTag: 1a2b3c4\n",
  ),
];

describe("building a Kustomization with kustomize, as Flux does", () => {
  it("has a kustomize on this machine (kubectl's or kustomize's)", () => {
    assert.ok(kustomize, "install kubectl or kustomize: the Kustomization tests need one");
  });

  it("resolves a base outside spec.path and applies namespace, nameSuffix, images, patches and a merged configMapGenerator", async () => {
    const objects = await build(base, "deploy/overlays/dev");
    const deployment = objects.find((o) => o.kind === "Deployment")!;
    const cm = objects.find((o) => o.kind === "ConfigMap")!;
    assert.equal(deployment.metadata.name, "app-dev");
    assert.equal(deployment.metadata.namespace, "dev");
    const spec = deployment.spec as { replicas: number; template: { spec: { containers: { image: string; envFrom: { configMapRef: { name: string } }[] }[] } } };
    assert.equal(spec.replicas, 2);
    assert.equal(spec.template.spec.containers[0]!.image, "ghcr.io/example/app:1a2b3c4");
    assert.match(cm.metadata.name, /^app-config-dev-[a-z0-9]{10}$/);
    assert.equal(spec.template.spec.containers[0]!.envFrom[0]!.configMapRef.name, cm.metadata.name);
    assert.deepEqual(cm["data"], { LOG_LEVEL: "debug", ADDR: "redis:6379" });
  });

  it("merges the Kustomization's targetNamespace, namePrefix and images into the build", async () => {
    const objects = await build(base, "deploy/bases/app", { targetNamespace: "team", namePrefix: "x-", images: [{ name: "ghcr.io/example/app", newName: "registry.local/app", newTag: "v2" }] });
    const deployment = objects.find((o) => o.kind === "Deployment")!;
    assert.equal(deployment.metadata.name, "x-app");
    assert.equal(deployment.metadata.namespace, "team");
    assert.equal((deployment.spec as any).template.spec.containers[0].image, "registry.local/app:v2");
  });

  it("builds a plain folder from the kustomization.yaml Flux generates, descending into folders without one", async () => {
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: default}\n`;
    const objects = await build([file("d/a.yaml", cm("a")), file("d/sub/b.yml", cm("b")), file("d/README.md", "# no"), file("d/kust/kustomization.yaml", "resources: [c.yaml]\n"), file("d/kust/c.yaml", cm("c")), file("other/x.yaml", cm("x"))], "d");
    assert.deepEqual(names(objects), ["ConfigMap/default/a", "ConfigMap/default/b", "ConfigMap/default/c"]);
  });

  it("fails a plain folder holding YAML that is not Kubernetes as Flux does", async () => {
    await assert.rejects(build([file("d/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"), file("d/values.yaml", "replicaCount: 2\n")], "d"), (e: KustomizeBuildError) => {
      assert.equal(e.code, "KustomizeBuildFailed");
      assert.equal(e.message, `failed to decode Kubernetes YAML from ${ROOT}/d/values.yaml: missing Resource metadata`);
      return true;
    });
  });

  it("fails duplicate objects with kustomize's message", async () => {
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n";
    await assert.rejects(build([file("d/a.yaml", cm), file("d/b.yaml", cm)], "d"), (e: Error) => {
      assert.equal(e.message, `kustomize build failed: accumulating resources: accumulation err='merging resources from './b.yaml': may not add resource with an already registered id: ConfigMap.v1.[noGrp]/a.default': must build at directory: '${ROOT}/d/b.yaml': file is not directory`);
      return true;
    });
  });

  it("fails a missing resource naming it, with the artifact folder Flux would show", async () => {
    await assert.rejects(build([file("d/kustomization.yaml", "resources: [../nothere]\n")], "d"), (e: Error) => {
      assert.match(e.message, /^kustomize build failed: accumulating resources: accumulation err='accumulating resources from '\.\.\/nothere': /);
      assert.ok(e.message.includes(`${ROOT}/nothere`), e.message);
      return true;
    });
  });

  it("fails without a kustomize, saying so, instead of applying part of the build", async () => {
    await assert.rejects(kustomizeBuild({ files: base, path: "deploy/overlays/dev", overlay: {}, kustomize: undefined, displayRoot: ROOT }), /no kustomize is available to the local cloud.*install kubectl/);
  });

  it("takes IAC_KUSTOMIZE (none: no kustomize), and tells kubectl from kustomize", () => {
    assert.equal(findKustomize({ IAC_KUSTOMIZE: "none", PATH: "/usr/bin" }), undefined);
    assert.deepEqual(findKustomize({ IAC_KUSTOMIZE: "/opt/kubectl", PATH: "" })?.args.slice(0, 1), ["kustomize"]);
    assert.deepEqual(findKustomize({ IAC_KUSTOMIZE: "/opt/kustomize", PATH: "" })?.args.slice(0, 1), ["build"]);
    assert.equal(findKustomize({ PATH: "/nonexistent" }), undefined);
  });
});

describe("post-build substitution", () => {
  const vars = new Map([["VAR", "val"], ["EMPTY", ""]]);
  for (const [text, want] of [
    ["${VAR}", "val"],
    ["${MISSING}", ""],
    ["${MISSING:=dflt}", "dflt"],
    ["${MISSING:-dflt}", "dflt"],
    ["${EMPTY:-dflt}", "dflt"],
    ["${EMPTY-dflt}", ""],
    ["$VAR", "$VAR"],
    ["$${VAR}", "${VAR}"],
  ] as const) {
    it(`turns ${text} into "${want}"`, () => assert.equal(substituteText(text, vars), want));
  }

  it("substitutes in every object but those that opt out, keeping YAML types", () => {
    const objects: KubeObject[] = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { x: "${VAR}" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", annotations: { "kustomize.toolkit.fluxcd.io/substitute": "disabled" } }, data: { x: "${VAR}" } },
    ];
    const [a, b] = substituteObjects(objects, vars);
    assert.deepEqual(a!["data"], { x: "val" });
    assert.deepEqual(b!["data"], { x: "${VAR}" });
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse, parseAllDocuments } from "yaml";
import { componentFailures, componentsFile, manifestsVersion, selectComponents } from "../src/flux/components.js";
import { fluxDir, kustomizationFile, syncFile, syncObjects, syncPath } from "../src/flux/sync.js";
import { parseObjects } from "../src/yaml-load.js";
import type { KubeObject } from "../src/objects.js";

const ref = (f: string) => new URL(`../../../../shared/reference/flux/${f}`, import.meta.url);
const gotk = parseObjects(readFileSync(ref("gotk-components-v2.9.4.yaml"), "utf8"), "gotk-components-v2.9.4.yaml");
const install = parseObjects(readFileSync(ref("install-v2.9.4.yaml"), "utf8"), "install-v2.9.4.yaml");

const deployments = (objs: KubeObject[]) => objs.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name).sort();
const count = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind).length;

test("keeps the four default controllers of install.yaml and drops the image automation ones", () => {
  const kept = selectComponents(install);
  assert.deepEqual(deployments(kept), ["helm-controller", "kustomize-controller", "notification-controller", "source-controller"]);
  assert.equal(count(kept, "CustomResourceDefinition"), 11, "the 11 CRDs of the four controllers (flux.md §4.2)");
  assert.equal(count(kept, "Namespace"), 1);
  assert.equal(count(kept, "NetworkPolicy"), 3);
});

test("adds the extra controllers with their CRDs when asked", () => {
  const kept = selectComponents(install, { componentsExtra: ["image-reflector-controller", "image-automation-controller"] });
  assert.deepEqual(deployments(kept), [
    "helm-controller",
    "image-automation-controller",
    "image-reflector-controller",
    "kustomize-controller",
    "notification-controller",
    "source-controller",
  ]);
  const crds = kept.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name);
  assert.ok(crds.includes("imagepolicies.image.toolkit.fluxcd.io"));
  assert.ok(crds.includes("imageupdateautomations.image.toolkit.fluxcd.io"));
});

test("keeps a subset of controllers and only their CRDs", () => {
  const kept = selectComponents(gotk, { components: ["source-controller", "kustomize-controller"] });
  assert.deepEqual(deployments(kept), ["kustomize-controller", "source-controller"]);
  assert.equal(count(kept, "CustomResourceDefinition"), 7, "6 source CRDs and the Kustomization CRD");
  assert.ok(!kept.some((o) => o.metadata.name === "webhook-receiver"), "notification-controller's Services go with it");
});

test("gives the controllers notification-controller's address only when it is installed (flux install --components)", () => {
  const argsOf = (kept: readonly { kind: string; metadata: { name?: string } }[]) => new Map(kept.filter((o) => o.kind === "Deployment").map((d) => [d.metadata.name, (d as any).spec.template.spec.containers[0].args as string[]]));
  for (const [name, args] of argsOf(selectComponents(gotk, { components: ["source-controller", "kustomize-controller"] }))) {
    assert.deepEqual(args.filter((a) => a.startsWith("--events-addr")), ["--events-addr="], `${name} posts no events without a notification-controller`);
  }
  const all = argsOf(selectComponents(gotk));
  assert.ok(all.get("source-controller")!.some((a) => /^--events-addr=http:\/\/notification-controller\./.test(a)), "with it, events go to its Service");
  assert.ok(!all.get("notification-controller")!.some((a) => a.startsWith("--events-addr")), "the notification-controller itself keeps its own flags");
});

test("refuses an extra controller the manifests do not contain, naming what they hold", () => {
  assert.throws(
    () => selectComponents(gotk, { componentsExtra: ["image-reflector-controller"] }),
    (e: Error & { code?: string }) => e.code === "ComponentMissing" && /no image-reflector-controller/.test(e.message) && /install\.yaml/.test(e.message),
  );
});

test("drops the network policies when networkPolicy is false", () => {
  assert.equal(count(selectComponents(gotk, { networkPolicy: false }), "NetworkPolicy"), 0);
});

test("sets the controllers' watch scope from watchAllNamespaces", () => {
  const kept = selectComponents(gotk, { watchAllNamespaces: false });
  for (const d of kept.filter((o) => o.kind === "Deployment")) {
    const args = (d as any).spec.template.spec.containers[0].args as string[];
    assert.ok(args.includes("--watch-all-namespaces=false"), `${d.metadata.name} watches only its namespace`);
  }
});

test("moves the install to another namespace: objects, RBAC suffixes and binding subjects", () => {
  const kept = selectComponents(gotk, { namespace: "gitops" });
  assert.equal(kept.find((o) => o.kind === "Namespace")?.metadata.name, "gitops");
  for (const o of kept.filter((o) => o.metadata.namespace !== undefined)) assert.equal(o.metadata.namespace, "gitops");
  const binding = kept.find((o) => o.kind === "ClusterRoleBinding" && o.metadata.name === "crd-controller-gitops") as any;
  assert.ok(binding, "the binding's name carries the new namespace");
  assert.equal(binding.roleRef.name, "crd-controller-gitops");
  assert.ok(binding.subjects.every((s: { namespace: string }) => s.namespace === "gitops"));
  assert.ok(!JSON.stringify(kept).includes("flux-system"), "nothing refers to flux-system any more");
  assert.ok(JSON.stringify(gotk).includes("flux-system"), "the input was not modified");
});

test("reads the Flux version from the manifests' labels", () => {
  assert.equal(manifestsVersion(gotk), "v2.9.4");
});

test("labels a release's install.yaml (which has no version label) with the version it was given, as flux does", () => {
  assert.equal(manifestsVersion(install), undefined);
  const kept = selectComponents(install, { version: "v2.9.4" });
  assert.equal(manifestsVersion(kept), "v2.9.4");
  const unlabelled = kept.filter((o) => o.metadata.labels?.["app.kubernetes.io/instance"] !== undefined && o.metadata.labels?.["app.kubernetes.io/version"] !== "v2.9.4");
  assert.deepEqual(unlabelled.map((o) => `${o.kind}/${o.metadata.name}`), []);
  assert.deepEqual(selectComponents(gotk, { version: "v9.9.9" }).map((o) => o.metadata.labels?.["app.kubernetes.io/version"]).filter((v) => v !== "v2.9.4"), [], "an existing label is kept");
});

test("rejects unknown and misplaced component names and a missing required controller", () => {
  const failures = componentFailures({ components: ["source-controller", "image-reflector-controller"], componentsExtra: ["helm-controller"] });
  const text = failures.map((f) => `${f.property}: ${f.reason}`).join("\n");
  assert.match(text, /components\[1\]: .*is an extra: list it in componentsExtra/);
  assert.match(text, /componentsExtra\[0\]: "helm-controller" is not an extra/);
  assert.match(text, /components: kustomize-controller is required/);
  assert.deepEqual(componentFailures({}), []);
});

test("writes gotk-components.yaml with flux's header, and its objects parse back unchanged", () => {
  const kept = selectComponents(gotk);
  const text = componentsFile(kept, { version: "v2.9.4", components: ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"] });
  assert.ok(text.startsWith("---\n# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: v2.9.4\n# Components: source-controller,kustomize-controller,helm-controller,notification-controller\n"));
  const back = parseAllDocuments(text).map((d) => (Array.isArray(d) ? undefined : d.toJS()));
  assert.deepEqual(back, kept);
});

test("generates gotk-sync.yaml as flux bootstrap does, with Go durations and a ./ path", () => {
  const text = syncFile({ namespace: "flux-system", url: "https://git.example.com/org/fleet.git", branch: "main", path: "clusters/dev", interval: "1m", secretName: "flux-system" });
  assert.equal(
    text,
    `# This manifest was generated by flux. DO NOT EDIT.
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  secretRef:
    name: flux-system
  url: https://git.example.com/org/fleet.git
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/dev
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`,
  );
});

test("names the sync objects after the namespace and leaves secretRef out for a public repository", () => {
  const [repo, ks] = syncObjects({ namespace: "gitops", url: "https://x/y.git", branch: "dev", path: "./clusters/a/", interval: "90s" }) as any[];
  assert.equal(repo.metadata.name, "gitops");
  assert.equal(repo.spec.interval, "1m30s");
  assert.equal(repo.spec.secretRef, undefined);
  assert.equal(ks.spec.path, "./clusters/a");
  assert.equal(ks.spec.sourceRef.name, "gitops");
});

test("places the flux files under <path>/<namespace> and lists both in kustomization.yaml", () => {
  assert.equal(fluxDir("./clusters/dev/", "flux-system"), "clusters/dev/flux-system");
  assert.equal(fluxDir(".", "flux-system"), "flux-system");
  assert.equal(syncPath(""), "./");
  assert.deepEqual(parse(kustomizationFile()).resources, ["gotk-components.yaml", "gotk-sync.yaml"]);
});

/**
 * Flux's controllers as installed software: they act only while their Deployments exist, put
 * `finalizers.fluxcd.io` on what they reconcile, and garbage-collect a deleted Kustomization's
 * objects; with the controllers gone (as `flux uninstall` leaves things) a deleted object stays
 * Terminating until its finalizer is stripped, and nothing is pruned.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deletionOrder, startControllers, type Controllers } from "../src/controllers/index.js";
import { clusterOfStore } from "../src/controllers/kube-adapter.js";
import { createGitService, type GitService } from "../src/git/index.js";
import { KubeStore } from "../src/kube/kube-store.js";
import { startLocalCloud, type LocalCloud } from "../src/server.js";
import { FLUX_CONTROLLERS, fluxControllerDeployment, gitRunner, installFluxCrds, ready, until, type Obj } from "./controllers-fixture.js";

const GR = "source.toolkit.fluxcd.io/v1";
const KS = "kustomize.toolkit.fluxcd.io/v1";
const FINALIZER = "finalizers.fluxcd.io";

describe("Flux's emulated controllers as installed software", () => {
  let dir: string;
  let cloud: LocalCloud;
  let store: KubeStore;
  let controllers: Controllers;
  let repoUrl: string;
  const deleted: string[] = [];
  const get = (apiVersion: string, kind: string, name: string, namespace?: string) => store.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) }) as Obj | undefined;
  const gitRepo = (name: string) => get(GR, "GitRepository", name, "flux-system");
  const ks = (name: string) => get(KS, "Kustomization", name, "flux-system");
  const install = () => {
    for (const name of FLUX_CONTROLLERS) store.apply(fluxControllerDeployment(name), { fieldManager: "flux" });
  };
  const uninstallControllers = () => {
    for (const name of FLUX_CONTROLLERS) store.delete({ apiVersion: "apps/v1", kind: "Deployment", namespace: "flux-system", name });
  };
  const kustomization = (name: string, path: string, prune: boolean) =>
    store.apply({ apiVersion: KS, kind: "Kustomization", metadata: { name, namespace: "flux-system" }, spec: { interval: "10m", path, prune, sourceRef: { kind: "GitRepository", name: "fleet" } } }, { fieldManager: "test" });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-ctl-life-"));
    const work = join(dir, "work");
    await mkdir(join(work, "pruned"), { recursive: true });
    await mkdir(join(work, "kept"), { recursive: true });
    await mkdir(join(work, "orphaned"), { recursive: true });
    await writeFile(join(work, "pruned", "all.yaml"), [
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n",
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: front\n  namespace: shop\nspec:\n  ports: [{port: 80}]\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: precious\n  namespace: default\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n",
    ].join("---\n"));
    await writeFile(join(work, "kept", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  namespace: default\n");
    await writeFile(join(work, "orphaned", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: orphaned\n  namespace: default\n");
    cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { git: createGitService } });
    repoUrl = `${cloud.endpoints.git}/org/fleet.git`;
    const git = gitRunner({ cwd: work, home: dir });
    await git("init", "--quiet", "--initial-branch=main");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "fleet");
    await git("push", "--quiet", repoUrl.replace("http://", "http://flux:token@"), "main");
    store = new KubeStore();
    await installFluxCrds(store);
    store.watch((e) => {
      if (e.type === "DELETED") deleted.push(`${e.object.kind}/${e.object.metadata.name}`);
    });
    controllers = startControllers({ cluster: clusterOfStore(store), git: cloud.service<GitService>("git")!, deploymentDelayMs: 20, resyncMs: 50 });
  });
  after(async () => {
    await controllers.stop();
    store.close();
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("leaves a GitRepository without status while no source-controller runs, and reconciles it once Flux is installed", async () => {
    store.apply({ apiVersion: GR, kind: "GitRepository", metadata: { name: "fleet", namespace: "flux-system" }, spec: { secretRef: { name: "flux-system" }, url: repoUrl, interval: "1m", ref: { branch: "main" } } }, { fieldManager: "test" });
    kustomization("pruned", "./pruned", true);
    await controllers.reconcileNow();
    await new Promise((r) => setTimeout(r, 150));
    await controllers.reconcileNow();
    // Only the CRD's schema default ({observedGeneration: -1}), as on a real cluster.
    assert.deepEqual(gitRepo("fleet")!.status, { observedGeneration: -1 }, "nothing reconciles a GitRepository before Flux is installed");
    assert.equal(gitRepo("fleet")!.metadata.finalizers, undefined);
    assert.deepEqual(ks("pruned")!.status, { observedGeneration: -1 });
    install();
    const repo = await until("the GitRepository to be Ready", () => gitRepo("fleet"), (o) => ready(o)?.status === "True");
    assert.deepEqual(repo!.metadata.finalizers, [FINALIZER]);
    const k = await until("the Kustomization to be Ready", () => ks("pruned"), (o) => ready(o)?.status === "True");
    assert.deepEqual(k!.metadata.finalizers, [FINALIZER]);
    assert.ok(get("v1", "ConfigMap", "settings", "shop"));
  });

  it("garbage-collects a deleted Kustomization with prune: true in reverse apply order, namespaces last, then releases it", async () => {
    deleted.length = 0;
    store.delete({ apiVersion: KS, kind: "Kustomization", namespace: "flux-system", name: "pruned" });
    await until("the Kustomization to be gone", () => ks("pruned"), (o) => o === undefined);
    assert.equal(get("v1", "ConfigMap", "settings", "shop"), undefined);
    assert.equal(get("v1", "Service", "front", "shop"), undefined);
    assert.ok(get("v1", "ConfigMap", "precious", "default"), "an object annotated prune: disabled is left");
    const order = deleted.filter((d) => d !== "Kustomization/pruned");
    assert.deepEqual(order.slice(0, 2), ["Service/front", "ConfigMap/settings"], "the reverse of Flux's apply order (ConfigMap before Service)");
    const ns = get("v1", "Namespace", "shop");
    assert.ok(ns === undefined || ns.metadata.deletionTimestamp !== undefined, "the namespace is deleted too, after what it holds");
  });

  it("only removes the finalizer of a deleted Kustomization with prune: false", async () => {
    kustomization("kept", "./kept", false);
    await until("the Kustomization to be Ready", () => ks("kept"), (o) => ready(o)?.status === "True");
    store.delete({ apiVersion: KS, kind: "Kustomization", namespace: "flux-system", name: "kept" });
    await until("the Kustomization to be gone", () => ks("kept"), (o) => o === undefined);
    assert.ok(get("v1", "ConfigMap", "kept", "default"), "what it applied stays");
  });

  it("releases a deleted GitRepository (source-controller's finalizer)", async () => {
    store.apply({ apiVersion: GR, kind: "GitRepository", metadata: { name: "spare", namespace: "flux-system" }, spec: { secretRef: { name: "flux-system" }, url: repoUrl, interval: "1m", ref: { branch: "main" } } }, { fieldManager: "test" });
    await until("the finalizer", () => gitRepo("spare"), (o) => o?.metadata.finalizers?.includes(FINALIZER) === true);
    store.delete({ apiVersion: GR, kind: "GitRepository", namespace: "flux-system", name: "spare" });
    await until("the GitRepository to be gone", () => gitRepo("spare"), (o) => o === undefined);
  });

  it("leaves a deleted Kustomization Terminating once the controllers are gone, and prunes nothing when its finalizer is stripped", async () => {
    kustomization("orphaned", "./orphaned", true);
    await until("the Kustomization to be Ready", () => ks("orphaned"), (o) => ready(o)?.status === "True" && o?.metadata.finalizers?.includes(FINALIZER) === true);
    // What `flux uninstall` does: the controllers first, then the finalizers.
    uninstallControllers();
    store.delete({ apiVersion: KS, kind: "Kustomization", namespace: "flux-system", name: "orphaned" });
    await new Promise((r) => setTimeout(r, 150));
    await controllers.reconcileNow();
    const terminating = ks("orphaned");
    assert.ok(terminating?.metadata.deletionTimestamp !== undefined, "Terminating while nothing honours the finalizer");
    assert.deepEqual(terminating!.metadata.finalizers, [FINALIZER]);
    store.patch({ apiVersion: KS, kind: "Kustomization", namespace: "flux-system", name: "orphaned" }, { type: "merge", body: { metadata: { finalizers: null } } }, { fieldManager: "flux" });
    assert.equal(ks("orphaned"), undefined);
    assert.ok(get("v1", "ConfigMap", "orphaned", "default"), "the workload stays");
  });

  it("orders deletion as the reverse of Flux's apply order with namespaces last", () => {
    const keys = [
      { apiVersion: "v1", kind: "Namespace", name: "a" },
      { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "widgets.example.com" },
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" },
      { apiVersion: "example.com/v1", kind: "Widget", namespace: "a", name: "w" },
      { apiVersion: "v1", kind: "ServiceAccount", namespace: "a", name: "sa" },
    ];
    assert.deepEqual(deletionOrder(keys).map((k) => k.kind), ["Widget", "Deployment", "ServiceAccount", "CustomResourceDefinition", "Namespace"]);
  });
});

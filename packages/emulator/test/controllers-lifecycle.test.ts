/**
 * Flux's controllers as installed software: they act only while their Deployments exist, put
 * `finalizers.fluxcd.io` on what they reconcile, and garbage-collect a deleted Kustomization's
 * objects; with the controllers gone (as `flux uninstall` leaves things) a deleted object stays
 * Terminating until its finalizer is stripped, and nothing is pruned.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { deletionOrder, startControllers, type Controllers } from "../src/controllers/index.js";
import { clusterOfStore } from "../src/controllers/kube-adapter.js";
import { createGitService, type GitService } from "../src/git/index.js";
import { KubeStore } from "../src/kube/kube-store.js";
import type { KubeObject } from "../src/kube/types.js";
import { startLocalCloud, type LocalCloud } from "../src/server.js";

const exec = promisify(execFile);
const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url);
const GR = "source.toolkit.fluxcd.io/v1";
const KS = "kustomize.toolkit.fluxcd.io/v1";
const FINALIZER = "finalizers.fluxcd.io";

async function until<T>(what: string, read: () => T, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type Obj = KubeObject & { status?: Record<string, any>; spec?: Record<string, any> };
const ready = (o: Obj | undefined) => (o?.status?.conditions as { type: string; status: string }[] | undefined)?.find((c) => c.type === "Ready");

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
  const controllerDeployment = (name: string) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "flux-system" },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "manager", image: `ghcr.io/fluxcd/${name}` }] } } },
  });
  const install = () => {
    for (const name of ["source-controller", "kustomize-controller"]) store.apply(controllerDeployment(name), { fieldManager: "flux" });
  };
  const uninstallControllers = () => {
    for (const name of ["source-controller", "kustomize-controller"]) store.delete({ apiVersion: "apps/v1", kind: "Deployment", namespace: "flux-system", name });
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
    const git = (...args: string[]) =>
      exec("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: work, env: { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" } });
    await git("init", "--quiet", "--initial-branch=main");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "fleet");
    await git("push", "--quiet", repoUrl.replace("http://", "http://flux:token@"), "main");
    store = new KubeStore();
    for (const doc of parseAllDocuments(await readFile(GOTK, "utf8"))) {
      const o = doc.toJS() as KubeObject | null;
      if (o?.kind === "CustomResourceDefinition" && /^(gitrepositories|kustomizations)\./.test(o.metadata.name!)) store.apply(o, { fieldManager: "flux", force: true });
    }
    store.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } }, { fieldManager: "test" });
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
    store.apply({ apiVersion: GR, kind: "GitRepository", metadata: { name: "fleet", namespace: "flux-system" }, spec: { url: repoUrl, interval: "1m", ref: { branch: "main" } } }, { fieldManager: "test" });
    kustomization("pruned", "./pruned", true);
    await controllers.reconcileNow();
    await new Promise((r) => setTimeout(r, 150));
    await controllers.reconcileNow();
    assert.equal(gitRepo("fleet")!.status, undefined, "nothing reconciles a GitRepository before Flux is installed");
    assert.equal(gitRepo("fleet")!.metadata.finalizers, undefined);
    assert.equal(ks("pruned")!.status, undefined);
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
    store.apply({ apiVersion: GR, kind: "GitRepository", metadata: { name: "spare", namespace: "flux-system" }, spec: { url: repoUrl, interval: "1m", ref: { branch: "main" } } }, { fieldManager: "test" });
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

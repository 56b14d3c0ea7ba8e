import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { PropertyMap } from "@iac/sdk/provider";
import { context, startTestCloud, type TestCloud } from "./local-cloud.js";

const exec = promisify(execFile);
const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url).pathname;
const TYPE = "flux:index:FluxBootstrap";

describe("FluxBootstrap against the local cloud's cluster and git host", () => {
  let t: TestCloud;
  let url: string;
  let state: { id: string; inputs: PropertyMap; outputs: PropertyMap } | undefined;
  const ctx = () => context({ type: TYPE, name: "flux", timeouts: { create: 60_000, update: 60_000, delete: 60_000 } });
  const args = (over: PropertyMap = {}): PropertyMap => ({
    manifests: GOTK,
    git: { url, branch: "main", path: "clusters/dev", credentials: { username: "git", password: "s3cret-token" } },
    ...over,
  });

  before(async () => {
    t = await startTestCloud({ git: true });
    url = `${t.cloud.endpoints.git}/iac/fleet.git`;
  });
  after(async () => {
    await t?.close();
  });

  async function clone(): Promise<string> {
    const dir = mkdtempSync(join(t.dir, "clone-"));
    const auth = url.replace("http://", "http://git:token@");
    await exec("git", ["clone", "--quiet", "--branch", "main", auth, dir], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0", HOME: t.dir } });
    return dir;
  }

  it("bootstraps: CRDs established, controllers available, files pushed, sync Ready at the pushed revision", async () => {
    const p = t.provider(TYPE);
    const c = await p.check(args(), undefined, ctx());
    assert.deepEqual(c.failures, []);
    const context1 = ctx();
    const r = await p.create(c.inputs, context1);
    state = { id: r.id, inputs: c.inputs, outputs: r.outputs };
    assert.equal(r.id, "flux-system");
    assert.equal(r.outputs.namespace, "flux-system");
    assert.equal(r.outputs.version, "v2.9.4");
    assert.match(String(r.outputs.revision), /^main@sha1:[0-9a-f]{40}$/);

    const crd = await t.client.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "gitrepositories.source.toolkit.fluxcd.io" });
    assert.ok(((crd?.status as any)?.conditions ?? []).some((x: any) => x.type === "Established" && x.status === "True"));
    for (const name of ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"]) {
      const d = await t.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "flux-system", name });
      assert.ok(((d?.status as any)?.conditions ?? []).some((x: any) => x.type === "Available" && x.status === "True"), `${name} is available`);
    }

    const repo = await clone();
    try {
      for (const f of ["gotk-components.yaml", "gotk-sync.yaml", "kustomization.yaml"]) assert.ok(existsSync(join(repo, "clusters/dev/flux-system", f)), `${f} is in the repository`);
      const head = (await exec("git", ["rev-parse", "HEAD"], { cwd: repo })).stdout.trim();
      assert.equal(r.outputs.revision, `main@sha1:${head}`);
      const log = (await exec("git", ["log", "--format=%s"], { cwd: repo })).stdout.trim().split("\n");
      assert.deepEqual(log, ["Add Flux sync manifests", "Add Flux v2.9.4 component manifests"]);
      assert.ok(!readFileSync(join(repo, "clusters/dev/flux-system/gotk-sync.yaml"), "utf8").includes("s3cret"), "no credential in git");
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }

    const gr = await t.client.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "flux-system", name: "flux-system" });
    assert.equal((gr?.status as any)?.artifact?.revision, r.outputs.revision);
    const ks = await t.client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "flux-system" });
    assert.equal((ks?.status as any)?.lastAttemptedRevision, r.outputs.revision);
    const secret = await t.client.get({ apiVersion: "v1", kind: "Secret", namespace: "flux-system", name: "flux-system" });
    assert.equal(Buffer.from(String((secret?.["data"] as any)?.password), "base64").toString(), "s3cret-token", "the credentials Secret holds the password");
    assert.ok(!context1.logs.join("\n").includes("s3cret"), "no credential in the logs");
  });

  it("refuses a change of git.path in check, explaining why", async () => {
    const p = t.provider(TYPE);
    const moved = args({ git: { url, branch: "main", path: "clusters/prod" } });
    const r = await p.check(moved, state!.inputs, ctx());
    const f = r.failures.find((x) => x.property === "git.path");
    assert.match(f?.reason ?? "", /cannot change.*flux bootstrap refuses it too/s);
  });

  it("replaces on a namespace change (uninstalling first) and upgrades in place otherwise", async () => {
    const p = t.provider(TYPE);
    const ns = await p.check(args({ namespace: "gitops" }), state!.inputs, ctx());
    const d1 = await p.diff!(state!.id, state!, ns.inputs, ctx());
    assert.deepEqual(d1.replaces, ["namespace"]);
    assert.equal(d1.deleteBeforeReplace, true);
    const np = await p.check(args({ networkPolicy: false }), state!.inputs, ctx());
    const d2 = await p.diff!(state!.id, state!, np.inputs, ctx());
    assert.deepEqual(d2.replaces, []);
    assert.equal(d2.changes, true);
  });

  it("upgrades in place: dropping a controller deletes its objects and pushes nothing twice", async () => {
    const p = t.provider(TYPE);
    const c = await p.check(args({ components: ["source-controller", "kustomize-controller", "notification-controller"] }), state!.inputs, ctx());
    const u = await p.update(state!.id, state!, c.inputs, ctx());
    assert.deepEqual(u.outputs.components, ["source-controller", "kustomize-controller", "notification-controller"]);
    assert.equal(await t.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "flux-system", name: "helm-controller" }), undefined);
    assert.equal(await t.client.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "helmreleases.helm.toolkit.fluxcd.io" }), undefined);
    state = { id: state!.id, inputs: c.inputs, outputs: u.outputs };
    const again = await p.update(state.id, state, c.inputs, ctx());
    assert.equal(again.outputs.revision, u.outputs.revision, "identical files make no new commit");
  });

  it("notices on refresh that the sync is gone, and the next update repairs it", async () => {
    const p = t.provider(TYPE);
    await t.client.mergePatch({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "flux-system" }, { metadata: { finalizers: null } });
    await t.client.delete({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "flux-system" });
    await t.client.waitGone({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "flux-system" }, { timeoutMs: 10_000 });
    const r = await p.read(state!.id, state!, ctx());
    assert.equal(r?.outputs.ready, false);
    assert.match(JSON.stringify(r?.outputs.problems), /Kustomization flux-system\/flux-system is missing/);
    const d = await p.diff!(state!.id, r!, state!.inputs, ctx());
    assert.equal(d.changes, true, "the refreshed state differs, so up updates");
    const u = await p.update(state!.id, r!, state!.inputs, ctx());
    assert.equal(u.outputs.ready, true);
    state = { ...state!, outputs: u.outputs };
    const again = await p.read(state.id, state, ctx());
    assert.equal(again?.outputs.ready, true);
  });

  it("uninstalls as flux uninstall does: no Flux CRD, controller or namespace is left", async () => {
    const p = t.provider(TYPE);
    await p.delete(state!.id, state!, ctx());
    const crds = await t.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", { labelSelector: "app.kubernetes.io/part-of=flux" });
    assert.deepEqual(crds.map((c) => c.metadata.name), []);
    assert.equal(await t.client.get({ apiVersion: "v1", kind: "Namespace", name: "flux-system" }), undefined);
    assert.deepEqual((await t.client.list("rbac.authorization.k8s.io/v1", "ClusterRole", { labelSelector: "app.kubernetes.io/part-of=flux" })).length, 0);
    assert.equal(await p.read(state!.id, state!, ctx()), undefined, "read says gone");
    await p.delete(state!.id, state!, ctx()); // again: NotFound everywhere is success
  });

  it("asks for version when the manifests do not say which Flux release they are, and takes 2.9.4 for v2.9.4", async () => {
    const p = t.provider(TYPE);
    const install = GOTK.replace("gotk-components-v2.9.4.yaml", "install-v2.9.4.yaml");
    const r = await p.check(args({ manifests: install }), undefined, ctx());
    assert.deepEqual(r.failures.map((f) => f.property), ["version"]);
    assert.match(r.failures[0].reason, /install-v2\.9\.4\.yaml does not say which Flux version it is.*set version to the release it came from, e\.g\. "v2\.9\.4"/);
    const ok = await p.check(args({ manifests: install, version: "2.9.4" }), undefined, ctx());
    assert.deepEqual(ok.failures, []);
    assert.equal(ok.inputs.version, "v2.9.4");
  });

  it("says how to install offline when the release manifests cannot be downloaded", async () => {
    const { loadManifests } = await import("../src/flux/manifests-source.js");
    const env = { IAC_FLUX_RELEASES_URL: "http://127.0.0.1:9/releases", XDG_CACHE_HOME: join(t.dir, "cache") };
    await assert.rejects(loadManifests({ kind: "release", version: "v2.9.4" }, { env }), (e: Error & { code?: string }) => {
      return e.code === "ManifestsUnavailable" && /Downloading the Flux v2\.9\.4 install manifests from http:\/\/127\.0\.0\.1:9\/releases\/v2\.9\.4\/install\.yaml failed/.test(e.message) && /pass its path as manifests/.test(e.message);
    });
  });
});

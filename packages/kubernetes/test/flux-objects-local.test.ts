/**
 * GitRepository and Kustomization declared by a program wait for Flux's Ready condition (the local
 * cloud's emulated source- and kustomize-controllers reconcile them), and a failure reports the
 * controller's message; `waitForReady: false` returns as soon as the API accepted the object.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { PropertyMap } from "@iac/sdk/provider";
import { parseObjects } from "../src/yaml-load.js";
import { checkedCreate, context, startTestCloud, type TestCloud } from "./local-cloud.js";

const exec = promisify(execFile);
const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url);
const GIT_REPOSITORY = "flux:source/v1:GitRepository";
const KUSTOMIZATION = "flux:kustomize/v1:Kustomization";
/** The Flux controllers that reconcile GitRepositories and Kustomizations. */
const CONTROLLERS: readonly string[] = ["source-controller", "kustomize-controller"];

describe("Flux objects a program declares, against the local cloud's controllers", () => {
  let t: TestCloud;
  let url: string;
  const ctx = (type: string, name: string) => context({ type, name, timeouts: { create: 20_000, update: 20_000, delete: 20_000 } });
  const repo = (name: string, over: PropertyMap = {}): PropertyMap => ({ metadata: { name }, spec: { url, interval: "1m0s", ref: { branch: "main" }, secretRef: { name: "git-auth" } }, ...over });
  const ks = (name: string, path: string, over: PropertyMap = {}): PropertyMap => ({
    metadata: { name },
    spec: { interval: "1m0s", path, prune: true, sourceRef: { kind: "GitRepository", name: "app" } },
    ...over,
  });

  before(async () => {
    t = await startTestCloud({ git: true });
    url = `${t.cloud.endpoints.git}/iac/app.git`;
    // Flux's CRDs and the two controllers these objects need, as an install would have applied them:
    // the local cloud's controllers act only while their Deployments exist, as on a real cluster.
    const install = parseObjects(readFileSync(GOTK, "utf8"), "gotk-components").filter(
      (o) => o.kind === "CustomResourceDefinition" || (o.kind === "Deployment" && CONTROLLERS.includes(o.metadata.name ?? "")),
    );
    assert.deepEqual(install.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name).sort(), [...CONTROLLERS].sort(), "the manifests hold both controllers");
    await t.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
    // The local git host refuses anonymous clones, as a real one: the GitRepositories clone with these.
    await t.client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "git-auth", namespace: "flux-system" }, stringData: { username: "git", password: "token" } } as never);
    for (const obj of install) await t.client.apply(obj);
    // The app's repository: a plain folder, and a kustomization listing a file that is not there.
    const work = mkdtempSync(join(t.dir, "app-"));
    mkdirSync(join(work, "deploy", "plain"), { recursive: true });
    mkdirSync(join(work, "deploy", "broken"), { recursive: true });
    writeFileSync(join(work, "deploy", "plain", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-flux\n  namespace: default\ndata:\n  hello: world\n");
    writeFileSync(join(work, "deploy", "broken", "kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - missing.yaml\n");
    const env = { ...process.env, HOME: t.dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
    const git = (...a: string[]) => exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: work, env });
    await git("init", "--quiet");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "app");
    await git("push", "--quiet", url.replace("http://", "http://dev:token@"), "HEAD:refs/heads/main");
    rmSync(work, { recursive: true, force: true });
  });
  after(async () => {
    await t?.close();
  });

  it("waits for a Kustomization applied before its GitRepository exists, until both are Ready", async () => {
    // No dependsOn: the Kustomization first reports its source missing, which is not a failure.
    const kustomization = checkedCreate(t.provider(KUSTOMIZATION), ks("plain", "./deploy/plain"), ctx(KUSTOMIZATION, "plain"));
    await new Promise((r) => setTimeout(r, 300));
    const source = await checkedCreate(t.provider(GIT_REPOSITORY), repo("app"), ctx(GIT_REPOSITORY, "app"));
    const status = source.outputs.status as { artifact?: { revision?: string }; conditions?: { type: string; status: string }[] };
    assert.match(String(status.artifact?.revision), /^main@sha1:[0-9a-f]{40}$/, "create returned once the source had an artifact");
    assert.ok(status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    const k = await kustomization;
    assert.equal((k.outputs.status as { lastAppliedRevision?: string }).lastAppliedRevision, status.artifact?.revision);
    const cm = await t.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "from-flux" });
    assert.equal((cm?.["data"] as { hello?: string }).hello, "world", "Flux applied the path before create returned");
    assert.equal((await t.client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "plain" }))?.["waitForReady"], undefined);
  });

  it("fails a Kustomization whose build fails, with the controller's Ready message, and records it", async () => {
    const p = t.provider(KUSTOMIZATION);
    await assert.rejects(checkedCreate(p, ks("broken", "./deploy/broken"), ctx(KUSTOMIZATION, "broken")), (e: Error & { id?: string }) => {
      assert.match(e.message, /Kustomization flux-system\/broken was created but did not become ready: .*kustomize build failed: .*missing\.yaml: no such file or directory/);
      assert.equal(e.id, "kustomize.toolkit.fluxcd.io/v1/Kustomization/flux-system/broken", "the object is recorded so nothing is orphaned");
      return true;
    });
  });

  it("fails a GitRepository whose branch does not exist, with the controller's message", async () => {
    const p = t.provider(GIT_REPOSITORY);
    await assert.rejects(checkedCreate(p, repo("nobranch", { spec: { url, interval: "1m0s", ref: { branch: "nope" }, secretRef: { name: "git-auth" } } }), ctx(GIT_REPOSITORY, "nobranch")), /couldn't find remote ref "refs\/heads\/nope"/);
  });

  it("returns at once with waitForReady: false, and keeps that input through refresh", async () => {
    const p = t.provider(KUSTOMIZATION);
    const c = await checkedCreate(p, ks("nowait", "./deploy/broken", { waitForReady: false }), ctx(KUSTOMIZATION, "nowait"));
    const live = await t.client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "nowait" });
    assert.ok(live !== undefined && !("waitForReady" in live), "waitForReady is iac's, not sent to the cluster");
    const read = await p.read(c.id, c, ctx(KUSTOMIZATION, "nowait"));
    assert.equal(read?.inputs.waitForReady, false);
    assert.deepEqual((await p.diff!(c.id, { inputs: read!.inputs, outputs: read!.outputs }, c.inputs, ctx(KUSTOMIZATION, "nowait"))).changes, false);
  });

  it("refuses waitForReady on kinds that are not Flux objects, and a non-boolean", async () => {
    const man = await t.provider("kubernetes:index:Manifest").check({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, waitForReady: true }, undefined, ctx("kubernetes:index:Manifest", "x"));
    assert.match(man.failures.map((f) => f.reason).join(), /waitForReady applies to Flux objects only/);
    const k = await t.provider(KUSTOMIZATION).check(ks("x", "./x", { waitForReady: "yes" }), undefined, ctx(KUSTOMIZATION, "x"));
    assert.deepEqual(k.failures.map((f) => f.property), ["waitForReady"]);
  });

  it("fails a Kustomization whose path does not exist (kustomization path not found)", async () => {
    await assert.rejects(checkedCreate(t.provider(KUSTOMIZATION), ks("nopath", "./deploy/nowhere"), ctx(KUSTOMIZATION, "nopath")), /path not found/);
  });
});

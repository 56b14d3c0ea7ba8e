import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { startControllers, type Controllers } from "../src/controllers/index.js";
import { clusterOfStore } from "../src/controllers/kube-adapter.js";
import { createGitService, type GitService } from "../src/git/index.js";
import { KubeStore } from "../src/kube/kube-store.js";
import { startLocalCloud, type LocalCloud } from "../src/server.js";
import { FLUX_CONTROLLERS, fluxControllerDeployment, GIT_CREDENTIALS, gitRunner, installFluxCrds, ready, until, type Obj } from "./controllers-fixture.js";

describe("the emulated controllers on a cluster and the local git host", () => {
  let dir: string;
  let work: string;
  let cloud: LocalCloud;
  let store: KubeStore;
  let controllers: Controllers;
  let repoUrl: string;
  const run = (...args: string[]) => gitRunner({ cwd: work, home: dir })(...args);
  async function commitAndPush(message: string): Promise<string> {
    await run("add", "-A");
    await run("commit", "--quiet", "-m", message);
    await run("push", "--quiet", repoUrl.replace("http://", "http://flux:token@"), "main");
    return (await run("rev-parse", "HEAD")).stdout.trim();
  }
  const get = (apiVersion: string, kind: string, name: string, namespace?: string) => store.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) }) as Obj | undefined;
  const gitRepo = () => get("source.toolkit.fluxcd.io/v1", "GitRepository", "fleet", "flux-system");
  const ks = (name = "apps") => get("kustomize.toolkit.fluxcd.io/v1", "Kustomization", name, "flux-system");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-ctl-cluster-"));
    work = join(dir, "work");
    await mkdir(join(work, "clusters", "dev"), { recursive: true });
    cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { git: createGitService } });
    repoUrl = `${cloud.endpoints.git}/org/fleet.git`;
    store = new KubeStore();
    await installFluxCrds(store);
    // Flux's controllers act only while their Deployments exist, as on a real cluster.
    for (const name of FLUX_CONTROLLERS) store.apply(fluxControllerDeployment(name), { fieldManager: "flux" });
    controllers = startControllers({ cluster: clusterOfStore(store), git: cloud.service<GitService>("git")!, deploymentDelayMs: 20, resyncMs: 100, healthCheckTimeoutMs: 1_500 });
  });
  after(async () => {
    await controllers.stop();
    store.close();
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("makes a Deployment Available with all its replicas", async () => {
    store.apply(
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } } },
      { fieldManager: "test" },
    );
    const d = await until("the Deployment's status", () => get("apps/v1", "Deployment", "web", "default"), (o) => o?.status?.availableReplicas === 3);
    assert.equal(d!.status!.readyReplicas, 3);
    assert.equal(d!.status!.observedGeneration, d!.metadata.generation);
    const available = (d!.status!.conditions as { type: string; status: string }[]).find((c) => c.type === "Available");
    assert.equal(available?.status, "True");
  });

  it("makes a GitRepository pointing at a pushed repository Ready with <branch>@sha1:<commit>", async () => {
    await writeFile(join(work, "clusters", "dev", "ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n");
    await writeFile(join(work, "clusters", "dev", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n  namespace: apps\ndata:\n  a: '1'\n");
    await writeFile(
      join(work, "clusters", "dev", "web.yaml"),
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n",
    );
    await run("init", "--quiet", "--initial-branch=main");
    const sha = await commitAndPush("first");
    store.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "fleet", namespace: "flux-system" }, spec: { secretRef: { name: "flux-system" }, url: repoUrl, interval: "1m", ref: { branch: "main" } } }, { fieldManager: "test" });
    const repo = await until("the GitRepository to be Ready", gitRepo, (o) => ready(o)?.status === "True");
    assert.equal(repo!.status!.artifact.revision, `main@sha1:${sha}`);
    assert.equal(ready(repo)!.reason, "Succeeded");
    assert.equal(ready(repo)!.message, `stored artifact for revision 'main@sha1:${sha}'`);
    assert.equal(repo!.status!.observedGeneration, repo!.metadata.generation);
  });

  it("serves the GitRepository's artifact over loopback HTTP: a tar.gz of the commit's files whose sha256 is the digest", async () => {
    const artifact = gitRepo()!.status!.artifact as { url: string; digest: string; size: number; path: string; revision: string };
    const commit = artifact.revision.split("sha1:")[1]!;
    assert.equal(artifact.path, `gitrepository/flux-system/fleet/${commit}.tar.gz`);
    assert.match(artifact.url, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/gitrepository/flux-system/fleet/${commit}\\.tar\\.gz$`));
    const res = await fetch(artifact.url);
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(artifact.digest, `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    assert.equal(artifact.size, bytes.length);
    const unpacked = await mkdtemp(join(dir, "artifact-"));
    await writeFile(join(unpacked, "a.tar.gz"), bytes);
    await promisify(execFile)("tar", ["-xzf", "a.tar.gz"], { cwd: unpacked });
    assert.match(await readFile(join(unpacked, "clusters", "dev", "cm.yaml"), "utf8"), /name: first/);
    assert.equal((await fetch(artifact.url.replace(commit, "0".repeat(40)))).status, 404);
  });

  it("retries a failed GitRepository soon (controller-runtime's backoff), not at its interval: applied before its Secret, it recovers", async () => {
    store.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "late", namespace: "flux-system" }, spec: { secretRef: { name: "late-secret" }, url: repoUrl, interval: "1h", ref: { branch: "main" } } }, { fieldManager: "test" });
    const failed = await until("the GitRepository to fail", () => get("source.toolkit.fluxcd.io/v1", "GitRepository", "late", "flux-system"), (o) => ready(o)?.status === "False");
    assert.equal(ready(failed)!.reason, "AuthenticationFailed");
    store.apply({ ...GIT_CREDENTIALS, metadata: { name: "late-secret", namespace: "flux-system" } }, { fieldManager: "test" });
    await until("the GitRepository Ready once its Secret exists", () => get("source.toolkit.fluxcd.io/v1", "GitRepository", "late", "flux-system"), (o) => ready(o)?.status === "True");
    store.delete({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: "late", namespace: "flux-system" });
  });

  it("makes a Kustomization Ready after applying the plain YAML at its path", async () => {
    const revision = gitRepo()!.status!.artifact.revision as string;
    store.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "apps", namespace: "flux-system" }, spec: { interval: "10m", path: "./clusters/dev", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" } } },
      { fieldManager: "test" },
    );
    const k = await until("the Kustomization to be Ready", () => ks(), (o) => ready(o)?.status === "True");
    assert.equal(k!.status!.lastAppliedRevision, revision);
    assert.equal(k!.status!.lastAttemptedRevision, revision);
    assert.equal(ready(k)!.reason, "ReconciliationSucceeded");
    const cm = get("v1", "ConfigMap", "first", "apps");
    assert.deepEqual(cm?.["data"], { a: "1" });
    assert.equal(cm!.metadata.labels?.["kustomize.toolkit.fluxcd.io/name"], "apps");
    assert.ok(get("v1", "Namespace", "apps"));
    await until("the applied Deployment to be Available", () => get("apps/v1", "Deployment", "web", "apps"), (o) => o?.status?.availableReplicas === 2);
  });

  it("follows a new push: applies the new revision and prunes what it no longer has", async () => {
    await unlink(join(work, "clusters", "dev", "cm.yaml"));
    await writeFile(join(work, "clusters", "dev", "cm2.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\n  namespace: apps\n");
    const sha = await commitAndPush("second");
    const k = await until("the Kustomization to apply the new commit", () => ks(), (o) => o?.status?.lastAppliedRevision === `main@sha1:${sha}`);
    assert.equal(ready(k)!.status, "True");
    assert.equal(get("v1", "ConfigMap", "first", "apps"), undefined, "pruned");
    assert.ok(get("v1", "ConfigMap", "second", "apps"));
  });

  it("reports a Kustomization whose dependency is not ready, then applies it once the dependency is", async () => {
    store.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "later", namespace: "flux-system" }, spec: { interval: "10m", path: "./clusters/dev", prune: false, dependsOn: [{ name: "infra" }], sourceRef: { kind: "GitRepository", name: "fleet" } } },
      { fieldManager: "test" },
    );
    const blocked = await until("the dependency to block", () => ks("later"), (o) => ready(o)?.reason === "DependencyNotReady");
    assert.match(ready(blocked)!.message, /dependency 'flux-system\/infra' is not ready/);
    store.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "infra", namespace: "flux-system" }, spec: { interval: "10m", path: "./clusters/dev", prune: false, sourceRef: { kind: "GitRepository", name: "fleet" } } },
      { fieldManager: "test" },
    );
    await until("the dependant to become Ready", () => ks("later"), (o) => ready(o)?.status === "True");
  });

  it("leaves a suspended Kustomization at its revision", async () => {
    store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "apps", namespace: "flux-system" }, spec: { suspend: true } }, { fieldManager: "suspender" });
    const before = ks()!.status!.lastAppliedRevision;
    await writeFile(join(work, "clusters", "dev", "cm3.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: third\n  namespace: apps\n");
    const sha = await commitAndPush("third");
    await until("the source to see the push", gitRepo, (o) => o?.status?.artifact?.revision === `main@sha1:${sha}`);
    await controllers.reconcileNow();
    assert.equal(ks()!.status!.lastAppliedRevision, before);
  });

  it("applies CRDs first and places custom objects by the scope their CRD declares", async () => {
    await mkdir(join(work, "clusters", "crd"), { recursive: true });
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: { group: "example.com", scope: "Cluster", names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
    };
    // The custom object sorts before its CRD by name; Flux's staging still applies the CRD first.
    await writeFile(join(work, "clusters", "crd", "a-widget.yaml"), "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: gear\nspec:\n  size: 3\n");
    await writeFile(join(work, "clusters", "crd", "b-crd.json.yaml"), JSON.stringify(crd));
    const sha = await commitAndPush("crd");
    await until("the source to see the push", gitRepo, (o) => o?.status?.artifact?.revision === `main@sha1:${sha}`);
    store.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "crds", namespace: "flux-system" }, spec: { interval: "10m", path: "clusters/crd", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" } } },
      { fieldManager: "test" },
    );
    const k = await until("the Kustomization to be Ready", () => ks("crds"), (o) => ready(o) !== undefined && ready(o)!.reason !== "ArtifactFailed");
    assert.equal(ready(k)!.status, "True", ready(k)!.message);
    const gear = get("example.com/v1", "Widget", "gear");
    assert.equal(gear?.metadata.namespace, undefined);
    assert.deepEqual(gear?.spec, { size: 3 });
  });

  it("reports a path whose kustomization.yaml lists a missing file as BuildFailed", async () => {
    await mkdir(join(work, "clusters", "broken"), { recursive: true });
    await writeFile(join(work, "clusters", "broken", "kustomization.yaml"), "resources:\n  - missing.yaml\n");
    await commitAndPush("broken");
    store.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "broken", namespace: "flux-system" }, spec: { interval: "10m", path: "./clusters/broken", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" } } },
      { fieldManager: "test" },
    );
    const k = await until("the failure", () => ks("broken"), (o) => ready(o)?.reason === "BuildFailed");
    assert.equal(ready(k)!.status, "False");
    assert.match(ready(k)!.message, /missing\.yaml/);
    assert.equal(k!.status!.lastAppliedRevision, undefined);
  });

  it("reports a path absent from the source as ArtifactFailed (kustomization path not found), keeping what it applied before", async () => {
    const current = gitRepo()!.status!.artifact.revision as string;
    const applied = (await until("infra at the source's revision", () => ks("infra"), (o) => o?.status?.lastAppliedRevision === current))!;
    const appliedRevision = applied.status!.lastAppliedRevision as string;
    const attemptedBefore = applied.status!.lastAttemptedRevision;
    store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "infra", namespace: "flux-system" }, spec: { path: "./clusters/nowhere/" } }, { fieldManager: "mover", force: true });
    const k = await until("the failure", () => ks("infra"), (o) => ready(o)?.status === "False");
    assert.equal(ready(k)!.reason, "ArtifactFailed");
    assert.match(ready(k)!.message, /^kustomization path not found: stat \/tmp\/kustomization-[0-9]+\/clusters\/nowhere: no such file or directory$/);
    assert.equal(k!.status!.lastAppliedRevision, appliedRevision);
    assert.equal(k!.status!.lastAttemptedRevision, attemptedBefore, "Flux fails before it records the attempt");
    assert.equal(k!.status!.observedGeneration, k!.metadata.generation);
    assert.ok(get("v1", "ConfigMap", "second", "apps"), "nothing is pruned when the path is missing");
    const message = ready(k)!.message;
    await controllers.reconcileNow();
    assert.equal(ready(ks("infra"))!.message, message, "a repeated failure does not rewrite the status");
  });

  it("builds an overlay whose base lies outside spec.path, with the Kustomization's postBuild variables", async () => {
    await mkdir(join(work, "deploy", "base"), { recursive: true });
    await mkdir(join(work, "deploy", "overlay"), { recursive: true });
    await writeFile(join(work, "deploy", "base", "kustomization.yaml"), "resources: [cm.yaml]\n");
    await writeFile(join(work, "deploy", "base", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {env: '${ENV}', region: '${REGION:=north}', from: '${FROM_CM}'}\n");
    await writeFile(join(work, "deploy", "overlay", "kustomization.yaml"), "namespace: apps\nnamePrefix: o-\nresources: [../base]\n");
    const sha = await commitAndPush("overlay");
    await until("the source to see the push", gitRepo, (o) => o?.status?.artifact?.revision === `main@sha1:${sha}`);
    store.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "vars", namespace: "flux-system" }, data: { FROM_CM: "cm", ENV: "overridden" } }, { fieldManager: "test" });
    store.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "overlay", namespace: "flux-system" }, spec: { interval: "10m", path: "./deploy/overlay", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" }, postBuild: { substitute: { ENV: "dev" }, substituteFrom: [{ kind: "ConfigMap", name: "vars" }] } } },
      { fieldManager: "test" },
    );
    const k = await until("the Kustomization to settle", () => ks("overlay"), (o) => ready(o) !== undefined && ready(o)!.reason !== "ArtifactFailed");
    assert.equal(ready(k)!.status, "True", ready(k)!.message);
    assert.deepEqual(get("v1", "ConfigMap", "o-settings", "apps")?.["data"], { env: "dev", region: "north", from: "cm" });
  });

  it("fails a postBuild.substituteFrom naming a missing ConfigMap with Flux's message", async () => {
    store.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "novars", namespace: "flux-system" }, spec: { interval: "10m", path: "./deploy/overlay", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" }, postBuild: { substituteFrom: [{ kind: "ConfigMap", name: "nope" }] } } },
      { fieldManager: "test" },
    );
    const k = await until("the failure", () => ks("novars"), (o) => ready(o)?.reason === "BuildFailed");
    assert.equal(ready(k)!.message, `post build failed for 'ConfigMap.v1.[noGrp]/o-settings': substitute from 'ConfigMap/nope' error: configmaps "nope" not found`);
  });

  it("refuses a namespaced object without a namespace when there is no targetNamespace, as Flux's apply does, and places it with one", async () => {
    await mkdir(join(work, "plain", "nons"), { recursive: true });
    await writeFile(join(work, "plain", "nons", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose}\n");
    const sha = await commitAndPush("nons");
    await until("the source to see the push", gitRepo, (o) => o?.status?.artifact?.revision === `main@sha1:${sha}`);
    const spec = { interval: "10m", path: "./plain/nons", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" } };
    store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "nons", namespace: "flux-system" }, spec }, { fieldManager: "test" });
    store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "targeted", namespace: "flux-system" }, spec: { ...spec, targetNamespace: "apps" } }, { fieldManager: "test" });
    const k = await until("the failure", () => ks("nons"), (o) => ready(o)?.status === "False" && ready(o)?.reason !== "ArtifactFailed");
    assert.equal(ready(k)!.reason, "ReconciliationFailed");
    assert.equal(ready(k)!.message, "ConfigMap/loose namespace not specified: the server could not find the requested resource\n");
    assert.equal(get("v1", "ConfigMap", "loose", "default"), undefined, "nothing goes to default");
    await until("the targeted one to apply", () => ks("targeted"), (o) => ready(o)?.status === "True");
    assert.ok(get("v1", "ConfigMap", "loose", "apps"));
  });

  it("waits for what it applied (wait: true): Progressing while health checks run, then Ready and Healthy", async () => {
    await mkdir(join(work, "health", "ok"), { recursive: true });
    await mkdir(join(work, "health", "missing"), { recursive: true });
    const deployment = (name: string, image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: apps}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, image: "${image}"}]}\n`;
    await writeFile(join(work, "health", "ok", "d.yaml"), deployment("fine", "nginx:1.27"));
    await writeFile(join(work, "health", "missing", "d.yaml"), deployment("broken", "ghcr.io/org/app:missing"));
    const sha = await commitAndPush("health");
    await until("the source to see the push", gitRepo, (o) => o?.status?.artifact?.revision === `main@sha1:${sha}`);
    const spec = (path: string) => ({ interval: "10m", path, prune: true, wait: true, sourceRef: { kind: "GitRepository", name: "fleet" } });
    store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "healthy", namespace: "flux-system" }, spec: spec("./health/ok") }, { fieldManager: "test" });
    const k = await until("the Kustomization to be Ready", () => ks("healthy"), (o) => ready(o)?.status === "True");
    const conditions = Object.fromEntries((k!.status!.conditions as { type: string; status: string; reason: string }[]).map((c) => [c.type, `${c.status}/${c.reason}`]));
    assert.deepEqual(conditions, { Ready: "True/ReconciliationSucceeded", Healthy: "True/Succeeded" });
    assert.equal(k!.status!.lastAppliedRevision, `main@sha1:${sha}`);

    store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "unhealthy", namespace: "flux-system" }, spec: spec("./health/missing") }, { fieldManager: "test" });
    const progressing = await until("health checks to run", () => ks("unhealthy"), (o) => ready(o)?.reason === "Progressing");
    assert.equal(ready(progressing)!.status, "Unknown");
    assert.equal(ready(progressing)!.message, "Reconciliation in progress");
    const reconciling = (progressing!.status!.conditions as { type: string; message: string }[]).find((c) => c.type === "Reconciling")!;
    assert.equal(reconciling.message, `Running health checks for revision main@sha1:${sha} with a timeout of 9m30s`);
    const failed = await until("the health check to time out", () => ks("unhealthy"), (o) => ready(o)?.reason === "HealthCheckFailed");
    assert.equal(ready(failed)!.status, "False");
    assert.match(ready(failed)!.message, /^health check failed after [0-9.]+s: timeout waiting for: \[Deployment\/apps\/broken status: 'InProgress'\]$/);
    assert.equal(failed!.status!.lastAppliedRevision, undefined, "a revision that never became healthy is not applied");
    const d = get("apps/v1", "Deployment", "broken", "apps");
    const available = (d!.status!.conditions as { type: string; status: string; reason: string }[]).find((c) => c.type === "Available");
    assert.deepEqual([available?.status, available?.reason, d!.status!.unavailableReplicas, d!.status!.availableReplicas], ["False", "MinimumReplicasUnavailable", 2, undefined]);
  });

  it("fails a rollout whose image never starts at its progress deadline, as the real Deployment controller says it", async () => {
    store.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "stuck", namespace: "apps" },
      spec: { replicas: 1, progressDeadlineSeconds: 1, selector: { matchLabels: { app: "stuck" } }, template: { metadata: { labels: { app: "stuck" } }, spec: { containers: [{ name: "c", image: "unpullable.invalid/app:1" }] } } },
    } as never, { fieldManager: "test" });
    const progressing = (o: Obj | undefined) => (o?.status?.["conditions"] as { type: string; status: string; reason: string; message: string }[] | undefined)?.find((c) => c.type === "Progressing");
    const d = await until("the deadline to pass", () => get("apps/v1", "Deployment", "stuck", "apps"), (o) => progressing(o)?.reason === "ProgressDeadlineExceeded");
    assert.equal(progressing(d)!.status, "False");
    assert.match(progressing(d)!.message, /^ReplicaSet "stuck-[0-9a-f]+" has timed out progressing\.$/);
  });

  it("marks HelmRelease as not reconciled by the local cloud, and a Kustomization waiting for one does not go Ready", async () => {
    const gotk = await readFile(new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url), "utf8");
    for (const doc of parseAllDocuments(gotk)) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (o?.kind === "CustomResourceDefinition" && /^(helmreleases|helmrepositories)\./.test(o.metadata!.name!)) store.apply(o as never, { fieldManager: "flux", force: true });
    }
    store.apply(fluxControllerDeployment("helm-controller"), { fieldManager: "flux" });
    await mkdir(join(work, "helm"), { recursive: true });
    await writeFile(join(work, "helm", "hr.yaml"), "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: hello, namespace: apps}\nspec:\n  interval: 1m\n  chart:\n    spec: {chart: hello, sourceRef: {kind: HelmRepository, name: charts}}\n");
    const sha = await commitAndPush("helm");
    await until("the source to see the push", gitRepo, (o) => o?.status?.artifact?.revision === `main@sha1:${sha}`);
    store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "helm", namespace: "flux-system" }, spec: { interval: "10m", path: "./helm", prune: true, wait: true, sourceRef: { kind: "GitRepository", name: "fleet" } } }, { fieldManager: "test" });
    const hr = await until("the HelmRelease to say it is not reconciled", () => get("helm.toolkit.fluxcd.io/v2", "HelmRelease", "hello", "apps"), (o) => ready(o) !== undefined);
    assert.equal(ready(hr)!.status, "False");
    assert.equal(ready(hr)!.reason, "LocalCloudUnsupported");
    assert.match(ready(hr)!.message, /no Helm renderer.*--kubernetes=real/);
    const k = await until("the Kustomization to fail its health check", () => ks("helm"), (o) => ready(o)?.reason === "HealthCheckFailed");
    assert.match(ready(k)!.message, /HelmRelease\/apps\/hello status: 'InProgress'/);
  });

  it("reconciles at once when asked (reconcile.fluxcd.io/requestedAt) and records lastHandledReconcileAt", async () => {
    const before = ks("overlay")!;
    store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "overlay", namespace: "flux-system", annotations: { "reconcile.fluxcd.io/requestedAt": "2026-12-06T10:00:00Z" } } }, { fieldManager: "flux-cli" });
    const handled = await until("the request to be handled", () => ks("overlay"), (o) => o?.status?.lastHandledReconcileAt === "2026-12-06T10:00:00Z");
    assert.equal(handled!.metadata.generation, before.metadata.generation, "an annotation is no spec change");
    store.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "fleet", namespace: "flux-system", annotations: { "reconcile.fluxcd.io/requestedAt": "r1" } } }, { fieldManager: "flux-cli" });
    await until("the source request to be handled", gitRepo, (o) => o?.status?.lastHandledReconcileAt === "r1");
  });

  it("keeps Reconciling=True (ProgressingWithRetry) beside a build failure, as Flux does", () => {
    const k = ks("broken")!;
    const reconciling = (k.status!.conditions as { type: string; status: string; reason: string; message: string }[]).find((c) => c.type === "Reconciling");
    assert.equal(reconciling?.reason, "ProgressingWithRetry");
    assert.match(reconciling!.message, /^Building manifests for revision main@sha1:[0-9a-f]{40} with a timeout of 9m30s$/);
    assert.deepEqual((k.status!.conditions as { type: string }[]).map((c) => c.type), ["Reconciling", "Ready"]);
  });

  it("records Events as Flux's controllers do: a warning for a failure, a normal one when a reconciliation succeeds", () => {
    const events = (name: string) => (store.list({ apiVersion: "v1", kind: "Event" }) as unknown as { involvedObject: { kind: string; name: string }; type: string; reason: string; message: string; source: { component: string } }[])
      .filter((e) => e.involvedObject.kind === "Kustomization" && e.involvedObject.name === name);
    // Each new source revision is a new attempt (its message names the revision's folder): one Event per message, not per pass.
    const broken = events("broken");
    assert.ok(broken.length > 0);
    assert.ok(broken.every((e) => e.type === "Warning" && e.reason === "BuildFailed" && e.source.component === "kustomize-controller"), JSON.stringify(broken));
    assert.equal(new Set(broken.map((e) => e.message)).size, broken.length, "no Event repeats an unchanged condition");
    assert.ok(broken.some((e) => e.message === ready(ks("broken"))!.message));
    const healthy = events("healthy");
    assert.ok(healthy.some((e) => e.type === "Normal" && e.reason === "ReconciliationSucceeded" && /^Reconciliation finished in [0-9.]+m?s, next run in 10m0s$/.test(e.message)), JSON.stringify(healthy));
    assert.ok(events("unhealthy").some((e) => e.type === "Warning" && e.reason === "HealthCheckFailed"));
  });

  it("fails a GitRepository outside the local git host with GitOperationFailed", async () => {
    store.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "elsewhere", namespace: "flux-system" }, spec: { secretRef: { name: "flux-system" }, url: "https://github.com/org/fleet", interval: "1m", ref: { branch: "main" } } }, { fieldManager: "test" });
    const r = await until("the failure", () => get("source.toolkit.fluxcd.io/v1", "GitRepository", "elsewhere", "flux-system"), (o) => ready(o) !== undefined);
    assert.equal(ready(r)!.status, "False");
    assert.equal(ready(r)!.reason, "GitOperationFailed");
  });
});

describe("the emulated kustomize-controller without a kustomize", () => {
  it("reports every Kustomization Ready=False (BuildFailed) saying why, and applies nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iac-ctl-nokust-"));
    const cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { git: createGitService } });
    const store = new KubeStore();
    const controllers = startControllers({ cluster: clusterOfStore(store), git: cloud.service<GitService>("git")!, deploymentDelayMs: 20, resyncMs: 100, kustomize: null, requireControllerDeployments: false });
    try {
      const work = join(dir, "work");
      await mkdir(join(work, "apps"), { recursive: true });
      await writeFile(join(work, "apps", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
      const run = gitRunner({ cwd: work, home: dir });
      await run("init", "--quiet", "--initial-branch=main");
      await run("add", "-A");
      await run("commit", "--quiet", "-m", "one");
      await run("push", "--quiet", `${cloud.endpoints.git.replace("http://", "http://u:p@")}/org/fleet.git`, "main");
      await installFluxCrds(store);
      store.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "fleet", namespace: "flux-system" }, spec: { secretRef: { name: "flux-system" }, url: `${cloud.endpoints.git}/org/fleet.git`, interval: "1m", ref: { branch: "main" } } }, { fieldManager: "test" });
      store.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "apps", namespace: "flux-system" }, spec: { interval: "10m", path: "./apps", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" } } }, { fieldManager: "test" });
      const k = await until("the failure", () => store.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "apps" }) as Obj | undefined, (o) => ready(o)?.reason === "BuildFailed");
      assert.equal(ready(k)!.status, "False");
      assert.match(ready(k)!.message, /no kustomize is available to the local cloud/);
      assert.equal(store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a" }), undefined);
    } finally {
      await controllers.stop();
      store.close();
      await cloud.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

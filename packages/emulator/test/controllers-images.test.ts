/**
 * The emulated image automation controllers: the image-reflector's rules (exclusion, checksum,
 * semver / numerical / alphabetical policies with filterTags), the setters the automation writes,
 * and the whole loop against the local registry and git host: a pushed tag becomes a commit.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { clusterOfStore } from "../src/controllers/kube-adapter.js";
import { applySetters } from "../src/controllers/image-automation.js";
import { startImageControllers, type ImageControllers } from "../src/controllers/image-controllers.js";
import { expandTemplate, filterOutTags, latestTags, selectLatestTag, tagsChecksum, canonicalImageName, DEFAULT_EXCLUSION_LIST } from "../src/controllers/image-policy.js";
import { createGitService } from "../src/git/index.js";
import { KubeStore } from "../src/kube/kube-store.js";
import type { KubeObject } from "../src/kube/types.js";
import { createRegistryService, pushImage } from "../src/registry/index.js";
import { startLocalCloud, type LocalCloud } from "../src/server.js";
import { fluxControllerDeployment, gitRunner, ready, until, type Obj } from "./controllers-fixture.js";

const INSTALL = new URL("../../../../shared/reference/flux/install-v2.9.4.yaml", import.meta.url);
const IMG = "image.toolkit.fluxcd.io/v1";

describe("image-reflector rules", () => {
  it("excludes cosign signature tags by default and keeps the ten latest tags in descending order", () => {
    assert.deepEqual(filterOutTags(["1.0.0", "sha256-abc.sig", "2.0.0"], DEFAULT_EXCLUSION_LIST), ["1.0.0", "2.0.0"]);
    const many = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    assert.deepEqual(latestTags(many), ["t11", "t10", "t09", "t08", "t07", "t06", "t05", "t04", "t03", "t02"]);
    assert.equal(latestTags([]), undefined);
  });

  it("computes the scan checksum as the controller's database does (Adler-32 of the JSON of the tags, descending)", () => {
    // zlib.adler32(b'["sha-aaaaaaa-1700000100","2.0.0","1.0.0","0.9.0"]') computed independently.
    assert.equal(tagsChecksum(["1.0.0", "0.9.0", "sha-aaaaaaa-1700000100", "2.0.0"]), "1163725635");
  });

  it("selects the highest version in a semver range, ignoring tags that are not three-part versions", () => {
    const tags = ["0.9.0", "1.0.0", "1.0.1", "2.0.0", "1.1", "latest", "v1.0.2", "1.0.3-rc.1"];
    assert.equal(selectLatestTag({ semver: { range: ">=1.0.0 <2.0.0" } }, undefined, tags), "v1.0.2");
    assert.equal(selectLatestTag({ semver: { range: ">= 1.0.0, < 2.0.0" } }, undefined, tags), "v1.0.2", "Masterminds' comma-separated AND");
    assert.equal(selectLatestTag({ semver: { range: "*" } }, undefined, tags), "2.0.0");
    assert.throws(() => selectLatestTag({ semver: { range: ">=3.0.0" } }, undefined, tags), /unable to determine latest version/);
    assert.throws(() => selectLatestTag({ semver: { range: "not a range" } }, undefined, tags), /invalid policy/);
  });

  it("orders sha-<short sha>-<time> builds by the extracted time (filterTags + numerical), returning the original tag", () => {
    const tags = ["sha-aaaaaaa-1700000100", "sha-bbbbbbb-1700000050", "sha-ccccccc-999", "1.0.0", "main-ddd-1800000000"];
    const filter = { pattern: "^sha-[a-f0-9]+-(?P<ts>[0-9]+)$", extract: "$ts" };
    assert.equal(selectLatestTag({ numerical: { order: "asc" } }, filter, tags), "sha-aaaaaaa-1700000100");
    assert.equal(selectLatestTag({ numerical: { order: "desc" } }, filter, tags), "sha-ccccccc-999");
    assert.equal(selectLatestTag({ alphabetical: {} }, { pattern: "^sha-" }, tags), "sha-ccccccc-999");
    assert.equal(selectLatestTag({ alphabetical: { order: "desc" } }, undefined, ["b", "a", "c"]), "a");
    assert.throws(() => selectLatestTag({ numerical: {} }, undefined, ["1", "x"]), /failed to parse invalid numeric value 'x'/);
  });

  it("expands extract templates as Go's Regexp.ExpandString", () => {
    const m = /^(?<env>[a-z]+)-(?<n>\d+)$/.exec("prod-42")!;
    assert.equal(expandTemplate("$n", m), "42");
    assert.equal(expandTemplate("${env}x$2$$", m), "prodx42$");
  });

  it("names repositories canonically as go-containerregistry does", () => {
    assert.equal(canonicalImageName("127.0.0.1:5000/team/app"), "127.0.0.1:5000/team/app");
    assert.equal(canonicalImageName("nginx"), "index.docker.io/library/nginx");
    assert.equal(canonicalImageName("fluxcd/flux"), "index.docker.io/fluxcd/flux");
    assert.equal(canonicalImageName("ghcr.io/fluxcd/flux"), "ghcr.io/fluxcd/flux");
  });
});

describe("image-automation setters", () => {
  const refs = new Map([["flux-system:app", { name: "reg:5000/team/app", tag: "1.0.1" }]]);
  it("sets the marked tag, name and whole image, keeping quotes, comments and unmarked lines", () => {
    const text = [
      "images:",
      "- name: app",
      '  newName: old/app # {"$imagepolicy": "flux-system:app:name"}',
      '  newTag: "1.0.0" # {"$imagepolicy": "flux-system:app:tag"}',
      "  other: 1.0.0",
      'image: old/app:1.0.0 # {"$imagepolicy": "flux-system:app"}',
      'untouched: x # {"$imagepolicy": "flux-system:unknown:tag"}',
    ].join("\n");
    const r = applySetters(text, refs);
    assert.deepEqual(r.text.split("\n"), [
      "images:",
      "- name: app",
      '  newName: reg:5000/team/app # {"$imagepolicy": "flux-system:app:name"}',
      '  newTag: "1.0.1" # {"$imagepolicy": "flux-system:app:tag"}',
      "  other: 1.0.0",
      'image: reg:5000/team/app:1.0.1 # {"$imagepolicy": "flux-system:app"}',
      'untouched: x # {"$imagepolicy": "flux-system:unknown:tag"}',
    ]);
    assert.equal(r.changes.length, 3);
    assert.deepEqual(applySetters(r.text, refs).changes, [], "applying again changes nothing");
  });
});

describe("emulated image automation against the local registry and git host", () => {
  let dir: string;
  let cloud: LocalCloud;
  let store: KubeStore;
  let controllers: ImageControllers;
  let registry: string;
  let git: ReturnType<typeof gitRunner>;
  const get = (kind: string, name: string) => store.get({ apiVersion: IMG, kind, namespace: "flux-system", name }) as Obj | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-ctl-images-"));
    cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { git: createGitService, registry: createRegistryService } });
    registry = cloud.endpoints.registry!;
    const host = new URL(registry).host;
    const work = join(dir, "work");
    await mkdir(join(work, "deploy"), { recursive: true });
    await writeFile(join(work, "deploy", "kustomization.yaml"), `images:\n- name: app\n  newName: ${host}/team/app\n  newTag: 0.1.0 # {"$imagepolicy": "flux-system:app:tag"}\n`);
    await writeFile(join(work, "README.md"), 'not yaml: {"$imagepolicy": "flux-system:app:tag"}\n');
    git = gitRunner({ cwd: work, home: dir });
    await git("init", "--quiet", "--initial-branch=main");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "app");
    await git("push", "--quiet", `${cloud.endpoints.git.replace("http://", "http://dev:token@")}/org/app.git`, "main");
    await pushImage(registry, "team/app", "1.0.0");
    await pushImage(registry, "team/app", "sha256-1.sig");

    store = new KubeStore();
    for (const doc of parseAllDocuments(await readFile(INSTALL, "utf8"))) {
      const o = doc.toJS() as KubeObject | null;
      if (o?.kind === "CustomResourceDefinition" && /(\.image\.toolkit\.fluxcd\.io|^gitrepositories\.)/.test(o.metadata.name!)) store.apply(o, { fieldManager: "flux", force: true });
    }
    store.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } }, { fieldManager: "test" });
    store.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "git", namespace: "flux-system" }, data: { username: Buffer.from("git").toString("base64"), password: Buffer.from("token").toString("base64") } } as KubeObject, { fieldManager: "test" });
    store.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: "flux-system" }, spec: { url: `${cloud.endpoints.git}/org/app.git`, interval: "1m", ref: { branch: "main" }, secretRef: { name: "git" } } } as KubeObject, { fieldManager: "test" });
    const apply = (o: Record<string, unknown>) => store.apply(o as unknown as KubeObject, { fieldManager: "test" });
    apply({ apiVersion: IMG, kind: "ImageRepository", metadata: { name: "app", namespace: "flux-system" }, spec: { image: `${host}/team/app`, interval: "1h" } });
    apply({ apiVersion: IMG, kind: "ImagePolicy", metadata: { name: "app", namespace: "flux-system" }, spec: { imageRepositoryRef: { name: "app" }, policy: { semver: { range: "1.x" } } } });
    apply({
      apiVersion: IMG,
      kind: "ImageUpdateAutomation",
      metadata: { name: "app", namespace: "flux-system" },
      spec: { interval: "1h", sourceRef: { kind: "GitRepository", name: "app" }, git: { checkout: { ref: { branch: "main" } }, commit: { author: { name: "fluxbot", email: "bot@example.com" }, messageTemplate: "bump" } }, update: { path: "./deploy", strategy: "Setters" } },
    });
    controllers = startImageControllers({ cluster: clusterOfStore(store), resyncMs: 50 });
  });
  after(async () => {
    await controllers.stop();
    store.close();
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  const head = async () => (await git("ls-remote", `${cloud.endpoints.git.replace("http://", "http://dev:token@")}/org/app.git`, "refs/heads/main")).stdout.split("\t")[0]!;
  const overlay = async () => {
    const clone = await mkdtemp(join(dir, "clone-"));
    await git("clone", "--quiet", `${cloud.endpoints.git.replace("http://", "http://dev:token@")}/org/app.git`, clone);
    return { text: await readFile(join(clone, "deploy", "kustomization.yaml"), "utf8"), log: (await gitRunner({ cwd: clone, home: dir })("log", "-1", "--format=%an <%ae>|%s")).stdout.trim() };
  };

  it("does nothing while the image controllers' Deployments are absent (Flux installed without componentsExtra)", async () => {
    await new Promise((r) => setTimeout(r, 300));
    // Only the CRD's default (observedGeneration -1): no controller wrote a status.
    assert.equal(get("ImageRepository", "app")?.status?.conditions, undefined);
    assert.equal(get("ImageUpdateAutomation", "app")?.status?.conditions, undefined);
    assert.equal(get("ImageRepository", "app")?.metadata.finalizers, undefined);
  });

  it("scans, selects and commits the tag into git once the controllers run", async () => {
    for (const name of ["image-reflector-controller", "image-automation-controller"]) store.apply(fluxControllerDeployment(name), { fieldManager: "flux" });
    const repo = await until("the scan", () => get("ImageRepository", "app"), (o) => ready(o)?.status === "True");
    assert.equal(ready(repo)?.message, `successful scan: found 1 tags with checksum ${tagsChecksum(["1.0.0"])}`);
    assert.deepEqual(repo!.status!.lastScanResult.latestTags, ["1.0.0"], "the .sig tag is excluded");
    assert.deepEqual(repo!.metadata.finalizers, ["finalizers.fluxcd.io"]);
    const policy = await until("the policy", () => get("ImagePolicy", "app"), (o) => ready(o)?.status === "True");
    assert.deepEqual(policy!.status!.latestRef, { name: `${new URL(registry).host}/team/app`, tag: "1.0.0" });
    const auto = await until("the automation's push", () => get("ImageUpdateAutomation", "app"), (o) => typeof o?.status?.lastPushCommit === "string");
    assert.equal(auto!.status!.lastPushCommit, await head());
    assert.equal(auto!.status!.observedSourceRevision, `main@sha1:${await head()}`);
    assert.deepEqual(auto!.status!.observedPolicies, { app: { name: `${new URL(registry).host}/team/app`, tag: "1.0.0" } });
    assert.equal(ready(auto)?.message, "repository up-to-date");
    const o = await overlay();
    assert.match(o.text, /newTag: 1\.0\.0 # \{"\$imagepolicy": "flux-system:app:tag"\}/);
    assert.equal(o.log, "fluxbot <bot@example.com>|bump");
  });

  it("follows a newly pushed tag at the next scan (here: asked for, as `flux reconcile image repository`)", async () => {
    const before = await head();
    await pushImage(registry, "team/app", "1.2.0");
    store.apply({ apiVersion: IMG, kind: "ImageRepository", metadata: { name: "app", namespace: "flux-system", annotations: { "reconcile.fluxcd.io/requestedAt": "now" } } } as unknown as KubeObject, { fieldManager: "flux-cli" });
    const policy = await until("the new latest tag", () => get("ImagePolicy", "app"), (o) => o?.status?.latestRef?.tag === "1.2.0");
    assert.match(ready(policy)!.message, /resolved to 1\.2\.0 \(previously .*\/team\/app:1\.0\.0\)$/);
    await until("a new commit", () => get("ImageUpdateAutomation", "app")?.status?.lastPushCommit, (c) => c !== undefined && c !== before);
    assert.match((await overlay()).text, /newTag: 1\.2\.0 /);
  });

  it("reflects the manifest digest when digestReflectionPolicy asks (IfNotPresent), as latestRef.digest", async () => {
    const pushed = await pushImage(registry, "team/app", "1.3.0");
    store.apply({ apiVersion: IMG, kind: "ImagePolicy", metadata: { name: "pinned", namespace: "flux-system" }, spec: { imageRepositoryRef: { name: "app" }, digestReflectionPolicy: "IfNotPresent", policy: { semver: { range: "1.x" } } } } as unknown as KubeObject, { fieldManager: "test" });
    store.apply({ apiVersion: IMG, kind: "ImageRepository", metadata: { name: "app", namespace: "flux-system", annotations: { "reconcile.fluxcd.io/requestedAt": "again" } } } as unknown as KubeObject, { fieldManager: "flux-cli" });
    const policy = await until("the digest", () => get("ImagePolicy", "pinned"), (o) => o?.status?.latestRef?.tag === "1.3.0");
    assert.equal(policy!.status!.latestRef.digest, pushed.digest);
    assert.match(ready(policy)!.message, new RegExp(`resolved to 1\\.3\\.0 with digest ${pushed.digest}$`));
    // Always without an interval: the CRD's CEL rule refuses it at the apiserver, before any controller sees it.
    assert.throws(
      () => store.apply({ apiVersion: IMG, kind: "ImagePolicy", metadata: { name: "always", namespace: "flux-system" }, spec: { imageRepositoryRef: { name: "app" }, digestReflectionPolicy: "Always", policy: { semver: { range: "1.x" } } } } as unknown as KubeObject, { fieldManager: "test" }),
      /ImagePolicy\.image\.toolkit\.fluxcd\.io "always" is invalid: spec: Invalid value: spec\.interval must be set when spec\.digestReflectionPolicy is set to 'Always'/,
    );
  });

  it("says so in Ready when the commit message is a Go template the emulation cannot render", async () => {
    store.apply({ apiVersion: IMG, kind: "ImageUpdateAutomation", metadata: { name: "app", namespace: "flux-system" }, spec: { git: { commit: { messageTemplate: "{{ range .Changed.Changes }}{{ .NewValue }}{{ end }}" } } } } as unknown as KubeObject, { fieldManager: "tpl", force: true });
    const auto = await until("the refusal", () => get("ImageUpdateAutomation", "app"), (o) => ready(o)?.reason === "LocalCloudUnsupported");
    assert.equal(ready(auto)?.status, "False");
  });
});

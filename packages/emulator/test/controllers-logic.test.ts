import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { availableDeploymentStatus, deploymentNeedsStatus, missingImageRule } from "../src/controllers/deployment.js";
import { parseDuration } from "../src/controllers/duration.js";
import { reconcileGitRepository } from "../src/controllers/git-repository.js";
import { inventoryId } from "../src/controllers/manifests.js";
import { keyOfInventoryEntry } from "../src/controllers/kustomization.js";
import type { KubeObject } from "../src/controllers/objects.js";
import { createGitService, type GitService } from "../src/git/index.js";
import { startLocalCloud, type LocalCloud } from "../src/server.js";
import { gitRunner } from "./controllers-fixture.js";

const NOW = "2026-01-02T03:04:05Z";

function deployment(generation: number, replicas?: number, status?: Record<string, unknown>): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "apps", generation }, spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers: [{ name: "c", image: "nginx" }] } } }, ...(status ? { status } : {}) };
}

describe("the Deployment controller's status", () => {
  it("reports every replica ready, updated and available, with Available and Progressing conditions", () => {
    const status = availableDeploymentStatus(deployment(3, 2), NOW);
    assert.equal(status["observedGeneration"], 3);
    assert.equal(status["replicas"], 2);
    assert.equal(status["readyReplicas"], 2);
    assert.equal(status["availableReplicas"], 2);
    assert.equal(status["updatedReplicas"], 2);
    const conditions = status["conditions"] as { type: string; status: string; reason: string }[];
    assert.deepEqual(conditions.map((c) => [c.type, c.status, c.reason]), [
      ["Available", "True", "MinimumReplicasAvailable"],
      ["Progressing", "True", "NewReplicaSetAvailable"],
    ]);
  });

  it("defaults to one replica and leaves zero counts out, as the API server does", () => {
    assert.equal(availableDeploymentStatus(deployment(1), NOW)["replicas"], 1);
    const none = availableDeploymentStatus(deployment(1, 0), NOW);
    assert.equal("replicas" in none, false);
    assert.equal("readyReplicas" in none, false);
  });

  it("needs a status until observedGeneration catches up with generation", () => {
    assert.equal(deploymentNeedsStatus(deployment(1)), true);
    assert.equal(deploymentNeedsStatus(deployment(2, 1, { observedGeneration: 1 })), true);
    assert.equal(deploymentNeedsStatus(deployment(2, 1, { observedGeneration: 2 })), false);
  });

  it("keeps a condition's lastTransitionTime when its status does not change", () => {
    const first = availableDeploymentStatus(deployment(1), "2026-01-01T00:00:00Z");
    const second = availableDeploymentStatus(deployment(2, 1, first), NOW);
    const available = (second["conditions"] as { type: string; lastTransitionTime: string; lastUpdateTime: string }[])[0]!;
    assert.equal(available.lastTransitionTime, "2026-01-01T00:00:00Z");
    assert.equal(available.lastUpdateTime, NOW);
  });
});

describe("Go durations", () => {
  for (const [text, ms] of [["1m0s", 60_000], ["10m", 600_000], ["1h30m", 5_400_000], ["500ms", 500], ["1.5s", 1_500]] as const) {
    it(`reads ${text} as ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }
  it("refuses what is not a duration", () => {
    assert.equal(parseDuration("5 minutes"), undefined);
    assert.equal(parseDuration(5), undefined);
  });
});

describe("inventory entries", () => {
  it("names inventory entries as Flux does and reads them back", () => {
    const id = inventoryId({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "apps" } });
    assert.equal(id, "apps_web_apps_Deployment");
    assert.deepEqual(keyOfInventoryEntry({ id, v: "v1" }), { apiVersion: "apps/v1", kind: "Deployment", namespace: "apps", name: "web" });
    assert.deepEqual(keyOfInventoryEntry({ id: "_apps__Namespace", v: "v1" }), { apiVersion: "v1", kind: "Namespace", name: "apps" });
  });
});

describe("the GitRepository controller's status against the local git host", () => {
  let dir: string;
  let cloud: LocalCloud;
  let git: GitService;
  let sha: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-ctl-"));
    cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { git: createGitService } });
    git = cloud.service<GitService>("git")!;
    const work = join(dir, "work");
    await mkdir(work);
    const run = gitRunner({ cwd: work, home: dir });
    await run("init", "--quiet", "--initial-branch=main");
    await writeFile(join(work, "a.yaml"), "kind: x\n");
    await run("add", ".");
    await run("commit", "--quiet", "-m", "one");
    await run("tag", "v1");
    await run("tag", "v1.2.0");
    await run("tag", "-a", "v0.9.0", "-m", "annotated");
    await run("push", "--quiet", "--tags", cloud.endpoints.git.replace("http://", "http://u:p@") + "/org/fleet.git", "main");
    sha = (await run("rev-parse", "HEAD")).stdout.trim();
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  const repo = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "fleet", namespace: "flux-system", generation: 2 }, spec: { interval: "1m", secretRef: { name: "auth" }, ...spec } });
  /** The Secret `auth` Flux clones the local git host with (it refuses anonymous clones). */
  const auth = (_ns: string, name: string): KubeObject | undefined =>
    name === "auth" ? ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "flux-system" }, data: { username: Buffer.from("git").toString("base64"), password: Buffer.from("token").toString("base64") } } as KubeObject) : undefined;

  it("reports the branch's commit as <branch>@sha1:<commit> and Ready=True", async () => {
    const { status, revision } = await reconcileGitRepository(repo({ url: `${cloud.endpoints.git}/org/fleet.git`, ref: { branch: "main" } }), git, NOW, auth);
    assert.equal(revision, `main@sha1:${sha}`);
    assert.equal((status["artifact"] as { revision: string }).revision, `main@sha1:${sha}`);
    assert.equal(status["observedGeneration"], 2);
    const ready = (status["conditions"] as { type: string; status: string; reason: string; message: string }[]).find((c) => c.type === "Ready")!;
    assert.deepEqual([ready.status, ready.reason, ready.message], ["True", "Succeeded", `stored artifact for revision 'main@sha1:${sha}'`]);
  });

  it("resolves a tag as <tag>@sha1:<commit>", async () => {
    const { revision } = await reconcileGitRepository(repo({ url: `${cloud.endpoints.git}/org/fleet`, ref: { tag: "v1" } }), git, NOW, auth);
    assert.equal(revision, `v1@sha1:${sha}`);
  });

  it("looks for master when no ref is given, as Flux does, and fails when it is absent", async () => {
    const { status, revision } = await reconcileGitRepository(repo({ url: `${cloud.endpoints.git}/org/fleet.git` }), git, NOW, auth);
    assert.equal(revision, undefined);
    const ready = (status["conditions"] as { type: string; status: string; reason: string; message: string }[]).find((c) => c.type === "Ready")!;
    assert.deepEqual([ready.status, ready.reason], ["False", "GitOperationFailed"]);
    assert.match(ready.message, /refs\/heads\/master/);
  });

  it("resolves ref.semver to the highest matching tag, ref.name and ref.commit as Flux names their revisions", async () => {
    const url = `${cloud.endpoints.git}/org/fleet.git`;
    assert.equal((await reconcileGitRepository(repo({ url, ref: { semver: ">=1.0.0" } }), git, NOW, auth)).revision, `v1.2.0@sha1:${sha}`);
    assert.equal((await reconcileGitRepository(repo({ url, ref: { semver: "<1.0.0" } }), git, NOW, auth)).revision, `v0.9.0@sha1:${sha}`);
    assert.equal((await reconcileGitRepository(repo({ url, ref: { name: "refs/heads/main" } }), git, NOW, auth)).revision, `refs/heads/main@sha1:${sha}`);
    assert.equal((await reconcileGitRepository(repo({ url, ref: { branch: "main", commit: sha } }), git, NOW, auth)).revision, `main@sha1:${sha}`);
    assert.equal((await reconcileGitRepository(repo({ url, ref: { commit: sha } }), git, NOW, auth)).revision, `sha1:${sha}`);
    const none = await reconcileGitRepository(repo({ url, ref: { semver: ">=3.0.0" } }), git, NOW, auth);
    const ready = (none.status["conditions"] as { type: string; reason: string; message: string }[]).find((c) => c.type === "Ready")!;
    assert.equal(ready.message, `failed to checkout and determine revision: unable to clone '${url}': no match found for semver: >=3.0.0`);
  });

  it("checks secretRef as source-controller does: a missing Secret is AuthenticationFailed, one without a password is refused by the host", async () => {
    const url = `${cloud.endpoints.git}/org/fleet.git`;
    const secrets = new Map<string, KubeObject>([["flux-system/ok", { apiVersion: "v1", kind: "Secret", metadata: { name: "ok" }, data: { username: Buffer.from("git").toString("base64"), password: Buffer.from("t").toString("base64") } }], ["flux-system/empty", { apiVersion: "v1", kind: "Secret", metadata: { name: "empty" }, data: { username: Buffer.from("git").toString("base64") } }]]);
    const lookup = (ns: string, name: string) => secrets.get(`${ns}/${name}`);
    const conditions = (r: { status: Record<string, unknown> }) => Object.fromEntries((r.status["conditions"] as { type: string; status: string; reason: string; message: string }[]).map((c) => [c.type, c]));
    const gone = conditions(await reconcileGitRepository(repo({ url, ref: { branch: "main" }, secretRef: { name: "gone" } }), git, NOW, lookup));
    assert.deepEqual(Object.keys(gone), ["Reconciling", "Ready", "FetchFailed"]);
    assert.equal(gone["Ready"]!.reason, "AuthenticationFailed");
    assert.equal(gone["Ready"]!.message, `failed to get secret 'flux-system/gone': failed to get secret 'flux-system/gone': secrets "gone" not found`);
    assert.equal(gone["Reconciling"]!.message, "building artifact");
    const empty = conditions(await reconcileGitRepository(repo({ url, ref: { branch: "main" }, secretRef: { name: "empty" } }), git, NOW, lookup));
    assert.match(empty["Ready"]!.message, /authentication required/);
    assert.equal((await reconcileGitRepository(repo({ url, ref: { branch: "main" }, secretRef: { name: "ok" } }), git, NOW, lookup)).revision, `main@sha1:${sha}`);
  });

  it("fails without a secretRef as Flux fails against a host that requires credentials (authentication required)", async () => {
    const anonymous = repo({ url: `${cloud.endpoints.git}/org/fleet.git`, ref: { branch: "main" } });
    delete (anonymous.spec as Record<string, unknown>)["secretRef"];
    const { status, revision } = await reconcileGitRepository(anonymous, git, NOW, auth);
    assert.equal(revision, undefined);
    const ready = (status["conditions"] as { type: string; status: string; reason: string; message: string }[]).find((c) => c.type === "Ready")!;
    assert.deepEqual([ready.status, ready.reason], ["False", "GitOperationFailed"]);
    assert.equal(ready.message, `failed to checkout and determine revision: unable to clone '${cloud.endpoints.git}/org/fleet.git': authentication required: Authentication required: any user name with a non-empty password (or token) is accepted.\n`);
  });

  it("fails with GitOperationFailed for a repository outside the local git host", async () => {
    const { status } = await reconcileGitRepository(repo({ url: "https://github.com/org/fleet", ref: { branch: "main" } }), git, NOW, auth);
    const ready = (status["conditions"] as { type: string; reason: string; message: string }[]).find((c) => c.type === "Ready")!;
    assert.equal(ready.reason, "GitOperationFailed");
    assert.match(ready.message, /unable to clone 'https:\/\/github.com\/org\/fleet'/);
  });
});

it("images that never start: tags missing/missing-*, the reserved registry unpullable.invalid/ (as on the real cluster), and IAC_LOCAL_MISSING_IMAGES", async () => {
  const rule = missingImageRule({ IAC_LOCAL_MISSING_IMAGES: "ghcr.io/org/private/*" });
  assert.equal(rule("nginx:missing"), true);
  assert.equal(rule("ghcr.io/org/app:missing-v2"), true);
  assert.equal(rule("unpullable.invalid/app:1"), true);
  assert.equal(rule("ghcr.io/org/private/app:1"), true);
  assert.equal(rule("nginx:1.27"), false);
  assert.equal(rule("registry.example/unpullable.invalid/app:1"), false);
});

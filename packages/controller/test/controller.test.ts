/**
 * The controller against the emulated Kubernetes API and git host, with a program that needs no
 * cloud (the random provider): an invalid spec is Stalled until fixed; dependsOn waits for the
 * other Stack; suspend; the requestedAt annotation; config secrets from a Secret, secret outputs
 * only in the Secret; 20 Stacks reconciled together; leader election with a Lease.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createGitService, kubeServiceWithControllers, startLocalCloud, type LocalCloud } from "@iac/emulator";
import { parseAllDocuments } from "yaml";
import { Controller, Kube, LeaderElector, objectPath, type StackObject } from "../src/index.js";

const exec = promisify(execFile);
// Under the package: the programs the controller unpacks resolve @iac/sdk from the repository.
const TMP = fileURLToPath(new URL("./.tmp/", import.meta.url));
const CRD = fileURLToPath(new URL("../deploy/crd.yaml", import.meta.url));
// Flux's CRDs (the reference data, read where it lies: never copied into the repository).
const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url);

const PROGRAM = `
import { Config, secret } from "@iac/sdk";
import { RandomString } from "@iac/sdk/random";
const config = new Config();
const word = new RandomString("word", { length: Number(config.get("length") ?? "8") });
export const value = word.result;
export const greeting = config.get("greeting") ?? "hello";
export const token = config.getSecret("token") ?? secret("none");
`;

let dir: string;
let cloud: LocalCloud;
let kube: Kube;
let repoUrl: string;
let controller: Controller;
const WORKERS = 4;
/** The Stacks whose preview or up is in flight (from the engine's prelude to its summary), and the most at once. */
const updating = new Set<string>();
let maxUpdating = 0;
const logs: string[] = [];

const path = (name?: string) => objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "default", ...(name ? { name } : {}) });
const get = (name: string) => kube.get<StackObject>(path(name));
const cond = (s: StackObject | undefined, type = "Ready") => s?.status?.conditions?.find((c) => c.type === type);

/** Polls `check` until it gives a value; the timeout only guards against a hang (a loaded 2-core CI machine runs 2 test files at once). */
async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs.slice(-10).join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function createStack(name: string, spec: Record<string, unknown>) {
  return kube.call("POST", path(), {
    apiVersion: "iac.dev/v1alpha1",
    kind: "Stack",
    metadata: { name, namespace: "default" },
    spec: { git: { url: repoUrl, ref: { branch: "main" }, secretRef: { name: "git" } }, stack: "dev", interval: "1h", backend: { passphraseSecretRef: { name: "state" } }, ...spec },
  });
}

before(async () => {
  await mkdir(TMP, { recursive: true });
  dir = await mkdtemp(join(TMP, "c-"));
  cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { kubernetes: kubeServiceWithControllers(), git: createGitService } });
  kube = Kube.load({ kubeconfig: cloud.endpoints.kubeconfig });
  for (const doc of parseAllDocuments(await readFile(CRD, "utf8"))) await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc.toJS());
  await waitFor("the CRD served", async () => (await kube.call<{ items: unknown[] }>("GET", path())).items);
  for (const [name, data] of [["git", { username: "git", password: "t" }], ["state", { passphrase: "controller test passphrase" }], ["app-secrets", { token: "s3cr3t-token-value-91f" }]] as const) {
    await kube.call("POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: data });
  }
  const work = join(dir, "repo");
  await mkdir(work);
  await writeFile(join(work, "iac.yaml"), "name: words\nmain: index.ts\n");
  await writeFile(join(work, "index.ts"), PROGRAM);
  // A project whose program waits, after declaring its resource, until a second Stack's program
  // has got as far (the test's meeting point, on globalThis): the 20 Stacks' updates must overlap.
  await mkdir(join(work, "meet"));
  await writeFile(join(work, "meet", "iac.yaml"), "name: meet\nmain: index.ts\n");
  await writeFile(
    join(work, "meet", "index.ts"),
    `import { RandomString } from "@iac/sdk/random";\nconst word = new RandomString("word", { length: 8 });\n` +
      `await (globalThis as any)[Symbol.for("iac.controller.test.meeting")]?.();\nexport const value = word.result;\n`,
  );
  // A second project in the repository (spec.path), slow to run: for spec.timeout.
  await mkdir(join(work, "slow"));
  await writeFile(join(work, "slow", "iac.yaml"), "name: slow\nmain: index.ts\n");
  await writeFile(join(work, "slow", "index.ts"), `import { RandomString } from "@iac/sdk/random";\nawait new Promise((r) => setTimeout(r, 3000));\nexport const v = new RandomString("late", { length: 4 }).result;\n`);
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = (...a: string[]) => exec("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: work, env });
  await git("init", "--quiet");
  await git("add", "-A");
  await git("commit", "--quiet", "-m", "words");
  repoUrl = `${cloud.endpoints.git}/iac/words.git`;
  await git("push", "--quiet", repoUrl.replace("http://", "http://t:t@"), "HEAD:refs/heads/main");
  controller = new Controller({
    kube,
    kubeconfig: cloud.endpoints.kubeconfig,
    workDir: join(dir, "controller"),
    workers: WORKERS,
    requeueDependencyMs: 200,
    log: (l) => logs.push(`${new Date().toISOString()} ${l}`),
    onUpdateEvent: (key, event) => {
      if (event.kind === "prelude") updating.add(key);
      if (event.kind === "summary") updating.delete(key);
      maxUpdating = Math.max(maxUpdating, updating.size);
    },
  });
  await controller.start();
});

after(async () => {
  await controller?.stop();
  await cloud?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the controller", () => {
  test("a spec that cannot work is Stalled with the reason, and reconciled once fixed", async () => {
    // Both sources: the CRD's schema lets it through, the controller cannot work with it.
    await createStack("bad", { sourceRef: { kind: "GitRepository", name: "elsewhere" } });
    const s = await waitFor("Stalled", async () => ((await get("bad").then((x) => cond(x, "Stalled")))?.status === "True" ? get("bad") : undefined));
    assert.equal(cond(s, "Ready")!.status, "False");
    assert.equal(cond(s, "Ready")!.reason, "InvalidSpec");
    assert.match(cond(s, "Ready")!.message, /spec\.sourceRef and spec\.git are both set/);
    assert.equal(s!.status!.observedGeneration, s!.metadata.generation);
    await kube.mergePatch(path("bad"), { spec: { sourceRef: null } });
    const fixed = await waitFor("Ready", async () => ((await get("bad").then(cond))?.status === "True" ? get("bad") : undefined));
    assert.equal(cond(fixed, "Stalled"), undefined, "Stalled is removed");
  });

  test("dependsOn waits for the other Stack to be Ready; suspend stops reconciliation", async () => {
    await createStack("base", { suspend: true });
    await createStack("app", { dependsOn: [{ name: "base" }] });
    const waiting = await waitFor("DependencyNotReady", async () => ((await get("app").then(cond))?.reason === "DependencyNotReady" ? get("app") : undefined));
    assert.equal(cond(waiting)!.message, "dependency 'default/base' is not ready");
    assert.equal((await get("base"))!.status, undefined, "a suspended Stack is not reconciled");
    await kube.mergePatch(path("base"), { spec: { suspend: false } });
    await waitFor("app Ready after base", async () => (await get("app").then(cond))?.status === "True");
    assert.equal(cond(await get("base"))!.status, "True");
  });

  test("reconcile.fluxcd.io/requestedAt asks for a reconciliation now, recorded in lastHandledReconcileAt", async () => {
    await waitFor("base Ready", async () => (await get("base").then(cond))?.status === "True");
    const before = (await get("base"))!.status!.lastUpdate!.endTime;
    await kube.mergePatch(path("base"), { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "2026-12-06T20:00:00Z" } } });
    const s = await waitFor("the request handled", async () => {
      const s = await get("base");
      return s?.status?.lastHandledReconcileAt === "2026-12-06T20:00:00Z" && cond(s)?.status === "True" ? s : undefined;
    });
    assert.notEqual(s.status!.lastUpdate!.endTime, before, "it ran again");
    assert.deepEqual(s.status!.lastUpdate!.resourceChanges, { same: 1 });
  });

  test("config values and secrets from a Secret reach the program; secret outputs go only to the Secret", async () => {
    await createStack("secrets", {
      config: { greeting: { value: "hi there" }, token: { secretKeyRef: { name: "app-secrets", key: "token" } }, length: { value: "12" } },
      outputs: { configMap: "secrets-out", secret: "secrets-secret-out" },
    });
    const s = await waitFor("Ready", async () => ((await get("secrets").then(cond))?.status === "True" ? get("secrets") : undefined));
    assert.deepEqual(s!.status!.outputs, { configMap: "secrets-out", secret: "secrets-secret-out", names: ["greeting", "token", "value"] });
    const cm = await kube.get<{ data: Record<string, string>; metadata: { ownerReferences?: { kind: string; name: string }[] } }>("/api/v1/namespaces/default/configmaps/secrets-out");
    assert.equal(cm!.data["greeting"], "hi there");
    assert.equal(cm!.data["value"]!.length, 12);
    assert.equal(cm!.data["token"], undefined, "a secret output is not in the ConfigMap");
    assert.deepEqual(cm!.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ["Stack/secrets"]);
    const secret = await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/secrets/secrets-secret-out");
    assert.equal(Buffer.from(secret!.data["token"]!, "base64").toString(), "s3cr3t-token-value-91f");
    assert.ok(!JSON.stringify(s).includes("s3cr3t-token-value-91f"), "not in the status");
    let files = "";
    for (const e of await readdir(join(dir, "controller"), { recursive: true, withFileTypes: true })) if (e.isFile()) files += await readFile(join(e.parentPath, e.name), "utf8");
    assert.ok(files.includes("ciphertext") || files.includes("secure"), "the state holds the secret encrypted");
    assert.ok(!files.includes("s3cr3t-token-value-91f"), "no secret in plaintext in state, config or work files");
  });

  test("with a kubernetes:// backend the stack's state lives in Secrets of the cluster", async () => {
    await createStack("in-cluster", { backend: { url: "kubernetes://default/ctl", passphraseSecretRef: { name: "state" } } });
    await waitFor("Ready", async () => (await get("in-cluster").then(cond))?.status === "True");
    const list = await kube.call<{ items: { metadata: { name: string; labels?: Record<string, string> } }[] }>("GET", "/api/v1/namespaces/default/secrets?labelSelector=iac.dev%2Fstate%3Dctl");
    assert.deepEqual(list.items.map((s) => s.metadata.labels?.["iac.dev/role"]).sort(), ["head", "history", "shard"], "the snapshot and the update's history entry");
    assert.equal((await readdir(join(dir, "controller", "state", "default"))).includes("in-cluster"), false, "no file state");
    await kube.mergePatch(path("in-cluster"), { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "again" } } });
    const s = await waitFor("reconciled again", async () => {
      const s = await get("in-cluster");
      return s?.status?.lastHandledReconcileAt === "again" && cond(s)?.status === "True" ? s : undefined;
    });
    assert.deepEqual(s.status!.lastUpdate!.resourceChanges, { same: 1 }, "the state was read back from the Secrets");
  });

  test("an update longer than spec.timeout stops as a first Ctrl-C does: Ready=False, nothing half-written", async () => {
    await createStack("slow", { path: "./slow", timeout: "500ms", retryInterval: "1h" });
    const s = await waitFor("Ready=False", async () => ((await get("slow").then(cond))?.status === "False" ? get("slow") : undefined));
    assert.equal(cond(s)!.reason, "ReconciliationFailed");
    assert.match(cond(s)!.message, /^up timed out after 500ms \(spec\.timeout\)/);
    assert.equal(s!.status!.lastUpdate!.result, "interrupted");
    assert.equal(s!.status!.lastAppliedRevision, undefined);
  });

  test("events go to notification-controller's address too, in Flux's shape", async () => {
    const received: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += String(c)));
      req.on("end", () => {
        received.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(202);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const other = new Controller({ kube, namespace: "events", workDir: join(dir, "controller-events"), eventsAddr: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, log: (l) => logs.push(`[events controller] ${l}`) });
    try {
      await kube.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "events" } });
      for (const name of ["git", "state"]) {
        const secret = await kube.get<{ data: Record<string, string> }>(`/api/v1/namespaces/default/secrets/${name}`);
        await kube.call("POST", "/api/v1/namespaces/events/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name }, data: secret!.data });
      }
      await other.start();
      await kube.call("POST", objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "events" }), {
        apiVersion: "iac.dev/v1alpha1", kind: "Stack", metadata: { name: "told", namespace: "events" },
        spec: { git: { url: repoUrl, secretRef: { name: "git" }, ref: { branch: "main" } }, stack: "dev", interval: "1h", backend: { passphraseSecretRef: { name: "state" } } },
      });
      const event = await waitFor("an event received", async () => received.find((e) => e["reason"] === "ReconciliationSucceeded"));
      assert.equal(event["severity"], "info");
      assert.equal(event["reportingController"], "iac-controller");
      assert.deepEqual(event["involvedObject"] && { ...(event["involvedObject"] as Record<string, unknown>), uid: undefined, resourceVersion: undefined }, { apiVersion: "iac.dev/v1alpha1", kind: "Stack", name: "told", namespace: "events", uid: undefined, resourceVersion: undefined });
      assert.match(String(event["message"]), /^Applied revision: main@sha1:[0-9a-f]{40}: 1 create in /);
      assert.match(String((event["metadata"] as Record<string, unknown>)["revision"]), /^main@sha1:[0-9a-f]{40}$/);
    } finally {
      await other.stop();
      await new Promise((r) => server.close(r));
    }
  });

  test("a Stack whose sourceRef is a GitRepository deploys the artifact the emulated source-controller serves; one whose sourceRef is an OCIRepository or a Bucket reads its v1 status and verifies the digest", async () => {
    for (const doc of parseAllDocuments(await readFile(GOTK, "utf8"))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (o?.kind === "CustomResourceDefinition" && o.metadata?.name === "gitrepositories.source.toolkit.fluxcd.io") await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", o);
    }
    // The emulated source-controller acts only while its Deployment exists, as on a real cluster.
    await kube.call("POST", "/apis/apps/v1/namespaces/default/deployments", {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "source-controller" },
      spec: { selector: { matchLabels: { app: "source-controller" } }, template: { metadata: { labels: { app: "source-controller" } }, spec: { containers: [{ name: "manager", image: "ghcr.io/fluxcd/source-controller" }] } } },
    });
    const repoPath = objectPath({ apiVersion: "source.toolkit.fluxcd.io/v1", plural: "gitrepositories", namespace: "default" });
    await waitFor("GitRepositories served", async () => (await kube.call<{ items: unknown[] }>("GET", repoPath)).items);
    await kube.call("POST", repoPath, { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "words" }, spec: { url: repoUrl, interval: "1m", ref: { branch: "main" }, secretRef: { name: "git" } } });
    const artifact = await waitFor("the artifact", async () => (await kube.get<{ status?: { artifact?: { url: string; digest: string; revision: string } } }>(`${repoPath}/words`))?.status?.artifact);
    assert.match(artifact.digest, /^sha256:[0-9a-f]{64}$/);
    await kube.call("POST", path(), {
      apiVersion: "iac.dev/v1alpha1", kind: "Stack", metadata: { name: "from-source", namespace: "default" },
      spec: { sourceRef: { kind: "GitRepository", name: "words" }, stack: "dev", interval: "1h", backend: { passphraseSecretRef: { name: "state" } } },
    });
    const s = await waitFor("Ready", async () => ((await get("from-source").then(cond))?.status === "True" ? get("from-source") : undefined));
    assert.equal(s!.status!.lastAppliedRevision, artifact.revision);
    assert.equal((await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/from-source-outputs"))!.data["value"]!.length, 8);

    // An OCIRepository (source.toolkit.fluxcd.io/v1, the only version Flux 2.9 serves), its
    // status written here as source-controller would (the emulation does not reconcile it),
    // naming an artifact served over HTTP.
    for (const doc of parseAllDocuments(await readFile(GOTK, "utf8"))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (o?.kind === "CustomResourceDefinition" && o.metadata?.name === "ocirepositories.source.toolkit.fluxcd.io") await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", o);
    }
    const ociPath = objectPath({ apiVersion: "source.toolkit.fluxcd.io/v1", plural: "ocirepositories", namespace: "default" });
    await waitFor("OCIRepositories served", async () => (await kube.call<{ items: unknown[] }>("GET", ociPath)).items);
    await kube.call("POST", ociPath, { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", metadata: { name: "words-oci" }, spec: { url: "oci://127.0.0.1:1/words", ref: { tag: "v1" }, interval: "1h" } });
    const ociRevision = `v1@sha256:${"a".repeat(64)}`;
    await kube.mergePatch(`${ociPath}/words-oci/status`, { status: { artifact: { ...artifact, revision: ociRevision, path: "ocirepository/default/words-oci/x.tar.gz", lastUpdateTime: new Date().toISOString() } } });
    await kube.call("POST", path(), {
      apiVersion: "iac.dev/v1alpha1", kind: "Stack", metadata: { name: "from-oci", namespace: "default" },
      spec: { sourceRef: { kind: "OCIRepository", name: "words-oci" }, stack: "dev", interval: "1h", backend: { passphraseSecretRef: { name: "state" } } },
    });
    const oci = await waitFor("Ready", async () => ((await get("from-oci").then(cond))?.status === "True" ? get("from-oci") : undefined));
    assert.equal(oci!.status!.lastAppliedRevision, ociRevision);

    // A Bucket likewise (v1; its revision is the digest of the bucket's index). The local cloud has
    // no S3-compatible storage for source-controller to read, so its status is written here too.
    for (const doc of parseAllDocuments(await readFile(GOTK, "utf8"))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (o?.kind === "CustomResourceDefinition" && o.metadata?.name === "buckets.source.toolkit.fluxcd.io") await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", o);
    }
    const bucketPath = objectPath({ apiVersion: "source.toolkit.fluxcd.io/v1", plural: "buckets", namespace: "default" });
    await waitFor("Buckets served", async () => (await kube.call<{ items: unknown[] }>("GET", bucketPath)).items);
    await kube.call("POST", bucketPath, { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "Bucket", metadata: { name: "words-bucket" }, spec: { provider: "generic", bucketName: "words", endpoint: "127.0.0.1:1", insecure: true, interval: "1h" } });
    const bucketRevision = `sha256:${"b".repeat(64)}`;
    await kube.mergePatch(`${bucketPath}/words-bucket/status`, { status: { artifact: { ...artifact, revision: bucketRevision, path: "bucket/default/words-bucket/x.tar.gz", lastUpdateTime: new Date().toISOString() } } });
    await kube.call("POST", path(), {
      apiVersion: "iac.dev/v1alpha1", kind: "Stack", metadata: { name: "from-bucket", namespace: "default" },
      spec: { sourceRef: { kind: "Bucket", name: "words-bucket" }, stack: "dev", interval: "1h", backend: { passphraseSecretRef: { name: "state" } } },
    });
    const bucket = await waitFor("Ready", async () => ((await get("from-bucket").then(cond))?.status === "True" ? get("from-bucket") : undefined));
    assert.equal(bucket!.status!.lastAppliedRevision, bucketRevision);

    // An artifact whose bytes do not match its advertised digest is refused, not deployed.
    await kube.mergePatch(`${bucketPath}/words-bucket/status`, { status: { artifact: { ...artifact, digest: `sha256:${"0".repeat(64)}`, revision: `sha256:${"c".repeat(64)}`, path: "bucket/default/words-bucket/y.tar.gz", lastUpdateTime: new Date().toISOString() } } });
    await kube.mergePatch(path("from-bucket"), { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "digest-check" } } });
    const refused = await waitFor("the bad digest refused", async () => {
      const c = await get("from-bucket").then(cond);
      return c?.status === "False" ? c : undefined;
    });
    assert.match(refused.message ?? "", /digest/i);
    assert.equal((await get("from-bucket"))!.status!.lastAppliedRevision, bucketRevision, "the last applied revision stays");
  });

  test("20 Stacks are reconciled together, each to Ready: their updates run at the same time, at most one per worker", async () => {
    // Each program waits until a second one has declared its resource: had the updates run one
    // at a time, the first would wait for ever (the 120 s below is a hang guard, not a timing).
    let arrived = 0;
    let release!: () => void;
    const met = new Promise<void>((resolve) => (release = resolve));
    (globalThis as Record<symbol, unknown>)[Symbol.for("iac.controller.test.meeting")] = () => {
      if (++arrived === 2) release();
      return met;
    };
    try {
      maxUpdating = 0;
      const names = Array.from({ length: 20 }, (_, i) => `many-${i}`);
      await Promise.all(names.map((n) => createStack(n, { path: "meet" })));
      await waitFor("20 Stacks Ready", async () => (await Promise.all(names.map((n) => get(n).then(cond)))).every((c) => c?.status === "True"), 120_000);
      const values = new Set(await Promise.all(names.map(async (n) => (await kube.get<{ data: Record<string, string> }>(`/api/v1/namespaces/default/configmaps/${n}-outputs`))!.data["value"])));
      assert.equal(values.size, 20, "each Stack has its own state");
      assert.ok(maxUpdating > 1, `updates overlapped (at most ${maxUpdating} at once)`);
      assert.ok(maxUpdating <= WORKERS, `no more updates at once than workers (${maxUpdating} > ${WORKERS})`);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("iac.controller.test.meeting")];
    }
  });
});

describe("leader election", () => {
  test("of two replicas one leads; when it releases the Lease the other takes over", async () => {
    const seen: string[] = [];
    const a = new LeaderElector({ kube, namespace: "default", name: "test-leader", identity: "a", leaseDurationMs: 3000, renewMs: 200, log: (l) => seen.push(l) });
    const b = new LeaderElector({ kube, namespace: "default", name: "test-leader", identity: "b", leaseDurationMs: 3000, renewMs: 200, log: (l) => seen.push(l) });
    await a.acquire();
    let bLeads = false;
    const bAcquired = b.acquire().then(() => (bLeads = true));
    await waitFor("b to wait", async () => seen.some((l) => l.includes("held by a")));
    assert.equal(bLeads, false, "b does not lead while a renews");
    const lease = await kube.get<{ spec: { holderIdentity: string } }>("/apis/coordination.k8s.io/v1/namespaces/default/leases/test-leader");
    assert.equal(lease!.spec.holderIdentity, "a");
    await a.release();
    await bAcquired;
    const after = await kube.get<{ spec: { holderIdentity: string; leaseTransitions: number } }>("/apis/coordination.k8s.io/v1/namespaces/default/leases/test-leader");
    assert.equal(after!.spec.holderIdentity, "b");
    assert.equal(a.lost.aborted, false);
    await b.release();
  });

  test("a leader whose Lease another replica took loses leadership", async () => {
    const a = new LeaderElector({ kube, namespace: "default", name: "test-leader-2", identity: "a", leaseDurationMs: 3000, renewMs: 100 });
    await a.acquire();
    // The leader renews every 100 ms: a renewal between our read and write makes the write a 409
    // conflict (as on a real apiserver); read again and retry, as another replica would.
    for (;;) {
      const lease = await kube.get<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>("/apis/coordination.k8s.io/v1/namespaces/default/leases/test-leader-2");
      const taken = await kube
        .call("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/test-leader-2", { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: lease!.metadata, spec: { ...lease!.spec, holderIdentity: "intruder" } })
        .then(() => true, (e: { status?: number }) => {
          if (e.status !== 409) throw e;
          return false;
        });
      if (taken) break;
    }
    await waitFor("a to lose", async () => a.lost.aborted);
    assert.equal((a.lost.reason as { code?: string }).code, "LeaderLost");
    await a.release();
  });
});

/**
 * The gitops-azure example end to end on the emulated local cloud: the program is pushed to the
 * local git host, a Stack names the repository, and the iac controller (in this process) deploys it
 * to the local ARM; a push changes Azure at the next interval; a container group deleted behind
 * iac's back is recreated at the next interval (and only reported with driftDetection warn); a
 * broken program gives Ready=False with the error; deleting the Stack destroys what it deployed.
 *
 * The Stack uses `spec.git` (the controller fetches the repository itself): the emulated
 * source-controller does not serve artifacts. The `sourceRef` path runs against the real
 * source-controller in test/conformance/gitops-azure.conformance.ts.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { localCredential } from "@iac/azure";
import { Controller, Kube, objectPath, type StackObject } from "@iac/controller";
import { createArmService, createGitService, kubeServiceWithControllers, startLocalCloud, type LocalCloud } from "@iac/emulator";
import { parseAllDocuments } from "yaml";

const exec = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
const CRD = fileURLToPath(new URL("../../../packages/controller/deploy/crd.yaml", import.meta.url));
// Under the example (not the OS temp dir): the programs the controller unpacks resolve @iac/* from the repository.
const TMP = join(EXAMPLE, "test", ".tmp");

let dir: string;
let cloud: LocalCloud;
let kube: Kube;
let aci: ContainerInstanceManagementClient;
let controller: Controller;
let repoUrl: string;
let work: string;
const logs: string[] = [];
const previousEndpoints = process.env.IAC_LOCAL_ENDPOINTS;
const previousLro = process.env.IAC_EMULATOR_LRO_STEP_MS;

const stackPath = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "default", name: "gitops-azure" });

async function git(...args: string[]): Promise<string> {
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const { stdout } = await exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main", ...args], { cwd: work, env });
  return stdout.trim();
}

/** Commits the program (with `edit` applied to index.ts) and pushes it; the commit's sha. */
async function push(message: string, edit: (source: string) => string = (s) => s): Promise<string> {
  await writeFile(join(work, "index.ts"), edit(await readFile(join(EXAMPLE, "index.ts"), "utf8")));
  await git("add", "-A");
  await git("commit", "--quiet", "--allow-empty", "-m", message);
  await git("push", "--quiet", repoUrl.replace("http://", "http://dev:token@"), "HEAD:refs/heads/main");
  return git("rev-parse", "HEAD");
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}\n${logs.slice(-15).join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stack = () => kube.get<StackObject>(stackPath);
const ready = (s: StackObject | undefined) => s?.status?.conditions?.find((c) => c.type === "Ready");

async function containerGroups(): Promise<{ name: string; images: string[] }[]> {
  const out = [];
  for await (const g of aci.containerGroups.list()) out.push({ name: g.name!, images: g.containers.map((c) => c.image) });
  return out;
}

async function events(): Promise<{ reason: string; type: string; message: string; annotations?: Record<string, string> }[]> {
  const list = await kube.call<{ items: { reason: string; type: string; message: string; metadata: { annotations?: Record<string, string> }; involvedObject: { kind: string; name: string } }[] }>("GET", "/api/v1/namespaces/default/events");
  return list.items.filter((e) => e.involvedObject.kind === "Stack" && e.involvedObject.name === "gitops-azure").map((e) => ({ reason: e.reason, type: e.type, message: e.message, ...(e.metadata.annotations ? { annotations: e.metadata.annotations } : {}) }));
}

before(async () => {
  await mkdir(TMP, { recursive: true });
  dir = await mkdtemp(join(TMP, "e2e-"));
  process.env.IAC_EMULATOR_LRO_STEP_MS = "20";
  cloud = await startLocalCloud({ dataDir: join(dir, "local"), ports: { arm: 0, kubernetes: 0, git: 0 }, services: { arm: createArmService, kubernetes: kubeServiceWithControllers(), git: createGitService } });
  process.env.IAC_LOCAL_ENDPOINTS = join(dir, "local", "endpoints.json");
  kube = Kube.load({ kubeconfig: cloud.endpoints.kubeconfig });
  aci = new ContainerInstanceManagementClient(localCredential, cloud.endpoints.subscriptionId, { endpoint: cloud.endpoints.arm, tlsOptions: { ca: await readFile(cloud.endpoints.ca, "utf8") } });
  for (const doc of parseAllDocuments(await readFile(CRD, "utf8"))) await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc.toJS());
  await waitFor("the Stack CRD to be served", async () => (await kube.call<{ items: unknown[] }>("GET", "/apis/iac.dev/v1alpha1/stacks")).items);

  repoUrl = `${cloud.endpoints.git}/iac/gitops-azure.git`;
  work = join(dir, "repo");
  await mkdir(work);
  await git("init", "--quiet");
  await writeFile(join(work, "iac.yaml"), await readFile(join(EXAMPLE, "iac.yaml"), "utf8"));
  await writeFile(join(work, "package.json"), JSON.stringify({ name: "gitops-azure-program", private: true, type: "module" }));

  for (const [name, data] of [["gitops-azure-git", { username: "git", password: "local-token" }], ["gitops-azure-state", { passphrase: "gitops example passphrase" }]] as const) {
    await kube.call("POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: data });
  }
  controller = new Controller({ kube, workDir: join(dir, "controller"), workers: 2, log: (l) => logs.push(l) });
  await controller.start();
});

after(async () => {
  await controller?.stop();
  await cloud?.close();
  if (previousEndpoints === undefined) delete process.env.IAC_LOCAL_ENDPOINTS;
  else process.env.IAC_LOCAL_ENDPOINTS = previousEndpoints;
  if (previousLro === undefined) delete process.env.IAC_EMULATOR_LRO_STEP_MS;
  else process.env.IAC_EMULATOR_LRO_STEP_MS = previousLro;
  await rm(dir, { recursive: true, force: true });
});

let first: string;

test("a Stack naming the repository is deployed to Azure, with its status, outputs and an event", async () => {
  first = await push("the realtime app");
  await kube.call("POST", objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "default" }), {
    apiVersion: "iac.dev/v1alpha1",
    kind: "Stack",
    metadata: { name: "gitops-azure", namespace: "default" },
    spec: {
      git: { url: repoUrl, ref: { branch: "main" }, secretRef: { name: "gitops-azure-git" } },
      stack: "prod",
      interval: "2s",
      retryInterval: "2s",
      driftDetection: { mode: "enabled" },
      destroyOnDelete: true,
      config: { dnsLabel: { value: "gitops-e2e" } },
      backend: { passphraseSecretRef: { name: "gitops-azure-state" } },
      outputs: { configMap: "gitops-azure-outputs" },
    },
  });
  const s = await waitFor("Ready=True", async () => ((await stack().then(ready))?.status === "True" ? stack() : undefined));
  assert.equal(s!.status!.lastAppliedRevision, `main@sha1:${first}`);
  assert.equal(s!.status!.lastAttemptedRevision, `main@sha1:${first}`);
  assert.equal(s!.status!.observedGeneration, s!.metadata.generation);
  assert.equal(ready(s)!.reason, "ReconciliationSucceeded");
  assert.equal(ready(s)!.message, `Applied revision: main@sha1:${first}`);
  assert.deepEqual(s!.status!.lastUpdate!.resourceChanges, { create: 2 });
  assert.ok(!s!.status!.conditions!.some((c) => c.type === "Reconciling"), "Reconciling is removed when the reconciliation ends");
  assert.ok(s!.metadata.finalizers?.includes("finalizers.iac.dev"), "destroyOnDelete holds a finalizer");

  const groups = await containerGroups();
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0]!.images, ["ghcr.io/example/realtime-go:1.0.0", "redis:7-alpine"]);

  const cm = await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/gitops-azure-outputs");
  assert.equal(cm!.data["containerGroup"], groups[0]!.name);
  assert.match(cm!.data["url"]!, /^http:\/\/gitops-e2e\./);

  const ev = await events();
  const applied = ev.find((e) => e.reason === "ReconciliationSucceeded");
  assert.ok(applied, JSON.stringify(ev));
  assert.equal(applied.type, "Normal");
  assert.match(applied.message, new RegExp(`^Applied revision: main@sha1:${first}: 2 create`));
  assert.equal(applied.annotations?.["iac.dev/revision"], `main@sha1:${first}`);
});

test("a push that changes the program changes Azure at the next interval", async () => {
  const second = await push("realtime 1.1.0", (s) => s.replace("realtime-go:1.0.0", "realtime-go:1.1.0"));
  await waitFor("the new revision applied", async () => (await stack())?.status?.lastAppliedRevision === `main@sha1:${second}`);
  const groups = await containerGroups();
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0]!.images, ["ghcr.io/example/realtime-go:1.1.0", "redis:7-alpine"]);
  // A new image replaces the container group (the provider's rule for containers[].image).
  assert.equal((await stack())!.status!.lastUpdate!.resourceChanges["replace"], 1);
});

test("a container group deleted behind iac's back is recreated at the next interval, and the drift is reported first", async () => {
  const [group] = await containerGroups();
  const rg = (await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/gitops-azure-outputs"))!.data["resourceGroup"]!;
  await aci.containerGroups.beginDeleteAndWait(rg, group!.name);
  assert.equal((await containerGroups()).length, 0);
  await waitFor("the container group recreated", async () => (await containerGroups()).length === 1);
  const drift = await waitFor("a DriftDetected event", async () => (await events()).find((e) => e.reason === "DriftDetected"));
  assert.equal(drift.type, "Warning");
  assert.match(drift.message, /1 create; correcting it/);
});

test("with driftDetection warn, drift is only reported", async () => {
  await kube.mergePatch(stackPath, { spec: { driftDetection: { mode: "warn" } } });
  await waitFor("the new generation observed", async () => {
    const s = await stack();
    return s?.status?.observedGeneration === s?.metadata.generation && ready(s)?.status === "True";
  });
  const [group] = await containerGroups();
  const rg = (await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/gitops-azure-outputs"))!.data["resourceGroup"]!;
  await aci.containerGroups.beginDeleteAndWait(rg, group!.name);
  const s = await waitFor("drift reported in the status", async () => {
    const s = await stack();
    return s?.status?.drift?.detected === true && /drift detected/.test(ready(s)?.message ?? "") ? s : undefined;
  });
  assert.match(ready(s)!.message, /drift detected: 1 create \(not corrected: driftDetection.mode is warn\)/);
  assert.equal(ready(s)!.status, "True");
  assert.deepEqual(s.status!.drift!.resourceChanges, { create: 1 });
  const seen = controller.reconciled;
  await waitFor("another reconciliation", async () => controller.reconciled >= seen + 1);
  assert.equal((await containerGroups()).length, 0, "warn does not correct the drift");
  await kube.mergePatch(stackPath, { spec: { driftDetection: { mode: "enabled" } } });
  await waitFor("the container group recreated once drift detection corrects again", async () => (await containerGroups()).length === 1);
});

test("a broken program gives Ready=False with the error, and keeps the last applied revision", async () => {
  const applied = (await stack())!.status!.lastAppliedRevision;
  const broken = await push("a mistake", (s) => `${s}\nthrow new Error("the realtime config is missing its region");\n`);
  const s = await waitFor("Ready=False", async () => {
    const s = await stack();
    return s?.status?.lastAttemptedRevision === `main@sha1:${broken}` && ready(s)?.status === "False" ? s : undefined;
  });
  assert.equal(ready(s)!.reason, "ReconciliationFailed");
  assert.match(ready(s)!.message, /the realtime config is missing its region/);
  assert.equal(s.status!.lastAppliedRevision, applied);
  assert.equal(s.status!.lastUpdate!.result, "failed");
  const failed = (await events()).find((e) => e.reason === "ReconciliationFailed");
  assert.equal(failed?.type, "Warning");
  assert.equal((await containerGroups()).length, 1, "what was deployed stays");
});

test("deleting the Stack destroys what it deployed (destroyOnDelete), then the Stack goes", async () => {
  await push("fixed", (s) => s.replace("realtime-go:1.0.0", "realtime-go:1.1.0"));
  await kube.call("DELETE", stackPath);
  await waitFor("the Stack gone", async () => (await stack()) === undefined);
  assert.deepEqual(await containerGroups(), []);
});

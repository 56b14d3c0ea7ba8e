/**
 * The gitops-azure example end to end on the emulated local cloud: the program is pushed to the
 * local git host; the example's own cluster/stack.yaml (a Flux GitRepository of it, the Secrets,
 * and a Stack with `sourceRef` to the GitRepository) is applied; the emulated source-controller
 * serves the artifact and the iac controller (in this process) downloads it, verifies its digest
 * and deploys it to the local ARM; a push changes Azure at the next interval; a container group
 * deleted behind iac's back is recreated at the next interval (and only reported with
 * driftDetection warn); a broken program gives Ready=False with the error; deleting the Stack
 * destroys what it deployed. (`spec.git`, the controller's own fetch, is what
 * controller-crash.test.ts uses.)
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Controller, objectPath, type StackObject } from "@iac/controller";
import { parseAllDocuments } from "yaml";
import { EXAMPLE, startExampleCloud, waitFor as waitUntil, type ExampleCloud } from "./fixture.js";

// Flux's CRDs (the reference data, read where it lies: never copied into the repository).
const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url);

let x: ExampleCloud;
let controller: Controller;
const logs: string[] = [];

const stackPath = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "default", name: "gitops-azure" });
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000) => waitUntil(what, check, timeoutMs, () => logs.slice(-15).join("\n"));
const push = (message: string, edit?: (source: string) => string) => x.push(message, edit);
const containerGroups = () => x.containerGroups();
const stack = () => x.kube.get<StackObject>(stackPath);
const ready = (s: StackObject | undefined) => s?.status?.conditions?.find((c) => c.type === "Ready");

async function events(): Promise<{ reason: string; type: string; message: string; annotations?: Record<string, string> }[]> {
  const list = await x.kube.call<{ items: { reason: string; type: string; message: string; metadata: { annotations?: Record<string, string> }; involvedObject: { kind: string; name: string } }[] }>("GET", "/api/v1/namespaces/default/events");
  return list.items.filter((e) => e.involvedObject.kind === "Stack" && e.involvedObject.name === "gitops-azure").map((e) => ({ reason: e.reason, type: e.type, message: e.message, ...(e.metadata.annotations ? { annotations: e.metadata.annotations } : {}) }));
}

before(async () => {
  x = await startExampleCloud({ prefix: "e2e", dataDir: "local", repo: "iac/gitops-azure.git" });
  for (const doc of parseAllDocuments(await readFile(GOTK, "utf8"))) {
    const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
    if (o?.kind === "CustomResourceDefinition" && o.metadata?.name === "gitrepositories.source.toolkit.fluxcd.io") await x.kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", o);
  }
  // The emulated source-controller acts only while its Deployment exists, as on a real cluster.
  await x.kube.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
  await x.kube.call("POST", "/apis/apps/v1/namespaces/flux-system/deployments", {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "source-controller" },
    spec: { selector: { matchLabels: { app: "source-controller" } }, template: { metadata: { labels: { app: "source-controller" } }, spec: { containers: [{ name: "manager", image: "ghcr.io/fluxcd/source-controller:v1.6.0" }] } } },
  });
  await waitFor("GitRepositories served", async () => (await x.kube.call<{ items: unknown[] }>("GET", "/apis/source.toolkit.fluxcd.io/v1/gitrepositories")).items);
  controller = new Controller({ kube: x.kube, workDir: join(x.dir, "controller"), workers: 2, log: (l) => logs.push(l) });
  await controller.start();
});

after(async () => {
  await controller?.stop();
  await x?.close();
});

let first: string;

test("the example's cluster/stack.yaml deploys the program from the source-controller's artifact, with status, outputs and an event", async () => {
  first = await push("the realtime app");
  // The manifests as shipped, the local git host's URL and a faster interval for the test.
  for (const doc of parseAllDocuments(await readFile(join(EXAMPLE, "cluster", "stack.yaml"), "utf8"))) {
    const o = doc.toJS() as { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec?: Record<string, unknown> };
    if (o.kind === "GitRepository") o.spec = { ...o.spec, url: x.repoUrl };
    if (o.kind === "Stack") o.spec = { ...o.spec, interval: "2s", retryInterval: "2s", config: { dnsLabel: { value: "gitops-e2e" } } };
    const plural = { GitRepository: "gitrepositories", Secret: "secrets", Stack: "stacks" }[o.kind]!;
    await x.kube.call("POST", objectPath({ apiVersion: o.apiVersion, plural, namespace: o.metadata.namespace }), o);
  }
  const artifact = await waitFor("the GitRepository's artifact", async () => (await x.kube.get<{ status?: { artifact?: { revision: string; digest: string } } }>("/apis/source.toolkit.fluxcd.io/v1/namespaces/default/gitrepositories/gitops-azure"))?.status?.artifact);
  assert.equal(artifact.revision, `main@sha1:${first}`);
  assert.match(artifact.digest, /^sha256:[0-9a-f]{64}$/);
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

  const cm = await x.kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/gitops-azure-outputs");
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
  const rg = (await x.kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/gitops-azure-outputs"))!.data["resourceGroup"]!;
  await x.aci.containerGroups.beginDeleteAndWait(rg, group!.name);
  assert.equal((await containerGroups()).length, 0);
  await waitFor("the container group recreated", async () => (await containerGroups()).length === 1);
  const drift = await waitFor("a DriftDetected event", async () => (await events()).find((e) => e.reason === "DriftDetected"));
  assert.equal(drift.type, "Warning");
  assert.match(drift.message, /1 create; correcting it/);
});

test("with driftDetection warn, drift is only reported", async () => {
  await x.kube.mergePatch(stackPath, { spec: { driftDetection: { mode: "warn" } } });
  await waitFor("the new generation observed", async () => {
    const s = await stack();
    return s?.status?.observedGeneration === s?.metadata.generation && ready(s)?.status === "True";
  });
  const [group] = await containerGroups();
  const rg = (await x.kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/gitops-azure-outputs"))!.data["resourceGroup"]!;
  await x.aci.containerGroups.beginDeleteAndWait(rg, group!.name);
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
  await x.kube.mergePatch(stackPath, { spec: { driftDetection: { mode: "enabled" } } });
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
  await x.kube.call("DELETE", stackPath);
  await waitFor("the Stack gone", async () => (await stack()) === undefined);
  assert.deepEqual(await containerGroups(), []);
});

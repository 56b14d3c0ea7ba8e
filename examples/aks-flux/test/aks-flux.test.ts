/**
 * The aks-flux example end to end, through the real `iac` binary against one served local cloud:
 * up creates the AKS cluster in the emulated ARM, reads its user kubeconfig and bootstraps Flux
 * through it onto the local Kubernetes API; Flux (the emulated controllers, a real kustomize)
 * builds the seed's overlays from the app repository on the local git host; a preview after it
 * finds nothing to do; destroy uninstalls Flux before the cluster goes and leaves nothing behind,
 * in ARM or in Kubernetes. On the way, the program's image automation, alerting and git push
 * Receiver: a CI build and a release pushed to the local registry (`iac local push`) become the
 * automation's commit in the dev and prod overlays and the Deployments' images; a broken overlay
 * pushed to git and announced to the Receiver's webhook reaches the Alert's webhook on loopback.
 */
import assert from "node:assert/strict";
import { execFile, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ResourceManagementClient } from "@azure/arm-resources";
import { localCredential } from "@iac/azure";
import { KubeClient, resolveSettings } from "@iac/kubernetes";
import { finish, waitFor } from "../../../test/cli-fixture.js";
import { iacProject, ROOT, show, spawnIac, type IacProject, type IacResult } from "../../../test/iac-run.js";

const exec = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
/** install.yaml: FluxBootstrap's componentsExtra (the image controllers) are not in gotk-components.yaml. */
const MANIFESTS = join(ROOT, "..", "shared", "reference", "flux", "install-v2.9.4.yaml");
/** A CI build of the app: `sha-<short sha>-<unix time>`, the tags the dev ImagePolicy follows. */
const BUILD = "sha-5d6e7f8-1700000500";
/** A release: the prod ImagePolicy takes semver tags from 1.0.0 on. */
const RELEASE = "v1.5.0";
/** A later CI build, pushed while the managed extension's image controllers run. */
const LATER_BUILD = "sha-9c8d7e6-1700000900";
const RECEIVER_TOKEN = "receiver-token-for-the-test";
/**
 * The served cloud answers every long-running operation's first poll with its end (but those its
 * Flux agent finishes), and its microsoft.flux extension installs Flux v2.9.4's install.yaml.
 */
const ENV = { IAC_EMULATOR_LRO_STEP_MS: "0", IAC_LOCAL_FLUX_MANIFESTS: join(ROOT, "..", "shared", "reference", "flux", "install-v2.9.4.yaml") };

let project: IacProject;
let server: ChildProcess | undefined;
let served: Promise<IacResult> | undefined;
let arm: ResourceManagementClient;
let kube: KubeClient;
let endpoints: { arm: string; git: string; ca: string; subscriptionId: string; registry: string; fluxWebhooks?: string };
/** The webhook on loopback the program's alerting Provider posts to: the events it received. */
let hook: Server | undefined;
const alerts: Record<string, any>[] = [];

const gitEnv = (home: string) => ({ ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" });
const appRepoUrl = () => `${endpoints.git.replace("http://", "http://dev:token@")}/iac/realtimeapp-infra.git`;

/** Clone the app repository's main, run `work(dir, git)` in the clone, then remove it. */
async function inAppRepo<T>(work: (dir: string, git: (...a: string[]) => Promise<string>) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(project.dir, "clone-"));
  const git = async (...a: string[]) =>
    (await exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", ...a], { cwd: join(home, "repo"), env: gitEnv(home) })).stdout.trim();
  try {
    await exec("git", ["clone", "--quiet", "--branch", "main", appRepoUrl(), "repo"], { cwd: home, env: gitEnv(home) });
    return await work(join(home, "repo"), git);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Push `app-repo/` to the local git host as the app's repository; returns the commit. */
export async function pushAppRepo(dir: string, git: string, from = join(EXAMPLE, "app-repo")): Promise<string> {
  const work = await mkdtemp(join(dir, "app-"));
  await cp(from, work, { recursive: true });
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const run = (...a: string[]) => exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: work, env });
  await run("init", "--quiet");
  await run("add", "-A");
  await run("commit", "--quiet", "-m", "realtimeapp deploy overlays");
  await run("push", "--quiet", "--force", `${git.replace("http://", "http://dev:token@")}/iac/realtimeapp-infra.git`, "HEAD:refs/heads/main");
  const head = (await run("rev-parse", "HEAD")).stdout.trim();
  await rm(work, { recursive: true, force: true });
  return head;
}

before(async () => {
  project = await iacProject({ under: join(EXAMPLE, "test", ".tmp"), copy: { from: EXAMPLE, files: ["index.ts", "iac.yaml", "package.json"] }, env: { ...ENV, IAC_CONFIG_PASSPHRASE: "example-test" } });
  server = spawnIac(["local", "serve", "--port", "0"], { cwd: project.dir, env: ENV, stdin: "ignore" });
  served = finish(server);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));
  const file = join(project.dir, ".iac", "local", "endpoints.json");
  endpoints = JSON.parse(await readFile(file, "utf8")) as typeof endpoints;
  arm = new ResourceManagementClient(localCredential, endpoints.subscriptionId, { endpoint: endpoints.arm, tlsOptions: { ca: await readFile(endpoints.ca, "utf8") } });
  kube = new KubeClient(resolveSettings({ config: {}, env: { IAC_LOCAL_ENDPOINTS: file } }));
  await pushAppRepo(project.dir, endpoints.git);
  hook = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString("utf8")));
    req.on("end", () => {
      try {
        alerts.push(JSON.parse(text) as Record<string, any>);
      } catch {
        alerts.push({ unparsed: text });
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook!.listen(0, "127.0.0.1", r));
  const config = { manifests: MANIFESTS, fluxVersion: "v2.9.4", imageAutomation: "true", imageScanInterval: "2s", alertWebhook: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/flux` };
  for (const [key, value] of Object.entries(config)) {
    const set = await project.iac(["config", "set", key, value]);
    assert.equal(set.code, 0, show(set));
  }
  const token = await project.iac(["config", "set", "--secret", "receiverToken", RECEIVER_TOKEN]);
  assert.equal(token.code, 0, show(token));
});
after(async () => {
  server?.kill("SIGINT");
  await served;
  await new Promise((r) => (hook ? hook.close(r) : r(undefined)));
  await project?.remove();
});

/** `iac <args> --local`, which must exit with `code`. */
async function iac(args: readonly string[], code = 0): Promise<IacResult> {
  const r = await project.iac([...args, "--local"]);
  assert.equal(r.code, code, show(r));
  return r;
}

const ready = (o: Record<string, unknown> | undefined) =>
  ((o?.["status"] as { conditions?: { type: string; status: string; reason?: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === "Ready");

async function groups(): Promise<string[]> {
  const names: string[] = [];
  for await (const g of arm.resourceGroups.list()) names.push(g.name!);
  return names.filter((n) => n.startsWith("aks-flux"));
}

test("up creates the AKS cluster, bootstraps Flux through its kubeconfig, and Flux applies both overlays", async () => {
  const r = await iac(["up", "--yes"]);
  assert.ok(!(r.stdout + r.stderr).includes("local-cloud-accepts-any-token"), "the git token is not printed");
  const [group] = await groups();
  assert.ok(group, "the resource group exists");
  const types: string[] = [];
  for await (const x of arm.resources.listByResourceGroup(group)) types.push(x.type!);
  assert.deepEqual(types, ["Microsoft.ContainerService/managedClusters"]);

  for (const env of ["dev", "prod"]) {
    const ks = await kube.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: `realtimeapp-${env}` });
    assert.equal(ready(ks)?.status, "True", `realtimeapp-${env}: ${JSON.stringify(ready(ks))}`);
  }
  // The seed's overlays, built by kustomize: nameSuffix/namePrefix, images, patches.
  const image = async (ns: string, name: string) => {
    const d = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name });
    const spec = d?.["spec"] as { replicas: number; template: { spec: { containers: { image: string }[] } } };
    return { replicas: spec.replicas, image: spec.template.spec.containers[0]!.image };
  };
  assert.deepEqual(await image("realtime-dev", "realtime-dev"), { replicas: 2, image: "ghcr.io/example/realtime-go:1a2b3c4" });
  assert.deepEqual(await image("realtime-prod", "prod-realtime"), { replicas: 3, image: "registry.example.com/realtime-go:v1.4.0" });

  // The infrastructure layer is applied; the emulated cluster has no helm-controller and says so.
  const release = await kube.get({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: "flux-system", name: "podinfo" });
  await waitFor("the HelmRelease's Ready condition", async () => ready(await kube.get({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: "flux-system", name: "podinfo" })) !== undefined, 10_000);
  assert.ok(release, "the HelmRelease exists");
  const helmReady = ready(await kube.get({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: "flux-system", name: "podinfo" }));
  assert.deepEqual([helmReady?.status, helmReady?.reason], ["False", "LocalCloudUnsupported"]);

  // The cluster's kubeconfig is a secret output: masked, and never in plaintext under .iac/stacks.
  const out = await project.iac(["stack", "output", "--json"]);
  assert.equal(out.code, 0, show(out));
  assert.equal((JSON.parse(out.stdout) as { kubeconfig?: unknown }).kubeconfig, "[secret]");
  const shown = await project.iac(["stack", "output", "kubeconfig", "--show-secrets"]);
  assert.match(shown.stdout, /server: https:\/\/127\.0\.0\.1:\d+/);
  const token = /token: (\S+)/.exec(shown.stdout)?.[1];
  assert.ok(token, "the kubeconfig has a token");
  for (const name of await readdir(join(project.dir, ".iac", "stacks"), { recursive: true })) {
    const text = await readFile(join(project.dir, ".iac", "stacks", name), "utf8").catch(() => "");
    assert.ok(!text.includes(token), `the cluster's token is in plaintext in .iac/stacks/${name}`);
  }
});

const deploymentImage = async (ns: string, name: string) =>
  ((await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name }))?.["spec"] as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec
    .containers[0]?.image;

test("a CI build and a release pushed to the local registry become the automation's commit in the overlays and the Deployments' images", async () => {
  const host = new URL(endpoints.registry).host;
  const before = await inAppRepo((_dir, git) => git("rev-parse", "HEAD"));
  const pushed = await project.iac(["local", "push", `example/realtime-go:${BUILD}`]);
  assert.equal(pushed.code, 0, show(pushed));
  // A release (semver) is no build for dev; 0.9.0 is below prod's range; `latest` is neither.
  for (const tag of [RELEASE, "0.9.0", "latest"]) {
    const other = await project.iac(["local", "push", `example/realtime-go:${tag}`]);
    assert.equal(other.code, 0, show(other));
  }
  let image: string | undefined;
  await waitFor("the dev Deployment to run the new build", async () => (image = await deploymentImage("realtime-dev", "realtime-dev")) === `${host}/example/realtime-go:${BUILD}`, 60_000).catch(
    () => assert.fail(`the dev Deployment runs ${image}`),
  );
  await waitFor("the prod Deployment to run the new release", async () => (image = await deploymentImage("realtime-prod", "prod-realtime")) === `${host}/example/realtime-go:${RELEASE}`, 60_000).catch(
    () => assert.fail(`the prod Deployment runs ${image}`),
  );
  const commit = await inAppRepo(async (dir, git) => ({
    history: (await git("log", "--format=%H")).split("\n"),
    author: await git("log", "-1", "--format=%an <%ae>"),
    subject: await git("log", "-1", "--format=%s"),
    dev: await readFile(join(dir, "deploy", "overlays", "dev", "kustomization.yaml"), "utf8"),
    prod: await readFile(join(dir, "deploy", "overlays", "prod", "kustomization.yaml"), "utf8"),
  }));
  assert.ok(commit.history.slice(1).includes(before), "the automation's commits follow the one before the push");
  assert.deepEqual([commit.author, commit.subject], ["fluxbot <fluxbot@example.com>", "realtime-go: the newest build (dev) and release (prod)"]);
  assert.match(commit.dev, new RegExp(`newName: ${host.replace(/\./g, "\\.")}/example/realtime-go # \\{"\\$imagepolicy": "flux-system:realtime-go-dev:name"\\}`));
  assert.match(commit.dev, new RegExp(`newTag: ${BUILD} # \\{"\\$imagepolicy": "flux-system:realtime-go-dev:tag"\\}`));
  assert.match(commit.prod, new RegExp(`newName: ${host.replace(/\./g, "\\.")}/example/realtime-go # \\{"\\$imagepolicy": "flux-system:realtime-go-prod:name"\\}`));
  assert.match(commit.prod, new RegExp(`newTag: ${RELEASE} # \\{"\\$imagepolicy": "flux-system:realtime-go-prod:tag"\\}`));
});

test("a preview after up finds nothing to change", async () => {
  await iac(["preview", "--expect-no-changes"]);
});

test("a broken dev overlay pushed to git and announced to the Receiver raises the Alert on the webhook; fixing it makes dev Ready again", async () => {
  const isDevFailure = (e: Record<string, any>) => e["involvedObject"]?.kind === "Kustomization" && e["involvedObject"]?.name === "realtimeapp-dev" && e["severity"] === "error";
  assert.deepEqual(alerts.filter(isDevFailure), [], "no failure before the overlay breaks");
  const file = join("deploy", "overlays", "dev", "kustomization.yaml");
  await inAppRepo(async (dir, git) => {
    const text = await readFile(join(dir, file), "utf8");
    await writeFile(join(dir, file), text.replace("- ../../bases/realtimeapp\n", "- ../../bases/realtimeapp\n- missing.yaml\n"));
    await git("commit", "--quiet", "-am", "dev: a resource that does not exist");
    await git("push", "--quiet", "origin", "HEAD:main");
  });
  try {
    // As the git host's push webhook: a POST to the Receiver's path asks the GitRepository to reconcile.
    const receiver = await kube.get({ apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", namespace: "flux-system", name: "git-push" });
    const path = `/hook/${createHash("sha256").update(`${RECEIVER_TOKEN}git-pushflux-system`).digest("hex")}`;
    assert.equal((receiver?.["status"] as { webhookPath?: string } | undefined)?.webhookPath, path);
    assert.ok(endpoints.fluxWebhooks, "endpoints.json names the webhook receiver");
    const res = await fetch(`${endpoints.fluxWebhooks}${path}`, { method: "POST", body: JSON.stringify({ ref: "refs/heads/main" }) });
    assert.equal(res.status, 200, await res.text());
    const source = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "flux-system", name: "realtimeapp-infra" };
    await waitFor("the GitRepository to handle the Receiver's request", async () => {
      const g = await kube.get(source);
      const asked = (g?.["metadata"] as { annotations?: Record<string, string> } | undefined)?.annotations?.["reconcile.fluxcd.io/requestedAt"];
      return asked !== undefined && (g?.["status"] as { lastHandledReconcileAt?: string } | undefined)?.lastHandledReconcileAt === asked;
    }, 30_000);
    await waitFor("the webhook to receive realtimeapp-dev's failure", async () => alerts.some(isDevFailure), 60_000);
    const event = alerts.find(isDevFailure)!;
    assert.equal(event["involvedObject"].namespace, "flux-system");
    assert.equal(event["reportingController"], "kustomize-controller");
    assert.match(String(event["message"]), /missing\.yaml/);
    assert.equal(event["metadata"]?.["cluster"], "aks", "the Alert's eventMetadata");
    assert.ok(!alerts.some((e) => e["involvedObject"]?.name === "realtimeapp-prod"), "prod is not broken");
  } finally {
    // Reverted even when the alert did not come, so that the tests after this one see a sound repository.
    await inAppRepo(async (_dir, git) => {
      await git("revert", "--no-edit", "HEAD");
      await git("push", "--quiet", "origin", "HEAD:main");
    });
  }
  await waitFor("realtimeapp-dev to be Ready again", async () => ready(await kube.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "realtimeapp-dev" }))?.status === "True", 60_000);
});

/** The image objects' deletes and the start of `type`'s update, as indexes in an `up --json`'s events. */
function imageDeletesAndUpdate(r: IacResult, type: (t: string) => boolean): { deletes: number[]; update: number } {
  const events = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { kind: string; step?: { type: string; kind: string } });
  return {
    deletes: events.flatMap((e, i) => (e.kind === "step-done" && e.step?.kind === "delete" && /:Image(Repository|Policy|UpdateAutomation)$/.test(e.step.type) ? [i] : [])),
    update: events.findIndex((e) => e.kind === "step-start" && e.step?.kind === "update" && type(e.step.type)),
  };
}

const imageDeployments = async () => (await kube.list("apps/v1", "Deployment", { namespace: "flux-system" })).map((d) => String(d.metadata.name)).filter((n) => n.startsWith("image-")).sort();

async function noImageObjects(): Promise<void> {
  for (const kind of ["ImageRepository", "ImagePolicy", "ImageUpdateAutomation"]) {
    assert.deepEqual((await kube.list("image.toolkit.fluxcd.io/v1", kind, { namespace: "flux-system" })).map((o) => o.metadata.name), [], `no ${kind} is left`);
  }
}

test("image automation turned off in one up: the image objects go while their controllers run, then FluxBootstrap's update drops componentsExtra", async () => {
  const set = await project.iac(["config", "set", "imageAutomation", "false"]);
  assert.equal(set.code, 0, show(set));
  const r = await iac(["up", "--yes", "--json"]);
  const { deletes, update } = imageDeletesAndUpdate(r, (t) => t === "flux:index:FluxBootstrap");
  assert.equal(deletes.length, 4, show(r));
  assert.ok(update >= 0, show(r));
  assert.ok(Math.max(...deletes) < update, "the image objects are deleted before FluxBootstrap's update starts");
  await noImageObjects();
  assert.deepEqual(await imageDeployments(), [], "FluxBootstrap's update removed the image controllers");
});

test("destroy uninstalls Flux before the cluster goes and leaves nothing in ARM or Kubernetes", async () => {
  const r = await iac(["destroy", "--yes", "--json"]);
  const events = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { kind: string; step?: { type: string; kind: string } });
  const at = (kind: string, type: string) => events.findIndex((e) => e.kind === kind && e.step?.type === type && e.step.kind === "delete");
  const fluxGone = at("step-done", "flux:index:FluxBootstrap");
  const clusterStarts = at("step-start", "azure:containerservice:ManagedCluster");
  assert.ok(fluxGone >= 0 && clusterStarts >= 0, show(r));
  assert.ok(fluxGone < clusterStarts, "Flux is uninstalled before the cluster is deleted");

  assert.deepEqual(await groups(), []);
  const clusters: string[] = [];
  for await (const x of arm.resources.list()) if (x.type === "Microsoft.ContainerService/managedClusters") clusters.push(x.id!);
  assert.deepEqual(clusters, []);
  const crds = await kube.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
  assert.deepEqual(crds.map((c) => c.metadata.name).filter((n) => String(n).endsWith(".toolkit.fluxcd.io")), []);
  await waitFor("the namespaces to go", async () => {
    const left = (await kube.list("v1", "Namespace", {})).map((n) => n.metadata.name).filter((n) => n === "flux-system" || n === "infra" || String(n).startsWith("realtime-"));
    return left.length === 0;
  }, 30_000);
});

let extensionId = "";
let configId = "";

test("with flux: extension, AKS's managed Flux installs Flux and the FluxConfiguration applies both overlays", async () => {
  for (const args of [["stack", "init", "extension"], ["config", "set", "flux", "extension"], ["config", "set", "imageScanInterval", "2s"]]) {
    const r = await project.iac(args);
    assert.equal(r.code, 0, show(r));
  }
  await iac(["up", "--yes"]);
  const [group] = await groups();
  assert.ok(group, "the resource group exists");
  let clusterId = "";
  for await (const x of arm.resources.listByResourceGroup(group)) if (x.type === "Microsoft.ContainerService/managedClusters") clusterId = x.id!;
  extensionId = `${clusterId}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
  configId = `${clusterId}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/realtimeapp`;
  const extension = (await arm.resources.getById(extensionId, "2025-03-01")) as { properties?: { provisioningState?: string; extensionType?: string; configurationSettings?: Record<string, string> } };
  assert.deepEqual([extension.properties?.extensionType, extension.properties?.provisioningState], ["microsoft.flux", "Succeeded"]);
  // Image automation is on by default under --local: the extension's settings turn AKS's image controllers on.
  assert.deepEqual(extension.properties?.configurationSettings, { "image-reflector-controller.enabled": "true", "image-automation-controller.enabled": "true" });
  for (const name of ["image-reflector-controller", "image-automation-controller"]) {
    assert.ok(await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "flux-system", name }), `the extension installed ${name}`);
  }
  let config: { properties?: { complianceState?: string; sourceSyncedCommitId?: string; statuses?: unknown[] } } = {};
  await waitFor("the FluxConfiguration to be Compliant", async () => {
    config = (await arm.resources.getById(configId, "2025-04-01")) as typeof config;
    return config.properties?.complianceState === "Compliant";
  }, 60_000).catch(() => undefined);
  assert.equal(config.properties?.complianceState, "Compliant", JSON.stringify(config.properties?.statuses));
  assert.match(String(config.properties?.sourceSyncedCommitId), /^main@sha1:[0-9a-f]{40}$/);
  for (const env of ["dev", "prod"]) {
    const ks = await kube.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: `realtimeapp-${env}` });
    assert.equal(ready(ks)?.status, "True", `realtimeapp-${env}`);
  }
  const d = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "realtime-prod", name: "prod-realtime" });
  assert.equal((d?.["spec"] as { replicas?: number }).replicas, 3);
  // The git token went to Azure as a protected setting (base64): it reached the cluster's Secret,
  // and neither iac's state nor the local ARM's keeps it in plaintext.
  const token = "local-cloud-accepts-any-token";
  const auth = await kube.get({ apiVersion: "v1", kind: "Secret", namespace: "flux-system", name: "realtimeapp-auth" });
  assert.equal(Buffer.from(String((auth?.["data"] as Record<string, string> | undefined)?.["password"]), "base64").toString(), token);
  for (const name of await readdir(join(project.dir, ".iac"), { recursive: true })) {
    if (name.startsWith("local/kubernetes")) continue; // the cluster's own store holds the Secret, as etcd does
    const text = await readFile(join(project.dir, ".iac", name), "utf8").catch(() => "");
    for (const form of [token, Buffer.from(token).toString("base64")]) assert.ok(!text.includes(form), `the git token is in plaintext in .iac/${name}`);
  }
});

test("with flux: extension, a CI build pushed to the local registry becomes the automation's commit on the configuration's GitRepository and the dev Deployment's image", async () => {
  const host = new URL(endpoints.registry).host;
  const automation = await kube.get({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageUpdateAutomation", namespace: "flux-system", name: "realtimeapp" });
  assert.deepEqual((automation?.["spec"] as { sourceRef?: unknown } | undefined)?.sourceRef, { kind: "GitRepository", name: "realtimeapp" }, "the automation pushes through the fluxConfiguration's GitRepository");
  const before = await inAppRepo((_dir, git) => git("rev-parse", "HEAD"));
  const pushed = await project.iac(["local", "push", `example/realtime-go:${LATER_BUILD}`]);
  assert.equal(pushed.code, 0, show(pushed));
  let image: string | undefined;
  await waitFor("the dev Deployment to run the later build", async () => (image = await deploymentImage("realtime-dev", "realtime-dev")) === `${host}/example/realtime-go:${LATER_BUILD}`, 60_000).catch(
    () => assert.fail(`the dev Deployment runs ${image}`),
  );
  const commit = await inAppRepo(async (dir, git) => ({
    history: (await git("log", "--format=%H")).split("\n"),
    author: await git("log", "-1", "--format=%an <%ae>"),
    dev: await readFile(join(dir, "deploy", "overlays", "dev", "kustomization.yaml"), "utf8"),
  }));
  assert.ok(commit.history.slice(1).includes(before), "the automation's commit follows the one before the push");
  assert.equal(commit.author, "fluxbot <fluxbot@example.com>");
  assert.match(commit.dev, new RegExp(`newTag: ${LATER_BUILD} # \\{"\\$imagepolicy": "flux-system:realtime-go-dev:tag"\\}`));
});

test("with flux: extension, a preview after up finds nothing to change", async () => {
  await iac(["preview", "--expect-no-changes"]);
});

test("with flux: extension, image automation turned off in one up: the image objects go while their controllers run, then the extension's update removes the controllers", async () => {
  const set = await project.iac(["config", "set", "imageAutomation", "false"]);
  assert.equal(set.code, 0, show(set));
  const r = await iac(["up", "--yes", "--json"]);
  const { deletes, update } = imageDeletesAndUpdate(r, (t) => t.endsWith(":Extension"));
  assert.equal(deletes.length, 4, show(r));
  assert.ok(update >= 0, show(r));
  assert.ok(Math.max(...deletes) < update, "the image objects are deleted before the extension's update starts");
  await noImageObjects();
  assert.deepEqual(await imageDeployments(), [], "the extension's update removed the image controllers");
  const extension = (await arm.resources.getById(extensionId, "2025-03-01")) as { properties?: { configurationSettings?: unknown } };
  assert.equal(extension.properties?.configurationSettings, undefined);
});

test("with flux: extension, destroy removes the configuration, uninstalls Flux and leaves nothing", async () => {
  await iac(["destroy", "--yes"]);
  assert.deepEqual(await groups(), []);
  for (const [id, version] of [[configId, "2025-04-01"], [extensionId, "2025-03-01"]] as const) {
    const gone = await arm.resources.getById(id, version).then(() => "still there", (e: { statusCode?: number }) => e.statusCode);
    assert.equal(gone, 404, id);
  }
  await waitFor("Flux and the app's namespaces to go", async () => {
    const crds = (await kube.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {})).map((c) => String(c.metadata.name)).filter((n) => n.endsWith(".toolkit.fluxcd.io"));
    const namespaces = (await kube.list("v1", "Namespace", {})).map((n) => String(n.metadata.name)).filter((n) => n === "flux-system" || n === "infra" || n.startsWith("realtime-"));
    return crds.length === 0 && namespaces.length === 0;
  }, 30_000);
});

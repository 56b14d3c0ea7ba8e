/**
 * Conformance scenario `aks-flux`: the program of examples/aks-flux, unchanged, whole, both ways.
 *
 * First FluxBootstrap through the AKS cluster's own kubeconfig (the local ARM hands out the local
 * cloud's credentials, so on the real cluster its real token) with all of the program: Flux's
 * install.yaml with the image controllers, the seed's overlays applied by Flux, image automation on
 * the local registry (a build pushed with `iac local push` -> the automation's commit in git -> the
 * dev Deployment; a release -> prod), the Alert on a webhook on loopback (a broken overlay), the git
 * push Receiver (a POST to its path -> the GitRepository fetches now), the infrastructure layer's
 * HelmRelease of a chart served on loopback (the example's default is on the internet); destroy
 * uninstalls Flux before the cluster goes. Then `flux: extension`: the local ARM's microsoft.flux
 * extension installs Flux on that Kubernetes API (the image controllers too: the program's
 * `imageAutomation` sets the extension's settings) and the fluxConfiguration's objects apply the same
 * overlays, with the compliance AKS reports; a later build pushed -> fluxbot's commit through the
 * configuration's GitRepository -> the dev Deployment; destroy. Both ways, image automation is then
 * turned off in one `up`: the image objects' deletes end before Flux's update (FluxBootstrap's
 * componentsExtra, the extension's settings) removes the controllers that remove their finalizers.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { it } from "node:test";
import { promisify } from "node:util";
import { ResourceManagementClient } from "@azure/arm-resources";
import { localCredential } from "@iac/azure";
import { condition, pushRepo, serveHelmRepository, waitUntil, type HelmRepositoryServer, type Observation, type Stack } from "./harness.js";
import { FLUX_INSTALL_MANIFESTS, HERE, scenario, type ScenarioRun } from "./scenario.js";

const exec = promisify(execFile);
const EXAMPLE = join(HERE, "..", "..", "examples", "aks-flux");
// What the microsoft.flux extension installs (read by `iac local serve`, which inherits it).
process.env["IAC_LOCAL_FLUX_MANIFESTS"] ??= FLUX_INSTALL_MANIFESTS;
/** A CI build (`sha-<short sha>-<unix time>`, dev's policy) and a release (semver, prod's `>=1.0.0`); the others match neither. */
const BUILD = "sha-5d6e7f8-1700000500";
const RELEASE = "v1.5.0";
/** A later build, pushed while the managed extension's image controllers run. */
const LATER_BUILD = "sha-9c8d7e6-1700000900";
const NEITHER = ["0.9.0", "latest"];
const RECEIVER_TOKEN = "receiver-token-for-the-scenario";
const ENVS = ["dev", "prod"] as const;
const KS = (env: string) => ({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: `realtimeapp-${env}` });
const APP_SOURCE = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "flux-system", name: "realtimeapp-infra" };

/** The alerts the program's notification Provider posted to the webhook on loopback. */
let hook: Server | undefined;
const alerts: Record<string, any>[] = [];
/** The infrastructure layer's chart repository, on loopback. */
let charts: HelmRepositoryServer | undefined;

const readyOf = (o: Record<string, unknown> | undefined) => `${condition(o, "Ready")?.status ?? "absent"}/${condition(o, "Ready")?.reason ?? ""}`;
const registryHost = (stack: Stack) => new URL(stack.registry ?? assert.fail("the local cloud serves no registry")).host;
/** Registry ports differ per target: `<registry>` in observations. */
const normalize = (stack: Stack, v: unknown) => JSON.parse(JSON.stringify(v ?? "absent").split(registryHost(stack)).join("<registry>")) as unknown;

async function deployments(stack: Stack, env: string): Promise<{ name?: string; replicas?: number; images: string[] }[]> {
  const list = await stack.client.list("apps/v1", "Deployment", { namespace: `realtime-${env}` });
  return list
    .map((d) => {
      const spec = d["spec"] as { replicas?: number; template: { spec: { containers: { image: string }[] } } };
      return { name: d.metadata.name, replicas: spec.replicas, images: spec.template.spec.containers.map((c) => c.image) };
    })
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

async function observeApp(stack: Stack, prefix: string): Promise<Observation> {
  const o: Observation = {};
  for (const env of ENVS) {
    o[`${prefix}.${env}.kustomization.ready`] = readyOf(await stack.client.get(KS(env)));
    o[`${prefix}.${env}.deployments`] = normalize(stack, await deployments(stack, env));
  }
  return o;
}

async function settle(stack: Stack, timeoutMs: number): Promise<void> {
  await waitUntil("the app's Kustomizations to be Ready", async () => {
    for (const env of ENVS) if (condition(await stack.client.get(KS(env)), "Ready")?.status !== "True") return undefined;
    return true;
  }, timeoutMs).catch(() => undefined);
}

/** Clone the app repository, run `work` in the clone (git as Dev), remove it. */
async function inAppRepo<T>(run: ScenarioRun, work: (dir: string, git: (...a: string[]) => Promise<string>) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(run.project.dir, "clone-"));
  const env = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const dir = join(home, "repo");
  const git = async (...a: string[]) => (await exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", ...a], { cwd: dir, env })).stdout.trim();
  try {
    await exec("git", ["clone", "--quiet", "--branch", "main", `${run.stack.git.replace("http://", "http://dev:token@")}/iac/realtimeapp-infra.git`, "repo"], { cwd: home, env });
    return await work(dir, git);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function observeGone(run: ScenarioRun, prefix: string): Promise<void> {
  const crds = await run.stack.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
  run.o[`${prefix}.destroy.fluxCrds`] = crds.map((x) => x.metadata.name ?? "").filter((n) => n.endsWith(".toolkit.fluxcd.io")).sort();
  const ours = async () => (await run.stack.client.list("v1", "Namespace", {})).map((n) => n.metadata.name ?? "").filter((n) => n === "flux-system" || n === "infra" || n.startsWith("realtime-")).sort();
  await waitUntil("the namespaces to go", async () => ((await ours()).length === 0 ? true : undefined), run.timeout(120_000)).catch(() => undefined);
  run.o[`${prefix}.destroy.namespaces`] = await ours();
  assert.deepEqual(run.o[`${prefix}.destroy.fluxCrds`], [], "Flux's CRDs are uninstalled");
  assert.deepEqual(run.o[`${prefix}.destroy.namespaces`], [], "flux-system and the app's namespaces are gone");
}

/**
 * Image automation turned off in one `up --json` (`imageAutomation false`): the image objects' deletes
 * all end before the update of `flux` (FluxBootstrap, or the extension) starts, so their controllers
 * still remove their Flux finalizers; then no image object and no image controller is left.
 */
async function imageAutomationOff(run: ScenarioRun, prefix: string, isFlux: (type: string) => boolean): Promise<void> {
  await run.config({ imageAutomation: "false" });
  const r = await run.iac(["up", "--local", "--yes", "--json"]);
  run.o[`${prefix}.imageOff.exitCode`] = r.code;
  assert.equal(r.code, 0, run.explain(r));
  const events = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { kind: string; step?: { type: string; kind: string } });
  const deletes = events.flatMap((e, i) => (e.kind === "step-done" && e.step?.kind === "delete" && /:Image(Repository|Policy|UpdateAutomation)$/.test(e.step.type) ? [i] : []));
  const update = events.findIndex((e) => e.kind === "step-start" && e.step?.kind === "update" && isFlux(e.step.type));
  run.o[`${prefix}.imageOff.deletes`] = deletes.length;
  run.o[`${prefix}.imageOff.deletesBeforeFluxUpdate`] = update >= 0 && deletes.length > 0 && Math.max(...deletes) < update;
  const left = async () => {
    const objects: string[] = [];
    for (const kind of ["ImageRepository", "ImagePolicy", "ImageUpdateAutomation"]) {
      // The image CRDs may be gone with the image controllers (FluxBootstrap's componentsExtra): nothing is left then.
      const list = await run.stack.client.list("image.toolkit.fluxcd.io/v1", kind, { namespace: "flux-system" }).catch(() => []);
      objects.push(...list.map((o) => `${kind}/${o.metadata.name ?? ""}`));
    }
    const controllers = (await run.stack.client.list("apps/v1", "Deployment", { namespace: "flux-system" })).map((d) => d.metadata.name ?? "").filter((n) => n.startsWith("image-"));
    return { objects: objects.sort(), controllers: controllers.sort() };
  };
  await waitUntil("the image controllers to go", async () => ((await left()).controllers.length === 0 ? true : undefined), run.timeout(120_000, 30_000)).catch(() => undefined);
  const now = await left();
  run.o[`${prefix}.imageOff.imageObjects`] = now.objects;
  run.o[`${prefix}.imageOff.imageControllers`] = now.controllers;
  assert.equal(run.o[`${prefix}.imageOff.deletes`], 4, run.explain(r));
  assert.equal(run.o[`${prefix}.imageOff.deletesBeforeFluxUpdate`], true, run.explain(r));
  assert.deepEqual(now, { objects: [], controllers: [] });
}

async function armClient(run: ScenarioRun): Promise<ResourceManagementClient> {
  const ep = JSON.parse(await readFile(run.stack.endpointsFile, "utf8")) as { arm: string; ca: string; subscriptionId: string };
  return new ResourceManagementClient(localCredential, ep.subscriptionId, { endpoint: ep.arm, tlsOptions: { ca: await readFile(ep.ca, "utf8") } });
}

scenario("aks-flux", {
  program: "seed-gitops",
  async setup(run) {
    // The example's own program and app repository, not copies kept under programs/.
    await copyFile(join(EXAMPLE, "index.ts"), join(run.project.dir, "index.ts"));
    await pushRepo(run.stack.git, "iac/realtimeapp-infra.git", join(EXAMPLE, "app-repo"), run.project.dir);
    alerts.length = 0;
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
    charts = await serveHelmRepository(join(HERE, "fixtures", "charts"), run.project.dir);
    const token = await run.iac(["config", "set", "--secret", "receiverToken", RECEIVER_TOKEN]);
    assert.equal(token.code, 0, run.explain(token));
    return {
      manifests: FLUX_INSTALL_MANIFESTS,
      fluxVersion: "v2.9.4",
      imageAutomation: "true",
      imageScanInterval: "5s",
      alertWebhook: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/flux`,
      chartRepoUrl: charts.url,
      chart: "hello",
      chartVersion: "0.1.x",
    };
  },
  teardown: async () => {
    await new Promise((r) => (hook ? hook.close(r) : r(undefined)));
    await charts?.close();
  },
}, (run) => {
  it("FluxBootstrap through the AKS cluster's kubeconfig applies both overlays, with the Receiver's webhook path", async () => {
    const r = await run.up();
    run.o["bootstrap.up.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    await settle(run.stack, run.timeout(180_000, 60_000));
    const o = await observeApp(run.stack, "bootstrap");
    Object.assign(run.o, o);
    const receiver = await waitUntil("the Receiver to be Ready", async () => {
      const x = await run.stack.client.get({ apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", namespace: "flux-system", name: "git-push" });
      return condition(x, "Ready")?.status === "True" ? x : undefined;
    }, run.timeout(120_000)).catch(() => undefined);
    const path = (receiver?.["status"] as { webhookPath?: string } | undefined)?.webhookPath;
    run.o["bootstrap.receiver.webhookPath"] = path === `/hook/${createHash("sha256").update(`${RECEIVER_TOKEN}git-pushflux-system`).digest("hex")}` ? "sha256(token+name+namespace)" : path ?? "absent";
    assert.equal(o["bootstrap.dev.kustomization.ready"], "True/ReconciliationSucceeded");
    assert.equal(o["bootstrap.prod.kustomization.ready"], "True/ReconciliationSucceeded");
    assert.deepEqual(o["bootstrap.prod.deployments"], [
      { name: "prod-realtime", replicas: 3, images: ["registry.example.com/realtime-go:v1.4.0"] },
      { name: "prod-redis", replicas: 1, images: ["redis:7-alpine"] },
    ]);
    assert.equal(run.o["bootstrap.receiver.webhookPath"], "sha256(token+name+namespace)");
  });

  it("the infrastructure layer: the HelmRelease installs the chart into infra (the real helm-controller; the emulation says it has none)", async () => {
    const release = { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: "flux-system", name: "hello" };
    // iac does not wait for Helm kinds: wait here.
    await waitUntil("the HelmRelease to be Ready (or to say the local cloud cannot)", async () => {
      const ready = condition(await run.stack.client.get(release), "Ready");
      return ready?.status === "True" || ready?.reason === "LocalCloudUnsupported" ? true : undefined;
    }, run.timeout(240_000, 20_000)).catch(() => undefined);
    run.o["helm.release.ready"] = readyOf(await run.stack.client.get(release));
    run.o["helm.infra.deployments"] = (await run.stack.client.list("apps/v1", "Deployment", { namespace: "infra" })).map((d) => `${d.metadata.name} x${String((d["spec"] as { replicas?: number }).replicas)}`).sort();
    assert.equal(run.o["helm.release.ready"], run.real ? "True/InstallSucceeded" : "False/LocalCloudUnsupported");
    assert.deepEqual(run.o["helm.infra.deployments"], run.real ? ["infra-hello x1"] : []);
  });

  it("a build and a release pushed to the local registry (iac local push) reach git (fluxbot's commit) and the dev and prod Deployments", async () => {
    const host = registryHost(run.stack);
    const before = await inAppRepo(run, (_dir, git) => git("rev-parse", "HEAD"));
    for (const tag of [BUILD, RELEASE, ...NEITHER]) {
      const pushed = await run.iac(["local", "push", `example/realtime-go:${tag}`]);
      assert.equal(pushed.code, 0, run.explain(pushed));
    }
    const image = async (env: string) => (await deployments(run.stack, env)).find((d) => d.name?.includes("realtime"))?.images[0];
    await waitUntil("the new images in dev and prod", async () => ((await image("dev")) === `${host}/example/realtime-go:${BUILD}` && (await image("prod")) === `${host}/example/realtime-go:${RELEASE}` ? true : undefined), run.timeout(300_000, 60_000)).catch(() => undefined);
    // Then the Kustomizations' health checks of the new Deployments.
    await settle(run.stack, run.timeout(180_000, 60_000));
    Object.assign(run.o, await observeApp(run.stack, "push"));
    const commit = await inAppRepo(run, async (dir, git) => ({
      parentIsBefore: (await git("log", "--format=%H")).split("\n").includes(before),
      author: await git("log", "-1", "--format=%an <%ae>"),
      subject: await git("log", "-1", "--format=%s"),
      dev: normalize(run.stack, (await readFile(join(dir, "deploy", "overlays", "dev", "kustomization.yaml"), "utf8")).split("\n").filter((l) => l.includes("$imagepolicy"))),
      prod: normalize(run.stack, (await readFile(join(dir, "deploy", "overlays", "prod", "kustomization.yaml"), "utf8")).split("\n").filter((l) => l.includes("$imagepolicy"))),
    }));
    run.o["push.git.head"] = commit;
    assert.deepEqual(run.o["push.dev.deployments"], [
      { name: "realtime-dev", replicas: 2, images: [`<registry>/example/realtime-go:${BUILD}`] },
      { name: "redis-dev", replicas: 1, images: ["redis:7-alpine"] },
    ]);
    assert.deepEqual((run.o["push.prod.deployments"] as { images: string[] }[])[0]!.images, [`<registry>/example/realtime-go:${RELEASE}`]);
    assert.deepEqual([commit.parentIsBefore, commit.author, commit.subject], [true, "fluxbot <fluxbot@example.com>", "realtime-go: the newest build (dev) and release (prod)"]);
    assert.deepEqual(commit.dev, [
      `  newName: <registry>/example/realtime-go # {"$imagepolicy": "flux-system:realtime-go-dev:name"}`,
      `  newTag: ${BUILD} # {"$imagepolicy": "flux-system:realtime-go-dev:tag"}`,
    ]);
    assert.deepEqual(commit.prod, [
      `  newName: <registry>/example/realtime-go # {"$imagepolicy": "flux-system:realtime-go-prod:name"}`,
      `  newTag: ${RELEASE} # {"$imagepolicy": "flux-system:realtime-go-prod:tag"}`,
    ]);
  });

  it("a broken dev overlay pushed to git, announced to the Receiver, raises the Alert on the webhook; reverted, dev is Ready again", async () => {
    const isDevFailure = (e: Record<string, any>) => e["involvedObject"]?.kind === "Kustomization" && e["involvedObject"]?.name === "realtimeapp-dev" && e["severity"] === "error";
    assert.deepEqual(alerts.filter(isDevFailure), [], "no failure before the overlay breaks");
    const file = join("deploy", "overlays", "dev", "kustomization.yaml");
    const webhooks = (JSON.parse(await readFile(run.stack.endpointsFile, "utf8")) as { fluxWebhooks?: string }).fluxWebhooks;
    run.o["receiver.served"] = webhooks !== undefined;
    assert.ok(webhooks, "endpoints.json names the notification-controller's webhook receiver (fluxWebhooks)");
    const path = `/hook/${createHash("sha256").update(`${RECEIVER_TOKEN}git-pushflux-system`).digest("hex")}`;
    const announce = async (): Promise<void> => {
      // As a git host's push webhook: any POST to a generic Receiver's path asks for a reconcile of its resources.
      const res = await fetch(`${webhooks}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ref: "refs/heads/main" }) });
      run.o["receiver.post.status"] = res.status;
      assert.equal(res.status, 200, `POST ${path}: ${res.status} ${await res.text()}`);
    };
    const head = await inAppRepo(run, async (dir, git) => {
      const text = await readFile(join(dir, file), "utf8");
      await writeFile(join(dir, file), text.replace("- ../../bases/realtimeapp\n", "- ../../bases/realtimeapp\n- missing.yaml\n"));
      await git("commit", "--quiet", "-am", "dev: a resource that does not exist");
      await git("push", "--quiet", "origin", "HEAD:main");
      return git("rev-parse", "HEAD");
    });
    try {
      await announce();
      // The Receiver annotated the GitRepository; the source-controller handled that request and fetched the push.
      const source = await waitUntil("the GitRepository to handle the Receiver's reconcile request", async () => {
        const g = await run.stack.client.get(APP_SOURCE);
        const asked = (g?.["metadata"] as { annotations?: Record<string, string> } | undefined)?.annotations?.["reconcile.fluxcd.io/requestedAt"];
        const status = g?.["status"] as { lastHandledReconcileAt?: string; artifact?: { revision?: string } } | undefined;
        return asked !== undefined && status?.lastHandledReconcileAt === asked ? status : undefined;
      }, run.timeout(120_000, 30_000)).catch(() => undefined);
      run.o["receiver.requestHandled"] = source !== undefined;
      run.o["receiver.fetchedThePush"] = source?.artifact?.revision === `main@sha1:${head}`;
      await waitUntil("the webhook to receive realtimeapp-dev's failure", async () => (alerts.some(isDevFailure) ? true : undefined), run.timeout(180_000, 60_000)).catch(() => undefined);
      const event = alerts.find(isDevFailure);
      run.o["alert.received"] = event !== undefined;
      run.o["alert.event"] = event
        ? { involvedObject: event["involvedObject"]?.namespace, reportingController: event["reportingController"], namesMissingFile: /missing\.yaml/.test(String(event["message"])), metadataCluster: event["metadata"]?.["cluster"] }
        : "absent";
      run.o["alert.prodQuiet"] = !alerts.some((e) => e["involvedObject"]?.name === "realtimeapp-prod");
      assert.equal(run.o["receiver.requestHandled"], true, "the Receiver's POST made the GitRepository reconcile");
      assert.equal(run.o["receiver.fetchedThePush"], true, `the GitRepository fetched ${head}: ${JSON.stringify(source)}`);
      assert.deepEqual(run.o["alert.event"], { involvedObject: "flux-system", reportingController: "kustomize-controller", namesMissingFile: true, metadataCluster: "aks" });
      assert.equal(run.o["alert.prodQuiet"], true, "prod is not broken");
    } finally {
      // Reverted even when the alert did not come, so that the steps after this one see a sound repository.
      await inAppRepo(run, async (_dir, git) => {
        await git("revert", "--no-edit", "HEAD");
        await git("push", "--quiet", "origin", "HEAD:main");
      });
      await announce().catch(() => undefined);
    }
    await waitUntil("realtimeapp-dev to be Ready again", async () => (condition(await run.stack.client.get(KS("dev")), "Ready")?.status === "True" ? true : undefined), run.timeout(180_000, 60_000)).catch(() => undefined);
    run.o["alert.afterRevert.dev.ready"] = readyOf(await run.stack.client.get(KS("dev")));
    assert.equal(run.o["alert.afterRevert.dev.ready"], "True/ReconciliationSucceeded");
  });

  it("image automation turned off in one up: the image objects go while their controllers still run, then FluxBootstrap's update drops them", async () => {
    await imageAutomationOff(run, "bootstrap", (t) => t === "flux:index:FluxBootstrap");
  });

  it("destroy uninstalls Flux before the cluster goes, and leaves nothing", async () => {
    const r = await run.iac(["destroy", "--local", "--yes", "--json"]);
    run.o["bootstrap.destroy.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    const events = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { kind: string; step?: { type: string; kind: string } });
    const at = (kind: string, type: string) => events.findIndex((e) => e.kind === kind && e.step?.type === type && e.step.kind === "delete");
    const fluxGone = at("step-done", "flux:index:FluxBootstrap");
    const clusterStarts = at("step-start", "azure:containerservice:ManagedCluster");
    run.o["bootstrap.destroy.fluxBeforeCluster"] = fluxGone >= 0 && clusterStarts >= 0 && fluxGone < clusterStarts;
    assert.equal(run.o["bootstrap.destroy.fluxBeforeCluster"], true, run.explain(r));
    await observeGone(run, "bootstrap");
  });

  it("flux: extension: the microsoft.flux extension (image controllers enabled by its settings) and the fluxConfiguration apply both overlays", async () => {
    // AKS's managed Flux, with image automation: the extension's settings install the image controllers.
    await run.config({ flux: "extension", imageAutomation: "true" });
    const r = await run.up();
    run.o["extension.up.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    await settle(run.stack, run.timeout(240_000, 60_000));
    Object.assign(run.o, await observeApp(run.stack, "extension"));
    const arm = await armClient(run);
    let config = "";
    for await (const g of arm.resourceGroups.list()) {
      for await (const x of arm.resources.listByResourceGroup(g.name!)) {
        if (x.type === "Microsoft.ContainerService/managedClusters") config = `${x.id}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/realtimeapp`;
      }
    }
    const compliance = await waitUntil("the fluxConfiguration to be Compliant", async () => {
      const c = (await arm.resources.getById(config, "2025-04-01")) as { properties?: { complianceState?: string } };
      return c.properties?.complianceState === "Compliant" ? c.properties.complianceState : undefined;
    }, run.timeout(120_000, 30_000), 1000).catch(() => "not Compliant");
    run.o["extension.fluxConfiguration.complianceState"] = compliance;
    run.o["extension.controllers"] = (await run.stack.client.list("apps/v1", "Deployment", { namespace: "flux-system" })).map((d) => d.metadata.name ?? "").sort();
    assert.equal(run.o["extension.dev.kustomization.ready"], "True/ReconciliationSucceeded");
    assert.equal(compliance, "Compliant");
    assert.deepEqual(run.o["extension.controllers"], ["helm-controller", "image-automation-controller", "image-reflector-controller", "kustomize-controller", "notification-controller", "source-controller"]);
  });

  it("flux: extension: a later build pushed to the local registry reaches git through the fluxConfiguration's GitRepository and the dev Deployment", async () => {
    const host = registryHost(run.stack);
    const before = await inAppRepo(run, (_dir, git) => git("rev-parse", "HEAD"));
    const pushed = await run.iac(["local", "push", `example/realtime-go:${LATER_BUILD}`]);
    assert.equal(pushed.code, 0, run.explain(pushed));
    const image = async () => (await deployments(run.stack, "dev")).find((d) => d.name?.includes("realtime"))?.images[0];
    await waitUntil("the later build in dev", async () => ((await image()) === `${host}/example/realtime-go:${LATER_BUILD}` ? true : undefined), run.timeout(300_000, 60_000)).catch(() => undefined);
    await settle(run.stack, run.timeout(180_000, 60_000));
    Object.assign(run.o, await observeApp(run.stack, "extension.push"));
    const commit = await inAppRepo(run, async (dir, git) => ({
      parentIsBefore: (await git("log", "--format=%H")).split("\n").slice(1).includes(before),
      author: await git("log", "-1", "--format=%an <%ae>"),
      dev: normalize(run.stack, (await readFile(join(dir, "deploy", "overlays", "dev", "kustomization.yaml"), "utf8")).split("\n").filter((l) => l.includes("$imagepolicy"))),
    }));
    run.o["extension.push.git.head"] = commit;
    assert.deepEqual((run.o["extension.push.dev.deployments"] as { images: string[] }[])[0]!.images, [`<registry>/example/realtime-go:${LATER_BUILD}`]);
    assert.deepEqual([commit.parentIsBefore, commit.author], [true, "fluxbot <fluxbot@example.com>"]);
    assert.deepEqual(commit.dev, [
      `  newName: <registry>/example/realtime-go # {"$imagepolicy": "flux-system:realtime-go-dev:name"}`,
      `  newTag: ${LATER_BUILD} # {"$imagepolicy": "flux-system:realtime-go-dev:tag"}`,
    ]);
  });

  it("flux: extension: image automation turned off in one up: the image objects go while their controllers still run, then the extension's update removes them", async () => {
    await imageAutomationOff(run, "extension", (t) => t.endsWith(":Extension"));
  });

  it("flux: extension: destroy removes the configuration and uninstalls Flux", async () => {
    const r = await run.destroy();
    assert.equal(r.code, 0, run.explain(r));
    await observeGone(run, "extension");
  });
});

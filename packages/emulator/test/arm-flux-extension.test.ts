/**
 * AKS's managed Flux on the local cloud (src/arm/flux-agent.ts): the `microsoft.flux` cluster
 * extension installs Flux on the local Kubernetes API before its operation ends, a
 * fluxConfiguration becomes a GitRepository and Kustomizations there and reports their compliance
 * as AKS does, and deleting them removes what they made, Flux included.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ResourceManagementClient } from "@azure/arm-resources";
import { armServiceFactory } from "../src/arm/index.js";
import { kubeServiceWithControllers } from "../src/controllers/kube-service.js";
import { createGitService } from "../src/git/index.js";
import { KubeHttp } from "../src/arm/kube-http.js";
import { startLocalCloud, type LocalCloud } from "../src/server.js";
import { fakeCredential, FAST } from "./arm-harness.js";
import { gitRunner } from "./controllers-fixture.js";

const INSTALL = fileURLToPath(new URL("../../../../shared/reference/flux/install-v2.9.4.yaml", import.meta.url));
const EXT = "2025-03-01";
const CFG = "2025-04-01";
const AKS = "2026-05-01";

describe("ARM: the microsoft.flux extension and fluxConfigurations", () => {
  let dir: string;
  let cloud: LocalCloud;
  let arm: ResourceManagementClient;
  let kube: KubeHttp;
  let cluster: string;
  const put = (id: string, version: string, body: Record<string, unknown>) => arm.resources.beginCreateOrUpdateByIdAndWait(id, version, body as never, FAST) as Promise<any>;
  const del = (id: string, version: string) => arm.resources.beginDeleteByIdAndWait(id, version, FAST);
  const get = (apiVersion: string, kind: string, name: string, namespace?: string) => kube.get({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-arm-flux-"));
    cloud = await startLocalCloud({
      dataDir: join(dir, "local"),
      services: {
        arm: armServiceFactory({ lroStepMs: 0, saveDelayMs: 10, fluxManifests: INSTALL }),
        kubernetes: kubeServiceWithControllers({ requireControllerDeployments: true, tuning: { deploymentDelayMs: 20, resyncMs: 100 } }),
        git: createGitService,
      },
    });
    arm = new ResourceManagementClient(fakeCredential, cloud.endpoints.subscriptionId, { endpoint: cloud.endpoints.arm, tlsOptions: { ca: readFileSync(cloud.endpoints.ca) } });
    kube = new KubeHttp(cloud.endpoints);
    await arm.resourceGroups.createOrUpdate("gitops", { location: "westeurope" });
    cluster = `/subscriptions/${cloud.endpoints.subscriptionId}/resourceGroups/gitops/providers/Microsoft.ContainerService/managedClusters/aks1`;
    await put(cluster, AKS, { location: "westeurope", identity: { type: "SystemAssigned" }, properties: { dnsPrefix: "aks1", agentPoolProfiles: [{ name: "system", count: 1, vmSize: "Standard_D2s_v5", mode: "System" }] } });
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a fluxConfiguration on a cluster without the extension (its operation fails)", async () => {
    const err = await put(`${cluster}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/early`, CFG, { properties: { namespace: "flux-system", sourceKind: "GitRepository", gitRepository: { url: "http://127.0.0.1:1/x.git", repositoryRef: { branch: "main" } } } }).then(
      () => assert.fail("the create should fail"),
      (e: { code?: string; message: string }) => e,
    );
    assert.match(err.message, /microsoft\.flux extension is not installed on the cluster 'aks1'/);
    await del(`${cluster}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/early`, CFG);
  });

  it("installs Flux's default controllers (not image automation) before the extension's create ends", async () => {
    const ext = await put(`${cluster}/providers/Microsoft.KubernetesConfiguration/extensions/flux`, EXT, { properties: { extensionType: "microsoft.flux", autoUpgradeMinorVersion: true } });
    assert.equal(ext.properties.provisioningState, "Succeeded");
    for (const name of ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"]) {
      const d = await get("apps/v1", "Deployment", name, "flux-system");
      assert.ok(d, `${name} is installed`);
      assert.ok(((d!["status"] as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === "Available" && c.status === "True"), `${name} is Available`);
    }
    for (const name of ["image-reflector-controller", "image-automation-controller"]) {
      assert.equal(await get("apps/v1", "Deployment", name, "flux-system"), undefined, `${name} is off by default`);
      assert.equal(await get("v1", "ServiceAccount", name, "flux-system"), undefined, `${name}'s ServiceAccount is not installed`);
    }
    assert.ok(await get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "kustomizations.kustomize.toolkit.fluxcd.io"));
    // As on AKS, the image CRDs are installed whatever the settings.
    assert.ok(await get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "imagepolicies.image.toolkit.fluxcd.io"));
    assert.ok(await get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "imageupdateautomations.image.toolkit.fluxcd.io"));
  });

  it("refuses a controller setting that is neither \"true\" nor \"false\" at the request (PUT or PATCH: 400), leaving the extension as it was", async () => {
    const id = `${cluster}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
    const err = await put(id, EXT, { properties: { extensionType: "microsoft.flux", configurationSettings: { "image-automation-controller.enabled": "yes" } } }).then(
      () => assert.fail("the update should be refused"),
      (e: { code?: string; statusCode?: number; message: string }) => e,
    );
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, "InvalidConfigurationSettings");
    assert.match(err.message, /'image-automation-controller\.enabled' is "yes": it must be "true" or "false"/);
    const patched = await arm.resources.beginUpdateByIdAndWait(id, EXT, { properties: { configurationSettings: { "helm-controller.enabled": "False" } } } as never, FAST).then(
      () => assert.fail("the PATCH should be refused"),
      (e: { code?: string; statusCode?: number }) => e,
    );
    assert.deepEqual([patched.statusCode, patched.code], [400, "InvalidConfigurationSettings"]);
    const ext = (await arm.resources.getById(id, EXT)) as { properties: { configurationSettings?: unknown; provisioningState: string } };
    assert.deepEqual([ext.properties.configurationSettings, ext.properties.provisioningState], [undefined, "Succeeded"]);
  });

  const available = (d: Record<string, unknown> | undefined) => ((d?.["status"] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === "Available" && c.status === "True");

  it("an update that turns the image controllers on installs them (Available before the operation ends); a PATCH that turns one off removes it", async () => {
    const id = `${cluster}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
    const on = await put(id, EXT, { properties: { extensionType: "microsoft.flux", autoUpgradeMinorVersion: true, configurationSettings: { "image-reflector-controller.enabled": "true", "image-automation-controller.enabled": "true" } } });
    assert.equal(on.properties.provisioningState, "Succeeded");
    for (const name of ["image-reflector-controller", "image-automation-controller"]) {
      assert.ok(available(await get("apps/v1", "Deployment", name, "flux-system")), `${name} is installed and Available`);
      assert.ok(await get("v1", "ServiceAccount", name, "flux-system"), `${name}'s ServiceAccount`);
    }
    const patched = (await arm.resources.beginUpdateByIdAndWait(id, EXT, { properties: { configurationSettings: { "image-automation-controller.enabled": "false", "helm-controller.enabled": "false" } } } as never, FAST)) as {
      properties: { provisioningState: string; configurationSettings: Record<string, string> };
    };
    assert.equal(patched.properties.provisioningState, "Succeeded");
    assert.deepEqual(patched.properties.configurationSettings, { "image-reflector-controller.enabled": "true", "image-automation-controller.enabled": "false", "helm-controller.enabled": "false" });
    for (const name of ["image-automation-controller", "helm-controller"]) {
      assert.equal(await get("apps/v1", "Deployment", name, "flux-system"), undefined, `${name} is removed`);
      assert.equal(await get("v1", "ServiceAccount", name, "flux-system"), undefined, `${name}'s ServiceAccount is removed`);
    }
    assert.ok(available(await get("apps/v1", "Deployment", "image-reflector-controller", "flux-system")), "the reflector stays");
    assert.ok(available(await get("apps/v1", "Deployment", "source-controller", "flux-system")), "the defaults stay");
    assert.ok(await get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "imageupdateautomations.image.toolkit.fluxcd.io"), "CRDs stay");
  });

  it("turns a fluxConfiguration into a GitRepository and Kustomizations that become Compliant", async () => {
    const work = join(dir, "app");
    await mkdir(join(work, "apps"), { recursive: true });
    await writeFile(join(work, "apps", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n  namespace: default\ndata:\n  a: '1'\n");
    const git = gitRunner({ cwd: work, home: dir });
    await git("init", "--quiet", "--initial-branch=main");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "app");
    const url = `${cloud.endpoints.git}/org/app.git`;
    await git("push", "--quiet", url.replace("http://", "http://u:t@"), "main");
    const sha = (await git("rev-parse", "HEAD")).stdout.trim();

    const id = `${cluster}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/app`;
    const created = await put(id, CFG, {
      properties: {
        namespace: "flux-system",
        sourceKind: "GitRepository",
        gitRepository: { url, repositoryRef: { branch: "main" }, syncIntervalInSeconds: 60, httpsUser: "deploy" },
        configurationProtectedSettings: { httpsKey: Buffer.from("pat-s3cr3t").toString("base64") },
        kustomizations: { apps: { path: "./apps", prune: true, syncIntervalInSeconds: 60 } },
      },
    });
    assert.equal(created.properties.provisioningState, "Succeeded");
    assert.equal(created.properties.configurationProtectedSettings, undefined, "protected settings are never returned");
    const repo = await get("source.toolkit.fluxcd.io/v1", "GitRepository", "app", "flux-system");
    assert.deepEqual((repo!["spec"] as Record<string, unknown>)["ref"], { branch: "main" });
    // The HTTPS credentials reach the cluster in a Secret the GitRepository names, and nowhere in the local ARM's state.
    assert.deepEqual((repo!["spec"] as Record<string, unknown>)["secretRef"], { name: "app-auth" });
    const secret = await get("v1", "Secret", "app-auth", "flux-system");
    const data = (secret!["data"] ?? {}) as Record<string, string>;
    assert.deepEqual({ username: Buffer.from(data["username"]!, "base64").toString(), password: Buffer.from(data["password"]!, "base64").toString() }, { username: "deploy", password: "pat-s3cr3t" });
    await new Promise((r) => setTimeout(r, 50)); // the store's debounced write
    assert.ok(!readFileSync(join(dir, "local", "arm", "arm.json"), "utf8").includes("pat-s3cr3t"));
    assert.ok(!readFileSync(join(dir, "local", "arm", "arm.json"), "utf8").includes(Buffer.from("pat-s3cr3t").toString("base64")));
    const ks = await get("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "app-apps", "flux-system");
    assert.deepEqual(
      { path: (ks!["spec"] as any).path, prune: (ks!["spec"] as any).prune, interval: (ks!["spec"] as any).interval, sourceRef: (ks!["spec"] as any).sourceRef },
      { path: "./apps", prune: true, interval: "60s", sourceRef: { kind: "GitRepository", name: "app" } },
    );
    let compliant: any;
    for (let i = 0; i < 150; i++) {
      compliant = await arm.resources.getById(id, CFG);
      if (compliant.properties.complianceState === "Compliant") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(compliant.properties.complianceState, "Compliant", JSON.stringify(compliant.properties.statuses));
    assert.equal(compliant.properties.sourceSyncedCommitId, `main@sha1:${sha}`);
    assert.deepEqual(compliant.properties.statuses.map((s: { kind: string; name: string }) => `${s.kind}/${s.name}`).sort(), ["GitRepository/app", "Kustomization/app-apps"]);
    assert.ok(await get("v1", "ConfigMap", "hello", "default"), "Flux applied the repository's content");
  });

  it("deleting the fluxConfiguration removes its objects and, with prune, what they applied", async () => {
    await del(`${cluster}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/app`, CFG);
    assert.equal(await get("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "app-apps", "flux-system"), undefined);
    assert.equal(await get("source.toolkit.fluxcd.io/v1", "GitRepository", "app", "flux-system"), undefined);
    assert.equal(await get("v1", "ConfigMap", "hello", "default"), undefined);
    assert.equal(await get("v1", "Secret", "app-auth", "flux-system"), undefined);
  });

  it("deleting the extension uninstalls Flux: no Flux CRD, no flux-system namespace", async () => {
    await del(`${cluster}/providers/Microsoft.KubernetesConfiguration/extensions/flux`, EXT);
    const crds = ((await kube.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")).json as { items: { metadata: { name: string } }[] }).items;
    assert.deepEqual(crds.map((c) => c.metadata.name).filter((n) => n.endsWith(".toolkit.fluxcd.io")), []);
    assert.equal(await get("v1", "Namespace", "flux-system"), undefined);
  });
});

describe("ARM: the microsoft.flux extension with manifests that lack an enabled controller", () => {
  let dir: string;
  let cloud: LocalCloud;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-arm-flux-gotk-"));
    cloud = await startLocalCloud({
      dataDir: join(dir, "local"),
      services: {
        arm: armServiceFactory({ lroStepMs: 0, saveDelayMs: 10, fluxManifests: fileURLToPath(new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url)) }),
        kubernetes: kubeServiceWithControllers({ requireControllerDeployments: true, tuning: { deploymentDelayMs: 20, resyncMs: 100 } }),
      },
    });
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("fails the operation, saying what to give, and installs nothing", async () => {
    const arm = new ResourceManagementClient(fakeCredential, cloud.endpoints.subscriptionId, { endpoint: cloud.endpoints.arm, tlsOptions: { ca: readFileSync(cloud.endpoints.ca) } });
    await arm.resourceGroups.createOrUpdate("gitops", { location: "westeurope" });
    const cluster = `/subscriptions/${cloud.endpoints.subscriptionId}/resourceGroups/gitops/providers/Microsoft.ContainerService/managedClusters/aks1`;
    await arm.resources.beginCreateOrUpdateByIdAndWait(cluster, AKS, { location: "westeurope", identity: { type: "SystemAssigned" }, properties: { dnsPrefix: "aks1", agentPoolProfiles: [{ name: "system", count: 1, vmSize: "Standard_D2s_v5", mode: "System" }] } } as never, FAST);
    const err = await arm.resources
      .beginCreateOrUpdateByIdAndWait(`${cluster}/providers/Microsoft.KubernetesConfiguration/extensions/flux`, EXT, { properties: { extensionType: "microsoft.flux", configurationSettings: { "image-reflector-controller.enabled": "true" } } } as never, FAST)
      .then(
        () => assert.fail("the create should fail"),
        (e: { message: string }) => e,
      );
    assert.match(err.message, /have no image-reflector-controller to install: set IAC_LOCAL_FLUX_MANIFESTS to a Flux release's install\.yaml/);
    const kube = new KubeHttp(cloud.endpoints);
    assert.equal(await kube.get({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } }), undefined, "nothing was installed");
  });
});

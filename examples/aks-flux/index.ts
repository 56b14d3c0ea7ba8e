/**
 * The whole story in one program (issue 15): an AKS cluster, Flux on it, and the realtime app's
 * kustomize overlays applied by Flux, with a Helm release in an infrastructure layer.
 *
 * - a resource group and an AKS `ManagedCluster` (`@iac/azure/containerservice`, generated);
 * - the cluster's user kubeconfig, read by `listManagedClusterUserCredentialsOutput` (a secret
 *   output: it holds the cluster's credentials), given to a Kubernetes `Provider`: everything
 *   below goes to *that* cluster, and depends on it, so `destroy` removes Flux (and what Flux
 *   objects iac declared) before the cluster itself;
 * - Flux, one of two ways (config `flux`):
 *   - `bootstrap` (default): `FluxBootstrap` installs the controllers and makes Flux manage itself
 *     from the fleet repository's `clusters/<cluster>/flux-system/`, as `flux bootstrap git` does;
 *   - `extension`: AKS's managed Flux, the `microsoft.flux` cluster extension
 *     (`Microsoft.KubernetesConfiguration/extensions`); Azure installs and upgrades the controllers.
 * - the app: its `GitRepository` and one `Kustomization` per environment over
 *   `deploy/overlays/{dev,prod}` (the seed's bases + overlays: namespace, images, namePrefix /
 *   nameSuffix, patches), with health checks on the app's Deployments. With `flux: extension` they
 *   are one `fluxConfigurations` resource instead, which Azure turns into the same Flux objects.
 * - an infrastructure layer: a `HelmRepository` and a `HelmRelease` (typed Flux kinds). iac does not
 *   wait for them (`waitForReady` is off for Helm objects): on the local cloud's emulated Kubernetes
 *   there is no helm-controller and they report `Ready=False`, reason `LocalCloudUnsupported`.
 *
 * - image automation (config `imageAutomation`, on by default when the local cloud serves a
 *   registry or config `image` is set, and, with `flux: bootstrap`, `manifests` is not given):
 *   FluxBootstrap adds the image controllers (`componentsExtra`), or the extension's
 *   `configurationSettings` turn AKS's on (`image-reflector-controller.enabled`,
 *   `image-automation-controller.enabled`); an `ImageRepository` scans the app's image, one `ImagePolicy` picks the
 *   newest CI build (`sha-<short sha>-<unix time>`) for dev, another the highest release (semver
 *   `>=1.0.0`) for prod, and an `ImageUpdateAutomation` writes them into the fields of the overlays'
 *   kustomization.yaml marked `$imagepolicy`, commits and pushes: the Kustomizations then apply them;
 * - alerting (when config `alertWebhook` is set): a notification `Provider` (generic webhook) and an
 *   `Alert` for error events of every Kustomization and GitRepository (a broken overlay, a
 *   repository that cannot be fetched);
 * - a `Receiver` for git push webhooks (type `generic`: a POST to its `status.webhookPath` makes Flux
 *   fetch the app's repository now instead of at its next interval); its token (config
 *   `receiverToken`, secret; by default derived from `gitToken`) is in the Secret `receiver-token`.
 *
 * On the local cloud (`iac up --local`) the cluster is emulated ARM, and its kubeconfig points at
 * the local cloud's Kubernetes API and git host.
 *
 * Config (all optional): `flux` (`bootstrap` | `extension`), `manifests` (a local Flux
 * install.yaml / gotk-components.yaml) or `fluxVersion`, `fleetUrl`, `appRepoUrl`, `gitUser`,
 * `gitToken` (secret), `helm` (`false` leaves the infrastructure layer out), `chartRepoUrl`, `chart`, `chartVersion`,
 * `imageAutomation`, `imageControllers`, `image`, `imageScanInterval`, `alertWebhook`, `receiverToken` (secret).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Config, secret, type Resource } from "@iac/sdk";
import { ResourceGroup } from "@iac/azure/resources";
import { ManagedCluster, listManagedClusterUserCredentialsOutput } from "@iac/azure/containerservice";
import { Extension, FluxConfiguration } from "@iac/azure/kubernetesconfiguration";
import { Provider } from "@iac/kubernetes";
import { Namespace, Secret } from "@iac/kubernetes/core/v1";
import { FluxBootstrap } from "@iac/kubernetes/flux";
import { GitRepository, HelmRepository } from "@iac/kubernetes/flux/source/v1";
import { Kustomization } from "@iac/kubernetes/flux/kustomize/v1";
import { HelmRelease } from "@iac/kubernetes/flux/helm/v2";
import { ImagePolicy, ImageRepository, ImageUpdateAutomation } from "@iac/kubernetes/flux/image/v1";
import { Alert, Provider as NotificationProvider } from "@iac/kubernetes/flux/notification/v1beta3";
import { Receiver } from "@iac/kubernetes/flux/notification/v1";

const config = new Config();
const mode = config.get("flux") ?? "bootstrap";
if (mode !== "bootstrap" && mode !== "extension") throw new Error(`Config flux must be bootstrap or extension (got ${mode}): iac config set flux bootstrap`);

/** The local cloud's endpoints (git host, registry), when `iac ... --local` runs the program. */
function localEndpoints(): { git?: string; registry?: string } {
  const file = process.env.IAC_LOCAL_ENDPOINTS;
  return file ? (JSON.parse(readFileSync(file, "utf8")) as { git?: string; registry?: string }) : {};
}
const localGitBase = (): string | undefined => localEndpoints().git || undefined;

function repoUrl(key: string, name: string): string {
  const base = localGitBase();
  const url = config.get(key) ?? (base === undefined ? undefined : `${base}/iac/${name}.git`);
  if (url === undefined) throw new Error(`Set the ${key} config key (iac config set ${key} https://...), or run with --local.`);
  return url;
}

const gitUser = config.get("gitUser") ?? "git";
/** The image the app's CI pushes: config `image`, else `example/realtime-go` on the local cloud's registry. */
const localRegistry = localEndpoints().registry;
const image = config.get("image") ?? (localRegistry === undefined ? undefined : `${new URL(localRegistry).host}/example/realtime-go`);
/**
 * On by default when there is an image to scan and, with FluxBootstrap, the program picks Flux's
 * manifests (given `manifests` may lack the image controllers, e.g. a gotk-components.yaml: then
 * say `iac config set imageAutomation true` with a release's install.yaml). With `flux: extension`
 * the extension's settings turn AKS's image controllers on.
 */
const imageAutomation = config.getBoolean("imageAutomation") ?? (image !== undefined && (mode === "extension" || config.get("manifests") === undefined));
/**
 * With `flux: extension`, whether its settings enable the image controllers (config
 * `imageControllers`, default `imageAutomation`). Turning image automation off is one `up`: the
 * image objects depend on the extension, so the engine deletes them (their controllers still
 * remove their Flux finalizers) before the extension's update removes the controllers.
 */
const imageControllers = config.getBoolean("imageControllers") ?? imageAutomation;
if (imageAutomation && image === undefined) throw new Error("imageAutomation needs the image to scan: iac config set image <registry>/<name> (the local cloud's registry is the default under --local)");
const alertWebhook = config.get("alertWebhook");
const gitToken = config.getSecret("gitToken") ?? secret("local-cloud-accepts-any-token");
/** The token of the git push Receiver: config `receiverToken`, else one derived from the git token (both secret). */
const receiverToken = config.getSecret("receiverToken") ?? gitToken.apply((t) => createHash("sha256").update(`flux-receiver:${t}`).digest("hex"));

// --- Azure: the cluster -----------------------------------------------------------------------

const rg = new ResourceGroup("aks-flux", {});

const cluster = new ManagedCluster("aks", {
  resourceGroupName: rg.name,
  dnsPrefix: "aksflux",
  identity: { type: "SystemAssigned" },
  agentPoolProfiles: [{ name: "system", mode: "System", count: 1, vmSize: "Standard_D2s_v5", osType: "Linux", type: "VirtualMachineScaleSets" }],
});

/** The user kubeconfig (YAML), a secret (a stack output too, encrypted in state). */
export const kubeconfig = secret(listManagedClusterUserCredentialsOutput({ resourceGroupName: rg.name, managedClusterName: cluster.name }).apply((c) =>
  Buffer.from(c.kubeconfigs![0]!.value!, "base64").toString("utf8"),
));

/** Everything on the cluster goes through this provider, so it all depends on the cluster. */
const aks = new Provider("aks", { kubeconfig });

// --- Flux -------------------------------------------------------------------------------------

const appUrl = repoUrl("appRepoUrl", "realtimeapp-infra");
const envs = ["dev", "prod"] as const;
/** The names the overlays give the app's Deployments (dev: nameSuffix, prod: namePrefix). */
const deployment = { dev: (n: string) => `${n}-dev`, prod: (n: string) => `prod-${n}` };
const healthChecks = (env: (typeof envs)[number]) =>
  ["realtime", "redis"].map((n) => ({ apiVersion: "apps/v1", kind: "Deployment", name: deployment[env](n), namespace: `realtime-${env}` }));

// The overlays set the namespace of their objects; the namespaces themselves are the platform's.
const namespaces = envs.map((env) => new Namespace(`realtime-${env}`, { metadata: { name: `realtime-${env}` } }, { provider: aks }));

/** The Kustomization of one environment's overlay, with health checks on its Deployments. */
function overlay(env: (typeof envs)[number], source: Resource, namespace: Resource): Kustomization {
  return new Kustomization(
    `realtimeapp-${env}`,
    {
      metadata: { name: `realtimeapp-${env}`, namespace: "flux-system" },
      spec: {
        interval: "1m0s",
        path: `./deploy/overlays/${env}`,
        prune: true,
        timeout: "2m0s",
        sourceRef: { kind: "GitRepository", name: "realtimeapp-infra" },
        healthChecks: healthChecks(env),
      },
    },
    { provider: aks, dependsOn: [source, namespace] },
  );
}

/**
 * Image automation: a new build in the registry -> a commit in the overlays -> the Deployments.
 * `gitSource` is the app's GitRepository (the automation pushes with its credentials Secret); the
 * image CRDs and controllers come with `controllers` (FluxBootstrap's componentsExtra, or the
 * extension's settings); `source` declares the GitRepository.
 */
function automateImages(gitSource: string, controllers: Resource[], source: Resource[]): void {
  const interval = config.get("imageScanInterval") ?? "1m0s";
  const images = new ImageRepository(
    "realtime-go",
    // The local cloud's registry is plain http on loopback (docs/local-cloud-registry.md).
    { metadata: { name: "realtime-go", namespace: "flux-system" }, spec: { image: image!, interval, ...(config.get("image") === undefined ? { insecure: true } : {}) } },
    { provider: aks, dependsOn: controllers },
  );
  // dev follows every build of main: CI tags them sha-<short sha>-<unix time>; the newest time wins.
  new ImagePolicy(
    "realtime-go-dev",
    {
      metadata: { name: "realtime-go-dev", namespace: "flux-system" },
      spec: {
        imageRepositoryRef: { name: "realtime-go" },
        filterTags: { pattern: "^sha-[a-f0-9]+-(?P<ts>[0-9]+)$", extract: "$ts" },
        policy: { numerical: { order: "asc" } },
      },
    },
    { provider: aks, dependsOn: [images] },
  );
  // prod takes releases: the highest semver tag from 1.0.0 on (v-prefixed tags count, as in Flux).
  new ImagePolicy(
    "realtime-go-prod",
    { metadata: { name: "realtime-go-prod", namespace: "flux-system" }, spec: { imageRepositoryRef: { name: "realtime-go" }, policy: { semver: { range: ">=1.0.0" } } } },
    { provider: aks, dependsOn: [images] },
  );
  // Writes each policy's image into the fields of deploy/overlays/* marked {"$imagepolicy": "flux-system:realtime-go-<env>:..."}.
  new ImageUpdateAutomation(
    "realtimeapp",
    {
      metadata: { name: "realtimeapp", namespace: "flux-system" },
      spec: {
        interval,
        sourceRef: { kind: "GitRepository", name: gitSource },
        git: {
          checkout: { ref: { branch: "main" } },
          commit: { author: { name: "fluxbot", email: "fluxbot@example.com" }, messageTemplate: "realtime-go: the newest build (dev) and release (prod)" },
          push: { branch: "main" },
        },
        update: { path: "./deploy/overlays", strategy: "Setters" },
      },
    },
    { provider: aks, dependsOn: [...controllers, ...source] },
  );
}

let flux: Resource;
/** The app's GitRepository (the Receiver's target): FluxBootstrap's program declares it; the extension names it after the configuration. */
let appSource: string;
if (mode === "bootstrap") {
  const fluxVersion = config.get("fluxVersion");
  // The image controllers are not in gotk-components.yaml: with image automation, a release's install.yaml (all controllers).
  const reference = imageAutomation ? "install-v2.9.4.yaml" : "gotk-components-v2.9.4.yaml";
  const manifests = config.get("manifests") ?? (fluxVersion === undefined ? fileURLToPath(new URL(`../../../shared/reference/flux/${reference}`, import.meta.url)) : undefined);
  // install.yaml carries no version label: say which release the reference file is.
  const version = fluxVersion ?? (config.get("manifests") === undefined && imageAutomation ? "v2.9.4" : undefined);
  const bootstrap = new FluxBootstrap(
    "flux",
    {
      ...(version === undefined ? {} : { version }),
      ...(manifests === undefined ? {} : { manifests }),
      ...(imageAutomation ? { componentsExtra: ["image-reflector-controller", "image-automation-controller"] } : {}),
      git: { url: repoUrl("fleetUrl", "fleet"), branch: "main", path: "clusters/aks", credentials: { username: gitUser, password: gitToken } },
    },
    { provider: aks },
  );
  flux = bootstrap;
  appSource = "realtimeapp-infra";

  const source = new GitRepository(
    "realtimeapp-infra",
    {
      metadata: { name: "realtimeapp-infra", namespace: "flux-system" },
      // The credentials Secret FluxBootstrap wrote (`flux-system`) serves this repository too.
      spec: { url: appUrl, interval: "1m0s", ref: { branch: "main" }, secretRef: { name: "flux-system" } },
    },
    { provider: aks, dependsOn: [bootstrap] },
  );
  envs.forEach((env, i) => overlay(env, source, namespaces[i]!));

  if (imageAutomation) automateImages("realtimeapp-infra", [bootstrap], [source]);
} else {
  // AKS's managed Flux: Azure installs the controllers into flux-system and keeps them upgraded.
  const extension = new Extension("flux", {
    scope: cluster.id,
    extensionName: "flux",
    extensionType: "microsoft.flux",
    autoUpgradeMinorVersion: true,
    releaseTrain: "Stable",
    // The extension installs the image controllers only when told to (their CRDs always).
    ...(imageControllers ? { configurationSettings: { "image-reflector-controller.enabled": "true", "image-automation-controller.enabled": "true" } } : {}),
  });
  flux = extension;
  appSource = "realtimeapp";
  // One fluxConfiguration = one GitRepository and its Kustomizations (named `<config>-<key>`) in `namespace`.
  const configuration = new FluxConfiguration(
    "realtimeapp",
    {
      scope: cluster.id,
      fluxConfigurationName: "realtimeapp",
      namespace: "flux-system",
      sourceKind: "GitRepository",
      gitRepository: { url: appUrl, repositoryRef: { branch: "main" }, syncIntervalInSeconds: 60, timeoutInSeconds: 120, httpsUser: gitUser },
      // Azure wants protected settings base64-encoded; it never returns them.
      configurationProtectedSettings: { httpsKey: gitToken.apply((t) => Buffer.from(t, "utf8").toString("base64")) },
      kustomizations: Object.fromEntries(
        envs.map((env) => [env, { path: `./deploy/overlays/${env}`, prune: true, syncIntervalInSeconds: 60, timeoutInSeconds: 120, wait: true }]),
      ),
    },
    { dependsOn: [extension, ...namespaces] },
  );
  // The automation pushes to the configuration's GitRepository (`realtimeapp`), with its credentials Secret.
  if (imageAutomation) automateImages("realtimeapp", [extension], [configuration]);
}

// --- Alerting: failed reconciliations -> a generic webhook ------------------------------------

if (alertWebhook !== undefined) {
  const hook = new NotificationProvider(
    "webhook",
    { metadata: { name: "webhook", namespace: "flux-system" }, spec: { type: "generic", address: alertWebhook } },
    { provider: aks, dependsOn: [flux] },
  );
  new Alert(
    "failures",
    {
      metadata: { name: "failures", namespace: "flux-system" },
      spec: {
        providerRef: { name: "webhook" },
        eventSeverity: "error",
        eventSources: [{ kind: "Kustomization", name: "*" }, { kind: "GitRepository", name: "*" }],
        eventMetadata: { cluster: "aks" },
      },
    },
    { provider: aks, dependsOn: [hook] },
  );
}

// --- Git push webhooks: a POST to the Receiver's path fetches the app's repository now --------

const tokenSecret = new Secret(
  "receiver-token",
  { metadata: { name: "receiver-token", namespace: "flux-system" }, stringData: { token: receiverToken } },
  { provider: aks, dependsOn: [flux] },
);
// `generic`: any POST to the path is a push; `github` would also check GitHub's HMAC signature with the token.
new Receiver(
  "git-push",
  {
    metadata: { name: "git-push", namespace: "flux-system" },
    spec: { type: "generic", secretRef: { name: "receiver-token" }, resources: [{ kind: "GitRepository", name: appSource }] },
  },
  { provider: aks, dependsOn: [tokenSecret] },
);

// --- Infrastructure layer: Helm ---------------------------------------------------------------

if (config.getBoolean("helm") ?? true) {
  // podinfo from its public chart repository by default; `chartRepoUrl`, `chart` and `chartVersion` pick another.
  const chart = config.get("chart") ?? "podinfo";
  const infra = new Namespace("infra", { metadata: { name: "infra" } }, { provider: aks });
  const charts = new HelmRepository(
    "charts",
    { metadata: { name: "charts", namespace: "flux-system" }, spec: { url: config.get("chartRepoUrl") ?? "https://stefanprodan.github.io/podinfo", interval: "10m0s" } },
    { provider: aks, dependsOn: [flux] },
  );
  new HelmRelease(
    chart,
    {
      metadata: { name: chart, namespace: "flux-system" },
      spec: {
        interval: "10m0s",
        targetNamespace: "infra",
        chart: { spec: { chart, version: config.get("chartVersion") ?? "6.x", sourceRef: { kind: "HelmRepository", name: "charts" } } },
        values: { replicaCount: 1 },
      },
    },
    { provider: aks, dependsOn: [charts, infra] },
  );
}

export const clusterName = cluster.name;
export const clusterFqdn = cluster.fqdn;
export const fluxMode = mode;
export const appRepository = appUrl;
export const automatedImage = imageAutomation ? image : "off";

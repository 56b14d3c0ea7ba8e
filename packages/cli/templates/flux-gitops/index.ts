/**
 * GitOps with Flux v2: Flux installed into a Kubernetes cluster and managing itself from a fleet
 * repository, plus one application repository applied by a Kustomization.
 *
 *   npx iac config set manifests ./gotk-components.yaml   # or: iac config set fluxVersion v2.9.4
 *   npx iac up --local --yes        # on the local cloud: a Kubernetes API and git on loopback
 *
 * Config: `fluxVersion` (that release's install.yaml is downloaded) or `manifests` (a local
 * install.yaml or gotk-components.yaml); `fleetUrl` and `appRepoUrl` (default, with --local:
 * repositories on the local cloud's git host); `appPath` (default ./deploy); `gitUser`,
 * `gitToken` (secret).
 */
import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { FluxBootstrap, GitRepository, Kustomization } from "@iac/kubernetes/flux";

const config = new Config();

/** The local cloud's git host, when `iac ... --local` runs the program. */
function localGitBase(): string | undefined {
  const file = process.env.IAC_LOCAL_ENDPOINTS;
  if (!file) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as { git?: string }).git || undefined;
}

function repoUrl(key: string, name: string): string {
  const base = localGitBase();
  const url = config.get(key) ?? (base === undefined ? undefined : `${base}/iac/${name}.git`);
  if (url === undefined) throw new Error(`Set the ${key} config key (iac config set ${key} https://...), or run with --local.`);
  return url;
}

const fluxVersion = config.get("fluxVersion");
const manifests = config.get("manifests");
if (fluxVersion === undefined && manifests === undefined) {
  throw new Error("Say which Flux to install: `iac config set fluxVersion v2.9.4` (downloaded) or `iac config set manifests <install.yaml>`.");
}
const credentials = { username: config.get("gitUser") ?? "git", password: config.getSecret("gitToken") ?? secret("local-cloud-accepts-any-token") };

const flux = new FluxBootstrap("flux", {
  ...(fluxVersion === undefined ? {} : { version: fluxVersion }),
  ...(manifests === undefined ? {} : { manifests }),
  git: { url: repoUrl("fleetUrl", "fleet"), branch: "main", path: "clusters/dev", credentials },
});

const app = new GitRepository(
  "app",
  {
    metadata: { name: "app" },
    spec: { url: repoUrl("appRepoUrl", "app"), interval: "1m0s", ref: { branch: "main" }, secretRef: { name: "flux-system" } },
  },
  { dependsOn: [flux] },
);

new Kustomization(
  "app",
  {
    metadata: { name: "app" },
    spec: { interval: "1m0s", path: config.get("appPath") ?? "./deploy", prune: true, timeout: "2m0s", sourceRef: { kind: "GitRepository", name: "app" } },
  },
  { dependsOn: [app] },
);

export const fluxNamespace = flux.namespace;
export const fluxRevision = flux.revision;

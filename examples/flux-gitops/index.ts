/**
 * GitOps with Flux v2 on Kubernetes (reference/notes/scenarios.md §2).
 *
 * - `FluxBootstrap` installs the toolkit (source, kustomize, helm and notification controllers)
 *   and makes Flux manage itself from the fleet repository's `clusters/dev/flux-system/`;
 * - a `GitRepository` named `realtimeapp-infra` points at the app's infrastructure repository;
 * - two `Kustomization`s apply its dev and prod overlays, prune what leaves them, and check the
 *   app's Deployments. (The scenario's original had `validation: client`: Flux v1 removed it, and
 *   iac's check says so if it comes back.)
 *
 * Config (all optional): `fluxVersion` (e.g. v2.9.4: that release's install.yaml is downloaded),
 * `manifests` (a local install.yaml or gotk-components.yaml; default, when fluxVersion is not set,
 * the v2.9.4 file of the shared reference), `fleetUrl` and `appRepoUrl` (default: repositories
 * `iac/fleet.git` and `iac/realtimeapp-infra.git` on the local cloud's git host), `gitUser`,
 * `gitToken` (secret).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
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
  const url = config.get(key) ?? (localGitBase() === undefined ? undefined : `${localGitBase()}/iac/${name}.git`);
  if (url === undefined) throw new Error(`Set the ${key} config key (iac config set ${key} https://...), or run with --local.`);
  return url;
}

const fluxVersion = config.get("fluxVersion");
const manifests = config.get("manifests") ?? (fluxVersion === undefined ? fileURLToPath(new URL("../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url)) : undefined);
const credentials = { username: config.get("gitUser") ?? "git", password: config.getSecret("gitToken") ?? secret("local-cloud-accepts-any-token") };

const flux = new FluxBootstrap("flux", {
  ...(fluxVersion === undefined ? {} : { version: fluxVersion }),
  ...(manifests === undefined ? {} : { manifests }),
  git: { url: repoUrl("fleetUrl", "fleet"), branch: "main", path: "clusters/dev", credentials },
});

const infra = new GitRepository(
  "realtimeapp-infra",
  {
    metadata: { name: "realtimeapp-infra" },
    spec: { url: repoUrl("appRepoUrl", "realtimeapp-infra"), interval: "1m0s", ref: { branch: "main" }, secretRef: { name: "flux-system" } },
  },
  { dependsOn: [flux] },
);

for (const env of ["dev", "prod"]) {
  new Kustomization(
    `realtimeapp-${env}`,
    {
      metadata: { name: `realtimeapp-${env}` },
      spec: {
        interval: "1m0s",
        path: `./deploy/overlays/${env}`,
        prune: true,
        timeout: "2m0s",
        sourceRef: { kind: "GitRepository", name: "realtimeapp-infra" },
        healthChecks: [
          { apiVersion: "apps/v1", kind: "Deployment", name: `realtime-${env}`, namespace: `realtime-${env}` },
          { apiVersion: "apps/v1", kind: "Deployment", name: `redis-${env}`, namespace: `realtime-${env}` },
        ],
      },
    },
    { dependsOn: [infra] },
  );
}

export const fluxNamespace = flux.namespace;
export const fluxRevision = flux.revision;

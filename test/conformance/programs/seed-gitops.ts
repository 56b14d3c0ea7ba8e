/**
 * The conformance program of the GitOps scenario (reference/notes/scenarios.md §2), run unchanged
 * against the emulated and the real Kubernetes of the local cloud: FluxBootstrap syncing itself
 * from the fleet repository, the app's namespaces, its GitRepository, and one Kustomization per
 * overlay of the seed's layout (bases + overlays) with healthChecks and a timeout.
 */
import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { Namespace } from "@iac/kubernetes";
import { FluxBootstrap, GitRepository, Kustomization } from "@iac/kubernetes/flux";

const config = new Config();
const endpoints = JSON.parse(readFileSync(process.env.IAC_LOCAL_ENDPOINTS!, "utf8")) as { git: string };
const credentials = { username: "git", password: secret("local-cloud-accepts-any-token") };

const flux = new FluxBootstrap("flux", {
  manifests: config.require("manifests"),
  git: { url: `${endpoints.git}/iac/fleet.git`, branch: "main", path: "clusters/dev", credentials },
});

const infra = new GitRepository(
  "realtimeapp-infra",
  { metadata: { name: "realtimeapp-infra" }, spec: { url: `${endpoints.git}/iac/realtimeapp-infra.git`, interval: "1m0s", ref: { branch: "main" }, secretRef: { name: "flux-system" } } },
  { dependsOn: [flux] },
);

const names = { dev: (n: string) => `${n}-dev`, prod: (n: string) => `prod-${n}` };
for (const env of ["dev", "prod"] as const) {
  const ns = new Namespace(`realtime-${env}`, { metadata: { name: `realtime-${env}` } });
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
          { apiVersion: "apps/v1", kind: "Deployment", name: names[env]("realtime"), namespace: `realtime-${env}` },
          { apiVersion: "apps/v1", kind: "Deployment", name: names[env]("redis"), namespace: `realtime-${env}` },
        ],
      },
    },
    { dependsOn: [infra, ns] },
  );
}

export const fluxRevision = flux.revision;

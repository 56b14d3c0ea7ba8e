/**
 * The conformance program of the image automation scenario (issue 15 §3), run unchanged against
 * the emulated and the real Kubernetes of the local cloud: Flux with the image controllers
 * (`componentsExtra`), the app's GitRepository and one Kustomization per overlay, an
 * ImageRepository scanning the local registry, two ImagePolicies (dev: the newest
 * `sha-<short sha>-<unix time>` build; prod: the highest 1.x release) and an ImageUpdateAutomation
 * that writes the chosen tags into the overlays' kustomization.yaml and pushes to main.
 */
import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { Namespace } from "@iac/kubernetes";
import { FluxBootstrap, GitRepository, Kustomization } from "@iac/kubernetes/flux";
import { ImagePolicy, ImageRepository, ImageUpdateAutomation } from "@iac/kubernetes/flux/image/v1";

const config = new Config();
const endpoints = JSON.parse(readFileSync(process.env.IAC_LOCAL_ENDPOINTS!, "utf8")) as { git: string; registry?: string };
if (!endpoints.registry) throw new Error("endpoints.json names no registry: run a local cloud that serves one (iac local serve)");
const registry = new URL(endpoints.registry).host;
const credentials = { username: "git", password: secret("local-cloud-accepts-any-token") };
const namespace = "flux-system";

const flux = new FluxBootstrap("flux", {
  manifests: config.require("manifests"),
  // install.yaml (all seven controllers) carries no version label: say which release it is.
  version: "v2.9.4",
  componentsExtra: ["image-reflector-controller", "image-automation-controller"],
  git: { url: `${endpoints.git}/iac/fleet.git`, branch: "main", path: "clusters/dev", credentials },
});

const app = new GitRepository(
  "app",
  { metadata: { name: "app" }, spec: { url: `${endpoints.git}/iac/app.git`, interval: "10s", ref: { branch: "main" }, secretRef: { name: "flux-system" } } },
  { dependsOn: [flux] },
);

for (const env of ["dev", "prod"] as const) {
  const ns = new Namespace(`app-${env}`, { metadata: { name: `app-${env}` } });
  new Kustomization(
    `app-${env}`,
    {
      metadata: { name: `app-${env}` },
      spec: {
        interval: "1m0s",
        path: `./deploy/overlays/${env}`,
        prune: true,
        timeout: "2m0s",
        sourceRef: { kind: "GitRepository", name: "app" },
        healthChecks: [{ apiVersion: "apps/v1", kind: "Deployment", name: "app", namespace: `app-${env}` }],
      },
    },
    { dependsOn: [app, ns] },
  );
}

const images = new ImageRepository(
  "app",
  { metadata: { name: "app", namespace }, spec: { image: `${registry}/team/app`, interval: "10s", insecure: true } },
  { dependsOn: [flux] },
);

// dev: CI pushes sha-<short sha>-<unix time> for every build of main; the newest time wins.
new ImagePolicy(
  "app-builds",
  {
    metadata: { name: "app-builds", namespace },
    spec: {
      imageRepositoryRef: { name: "app" },
      filterTags: { pattern: "^sha-[a-f0-9]+-(?P<ts>[0-9]+)$", extract: "$ts" },
      policy: { numerical: { order: "asc" } },
    },
  },
  { dependsOn: [images] },
);

// prod: releases, the highest 1.x.
new ImagePolicy(
  "app-releases",
  { metadata: { name: "app-releases", namespace }, spec: { imageRepositoryRef: { name: "app" }, policy: { semver: { range: ">=1.0.0 <2.0.0" } } } },
  { dependsOn: [images] },
);

new ImageUpdateAutomation(
  "app",
  {
    metadata: { name: "app", namespace },
    spec: {
      interval: "10s",
      sourceRef: { kind: "GitRepository", name: "app" },
      git: {
        checkout: { ref: { branch: "main" } },
        commit: { author: { name: "fluxbot", email: "fluxbot@example.com" }, messageTemplate: "Update the app's images" },
        push: { branch: "main" },
      },
      update: { path: "./deploy/overlays", strategy: "Setters" },
    },
  },
  { dependsOn: [app] },
);

export const fluxRevision = flux.revision;

/**
 * The conformance program of the Helm infrastructure scenario (issue 15 §5): Helm as Flux's
 * example repositories lay it out (fluxcd/flux2-kustomize-helm-example): an infrastructure
 * repository in git with `infrastructure/sources` (a HelmRepository of a chart served locally) and
 * `infrastructure/controllers` (a HelmRelease), applied by two Kustomizations, the controllers
 * after the sources and with `wait: true`.
 */
import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { FluxBootstrap, GitRepository, Kustomization } from "@iac/kubernetes/flux";

const config = new Config();
const endpoints = JSON.parse(readFileSync(process.env.IAC_LOCAL_ENDPOINTS!, "utf8")) as { git: string };

const flux = new FluxBootstrap("flux", {
  manifests: config.require("manifests"),
  git: { url: `${endpoints.git}/iac/fleet.git`, branch: "main", path: "clusters/dev", credentials: { username: "git", password: secret("local-cloud-accepts-any-token") } },
});

const infra = new GitRepository(
  "infrastructure",
  { metadata: { name: "infrastructure" }, spec: { url: `${endpoints.git}/iac/infrastructure.git`, interval: "1m0s", ref: { branch: "main" }, secretRef: { name: "flux-system" } } },
  { dependsOn: [flux] },
);

const sources = new Kustomization(
  "infra-sources",
  { metadata: { name: "infra-sources" }, spec: { interval: "1h", path: "./infrastructure/sources", prune: true, sourceRef: { kind: "GitRepository", name: "infrastructure" } } },
  { dependsOn: [infra] },
);

new Kustomization(
  "infra-controllers",
  {
    metadata: { name: "infra-controllers" },
    spec: {
      interval: "1h",
      retryInterval: "30s",
      timeout: "5m",
      wait: true,
      dependsOn: [{ name: "infra-sources" }],
      path: "./infrastructure/controllers",
      prune: true,
      sourceRef: { kind: "GitRepository", name: "infrastructure" },
    },
    // A release takes a while to install; the scenario waits for it and observes what happened.
    waitForReady: false,
  },
  { dependsOn: [sources] },
);

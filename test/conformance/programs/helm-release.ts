/**
 * The conformance program of the Helm scenario: Flux installed by FluxBootstrap, a HelmRepository
 * of a local chart repository (config `chartRepo`), and a HelmRelease of its `hello` chart with
 * values, into a namespace the release creates.
 */
import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { FluxBootstrap, HelmRelease, HelmRepository } from "@iac/kubernetes/flux";

const config = new Config();
const endpoints = JSON.parse(readFileSync(process.env.IAC_LOCAL_ENDPOINTS!, "utf8")) as { git: string };

const flux = new FluxBootstrap("flux", {
  manifests: config.require("manifests"),
  git: { url: `${endpoints.git}/iac/fleet.git`, branch: "main", path: "clusters/dev", credentials: { username: "git", password: secret("local-cloud-accepts-any-token") } },
});

const charts = new HelmRepository("local-charts", { metadata: { name: "local-charts" }, spec: { url: config.require("chartRepo"), interval: "1m0s" } }, { dependsOn: [flux] });

new HelmRelease(
  "hello",
  {
    metadata: { name: "hello" },
    spec: {
      interval: "1m0s",
      targetNamespace: "hello",
      releaseName: "hello",
      install: { createNamespace: true },
      chart: { spec: { chart: "hello", version: "0.1.x", sourceRef: { kind: "HelmRepository", name: "local-charts" } } },
      values: { replicaCount: 2, greeting: "hello from values" },
    },
  },
  { dependsOn: [charts] },
);

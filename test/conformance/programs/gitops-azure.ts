/**
 * The conformance program of the iac controller's scenario: Flux's source-controller installed by
 * FluxBootstrap, and a GitRepository of the gitops-azure program's repository (pushed by the
 * scenario), whose artifact the iac controller downloads and verifies.
 */
import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { FluxBootstrap, GitRepository } from "@iac/kubernetes/flux";

const config = new Config();
const endpoints = JSON.parse(readFileSync(process.env.IAC_LOCAL_ENDPOINTS!, "utf8")) as { git: string };
const credentials = { username: "git", password: secret("local-cloud-accepts-any-token") };

const flux = new FluxBootstrap("flux", {
  manifests: config.require("manifests"),
  components: ["source-controller", "kustomize-controller"],
  git: { url: `${endpoints.git}/iac/fleet.git`, branch: "main", path: "clusters/dev", credentials },
});

new GitRepository("gitops-azure", {
  metadata: { name: "gitops-azure", namespace: "flux-system" },
  spec: { url: `${endpoints.git}/iac/gitops-azure.git`, interval: "10s", ref: { branch: "main" }, secretRef: { name: "flux-system" } },
}, { dependsOn: [flux] });

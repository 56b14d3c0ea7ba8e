/**
 * The conformance program of Flux's features, in phases (config `phase`):
 * 1. FluxBootstrap with the two required controllers only (source, kustomize); GitRepositories of
 *    the app repository by branch (polled every 15 s), tag, semver range and commit (config `commit`);
 *    Kustomizations
 *    of the branch one: `base` (prune, a short interval: drift and prune tests), `dependent`
 *    (dependsOn base), `substituted` (postBuild.substitute), `suspended` (suspend: true).
 * 2. The components upgraded to the default four (helm and notification added).
 * 3. As 2, plus `stuck`: a Kustomization with `wait: true` whose Deployment's image never starts.
 */
import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { Namespace } from "@iac/kubernetes";
import { FluxBootstrap, GitRepository, Kustomization } from "@iac/kubernetes/flux";

const config = new Config();
const phase = Number(config.get("phase") ?? "1");
const endpoints = JSON.parse(readFileSync(process.env.IAC_LOCAL_ENDPOINTS!, "utf8")) as { git: string };
const credentials = { username: "git", password: secret("local-cloud-accepts-any-token") };

const flux = new FluxBootstrap("flux", {
  manifests: config.require("manifests"),
  components: phase >= 2 ? ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"] : ["source-controller", "kustomize-controller"],
  git: { url: `${endpoints.git}/iac/fleet.git`, branch: "main", path: "clusters/dev", credentials },
});

const url = `${endpoints.git}/iac/features.git`;
const refs = { branch: { branch: "main" }, tag: { tag: "v1.0.0" }, semver: { semver: ">=1.0.0 <2.0.0" }, commit: { branch: "main", commit: config.require("commit") } };
const repos = Object.fromEntries(
  Object.entries(refs).map(([name, ref]) => [
    name,
    new GitRepository(`features-${name}`, { metadata: { name: `features-${name}` }, spec: { url, interval: name === "branch" ? "15s" : "1m0s", ref, secretRef: { name: "flux-system" } } }, { dependsOn: [flux] }),
  ]),
);

const ns = new Namespace("features", { metadata: { name: "features" } });
const source = { kind: "GitRepository" as const, name: "features-branch" };
const base = new Kustomization("base", { metadata: { name: "base" }, spec: { interval: "15s", path: "./base", prune: true, sourceRef: source } }, { dependsOn: [repos.branch!, ns] });
new Kustomization("dependent", { metadata: { name: "dependent" }, spec: { interval: "1m0s", path: "./dependent", prune: true, sourceRef: source, dependsOn: [{ name: "base" }] } }, { dependsOn: [base] });
new Kustomization(
  "substituted",
  { metadata: { name: "substituted" }, spec: { interval: "1m0s", path: "./substituted", prune: true, sourceRef: source, postBuild: { substitute: { name: "world", tier: "gold" } } } },
  { dependsOn: [repos.branch!, ns] },
);
// Flux never reconciles a suspended object, so there is no Ready to wait for.
new Kustomization("suspended", { metadata: { name: "suspended" }, spec: { interval: "1m0s", path: "./suspended", prune: true, sourceRef: source, suspend: true }, waitForReady: false }, { dependsOn: [repos.branch!, ns] });
if (phase >= 3) {
  new Kustomization("stuck", { metadata: { name: "stuck" }, spec: { interval: "1m0s", path: "./stuck", prune: true, sourceRef: source, wait: true, timeout: "30s" } }, { dependsOn: [repos.branch!, ns] });
}

/**
 * The conformance program of the alerting scenario (issue 15, item 4), run unchanged against the
 * emulated and the real Kubernetes of the local cloud: FluxBootstrap; notification Providers of
 * three shapes (generic webhook, Slack, Teams) pointed at a webhook on loopback; an Alert per
 * Provider for failed Kustomizations; a Receiver for git push webhooks; the app's GitRepository and
 * a Kustomization over a broken overlay (not waited for: its failure is the point).
 */
import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { FluxBootstrap } from "@iac/kubernetes/flux";
import { Secret } from "@iac/kubernetes/core/v1";
import { GitRepository } from "@iac/kubernetes/flux/source/v1";
import { Kustomization } from "@iac/kubernetes/flux/kustomize/v1";
import { Alert, Provider as NotificationProvider } from "@iac/kubernetes/flux/notification/v1beta3";
import { Receiver } from "@iac/kubernetes/flux/notification/v1";

const config = new Config();
const hook = config.require("hookUrl");
const endpoints = JSON.parse(readFileSync(process.env.IAC_LOCAL_ENDPOINTS!, "utf8")) as { git: string };
const credentials = { username: "git", password: secret("local-cloud-accepts-any-token") };

const flux = new FluxBootstrap("flux", {
  manifests: config.require("manifests"),
  git: { url: `${endpoints.git}/iac/fleet.git`, branch: "main", path: "clusters/dev", credentials },
});

const headers = new Secret("webhook-headers", { metadata: { name: "webhook-headers", namespace: "flux-system" }, stringData: { headers: "X-Team: platform\n" } }, { dependsOn: [flux] });
// One Provider of each shape, all pointed at the test's webhook on loopback.
const providers = [
  new NotificationProvider("webhook", { metadata: { name: "webhook" }, spec: { type: "generic", address: `${hook}/generic`, secretRef: { name: "webhook-headers" } } }, { dependsOn: [flux, headers] }),
  new NotificationProvider("slack", { metadata: { name: "slack" }, spec: { type: "slack", address: `${hook}/slack`, channel: "alerts", username: "flux" } }, { dependsOn: [flux] }),
  new NotificationProvider("teams", { metadata: { name: "teams" }, spec: { type: "msteams", address: `${hook}/teams` } }, { dependsOn: [flux] }),
];
for (const name of ["webhook", "slack", "teams"]) {
  new Alert(
    name,
    { metadata: { name }, spec: { providerRef: { name }, eventSeverity: "error", eventSources: [{ kind: "Kustomization", name: "*" }], eventMetadata: { cluster: "dev" } } },
    { dependsOn: providers },
  );
}

const token = new Secret("receiver-token", { metadata: { name: "receiver-token", namespace: "flux-system" }, stringData: { token: secret("receiver-s3cr3t") } }, { dependsOn: [flux] });
new Receiver(
  "git-push",
  { metadata: { name: "git-push" }, spec: { type: "github", events: ["ping", "push"], secretRef: { name: "receiver-token" }, resources: [{ kind: "GitRepository", name: "app" }] } },
  { dependsOn: [token] },
);

const app = new GitRepository("app", { metadata: { name: "app" }, spec: { url: `${endpoints.git}/iac/app.git`, interval: "1m0s", ref: { branch: "main" }, secretRef: { name: "flux-system" } } }, { dependsOn: [flux] });
new Kustomization(
  "broken",
  { metadata: { name: "broken" }, spec: { interval: "1m0s", retryInterval: "30s", path: "./deploy/overlays/broken", prune: true, sourceRef: { kind: "GitRepository", name: "app" } }, waitForReady: false },
  { dependsOn: [app] },
);

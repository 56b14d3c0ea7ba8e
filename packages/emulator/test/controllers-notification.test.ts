/**
 * The emulated notification-controller: a Kustomization whose overlay does not build fails, and
 * the Alerts watching it POST Flux's event payload to a webhook on loopback, through a generic,
 * a Slack and a Teams Provider, each in its own shape; an Alert for other objects or for errors
 * only stays quiet where it should; a Receiver gets its webhook path, and a POST to it (generic,
 * or github with its signature) asks the GitRepository to reconcile.
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { startControllers, type Controllers } from "../src/controllers/index.js";
import { clusterOfStore } from "../src/controllers/kube-adapter.js";
import { alertMatches, fluxEventOf, type FluxEvent } from "../src/controllers/notification.js";
import { createGitService, type GitService } from "../src/git/index.js";
import { KubeStore } from "../src/kube/kube-store.js";
import type { KubeObject } from "../src/kube/types.js";
import type { KubeObject as ControlledObject } from "../src/controllers/objects.js";
import { startLocalCloud, type LocalCloud } from "../src/server.js";
import { fluxControllerDeployment, GIT_CREDENTIALS, gitRunner, ready, until, type Obj } from "./controllers-fixture.js";

const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url);

interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

describe("the emulated notification-controller", () => {
  let dir: string;
  let work: string;
  let cloud: LocalCloud;
  let store: KubeStore;
  let controllers: Controllers;
  let hook: Server;
  let hookUrl: string;
  const received: Received[] = [];
  const run = (...args: string[]) => gitRunner({ cwd: work, home: dir })(...args);
  const apply = (o: Record<string, unknown>) => store.apply(o as unknown as KubeObject, { fieldManager: "test" });
  const on = (path: string) => received.filter((r) => r.path === path);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-ctl-notify-"));
    work = join(dir, "work");
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString("utf8")));
      req.on("end", () => {
        received.push({ path: req.url ?? "", headers: req.headers, body });
        res.writeHead(req.url === "/broken" ? 500 : 200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { git: createGitService } });
    store = new KubeStore();
    for (const doc of parseAllDocuments(await readFile(GOTK, "utf8"))) {
      const o = doc.toJS() as KubeObject | null;
      if (o?.kind === "CustomResourceDefinition" && /^(gitrepositories|kustomizations|alerts|providers|receivers)\./.test(o.metadata.name!)) store.apply(o, { fieldManager: "flux", force: true });
    }
    apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
    // The local git host, like a real one, refuses anonymous clones: GitRepositories name these credentials.
    store.apply(GIT_CREDENTIALS, { fieldManager: "test" });
    for (const name of ["source-controller", "kustomize-controller", "notification-controller"]) store.apply(fluxControllerDeployment(name), { fieldManager: "flux" });
    controllers = startControllers({ cluster: clusterOfStore(store), git: cloud.service<GitService>("git")!, deploymentDelayMs: 20, resyncMs: 100, webhooks: {} });
  });
  after(async () => {
    await controllers.stop();
    store.close();
    await cloud.close();
    await new Promise((r) => hook.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it("POSTs a failed reconciliation of a broken overlay to the generic, Slack and Teams webhooks", async () => {
    // The app's repository: an overlay whose kustomization.yaml names a file that is not there.
    await mkdir(join(work, "deploy", "overlays", "dev"), { recursive: true });
    await writeFile(join(work, "deploy", "overlays", "dev", "kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- missing.yaml\n");
    await run("init", "--quiet", "--initial-branch=main");
    await run("add", "-A");
    await run("commit", "--quiet", "-m", "broken overlay");
    const url = `${cloud.endpoints.git}/org/app.git`;
    await run("push", "--quiet", url.replace("http://", "http://flux:token@"), "main");
    const sha = (await run("rev-parse", "HEAD")).stdout.trim();

    apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "hook-headers", namespace: "flux-system" }, stringData: { headers: "X-Team: platform\n" } });
    apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "hmac", namespace: "flux-system" }, stringData: { token: "hmac-key" } });
    const providers: [string, string, Record<string, unknown>][] = [
      ["webhook", "generic", { address: `${hookUrl}/generic`, secretRef: { name: "hook-headers" } }],
      ["signed", "generic-hmac", { address: `${hookUrl}/hmac`, secretRef: { name: "hmac" } }],
      ["slack", "slack", { address: `${hookUrl}/slack`, channel: "alerts", username: "flux" }],
      ["teams", "msteams", { address: `${hookUrl}/teams` }],
    ];
    for (const [name, type, spec] of providers) {
      apply({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Provider", metadata: { name, namespace: "flux-system" }, spec: { type, ...spec } });
      apply({
        apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
        kind: "Alert",
        metadata: { name, namespace: "flux-system" },
        spec: { providerRef: { name }, eventSeverity: "error", eventSources: [{ kind: "Kustomization", name: "*" }], eventMetadata: { cluster: "dev" } },
      });
    }
    // Not for this Kustomization: must stay quiet.
    apply({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Provider", metadata: { name: "other", namespace: "flux-system" }, spec: { type: "generic", address: `${hookUrl}/other` } });
    apply({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Alert", metadata: { name: "other", namespace: "flux-system" }, spec: { providerRef: { name: "other" }, eventSources: [{ kind: "Kustomization", name: "prod" }] } });

    apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: "flux-system" }, spec: { url, interval: "1m", ref: { branch: "main" }, secretRef: { name: "flux-system" } } });
    apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "dev", namespace: "flux-system" }, spec: { interval: "10m", path: "./deploy/overlays/dev", prune: true, sourceRef: { kind: "GitRepository", name: "app" } } });
    const ks = await until("the Kustomization to fail", () => store.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "dev" }) as Obj | undefined, (o) => ready(o)?.status === "False" && ready(o)?.reason === "BuildFailed");
    await until("the four webhooks to be called", () => ["/generic", "/hmac", "/slack", "/teams"].map((p) => on(p).length), (n) => n.every((x) => x >= 1));

    const [generic] = on("/generic");
    const event = JSON.parse(generic!.body) as FluxEvent;
    assert.deepEqual(
      { kind: event.involvedObject.kind, namespace: event.involvedObject.namespace, name: event.involvedObject.name, apiVersion: event.involvedObject.apiVersion },
      { kind: "Kustomization", namespace: "flux-system", name: "dev", apiVersion: "kustomize.toolkit.fluxcd.io/v1" },
    );
    assert.equal(event.severity, "error");
    assert.equal(event.reason, "BuildFailed");
    assert.equal(event.message, ready(ks)!.message);
    assert.equal(event.reportingController, "kustomize-controller");
    assert.deepEqual(event.metadata, { cluster: "dev", revision: `main@sha1:${sha}` });
    assert.match(event.timestamp, /^\d{4}-\d\d-\d\dT/);
    assert.equal(generic!.headers["gotk-component"], "kustomize-controller");
    assert.equal(generic!.headers["x-team"], "platform");
    assert.match(String(generic!.headers["content-type"]), /application\/json/);

    const [signed] = on("/hmac");
    assert.equal(signed!.headers["x-signature"], `sha256=${createHmac("sha256", "hmac-key").update(signed!.body).digest("hex")}`);

    const slack = JSON.parse(on("/slack")[0]!.body) as { channel: string; username: string; attachments: { color: string; author_name: string; text: string; fields: { title: string; value: string }[] }[] };
    assert.equal(slack.channel, "alerts");
    assert.equal(slack.username, "flux");
    assert.equal(slack.attachments[0]!.color, "danger");
    assert.equal(slack.attachments[0]!.author_name, "kustomization/dev.flux-system");
    assert.equal(slack.attachments[0]!.text, event.message);
    assert.deepEqual(slack.attachments[0]!.fields.map((f) => f.title).sort(), ["cluster", "revision"]);

    const teams = JSON.parse(on("/teams")[0]!.body) as { type: string; attachments: { contentType: string; content: { type: string; body: { items: { type: string; text?: string; color?: string }[] }[] } }[] };
    assert.equal(teams.type, "message");
    assert.equal(teams.attachments[0]!.contentType, "application/vnd.microsoft.card.adaptive");
    const items = teams.attachments[0]!.content.body[0]!.items;
    assert.equal(items[0]!.text, "kustomization/dev.flux-system");
    assert.deepEqual([items[1]!.text, items[1]!.color], [event.message, "attention"]);

    assert.deepEqual(on("/other"), [], "an Alert for another Kustomization is not sent");
  });

  it("gives an Alert whose webhook fails a NotificationDispatchFailed Event", async () => {
    apply({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Provider", metadata: { name: "broken", namespace: "flux-system" }, spec: { type: "generic", address: `${hookUrl}/broken` } });
    apply({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Alert", metadata: { name: "broken", namespace: "flux-system" }, spec: { providerRef: { name: "broken" }, eventSources: [{ kind: "GitRepository", name: "app" }] } });
    // A GitRepository whose branch does not exist fails, which is an event of its own.
    store.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: "flux-system" }, spec: { ref: { branch: "nope" } } } as unknown as KubeObject, { fieldManager: "editor", force: true });
    const events = await until(
      "the Alert's Warning Event",
      () => store.list({ apiVersion: "v1", kind: "Event" }).filter((e) => (e as Obj)["involvedObject"] && ((e as Obj)["involvedObject"] as { kind: string; name: string }).kind === "Alert" && ((e as Obj)["involvedObject"] as { name: string }).name === "broken"),
      (l) => l.length > 0,
    );
    const e = events[0] as Obj;
    assert.equal(e["reason"], "NotificationDispatchFailed");
    assert.match(String(e["message"]), /failed to send notification for GitRepository\/flux-system\/app: .*500/);
    assert.ok(on("/broken").length >= 1);
  });

  it("gives a Receiver its webhook path from its Secret's token", async () => {
    apply({ apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", metadata: { name: "push", namespace: "flux-system" }, spec: { type: "generic", secretRef: { name: "push-token" }, resources: [{ kind: "GitRepository", name: "app" }] } });
    const missing = await until("the Receiver to report its token missing", () => store.get({ apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", namespace: "flux-system", name: "push" }) as Obj | undefined, (o) => ready(o)?.reason === "TokenNotFound");
    assert.equal(ready(missing)!.status, "False");
    apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "push-token", namespace: "flux-system" }, stringData: { token: "s3cr3t" } });
    const r = await until("the Receiver to be Ready", () => store.get({ apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", namespace: "flux-system", name: "push" }) as Obj | undefined, (o) => ready(o)?.status === "True");
    const path = `/hook/${createHash("sha256").update("s3cr3tpushflux-system").digest("hex")}`;
    assert.equal(r!.status!.webhookPath, path);
    assert.equal(ready(r)!.message, `Receiver initialized for path: ${path}`);
    assert.ok(r!.metadata.finalizers?.includes("finalizers.fluxcd.io"));
  });

  it("serves the Receivers' webhooks: a POST to a path asks its GitRepository to reconcile, as the real receiver server does", async () => {
    const base = await controllers.webhooksUrl();
    assert.match(String(base), /^http:\/\/127\.0\.0\.1:\d+$/);
    const app = () => store.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "flux-system", name: "app" }) as Obj | undefined;
    const asked = (o: Obj | undefined) => (o?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.["reconcile.fluxcd.io/requestedAt"];
    const path = `/hook/${createHash("sha256").update("s3cr3tpushflux-system").digest("hex")}`;
    const post = (p: string, body: string, headers: Record<string, string> = {}) => fetch(`${base}${p}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

    assert.equal((await post("/hook/0123", "{}")).status, 404, "no Receiver serves that path");
    assert.equal((await fetch(`${base}${path}`)).status, 405, "webhooks are POSTed");
    assert.equal(asked(app()), undefined);
    const res = await post(path, JSON.stringify({ ref: "refs/heads/main" }));
    assert.equal(res.status, 200, await res.text());
    const first = asked(app());
    assert.ok(first, "the GitRepository is annotated reconcile.fluxcd.io/requestedAt");
    await until("the source-controller to handle the request", app, (o) => (o?.status as { lastHandledReconcileAt?: string } | undefined)?.lastHandledReconcileAt === first);

    // github: the payload's HMAC (X-Hub-Signature-256) with the token, and the event among spec.events.
    apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "gh-token", namespace: "flux-system" }, stringData: { token: "gh-s3cr3t" } });
    apply({ apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", metadata: { name: "gh", namespace: "flux-system" }, spec: { type: "github", events: ["push"], secretRef: { name: "gh-token" }, resources: [{ kind: "GitRepository", name: "app" }] } });
    const gh = await until("the github Receiver to be Ready", () => store.get({ apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", namespace: "flux-system", name: "gh" }) as Obj | undefined, (o) => ready(o)?.status === "True");
    const ghPath = String(gh!.status!.webhookPath);
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const signed = (token: string) => `sha256=${createHmac("sha256", token).update(body).digest("hex")}`;
    const wrong = await post(ghPath, body, { "x-github-event": "push", "x-hub-signature-256": signed("not-the-token") });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /unable to validate GitHub signature/);
    assert.equal((await post(ghPath, body, { "x-github-event": "issues", "x-hub-signature-256": signed("gh-s3cr3t") })).status, 400, "an event the Receiver does not take");
    assert.equal(asked(app()), first, "refused requests ask nothing");
    assert.equal((await post(ghPath, body, { "x-github-event": "ping", "x-hub-signature-256": signed("gh-s3cr3t") })).status, 200);
    assert.equal(asked(app()), first, "a ping asks nothing");
    await new Promise((r) => setTimeout(r, 5)); // a new requestedAt (ms resolution)
    assert.equal((await post(ghPath, body, { "x-github-event": "push", "x-hub-signature-256": signed("gh-s3cr3t") })).status, 200);
    assert.notEqual(asked(app()), first, "a signed push asks again");
  });
});

describe("which Alerts take an event", () => {
  const event: FluxEvent = { involvedObject: { kind: "Kustomization", namespace: "apps", name: "web", apiVersion: "kustomize.toolkit.fluxcd.io/v1" }, severity: "info", timestamp: "2026-01-01T00:00:00Z", message: "Reconciliation finished", reason: "ReconciliationSucceeded", reportingController: "kustomize-controller" };
  const alert = (spec: Record<string, unknown>, namespace = "apps") => ({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Alert", metadata: { name: "a", namespace }, spec: { providerRef: { name: "p" }, ...spec } }) as ControlledObject;
  const rows: [string, Record<string, unknown>, string, boolean][] = [
    ["a source by name in the Alert's namespace", { eventSources: [{ kind: "Kustomization", name: "web" }] }, "apps", true],
    ["a wildcard name", { eventSources: [{ kind: "Kustomization", name: "*" }] }, "apps", true],
    ["another kind", { eventSources: [{ kind: "GitRepository", name: "*" }] }, "apps", false],
    ["a source in another namespace than the event's", { eventSources: [{ kind: "Kustomization", name: "*" }] }, "flux-system", false],
    ["the event's namespace named explicitly", { eventSources: [{ kind: "Kustomization", name: "*", namespace: "apps" }] }, "flux-system", true],
    ["an error-only Alert for an info event", { eventSeverity: "error", eventSources: [{ kind: "Kustomization", name: "*" }] }, "apps", false],
    ["an inclusion list that does not match", { inclusionList: ["^Health"], eventSources: [{ kind: "Kustomization", name: "*" }] }, "apps", false],
    ["an exclusion list that matches", { exclusionList: ["finished"], eventSources: [{ kind: "Kustomization", name: "*" }] }, "apps", false],
    ["a suspended Alert", { suspend: true, eventSources: [{ kind: "Kustomization", name: "*" }] }, "apps", false],
    ["matchLabels the object has", { eventSources: [{ kind: "Kustomization", name: "*", matchLabels: { team: "a" } }] }, "apps", true],
    ["matchLabels the object lacks", { eventSources: [{ kind: "Kustomization", name: "*", matchLabels: { team: "b" } }] }, "apps", false],
  ];
  for (const [what, spec, namespace, expected] of rows) {
    it(`${expected ? "takes" : "ignores"} an event for ${what}`, () => {
      assert.equal(alertMatches(alert(spec, namespace), event, () => ({ team: "a" })), expected);
    });
  }

  it("ignores Events about objects that are not Flux's, and its own", () => {
    const base = { apiVersion: "v1", kind: "Event", metadata: { name: "e", namespace: "apps" }, type: "Warning", reason: "X", message: "m" };
    assert.equal(fluxEventOf({ ...base, involvedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "apps" }, source: { component: "deployment-controller" } } as ControlledObject, undefined), undefined);
    assert.equal(fluxEventOf({ ...base, involvedObject: { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Alert", name: "a", namespace: "apps" }, reportingComponent: "notification-controller" } as ControlledObject, undefined), undefined);
  });
});

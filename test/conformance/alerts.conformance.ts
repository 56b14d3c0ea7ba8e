/**
 * Conformance scenario `alerts` (issue 15, item 4): a Kustomization over a broken overlay fails,
 * and the Alerts watching failed Kustomizations deliver it to a webhook on loopback through a
 * generic, a Slack and a Teams Provider, each in its provider's payload shape; a Receiver for git
 * push webhooks gets its webhook path; destroy. On the real cluster the real notification-controller
 * (v1.9.3) sends; on the emulated one, the emulated notification-controller.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { it } from "node:test";
import { condition, pushRepo, waitUntil, type Observation } from "./harness.js";
import { FLUX_MANIFESTS, HERE, scenario } from "./scenario.js";

interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, any>;
}

let hook: Server | undefined;
const received: Received[] = [];
const first = (path: string) => received.find((r) => r.path === path);

function observeHooks(ksMessage: string | undefined): Observation {
  const generic = first("/generic");
  const slack = first("/slack");
  const teams = first("/teams");
  const g = generic?.body;
  const attachment = slack?.body["attachments"]?.[0];
  const card = teams?.body["attachments"]?.[0];
  const items = card?.content?.body?.[0]?.items ?? [];
  return {
    "generic.received": generic !== undefined,
    "generic.involvedObject": g ? { kind: g["involvedObject"]?.kind, name: g["involvedObject"]?.name, namespace: g["involvedObject"]?.namespace, apiVersion: g["involvedObject"]?.apiVersion } : "absent",
    "generic.severity": g?.["severity"] ?? "absent",
    "generic.reason": g?.["reason"] ?? "absent",
    "generic.reportingController": g?.["reportingController"] ?? "absent",
    "generic.metadataKeys": g ? Object.keys(g["metadata"] ?? {}).sort() : "absent",
    "generic.messageIsReadyMessage": g ? g["message"] === ksMessage : "absent",
    "generic.fields": g ? Object.keys(g).sort() : "absent",
    "generic.header.gotk-component": generic?.headers["gotk-component"] ?? "absent",
    "generic.header.x-team": generic?.headers["x-team"] ?? "absent",
    "slack.received": slack !== undefined,
    "slack.shape": attachment ? { channel: slack!.body["channel"], username: slack!.body["username"], color: attachment.color, author_name: attachment.author_name, fields: (attachment.fields ?? []).map((f: { title: string }) => f.title).sort() } : "absent",
    "teams.received": teams !== undefined,
    "teams.shape": card ? { type: teams!.body["type"], contentType: card.contentType, title: items[0]?.text, color: items[1]?.color, facts: (items[2]?.facts ?? []).map((f: { title: string }) => f.title) } : "absent",
  };
}

scenario("alerts", {
  program: "alerts",
  async setup(run) {
    received.length = 0;
    hook = createServer((req, res) => {
      let text = "";
      req.on("data", (d: Buffer) => (text += d.toString("utf8")));
      req.on("end", () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // kept empty: the observation shows it
        }
        received.push({ path: req.url ?? "", headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook!.listen(0, "127.0.0.1", r));
    await pushRepo(run.stack.git, "iac/app.git", join(HERE, "fixtures", "alerts-repo"), run.project.dir);
    return { manifests: FLUX_MANIFESTS, hookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}` };
  },
  teardown: async () => {
    await new Promise((r) => hook?.close(r));
  },
}, (run) => {
  it("iac up --local: the broken overlay's failure reaches the webhook through each Provider", async () => {
    const r = await run.up();
    assert.equal(r.code, 0, run.explain(r));
    const c = run.stack.client;
    const ks = await waitUntil("the Kustomization to fail", async () => {
      const k = await c.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "broken" });
      return condition(k, "Ready")?.status === "False" && condition(k, "Ready")?.reason !== "Progressing" ? k : undefined;
    }, run.timeout(180_000), 500);
    const ready = condition(ks, "Ready");
    run.o["kustomization.ready"] = `${ready?.status}/${ready?.reason}`;
    await waitUntil("the three webhooks to be called", async () => (["/generic", "/slack", "/teams"].every((p) => first(p) !== undefined) ? true : undefined), run.timeout(120_000), 500).catch(() => undefined);
    const o = observeHooks(ready?.message);
    Object.assign(run.o, o);

    const receiver = await waitUntil("the Receiver to be Ready", async () => {
      const x = await c.get({ apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver", namespace: "flux-system", name: "git-push" });
      return condition(x, "Ready")?.status === "True" ? x : undefined;
    }, run.timeout(120_000), 500).catch(() => undefined);
    const expectedPath = `/hook/${createHash("sha256").update("receiver-s3cr3tgit-pushflux-system").digest("hex")}`;
    run.o["receiver.ready"] = condition(receiver, "Ready")?.status ?? "absent";
    run.o["receiver.webhookPath"] = (receiver?.["status"] as { webhookPath?: string } | undefined)?.webhookPath === expectedPath ? "sha256(token+name+namespace)" : ((receiver?.["status"] as { webhookPath?: string } | undefined)?.webhookPath ?? "absent");

    if (run.real) {
      assert.equal(run.o["kustomization.ready"], "False/BuildFailed");
      assert.equal(o["generic.received"], true, "the generic webhook was called");
      assert.deepEqual(o["generic.involvedObject"], { kind: "Kustomization", name: "broken", namespace: "flux-system", apiVersion: "kustomize.toolkit.fluxcd.io/v1" });
      assert.equal(o["generic.severity"], "error");
      assert.equal(o["generic.header.gotk-component"], "kustomize-controller");
      assert.equal(o["slack.received"], true);
      assert.equal(o["teams.received"], true);
      assert.equal(run.o["receiver.webhookPath"], "sha256(token+name+namespace)");
    }
  });

  it("iac destroy --local removes the alerting objects with Flux", async () => {
    const r = await run.destroy();
    assert.equal(r.code, 0, run.explain(r));
    const crds = await run.stack.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
    run.o["destroy.fluxCrds"] = crds.map((x) => x.metadata.name ?? "").filter((n) => n.endsWith(".toolkit.fluxcd.io")).sort();
    assert.deepEqual(run.o["destroy.fluxCrds"], []);
  });
});

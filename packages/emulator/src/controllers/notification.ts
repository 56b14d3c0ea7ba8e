/**
 * The emulated notification-controller (Flux's notification-controller v1.9.3, the version the real
 * cluster builds): it forwards the events of Flux objects to the Providers their Alerts name, and
 * reconciles Receivers.
 *
 * Events: Flux's controllers POST each event to the notification-controller's event receiver; the
 * emulated controllers record core/v1 Events instead (events.ts), so this controller watches those
 * and turns each one about a Flux object into the payload the real controllers send (fluxcd/pkg
 * `apis/event/v1beta1.Event`: involvedObject, severity `info`|`error`, timestamp, message, reason,
 * metadata, reportingController, reportingInstance). Then, as the real event server does
 * (`internal/server/event_handlers.go`): every Alert (notification.toolkit.fluxcd.io/v1beta3) not
 * suspended whose `eventSources` match (kind, namespace defaulting to the Alert's, name or `*`,
 * `matchLabels`), whose `eventSeverity` admits the event (`info` admits both), and whose
 * `inclusionList`/`exclusionList` regexes let the message through, dispatches it to its Provider
 * (same namespace; skipped when suspended), with the metadata combined as RFC 0008 says
 * (the object's group prefix stripped, then the Alert's `eventMetadata` and `summary`). The same
 * event (object, message, revision) is sent once per 5 minutes (the `--rate-limit-interval`).
 *
 * Providers: `generic` (the event as JSON, header `gotk-component`, the Secret's `headers`),
 * `generic-hmac` (plus `X-Signature: sha256=<HMAC of the body with the Secret's token>`), `slack`
 * (an attachment: colour `good`/`danger`, author `<kind>/<name>.<namespace>`, the metadata as
 * fields; `Authorization: Bearer <token>` when the Secret has one) and `msteams` (an Adaptive Card,
 * or a MessageCard for the deprecated `*.webhook.office.com` connectors). The address is the
 * Secret's `address`, else `spec.address`. Other provider types are not emulated: the Alert gets a
 * Warning Event saying so. A failed POST (after 3 attempts) gives the Alert a Warning
 * `NotificationDispatchFailed` Event, as the real controller does.
 *
 * Receivers (v1): `status.webhookPath` `/hook/<sha256(token + name + namespace)>` from the token of
 * `spec.secretRef`, `Ready=True` "Receiver initialized for path: ..." (or `Ready=False`,
 * `TokenNotFound`), the Flux finalizer while the controller runs. With `webhooks`, the webhook
 * receiver is served on loopback (notification-receiver.ts): a POST to a Receiver's path asks its
 * resources to reconcile.
 *
 * Like the other Flux controllers of the emulation, it acts only while a `notification-controller`
 * Deployment exists (when `requireDeployment`).
 */
import { createHash } from "node:crypto";
import type { ClusterAccess, ClusterEvent } from "./cluster.js";
import { recordEvent } from "./events.js";
import { RECEIVER_KIND, serveReceiverWebhooks, type ReceiverServer } from "./notification-receiver.js";
import { providerRequest, type FluxEvent } from "./notification-payloads.js";

import { DEPLOYMENT, FLUX_FINALIZER, conditionOf, groupOf, hasFinalizer, keyOf, timestamp, withCondition, type Condition, type Kind, type KubeObject } from "./objects.js";

export { providerRequest, type FluxEvent } from "./notification-payloads.js";

export const NOTIFICATION_CONTROLLER = "notification-controller";
export const ALERT: Kind = { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Alert" };
export const PROVIDER: Kind = { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Provider" };
export const RECEIVER: Kind = RECEIVER_KIND;

/** A POST the controller makes; injectable for tests. */
export type Post = (url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number) => Promise<{ readonly status: number }>;

export interface NotificationOptions {
  readonly cluster: ClusterAccess;
  readonly log?: (message: string) => void;
  /** Act only while a `notification-controller` Deployment exists (default true). */
  readonly requireDeployment?: boolean;
  readonly post?: Post;
  /** How long the same event is not sent again (default 5 minutes, the real `--rate-limit-interval`). */
  readonly rateLimitMs?: number;
  /** Serve the Receivers' webhooks on loopback (`port` 0 or absent: any free one); default not served. */
  readonly webhooks?: { readonly port?: number };
}

export interface NotificationController {
  /** The webhook receiver's base URL (`http://127.0.0.1:<port>`), when `webhooks` asked for it. */
  webhooksUrl(): Promise<string | undefined>;
  stop(): Promise<void>;
}

const RATE_LIMIT_MS = 5 * 60_000;
const isFlux = (apiVersion: string | undefined) => /\.toolkit\.fluxcd\.io\//.test(apiVersion ?? "");

const defaultPost: Post = async (url, body, headers, timeoutMs) => {
  const res = await fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer().catch(() => undefined);
  return { status: res.status };
};

/** The Flux event a core/v1 Event about a Flux object stands for, or undefined for any other Event. */
export function fluxEventOf(e: KubeObject, involved: KubeObject | undefined): FluxEvent | undefined {
  const io = e["involvedObject"] as { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string } | undefined;
  if (io?.kind === undefined || io.name === undefined || !isFlux(io.apiVersion)) return undefined;
  const source = e["source"] as { component?: string } | undefined;
  const controller = (e["reportingComponent"] as string | undefined) || source?.component || "";
  if (controller === NOTIFICATION_CONTROLLER) return undefined;
  // The real controllers put the revision in the event's metadata, under the object's group.
  const status = involved?.status ?? {};
  const revision = (status["lastAttemptedRevision"] as string | undefined) ?? ((status["artifact"] as { revision?: string } | undefined)?.revision);
  const group = groupOf(io.apiVersion!);
  return {
    involvedObject: { kind: io.kind, namespace: io.namespace ?? e.metadata.namespace ?? "default", name: io.name, ...(io.uid ? { uid: io.uid } : {}), apiVersion: io.apiVersion!, ...(io.resourceVersion ? { resourceVersion: io.resourceVersion } : {}) },
    severity: e["type"] === "Warning" ? "error" : "info",
    timestamp: String(e["lastTimestamp"] ?? e["firstTimestamp"] ?? timestamp(Date.now())),
    message: String(e["message"] ?? ""),
    reason: String(e["reason"] ?? ""),
    ...(revision === undefined ? {} : { metadata: { [`${group}/revision`]: revision } }),
    reportingController: controller,
    ...(e["reportingInstance"] ? { reportingInstance: String(e["reportingInstance"]) } : {}),
  };
}

interface EventSource {
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly matchLabels?: Readonly<Record<string, string>>;
}

function regexes(list: unknown): RegExp[] | { readonly bad: string } {
  const out: RegExp[] = [];
  for (const exp of Array.isArray(list) ? (list as string[]) : []) {
    try {
      out.push(new RegExp(exp));
    } catch {
      return { bad: exp };
    }
  }
  return out;
}

/** Whether an Alert takes an event (sources, severity, inclusion and exclusion lists); the real `filterAlertsForEvent`. */
export function alertMatches(alert: KubeObject, event: FluxEvent, labelsOf: (event: FluxEvent) => Readonly<Record<string, string>> | undefined): boolean {
  const spec = alert.spec ?? {};
  if (spec["suspend"] === true) return false;
  const severity = (spec["eventSeverity"] as string | undefined) ?? "info";
  const sources = Array.isArray(spec["eventSources"]) ? (spec["eventSources"] as EventSource[]) : [];
  const matches = sources.some((s) => {
    const namespace = s.namespace || alert.metadata.namespace;
    if (event.involvedObject.namespace !== namespace || event.involvedObject.kind !== s.kind) return false;
    if (event.severity !== severity && severity !== "info") return false;
    if (s.name !== "*" && s.name !== event.involvedObject.name) return false;
    if (s.matchLabels === undefined) return true;
    const labels = labelsOf(event) ?? {};
    return Object.entries(s.matchLabels).every(([k, v]) => labels[k] === v);
  });
  if (!matches) return false;
  const include = regexes(spec["inclusionList"]);
  const exclude = regexes(spec["exclusionList"]);
  if (!Array.isArray(include) || !Array.isArray(exclude)) return false;
  if (include.length > 0 && !include.some((r) => r.test(event.message))) return false;
  return !exclude.some((r) => r.test(event.message));
}

/** The event's metadata as the Alert sends it (RFC 0008's precedence, lowest first). */
export function combinedMetadata(event: FluxEvent, alert: KubeObject): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const raw = event.metadata ?? {};
  for (const [k, v] of Object.entries(raw)) if (k.startsWith("event.toolkit.fluxcd.io/")) out[k.slice("event.toolkit.fluxcd.io/".length)] = v;
  for (const [k, v] of Object.entries((alert.spec?.["eventMetadata"] as Record<string, string> | undefined) ?? {})) out[k] = v;
  if (typeof alert.spec?.["summary"] === "string" && alert.spec["summary"] !== "") out["summary"] = alert.spec["summary"];
  const prefix = `${groupOf(event.involvedObject.apiVersion)}/`;
  for (const [k, v] of Object.entries(raw)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return Object.keys(out).length > 0 ? out : event.metadata;
}

/** What a Provider's Secret holds (`data` is base64, `stringData` plain). */
function secretValues(secret: KubeObject | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((secret?.["data"] as Record<string, string> | undefined) ?? {})) out[k] = Buffer.from(v, "base64").toString("utf8");
  for (const [k, v] of Object.entries((secret?.["stringData"] as Record<string, string> | undefined) ?? {})) out[k] = v;
  return out;
}

/** Start the controller; it runs until {@link NotificationController.stop}. */
export function startNotificationController(options: NotificationOptions): NotificationController {
  const { cluster } = options;
  const log = options.log ?? (() => {});
  const post = options.post ?? defaultPost;
  const rateLimitMs = options.rateLimitMs ?? RATE_LIMIT_MS;
  const requireDeployment = options.requireDeployment ?? true;
  const sent = new Map<string, number>();
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;

  const runs = () => !requireDeployment || cluster.list(DEPLOYMENT).some((d) => d.metadata.name === NOTIFICATION_CONTROLLER && d.metadata.deletionTimestamp === undefined && d.spec?.["replicas"] !== 0);
  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const warnAlert = (alert: KubeObject, reason: string, message: string) =>
    recordEvent(cluster, alert, { type: "Warning", reason, message, component: NOTIFICATION_CONTROLLER, now: timestamp(Date.now()) }).catch((err: Error) => log(`Alert ${keyOf(alert)}: recording an event failed: ${err.message}`));

  async function dispatch(event: FluxEvent, alert: KubeObject): Promise<void> {
    const ns = alert.metadata.namespace ?? "default";
    const providerName = (alert.spec?.["providerRef"] as { name?: string } | undefined)?.name ?? "";
    const provider = cluster.get({ ...PROVIDER, namespace: ns, name: providerName });
    const what = `${event.involvedObject.kind}/${event.involvedObject.namespace}/${event.involvedObject.name}`;
    if (provider === undefined) {
      await warnAlert(alert, "NotificationDispatchFailed", `failed to dispatch notification for ${what}: failed to read provider: Provider.notification.toolkit.fluxcd.io "${providerName}" not found`);
      return;
    }
    const spec = provider.spec ?? {};
    if (spec["suspend"] === true) return;
    const secretName = (spec["secretRef"] as { name?: string } | undefined)?.name;
    const secret = secretValues(secretName === undefined ? undefined : cluster.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name: secretName }));
    const address = secret["address"] || String(spec["address"] ?? "");
    const notification: FluxEvent = { ...event, ...(combinedMetadata(event, alert) === undefined ? {} : { metadata: combinedMetadata(event, alert)! }) };
    const request = providerRequest(String(spec["type"] ?? ""), notification, { address, secret, spec });
    if ("unsupported" in request) {
      await warnAlert(alert, "NotificationDispatchFailed", `failed to dispatch notification for ${what}: ${request.unsupported}`);
      return;
    }
    const timeoutMs = parseSeconds(spec["timeout"]) ?? 15_000;
    let lastError = "";
    for (let attempt = 0; attempt < 3 && !stopped; attempt++) {
      try {
        const res = await post(address, request.body, request.headers, timeoutMs);
        if (res.status >= 200 && res.status < 300) {
          log(`notification-controller: ${what} -> Provider ${ns}/${providerName} (${String(spec["type"])})`);
          return;
        }
        lastError = `postMessage failed: failed to execute request: ${res.status}`;
      } catch (err) {
        lastError = `postMessage failed: ${(err as Error).message}`;
      }
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
    await warnAlert(alert, "NotificationDispatchFailed", `failed to send notification for ${what}: ${lastError}`);
  }

  function onEvent(change: ClusterEvent): void {
    if (stopped) return;
    const o = change.object;
    if (o.kind === "Event" && o.apiVersion === "v1") {
      if (change.type !== "ADDED" || !runs()) return;
      const io = o["involvedObject"] as { apiVersion?: string; kind?: string; namespace?: string; name?: string } | undefined;
      const involved = io?.apiVersion && io.kind && io.name ? cluster.get({ apiVersion: io.apiVersion, kind: io.kind, name: io.name, ...(io.namespace ? { namespace: io.namespace } : {}) }) : undefined;
      const event = fluxEventOf(o, involved);
      if (event === undefined) return;
      const key = createHash("sha256").update(JSON.stringify([event.involvedObject.name, event.involvedObject.namespace, event.involvedObject.kind, event.message, event.metadata ?? {}])).digest("hex");
      const now = Date.now();
      if ((sent.get(key) ?? 0) > now) return;
      sent.set(key, now + rateLimitMs);
      const labelsOf = () => involved?.metadata.labels;
      for (const alert of cluster.list(ALERT)) {
        if (alert.metadata.deletionTimestamp !== undefined || !alertMatches(alert, event, labelsOf)) continue;
        track(dispatch(event, alert).catch((err: Error) => log(`Alert ${keyOf(alert)}: dispatch failed: ${err.message}`)));
      }
      return;
    }
    // A Receiver, or the Secret holding its token, changed.
    if ((o.apiVersion === RECEIVER.apiVersion && o.kind === RECEIVER.kind) || (o.apiVersion === "v1" && o.kind === "Secret")) track(reconcileReceivers());
  }

  async function reconcileReceivers(): Promise<void> {
    if (stopped || !runs()) return;
    for (const r of cluster.list(RECEIVER)) {
      try {
        const key = { ...RECEIVER, namespace: r.metadata.namespace ?? "default", name: r.metadata.name };
        if (r.metadata.deletionTimestamp !== undefined) {
          if (hasFinalizer(r, FLUX_FINALIZER)) await cluster.setFinalizers(key, (r.metadata.finalizers ?? []).filter((f) => f !== FLUX_FINALIZER), NOTIFICATION_CONTROLLER);
          continue;
        }
        const status = receiverStatus(r, cluster, timestamp(Date.now()));
        if (!hasFinalizer(r, FLUX_FINALIZER)) await cluster.setFinalizers(key, [...(r.metadata.finalizers ?? []), FLUX_FINALIZER], NOTIFICATION_CONTROLLER);
        if (status !== undefined) await cluster.updateStatus(key, status);
      } catch (err) {
        log(`Receiver ${keyOf(r)}: reconcile failed: ${(err as Error).message}`);
      }
    }
  }

  const unwatch = cluster.watch((e) => {
    onEvent(e);
    // The controller starting picks up the Receivers waiting for it.
    if (e.object.kind === DEPLOYMENT.kind && e.object.apiVersion === DEPLOYMENT.apiVersion && e.object.metadata.name === NOTIFICATION_CONTROLLER) track(reconcileReceivers());
  });
  track(reconcileReceivers());
  const receiver: Promise<ReceiverServer | undefined> | undefined =
    options.webhooks === undefined
      ? undefined
      : serveReceiverWebhooks(cluster, { ...(options.webhooks.port === undefined ? {} : { port: options.webhooks.port }), runs, log }).catch((err: Error) => {
          log(`notification-controller: the webhook receiver could not listen: ${err.message}`);
          return undefined;
        });

  return {
    webhooksUrl: async () => (await receiver)?.url,
    async stop() {
      stopped = true;
      unwatch();
      await (await receiver)?.close();
      await Promise.allSettled([...inFlight]);
    },
  };
}

function parseSeconds(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

/** A Receiver's status (webhook path from its Secret's token), or undefined when it already says so. */
export function receiverStatus(r: KubeObject, cluster: Pick<ClusterAccess, "get">, now: string): Record<string, unknown> | undefined {
  const ns = r.metadata.namespace ?? "default";
  const generation = r.metadata.generation ?? 1;
  const secretName = (r.spec?.["secretRef"] as { name?: string } | undefined)?.name ?? "";
  const secret = cluster.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name: secretName });
  const token = secretValues(secret)["token"];
  const prior = Array.isArray(r.status?.["conditions"]) ? (r.status!["conditions"] as Condition[]) : undefined;
  let next: Record<string, unknown>;
  if (secret === undefined || token === undefined) {
    const why = secret === undefined ? `unable to read token from secret '${ns}/${secretName}' error: Secret "${secretName}" not found` : `invalid '${ns}/${secretName}' secret data: required fields 'token'`;
    next = { ...(r.status ?? {}), observedGeneration: generation, webhookPath: "", conditions: withCondition(prior, { type: "Ready", status: "False", reason: "TokenNotFound", message: why, observedGeneration: generation }, now) };
  } else {
    const path = `/hook/${createHash("sha256").update(token + r.metadata.name + ns).digest("hex")}`;
    next = { ...(r.status ?? {}), observedGeneration: generation, webhookPath: path, conditions: withCondition(prior, { type: "Ready", status: "True", reason: "Succeeded", message: `Receiver initialized for path: ${path}`, observedGeneration: generation }, now) };
  }
  const ready = conditionOf({ ...r, status: next }, "Ready");
  const before = conditionOf(r, "Ready");
  if (before?.status === ready?.status && before?.message === ready?.message && r.status?.["observedGeneration"] === generation && r.status?.["webhookPath"] === next["webhookPath"]) return undefined;
  return next;
}

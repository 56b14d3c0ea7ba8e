/**
 * The emulated notification-controller's webhook receiver (the real one's `--receiverAddr` server,
 * `internal/server/receiver_handlers.go` of notification-controller v1.9.3): a POST to
 * `/hook/<digest>` finds the Receivers whose `status.webhookPath` is that path, checks the request
 * as the Receiver's `type` says, and asks each of its `resources` for a reconcile by setting the
 * annotation `reconcile.fluxcd.io/requestedAt` (what `flux reconcile` sets too), which the
 * emulated controllers handle (`status.lastHandledReconcileAt`).
 *
 * Types: `generic` (any POST), `generic-hmac` (header `X-Signature: <sha1|sha256|sha512>=<HMAC of
 * the body with the token>`), `github` (`X-Hub-Signature-256` or `X-Hub-Signature`, the event of
 * `X-GitHub-Event` among `spec.events` when given; `ping` is answered without a reconcile). The
 * other types are answered 400, saying they are not emulated. A suspended Receiver is skipped; no
 * Receiver at the path: 404.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClusterAccess } from "./cluster.js";
import type { Kind, KubeObject } from "./objects.js";
import { REQUESTED_AT } from "./resync.js";

export const RECEIVER_KIND: Kind = { apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver" };
const FIELD_MANAGER = "notification-controller";

/** The API version a Receiver's resource means when it names none (the versions Flux v2.9 serves). */
const DEFAULT_API_VERSION: Readonly<Record<string, string>> = {
  GitRepository: "source.toolkit.fluxcd.io/v1",
  HelmRepository: "source.toolkit.fluxcd.io/v1",
  HelmChart: "source.toolkit.fluxcd.io/v1",
  OCIRepository: "source.toolkit.fluxcd.io/v1",
  Bucket: "source.toolkit.fluxcd.io/v1",
  Kustomization: "kustomize.toolkit.fluxcd.io/v1",
  HelmRelease: "helm.toolkit.fluxcd.io/v2",
  ImageRepository: "image.toolkit.fluxcd.io/v1",
  ImagePolicy: "image.toolkit.fluxcd.io/v1",
  ImageUpdateAutomation: "image.toolkit.fluxcd.io/v1",
};

export interface WebhookRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export interface WebhookAnswer {
  readonly status: number;
  readonly message: string;
  /** The objects asked to reconcile, as `Kind/namespace/name`. */
  readonly requested: readonly string[];
}

interface ReceiverResource {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly matchLabels?: Readonly<Record<string, string>>;
}

function tokenOf(cluster: Pick<ClusterAccess, "get">, r: KubeObject): string | undefined {
  const name = (r.spec?.["secretRef"] as { name?: string } | undefined)?.name;
  const secret = name === undefined ? undefined : cluster.get({ apiVersion: "v1", kind: "Secret", namespace: r.metadata.namespace ?? "default", name });
  const data = (secret?.["data"] as Record<string, string> | undefined)?.["token"];
  return data !== undefined ? Buffer.from(data, "base64").toString("utf8") : (secret?.["stringData"] as Record<string, string> | undefined)?.["token"];
}

/** Whether `signature` (`<algorithm>=<hex>`) is the HMAC of `body` with `token`. */
function signatureMatches(signature: string | undefined, body: Buffer, token: string, algorithms: readonly string[]): boolean {
  const m = /^(sha1|sha256|sha512)=([0-9a-f]+)$/i.exec(signature ?? "");
  if (!m || !algorithms.includes(m[1]!.toLowerCase())) return false;
  const expected = createHmac(m[1]!.toLowerCase(), token).update(body).digest();
  const given = Buffer.from(m[2]!, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Why the Receiver refuses the request (400), `"ping"` for a ping to answer without a reconcile, or undefined to go on. */
function refusal(r: KubeObject, req: WebhookRequest, token: string | undefined): string | undefined {
  const type = String(r.spec?.["type"] ?? "");
  const events = Array.isArray(r.spec?.["events"]) ? (r.spec!["events"] as string[]) : [];
  switch (type) {
    case "generic":
      return undefined;
    case "generic-hmac":
      return token !== undefined && signatureMatches(req.headers["x-signature"], req.body, token, ["sha1", "sha256", "sha512"]) ? undefined : "unable to validate HMAC signature";
    case "github": {
      const signature = req.headers["x-hub-signature-256"] ?? req.headers["x-hub-signature"];
      if (token === undefined || !signatureMatches(signature, req.body, token, ["sha1", "sha256"])) return "unable to validate GitHub signature";
      const event = req.headers["x-github-event"] ?? "";
      if (event === "ping") return "ping";
      if (events.length > 0 && !events.some((e) => e.toLowerCase() === event.toLowerCase())) return `GitHub event '${event}' is not in the Receiver's events`;
      return undefined;
    }
    default:
      return `receiver type '${type}' is not emulated by the local cloud (generic, generic-hmac and github are)`;
  }
}

/** The objects a Receiver's resource names (one, or those of `*` matching its labels). */
function targets(cluster: Pick<ClusterAccess, "get" | "list">, r: KubeObject, res: ReceiverResource): KubeObject[] {
  const kind = res.kind ?? "";
  const apiVersion = res.apiVersion ?? DEFAULT_API_VERSION[kind];
  if (apiVersion === undefined) return [];
  const namespace = res.namespace || (r.metadata.namespace ?? "default");
  if (res.name !== "*") {
    const one = cluster.get({ apiVersion, kind, namespace, name: res.name ?? "" });
    return one === undefined ? [] : [one];
  }
  return cluster
    .list({ apiVersion, kind })
    .filter((o) => o.metadata.namespace === namespace && Object.entries(res.matchLabels ?? {}).every(([k, v]) => o.metadata.labels?.[k] === v));
}

/** Answer one webhook request (what the real receiver server does for `/hook/...`). */
export async function receiveWebhook(cluster: ClusterAccess, req: WebhookRequest, now: string): Promise<WebhookAnswer> {
  if (req.method !== "POST") return { status: 405, message: `${req.method} is not allowed: webhooks are POSTed`, requested: [] };
  const receivers = cluster.list(RECEIVER_KIND).filter((r) => r.metadata.deletionTimestamp === undefined && (r.status?.["webhookPath"] as string | undefined) === req.path && req.path.startsWith("/hook/"));
  if (receivers.length === 0) return { status: 404, message: `no Receiver serves ${req.path}`, requested: [] };
  const requested: string[] = [];
  for (const r of receivers) {
    if (r.spec?.["suspend"] === true) continue;
    const why = refusal(r, req, tokenOf(cluster, r));
    if (why === "ping") continue;
    if (why !== undefined) return { status: 400, message: `Receiver ${r.metadata.namespace}/${r.metadata.name}: ${why}`, requested };
    const resources = Array.isArray(r.spec?.["resources"]) ? (r.spec!["resources"] as ReceiverResource[]) : [];
    for (const res of resources) {
      for (const o of targets(cluster, r, res)) {
        // A partial apply of the one annotation, owned by the notification-controller (as its merge patch).
        await cluster.apply({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace, annotations: { [REQUESTED_AT]: now } } } as KubeObject, FIELD_MANAGER);
        requested.push(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
      }
    }
  }
  return { status: 200, message: "ok", requested };
}

export interface ReceiverServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (d: Buffer) => {
      size += d.length;
      if (size > limit) req.destroy(new Error("the webhook's body is larger than 1 MiB"));
      else chunks.push(d);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Serve the webhook receiver on loopback (`port` 0: any free one) while `runs()` says the
 * notification-controller runs (else 503, as no receiver listens then).
 */
export async function serveReceiverWebhooks(cluster: ClusterAccess, o: { readonly port?: number; readonly runs: () => boolean; readonly log?: (m: string) => void }): Promise<ReceiverServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const answer = (status: number, message: string) => res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(message + "\n");
      try {
        const body = await readBody(req);
        if (!o.runs()) return answer(503, "the notification-controller is not running (no notification-controller Deployment)");
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
        const a = await receiveWebhook(cluster, { method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0]!, headers, body }, new Date().toISOString());
        if (a.requested.length > 0) o.log?.(`notification-controller: webhook ${req.url}: reconcile requested for ${a.requested.join(", ")}`);
        answer(a.status, a.message);
      } catch (err) {
        o.log?.(`notification-controller: webhook ${req.url}: ${(err as Error).message}`);
        if (!res.headersSent) answer(500, (err as Error).message);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
  });
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

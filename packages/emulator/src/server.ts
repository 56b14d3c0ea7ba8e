/**
 * The local cloud's server: one process, one HTTPS port per service (ARM, Kubernetes API) and an
 * HTTP port for git (Flux and git both accept http URLs), all on loopback.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { join, resolve } from "node:path";
import { attachFault, Faults, type FaultRule } from "./faults.js";
import type { Endpoints, Service, ServiceContext, ServiceFactory, ServiceName } from "./service.js";
import { issueServerCertificate, loadOrCreateCa } from "./tls.js";
import { kubeconfigFor } from "./kubeconfig.js";

export interface LocalCloudOptions {
  /** Where data persist (default `.iac/local` under the current directory). */
  readonly dataDir?: string;
  /** First port: ARM gets it, Kubernetes the next, git the one after; ephemeral ports when absent or 0. */
  readonly port?: number;
  /** A port per service, overriding `port` for the services it names (0: any free port). */
  readonly ports?: Readonly<Partial<Record<ServiceName, number>>>;
  readonly host?: string;
  readonly faults?: readonly FaultRule[];
  /** The services to run; all three by default. */
  readonly services: Readonly<Partial<Record<ServiceName, ServiceFactory>>>;
  /** The emulated subscription id. */
  readonly subscriptionId?: string;
  readonly log?: (message: string) => void;
}

export interface LocalCloud {
  readonly endpoints: Endpoints;
  readonly faults: Faults;
  readonly dataDir: string;
  service<T extends Service>(name: ServiceName): T | undefined;
  /**
   * Endpoints served outside this server, once known (`--kubernetes=real`: the real cluster's API
   * and webhook receiver): the services see them (`ctx.endpoints()`), endpoints.json is rewritten.
   * Returns the endpoints now.
   */
  setEndpoints(extra: Partial<Omit<Endpoints, "ca" | "subscriptionId">>): Endpoints;
  close(): Promise<void>;
}

export const DEFAULT_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001";

const ORDER: readonly ServiceName[] = ["arm", "kubernetes", "git", "registry"];

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((res, rej) => {
    server.once("error", rej);
    server.listen(port, host, () => {
      server.off("error", rej);
      res((server.address() as AddressInfo).port);
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Start the local cloud. */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const host = options.host ?? "127.0.0.1";
  const dataDir = resolve(options.dataDir ?? join(".iac", "local"));
  mkdirSync(dataDir, { recursive: true });
  const log = options.log ?? (() => {});
  const faults = new Faults(options.faults ?? []);
  const ca = loadOrCreateCa(dataDir);
  const cert = issueServerCertificate(ca, ["localhost", "127.0.0.1", host]);
  const caPath = join(dataDir, "ca.pem");
  const services = new Map<ServiceName, Service>();
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  let endpoints: Endpoints | undefined;

  const names = ORDER.filter((n) => options.services[n] !== undefined);
  const bound = new Map<ServiceName, { server: Server; port: number; scheme: string }>();

  for (const name of names) {
    // git and the registry speak http on loopback (Flux and go-containerregistry accept it there).
    const scheme = name === "git" || name === "registry" ? "http" : "https";
    const handler = (req: IncomingMessage, res: ServerResponse) => void dispatch(name, req, res);
    const server = scheme === "https" ? createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, handler) : createHttpServer(handler);
    server.keepAliveTimeout = 5_000;
    server.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    let port: number;
    try {
      port = await listen(server, options.ports?.[name] ?? (!options.port ? 0 : options.port + ORDER.indexOf(name)), host);
    } catch (err) {
      // A port in use must not leave the services bound so far listening (callers retry elsewhere).
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      throw err;
    }
    servers.push(server);
    bound.set(name, { server, port, scheme });
  }

  const urlOf = (name: ServiceName) => {
    const b = bound.get(name);
    return b ? `${b.scheme}://${host}:${b.port}` : "";
  };
  endpoints = {
    arm: urlOf("arm"),
    kubernetes: urlOf("kubernetes"),
    git: urlOf("git"),
    ...(bound.has("registry") ? { registry: urlOf("registry") } : {}),
    ca: caPath,
    kubeconfig: join(dataDir, "kubeconfig"),
    subscriptionId: options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID,
  };
  let ep = endpoints;

  for (const name of names) {
    const serviceDir = join(dataDir, name);
    mkdirSync(serviceDir, { recursive: true });
    const ctx: ServiceContext = {
      dataDir: serviceDir,
      faults,
      endpoints: () => ep,
      service: <T extends Service>(n: ServiceName) => services.get(n) as T | undefined,
      log: (m) => log(`[${name}] ${m}`),
    };
    services.set(name, await options.services[name]!(ctx));
  }
  for (const s of services.values()) await s.start?.();
  // What the services serve besides their port (the notification-controller's webhook receiver).
  for (const s of services.values()) ep = { ...ep, ...((await s.endpoints?.()) ?? {}) };

  async function dispatch(name: ServiceName, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? "/").split("?")[0]!;
      if (path === "/_iac/faults") {
        if (req.method === "GET") return sendJson(res, 200, { rules: faults.rules() });
        if (req.method === "PUT" || req.method === "POST") {
          // A malformed body or rule is the client's mistake: answer 400 and keep the rules in force.
          let rules: FaultRule[];
          try {
            const body = JSON.parse((await readBody(req)) || "{}") as { rules?: FaultRule[] };
            rules = body.rules ?? [];
            if (!Array.isArray(rules)) throw new Error("rules must be an array");
            new Faults(rules);
          } catch (err) {
            return sendJson(res, 400, { error: { code: "InvalidFaultRules", message: `The fault rules were refused: ${(err as Error).message}. Send {"rules":[{"service"?, "method"?, "path"? (a regular expression), "latencyMs"?, "status"?, ...}]}.` } });
          }
          faults.set(rules);
          return sendJson(res, 200, { rules: faults.rules() });
        }
        if (req.method === "DELETE") {
          faults.clear();
          return sendJson(res, 200, { rules: [] });
        }
      }
      const fault = faults.match(name, req.method ?? "GET", path);
      if (fault) {
        attachFault(req, fault);
        if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
        if (fault.drop) {
          req.socket.destroy();
          return;
        }
        if (fault.status !== undefined) {
          const headers: Record<string, string> = {};
          if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
          return sendJson(res, fault.status, faultBody(name, fault.status), headers);
        }
      }
      const service = services.get(name);
      if (!service) return sendJson(res, 503, { message: "starting" });
      await service.handle(req, res);
    } catch (err) {
      log(`[${name}] internal error: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: "InternalServerError", message: "The local cloud failed to handle the request." } });
      else res.destroy();
    }
  }

  writeFileSync(join(dataDir, "endpoints.json"), JSON.stringify(ep, null, 2) + "\n");
  if (ep.kubernetes) writeFileSync(ep.kubeconfig, kubeconfigYaml(ep.kubernetes, ca.certPem), { mode: 0o600 });

  return {
    endpoints: ep,
    faults,
    dataDir,
    service: <T extends Service>(n: ServiceName) => services.get(n) as T | undefined,
    setEndpoints(extra) {
      ep = { ...ep, ...extra };
      writeFileSync(join(dataDir, "endpoints.json"), JSON.stringify(ep, null, 2) + "\n");
      return ep;
    },
    async close() {
      for (const s of services.values()) await s.close?.();
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

function faultBody(service: ServiceName, status: number): unknown {
  if (service === "kubernetes") {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: status === 429 ? "Too many requests, please try again later." : "Internal error (injected fault)", reason: status === 429 ? "TooManyRequests" : "InternalError", code: status };
  }
  if (status === 429) return { error: { code: "TooManyRequests", message: "The request is being throttled. Retry after the interval the Retry-After header gives." } };
  return { error: { code: status === 503 ? "ServiceUnavailable" : "InternalServerError", message: "The server encountered an internal error (injected fault). Please retry the request." } };
}

/** A kubeconfig for the emulated cluster: the CA inline, a static token (any token is accepted). */
export function kubeconfigYaml(server: string, caPem: string): string {
  return kubeconfigFor(server, caPem, "iac-local", "iac-local-token");
}

/**
 * The console's HTTP server: the page, its assets, the JSON API and the live event stream, on
 * loopback (127.0.0.1, a random port) unless a host is given. Every request must carry the
 * one-time token (query, then cookie); the server talks to nothing but the backend.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Backend } from "@iac/engine";
import { cookieName, hostAllowed, newToken, tokenOf, validToken } from "./auth.js";
import { loadAssets, type Assets } from "./assets.js";
import { getUpdate, listStacks, listUpdates, resourceDetail, resourceRows, stackGraph, type ValueView } from "./data.js";
import { watchStack, type LiveEvent } from "./live.js";

export interface ConsoleServerOptions {
  readonly backend: Backend;
  readonly view: ValueView;
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Port; default 0 (a free one). */
  readonly port?: number;
  /** The token; default a fresh random one. */
  readonly token?: string;
  /** The project's name, shown in the page title. */
  readonly project?: string;
  /** How often the live stream reads the backend; default 500 ms. */
  readonly liveIntervalMs?: number;
  /** The page's assets; default the built bundle (built now when missing or stale). */
  readonly assets?: Assets;
}

export interface ConsoleServer {
  /** Base URL, no token: `http://127.0.0.1:43121/`. */
  readonly url: string;
  /** The URL to open: with the one-time token. */
  readonly loginUrl: string;
  readonly token: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Error codes of the API (JSON `{ error: { code, message } }`). */
type ApiErrorCode = "Unauthorized" | "ForbiddenHost" | "NotFound" | "BadRequest" | "Internal";

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? newToken();
  const assets = options.assets ?? (await loadAssets());
  const live = new Set<AbortController>();
  let port = 0;
  let allowedHosts: string[] = [];
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      const e = error instanceof ApiError ? error : new ApiError(500, "Internal", `The console could not answer: ${(error as Error).message}`);
      if (!res.headersSent) sendJson(res, e.status, { error: { code: e.code, message: e.message } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (!hostAllowed(req, allowedHosts)) {
      throw new ApiError(403, "ForbiddenHost", `This console answers only to ${allowedHosts[0]}: open the URL it printed.`);
    }
    const given = tokenOf(req, url, port);
    if (!validToken(given.token, token)) {
      throw new ApiError(401, "Unauthorized", "This console needs the token from the URL `iac console` printed (http://…/?token=…). Open that URL; it sets a cookie for this browser.");
    }
    if (req.method !== "GET") throw new ApiError(400, "BadRequest", `${req.method ?? "?"} is not supported: the console only reads.`);
    if (given.from === "query") {
      // Trade the token in the URL for a cookie, and take it out of the address bar (and of history).
      url.searchParams.delete("token");
      res.writeHead(303, { "Set-Cookie": `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`, Location: url.pathname + url.search, "Cache-Control": "no-store" });
      res.end();
      return;
    }
    const path = url.pathname;
    if (path === "/" || path === "/index.html") return sendText(res, 200, "text/html; charset=utf-8", indexHtml(options.project));
    if (path === "/assets/console.js") return sendText(res, 200, "text/javascript; charset=utf-8", assets.js);
    if (path === "/assets/console.css") return sendText(res, 200, "text/css; charset=utf-8", assets.css);
    if (path.startsWith("/api/")) return api(url, req, res);
    throw new ApiError(404, "NotFound", `Nothing at ${path}.`);
  }

  async function api(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts = url.pathname.split("/").slice(2).map(decodeURIComponent);
    const { backend, view } = options;
    if (parts[0] === "info" && parts.length === 1) {
      return sendJson(res, 200, { backend: backend.url, project: options.project, showSecrets: view.showSecrets });
    }
    if (parts[0] !== "stacks") throw new ApiError(404, "NotFound", `No API at ${url.pathname}.`);
    if (parts.length === 1) return sendJson(res, 200, await listStacks(backend, view));
    const stack = parts[1];
    if (!(await backend.stackExists(stack))) throw new ApiError(404, "NotFound", `Stack ${stack} does not exist in ${backend.url}.`);
    const what = parts[2];
    if (what === "updates" && parts.length === 3) {
      const result = url.searchParams.get("result") ?? undefined;
      return sendJson(res, 200, await listUpdates(backend, stack, result !== undefined && result !== "" ? { result } : {}));
    }
    if (what === "updates" && parts.length === 4) {
      const update = await getUpdate(backend, stack, parts[3]);
      if (update === undefined) throw new ApiError(404, "NotFound", `Stack ${stack} has no recorded update ${parts[3]} (it may have been dropped by the history's retention).`);
      return sendJson(res, 200, update);
    }
    if (what === "resources" && parts.length === 3) {
      const snapshot = await backend.read(stack, await view.crypter(stack));
      const urn = url.searchParams.get("urn");
      if (urn === null) return sendJson(res, 200, resourceRows(snapshot));
      const detail = resourceDetail(snapshot, urn, view);
      if (detail === undefined) throw new ApiError(404, "NotFound", `Stack ${stack} has no resource ${urn}.`);
      return sendJson(res, 200, detail);
    }
    if (what === "graph" && parts.length === 3) {
      return sendJson(res, 200, stackGraph(await backend.read(stack, await view.crypter(stack))));
    }
    if (what === "live" && parts.length === 3) return liveStream(req, res, stack);
    throw new ApiError(404, "NotFound", `No API at ${url.pathname}.`);
  }

  function liveStream(req: IncomingMessage, res: ServerResponse, stack: string): void {
    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", Connection: "keep-alive", ...securityHeaders });
    res.write(": iac console live\n\n");
    const abort = new AbortController();
    live.add(abort);
    const stop = () => {
      abort.abort();
      live.delete(abort);
    };
    req.on("close", stop);
    const send = (e: LiveEvent) => void res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    void watchStack({ backend: options.backend, stack, view: options.view, intervalMs: options.liveIntervalMs ?? 500, signal: abort.signal, send }).finally(() => res.end());
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  allowedHosts = [`${urlHost}:${port}`];
  if (LOOPBACK.has(host)) allowedHosts.push(`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`);
  const base = `http://${urlHost}:${port}/`;
  return {
    url: base,
    loginUrl: `${base}?token=${token}`,
    token,
    port,
    async close() {
      for (const c of live) c.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const securityHeaders = {
  // Nothing but this server: no CDN, no fonts, no frames, no inline script.
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "Content-Type": type, ...securityHeaders });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function indexHtml(project: string | undefined): string {
  const title = project !== undefined ? `${escapeHtml(project)} · iac console` : "iac console";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
<link rel="stylesheet" href="/assets/console.css">
<script type="module" src="/assets/console.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a href="#/" class="brand">iac console</a><nav id="crumbs" aria-label="Breadcrumb"></nav></header>
<main id="main" tabindex="-1"><p>Loading…</p></main>
</body>
</html>
`;
}

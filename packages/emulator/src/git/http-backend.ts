/**
 * Smart-HTTP git served by git's own CGI program, `git http-backend`, run once per request. Using
 * the real backend means clone, fetch and push speak exactly the protocol the git CLI and Flux's
 * go-git expect (v0 and v2, side-band, shallow), with nothing re-implemented here.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gitEnv } from "./exec.js";

/** Where Debian/Ubuntu and most distributions install the backend. */
export const DEFAULT_HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

export interface CgiRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The data directory holding `<owner>/<name>.git`. */
  readonly projectRoot: string;
  /** Path below the project root, e.g. `/owner/name.git/info/refs`. */
  readonly pathInfo: string;
  readonly queryString: string;
  /** The authenticated user (recorded in reflogs by receive-pack). */
  readonly remoteUser: string;
  readonly backend?: string;
}

/**
 * Run the backend for one request. Resolves with the HTTP status the backend answered, once the
 * response has been sent.
 */
export async function serveWithHttpBackend(r: CgiRequest): Promise<number> {
  // The whole body is read first so CONTENT_LENGTH can be given: the backend then reads exactly
  // that much. Bodies arrive chunked (git streams large pushes) and possibly gzip-encoded; the
  // encoding is passed on as HTTP_CONTENT_ENCODING, which the backend inflates itself
  // (http-backend.c `inflate_request`).
  const chunks: Buffer[] = [];
  for await (const c of r.req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const headers = r.req.headers;
  const env = gitEnv({
    GIT_PROJECT_ROOT: r.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: r.pathInfo,
    QUERY_STRING: r.queryString,
    REQUEST_METHOD: r.req.method ?? "GET",
    CONTENT_TYPE: headers["content-type"] ?? "",
    CONTENT_LENGTH: String(body.length),
    REMOTE_USER: r.remoteUser,
    REMOTE_ADDR: r.req.socket.remoteAddress ?? "127.0.0.1",
    SERVER_PROTOCOL: `HTTP/${r.req.httpVersion}`,
    GATEWAY_INTERFACE: "CGI/1.1",
    ...(headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(headers["content-encoding"]) } : {}),
    // Protocol v2 is negotiated through this header (http-backend copies it to GIT_PROTOCOL).
    ...(headers["git-protocol"] ? { HTTP_GIT_PROTOCOL: String(headers["git-protocol"]) } : {}),
    // Receive-pack is refused for anonymous users unless enabled; repositories enable it in their
    // config, and this covers repositories made by other means.
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.receivepack",
    GIT_CONFIG_VALUE_0: "true",
  });
  const child = spawn(r.backend ?? DEFAULT_HTTP_BACKEND, [], { env, stdio: ["pipe", "pipe", "pipe"] });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (d: Buffer) => stderr.push(d));
  child.stdin.on("error", () => {
    // The backend may exit before reading everything (e.g. an error answer); its exit code tells.
  });
  child.stdin.end(body);

  return new Promise<number>((resolve, reject) => {
    let head = Buffer.alloc(0);
    let status = 200;
    let started = false;
    child.on("error", (err) => reject(new Error(`could not run ${r.backend ?? DEFAULT_HTTP_BACKEND}: ${err.message}; install git (the package that ships git-http-backend).`, { cause: err })));
    child.stdout.on("data", (d: Buffer) => {
      if (started) {
        r.res.write(d);
        return;
      }
      head = Buffer.concat([head, d]);
      const parsed = parseCgiHead(head);
      if (parsed === undefined) return;
      started = true;
      status = parsed.status;
      r.res.writeHead(parsed.status, parsed.headers);
      if (parsed.rest.length > 0) r.res.write(parsed.rest);
    });
    child.on("close", (code) => {
      if (!started) {
        const message = `git http-backend exited with ${code} without answering: ${Buffer.concat(stderr).toString("utf8").trim()}`;
        if (!r.res.headersSent) {
          r.res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          r.res.end(message + "\n");
        }
        resolve(500);
        return;
      }
      r.res.end();
      resolve(status);
    });
  });
}

interface CgiHead {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly rest: Buffer;
}

/** Parse CGI response headers (`Status: 404 Not Found`, then headers, a blank line, the body). */
export function parseCgiHead(buf: Buffer): CgiHead | undefined {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  let end: number;
  let sep: number;
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) {
    end = crlf;
    sep = 4;
  } else if (lf >= 0) {
    end = lf;
    sep = 2;
  } else {
    return undefined;
  }
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of buf.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === "status") status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers, rest: buf.subarray(end + sep) };
}

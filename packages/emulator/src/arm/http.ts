/**
 * The request and response shapes handlers work with, and the headers every ARM response carries
 * (notes §2: request ids, correlation id, rate-limit counters, no-cache).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ArmError, invalidRequestContent } from "./errors.js";

/** A parsed request. */
export interface ArmRequest {
  readonly method: string;
  /** Path segments, percent-decoded (SDK generations encode differently, notes §1.1). */
  readonly segments: readonly string[];
  /** The same segments in lower case, for matching. */
  readonly lower: readonly string[];
  readonly query: URLSearchParams;
  readonly apiVersion: string | undefined;
  /** `https://host:port` as the client addressed us: poll URLs are built on it. */
  readonly baseUrl: string;
  /** The JSON body, `undefined` when empty. */
  readonly body: unknown;
  /** The request time (epoch ms), the same for the whole request. */
  readonly now: number;
  readonly raw: IncomingMessage;
}

/** What a handler answers. `body: undefined` sends no body at all (`Content-Length: 0`). */
export interface ArmResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidRequestContent(`body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Split and percent-decode a path. */
export function pathSegments(path: string): string[] {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new ArmError({ status: 400, code: "InvalidRequestUri", message: `The request path segment '${s}' is not valid percent-encoding.` });
      }
    });
}

/** Which rate-limit counter a method spends (notes §2, request-limits-and-throttling). */
export type LimitKind = "reads" | "writes" | "deletes";

export function limitKindOf(method: string): LimitKind {
  if (method === "GET" || method === "HEAD") return "reads";
  if (method === "DELETE") return "deletes";
  return "writes";
}

/** Write a response with ARM's common headers. */
export function writeArmResponse(options: {
  readonly res: ServerResponse;
  readonly req: IncomingMessage;
  readonly response: ArmResponse;
  readonly remaining: { readonly kind: LimitKind; readonly count: number };
}): void {
  const { res, req, response } = options;
  const requestId = randomUUID();
  const correlation = headerValue(req, "x-ms-correlation-request-id") ?? headerValue(req, "x-ms-client-request-id") ?? requestId;
  const text = response.body === undefined ? "" : JSON.stringify(response.body);
  const headers: Record<string, string | number> = {
    "cache-control": "no-cache",
    pragma: "no-cache",
    expires: "-1",
    "x-ms-request-id": requestId,
    "x-ms-correlation-request-id": correlation,
    "x-ms-routing-request-id": `LOCAL:${new Date().toISOString().replace(/[-:.]/g, "")}:${requestId}`,
    [`x-ms-ratelimit-remaining-subscription-${options.remaining.kind}`]: String(options.remaining.count),
    "content-length": Buffer.byteLength(text),
  };
  const clientRequestId = headerValue(req, "x-ms-client-request-id");
  if (clientRequestId !== undefined) headers["x-ms-client-request-id"] = clientRequestId;
  if (response.body !== undefined) headers["content-type"] = "application/json; charset=utf-8";
  for (const [k, v] of Object.entries(response.headers ?? {})) headers[k.toLowerCase()] = v;
  res.writeHead(response.status, headers);
  res.end(req.method === "HEAD" ? undefined : text);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Narrow an unknown body to a JSON object, or fail with ARM's error. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) throw invalidRequestContent("the request body is required");
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidRequestContent("the request body must be a JSON object");
  return body as Record<string, unknown>;
}

/** A JSON object property, or `{}` when absent; fails when present but not an object. */
export function objectProp(parent: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = parent[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw invalidRequestContent(`property '${name}' must be a JSON object`);
  return v as Record<string, unknown>;
}

/** Tags from a body: an object of strings, or undefined. */
export function tagsOf(body: Record<string, unknown>): Record<string, string> | undefined {
  const t = body["tags"];
  if (t === undefined || t === null) return undefined;
  if (typeof t !== "object" || Array.isArray(t)) throw invalidRequestContent("property 'tags' must be an object of strings");
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== "string") throw invalidRequestContent(`tag '${k}' must be a string`);
  }
  return t as Record<string, string>;
}

/** Small HTTP helpers for the Kubernetes API handler. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { KubeApiError } from "./errors.js";

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-cache, private" });
  res.end(text);
}

export function sendError(res: ServerResponse, err: KubeApiError): void {
  sendJson(res, err.httpStatus, err.status);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRawBody(req)).toString("utf8");
}

/** The request body as bytes (protobuf bodies are binary). */
export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Whether an Accept header asks for a `meta.k8s.io` Table (kubectl get sends
 * `application/json;as=Table;v=v1;g=meta.k8s.io,...`).
 */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

/**
 * The metadata-only form an Accept header asks for, when that is its first form the server knows:
 * `as=PartialObjectMetadataList` (for a list) or `as=PartialObjectMetadata` (one object), group
 * meta.k8s.io, as client-go's metadata client and `kubectl get -o name` send them. Like the
 * apiserver, the first known media type decides (a later `application/json` is no fallback: the
 * wrong form for the request is refused with 406, see {@link notAcceptableForm}).
 */
export function metadataOnlyForm(accept: string | undefined): "PartialObjectMetadataList" | "PartialObjectMetadata" | undefined {
  for (const part of (accept ?? "").split(",")) {
    const m = /;\s*as=(PartialObjectMetadataList|PartialObjectMetadata)\s*(?:;|$)/.exec(part);
    if (m && /g=meta\.k8s\.io/.test(part)) return m[1] as "PartialObjectMetadataList" | "PartialObjectMetadata";
    if (/^\s*(application\/json|application\/\*|\*\/\*)\s*(;|$)/.test(part) && !/;\s*as=/.test(part)) return undefined;
  }
  return undefined;
}

/** Whether an Accept header prefers the aggregated discovery document (apidiscovery.k8s.io/v2). */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((part) => /as=APIGroupDiscoveryList/.test(part) && /g=apidiscovery\.k8s\.io/.test(part) && /v=v2(;|$|\s)/.test(part + ";"));
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new KubeApiError(400, "BadRequest", `the ${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * One JSON-over-HTTP call to a Kubernetes API server, shared by the `kubernetes://` state backend
 * and the iac controller (which adds its kubeconfig's authentication through `prepare`): the body
 * sent as JSON (or a patch type), the answer parsed, a failure as a {@link KubeHttpError} carrying
 * the HTTP status and the server's own message (`Status.message`), a server that does not answer
 * as one with status 0. Each caller words the failure for its users (the backend as a
 * `StateError`, the controller as its `KubeApiError`).
 */
import type { RequestOptions } from "node:http";
import { EngineError } from "./errors.js";

export type KubeContentType = "application/json" | "application/merge-patch+json" | "application/apply-patch+yaml";

/** Where and how to reach the API server. */
export interface KubeEndpoint {
  /** `https://host:port` (no trailing slash). */
  readonly server: string;
  /** Adds credentials and TLS settings to a request's options (headers, ca, cert, key, ...). */
  prepare(options: RequestOptions & { headers: Record<string, string> }): void | Promise<void>;
}

/** A refused or unanswered call: `status` is the HTTP status (0: no answer). */
export class KubeHttpError extends EngineError {
  readonly status: number;
  /** The server's message (its `Status.message`, else the body); for status 0 the network error. */
  readonly detail: string;
  constructor(method: string, path: string, status: number, detail: string, options: { readonly cause?: unknown; readonly server?: string } = {}) {
    super(status === 0 ? `${method} ${path}: the Kubernetes API${options.server ? ` at ${options.server}` : ""} did not answer: ${detail}` : `${method} ${path}: ${status} ${detail}`, { code: "KubernetesApi", cause: options.cause });
    this.name = "KubeHttpError";
    this.status = status;
    this.detail = detail;
  }
}

/**
 * `method path` with `body` as JSON; the parsed answer (`{}` when empty). `accept` asks for another
 * JSON form of the answer (e.g. a PartialObjectMetadataList: the objects' metadata only).
 * @throws KubeHttpError
 */
export async function kubeRequest<T>(endpoint: KubeEndpoint, method: string, path: string, body?: unknown, contentType: KubeContentType = "application/json", accept = "application/json"): Promise<T> {
  const url = new URL(endpoint.server + path);
  const options: RequestOptions & { headers: Record<string, string> } = { method, headers: { accept } };
  await endpoint.prepare(options);
  const text = body === undefined ? undefined : JSON.stringify(body);
  if (text !== undefined) {
    options.headers["content-type"] = contentType;
    options.headers["content-length"] = String(Buffer.byteLength(text));
  }
  // Loaded on the first call: the engine's index exports this module, and most runs make no such call.
  const { request: send } = url.protocol === "http:" ? await import("node:http") : await import("node:https");
  const { status, data } = await new Promise<{ status: number; data: string }>((resolve, reject) => {
    const req = send(url, options, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, data }));
      res.on("error", reject);
    });
    req.on("error", (cause) => reject(new KubeHttpError(method, path, 0, cause.message, { cause, server: endpoint.server })));
    req.end(text);
  });
  if (status >= 400) {
    let message = data;
    try {
      message = (JSON.parse(data) as { message?: string }).message ?? data;
    } catch {
      // not a Status object: the raw body is the message
    }
    throw new KubeHttpError(method, path, status, message);
  }
  return (data === "" ? {} : JSON.parse(data)) as T;
}

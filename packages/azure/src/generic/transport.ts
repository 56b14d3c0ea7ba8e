/**
 * The generic ARM transport: PUT/GET/PATCH/DELETE of any resource by id and api-version, and POST
 * actions (resource functions), on the Azure SDK's HTTP runtime (@azure/core-rest-pipeline: TLS,
 * bearer tokens from @azure/identity's credential, our retry policy). Bodies go out exactly as
 * built — no SDK model serializer in between, so nothing (`zones`, `etag`, `placement`, ...) is
 * dropped — and every long-running-operation form is followed to its end (lro.ts).
 *
 * Errors: a 4xx/5xx answer becomes an {@link ArmCallError} with the cloud's `error.code`,
 * `error.message` and status; the request (bearer token, and a body that may hold a secret) is
 * never kept. Providers turn it into typed errors with `toProviderError` (errors.ts).
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import type { HttpClient, HttpMethods, Pipeline } from "@azure/core-rest-pipeline";
import type { ProviderLogger } from "@iac/sdk/provider";
import { iacRetryPolicy } from "../retry-policy.js";
import { requireSubscription, type AzureSettings } from "../settings.js";
import { followOperation, type LroOptions } from "./lro.js";

/** Azure Resource Manager's scope, for tokens of every ARM endpoint of the public cloud. */
const ARM_SCOPE = "https://management.azure.com/.default";
const PUBLIC_ENDPOINT = "https://management.azure.com";

/** One HTTP answer, its body parsed (undefined when empty, the text when not JSON). */
export interface ArmAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** A failed ARM call: the cloud's code, message and status, nothing of the request. */
export class ArmCallError extends Error {
  readonly statusCode: number | undefined;
  readonly code: string;
  /** `error.target` and `error.details` when the cloud gave them. */
  readonly target?: string;
  readonly details?: readonly { code?: string; message?: string; target?: string }[];
  constructor(o: { statusCode?: number; code: string; message: string; target?: string; details?: readonly { code?: string; message?: string; target?: string }[] }) {
    super(o.message);
    this.name = "ArmCallError";
    this.statusCode = o.statusCode;
    this.code = o.code;
    this.target = o.target;
    this.details = o.details;
  }
}

/** The ARM error envelope `{ error: { code, message, target?, details? } }` (also `{ code, message }`). */
export function armErrorOf(status: number | undefined, body: unknown): ArmCallError {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const e = (typeof b.error === "object" && b.error !== null ? b.error : b) as Record<string, unknown>;
  const code = typeof e.code === "string" && e.code !== "" ? e.code : status === undefined ? "OperationFailed" : `Http${status}`;
  let message = typeof e.message === "string" && e.message !== "" ? e.message : typeof body === "string" && body.trim() !== "" ? body.slice(0, 500) : `the service answered HTTP ${status}`;
  const details = Array.isArray(e.details) ? (e.details as { code?: string; message?: string; target?: string }[]) : undefined;
  // The top-level message is often generic ("One or more errors occurred"); the details say what.
  const said = details?.filter((d) => typeof d?.message === "string" && d.message !== "" && !message.includes(d.message)).map((d) => (d.code ? `${d.code}: ${d.message}` : d.message!));
  if (said && said.length > 0) message = `${message} (${said.join("; ")})`;
  return new ArmCallError({ statusCode: status, code, message, target: typeof e.target === "string" ? e.target : undefined, details });
}

/** Options of one call. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** The transport of one provider configuration (one subscription, endpoint and credential). */
export class ArmTransport {
  readonly #settings: AzureSettings;
  readonly #calls: AsyncLocalStorage<ProviderLogger>;
  readonly #endpoint: string;
  readonly #givenHttp: HttpClient | undefined;
  /** The runtime and pipeline, made on the first call (the SDK's runtime is loaded only then). */
  #runtime?: Promise<{ readonly rest: typeof import("@azure/core-rest-pipeline"); readonly pipeline: Pipeline; readonly http: HttpClient }>;

  constructor(settings: AzureSettings, calls: AsyncLocalStorage<ProviderLogger>, http?: HttpClient) {
    this.#settings = settings;
    this.#calls = calls;
    this.#endpoint = (settings.endpoint ?? PUBLIC_ENDPOINT).replace(/\/+$/, "");
    this.#givenHttp = http;
  }

  #load() {
    this.#runtime ??= import("@azure/core-rest-pipeline").then((rest) => {
      const settings = this.#settings;
      const pipeline = rest.createPipelineFromOptions({
        ...(settings.ca === undefined ? {} : { tlsOptions: { ca: settings.ca } as never }),
        userAgentOptions: { userAgentPrefix: "iac-azure/0.1.0" },
      });
      pipeline.removePolicy({ phase: "Retry" });
      pipeline.addPolicy(
        iacRetryPolicy({ maxRetries: settings.maxRetries, retryDelayMs: settings.retryDelayMs, maxRetryDelayMs: 30_000, log: () => this.#calls.getStore() }),
        { phase: "Retry" },
      );
      pipeline.addPolicy(rest.bearerTokenAuthenticationPolicy({ credential: settings.credential as never, scopes: ARM_SCOPE }), { phase: "Sign" });
      return { rest, pipeline, http: this.#givenHttp ?? rest.createDefaultHttpClient() };
    });
    return this.#runtime;
  }

  /** The subscription of this configuration (throws how to set one when there is none). */
  get subscriptionId(): string {
    return requireSubscription(this.#settings);
  }

  /** The URL of a resource id (or of one of its actions). */
  url(id: string, apiVersion: string, action?: string): string {
    return `${this.#endpoint}${id}${action === undefined ? "" : `/${action}`}?api-version=${encodeURIComponent(apiVersion)}`;
  }

  /** One HTTP exchange (retries included), any status; the body parsed. */
  async send(method: HttpMethods, url: string, o: CallOptions & { body?: unknown } = {}): Promise<ArmAnswer> {
    const { rest, pipeline, http } = await this.#load();
    const request = rest.createPipelineRequest({
      url,
      method,
      ...(o.signal ? { abortSignal: o.signal } : {}),
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    });
    request.headers.set("accept", "application/json");
    if (o.body !== undefined) request.headers.set("content-type", "application/json");
    const response = await pipeline.sendRequest(http, request);
    const text = response.bodyAsText ?? "";
    let body: unknown;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, headers: response.headers.toJSON(), body };
  }

  /** Like {@link send}, but a 4xx/5xx answer is an {@link ArmCallError}. */
  async call(method: HttpMethods, url: string, o: CallOptions & { body?: unknown } = {}): Promise<ArmAnswer> {
    const answer = await this.send(method, url, o);
    if (answer.status >= 400) throw armErrorOf(answer.status, answer.body);
    return answer;
  }

  #lro(o: CallOptions): LroOptions {
    return { send: (url) => this.send("GET", url, o), intervalMs: this.#settings.pollIntervalMs ?? 2000, signal: o.signal };
  }

  /** GET: the body, or undefined when the resource (or its parent, or group) does not exist. */
  async get(id: string, apiVersion: string, o: CallOptions = {}): Promise<unknown> {
    const answer = await this.send("GET", this.url(id, apiVersion), o);
    if (answer.status === 404) return undefined;
    if (answer.status >= 400) throw armErrorOf(answer.status, answer.body);
    return answer.body;
  }

  /** PUT (create or replace): the resource as it stands once every long-running operation ended. */
  async put(id: string, apiVersion: string, body: unknown, o: CallOptions = {}): Promise<unknown> {
    const url = this.url(id, apiVersion);
    const first = await this.call("PUT", url, { ...o, body });
    return followOperation(first, { ...this.#lro(o), method: "PUT", resourceUrl: url });
  }

  /** PATCH: the resource once the operation ended. */
  async patch(id: string, apiVersion: string, body: unknown, o: CallOptions = {}): Promise<unknown> {
    const url = this.url(id, apiVersion);
    const first = await this.call("PATCH", url, { ...o, body });
    return followOperation(first, { ...this.#lro(o), method: "PATCH", resourceUrl: url });
  }

  /** DELETE, waiting for the deletion to end; a resource already gone (404, 204) is success. */
  async delete(id: string, apiVersion: string, o: CallOptions = {}): Promise<void> {
    const url = this.url(id, apiVersion);
    const first = await this.send("DELETE", url, o);
    if (first.status === 404) return;
    if (first.status >= 400) throw armErrorOf(first.status, first.body);
    await followOperation(first, { ...this.#lro(o), method: "DELETE", resourceUrl: url });
  }

  /** POST `<id>/<action>` (a resource function): its answer once the operation ended. */
  async post(id: string, action: string, apiVersion: string, body: unknown, o: CallOptions = {}): Promise<unknown> {
    const url = this.url(id, apiVersion, action);
    const first = await this.call("POST", url, { ...o, ...(body === undefined ? {} : { body }) });
    return followOperation(first, { ...this.#lro(o), method: "POST", resourceUrl: url });
  }
}

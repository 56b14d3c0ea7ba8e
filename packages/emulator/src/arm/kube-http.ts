/**
 * The few Kubernetes API calls AKS's in-cluster agents make for the local cloud's ARM (flux-agent.ts),
 * over HTTPS with the local cloud's own kubeconfig, as any client would: so they work the same
 * against the emulated Kubernetes API and the real cluster (`iac local serve --kubernetes=real`).
 * Server-side apply, get, list, merge patch and delete; kinds are found by discovery.
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Endpoints } from "../service.js";

/** A Kubernetes object as JSON. */
export interface KubeJson {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly finalizers?: readonly string[]; readonly labels?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

interface Resource {
  readonly plural: string;
  readonly namespaced: boolean;
}

export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "KubeHttpError";
  }
}

/** A client of the local cloud's Kubernetes API. */
export class KubeHttp {
  readonly #server: string;
  readonly #ca: string;
  readonly #token: string;
  readonly #kinds = new Map<string, Map<string, Resource> | undefined>();

  /**
   * From the local cloud's kubeconfig file: its token (with `--kubernetes=real`, the real
   * cluster's admin token) and address (the same as `endpoints.kubernetes` once the cluster runs).
   */
  constructor(endpoints: Endpoints) {
    const kubeconfig = readFileSync(endpoints.kubeconfig, "utf8");
    const server = /^\s*server:\s*["']?([^\s"']+)/m.exec(kubeconfig)?.[1] ?? endpoints.kubernetes;
    this.#server = server.replace(/\/+$/, "");
    this.#ca = readFileSync(endpoints.ca, "utf8");
    this.#token = /^\s*token:\s*["']?([^\s"']+)/m.exec(kubeconfig)?.[1] ?? "";
  }

  /**
   * One request; JSON in and out. Every request the agents send is idempotent (server-side apply,
   * GET, DELETE, a merge patch of finalizers), so answers a real apiserver gives while it is busy
   * are retried with a growing wait, as client-go does: 429 and 5xx (e.g. "storage is
   * (re)initializing" right after CRDs change) and a dropped connection.
   */
  async call(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; json: unknown }> {
    for (let attempt = 1; ; attempt++) {
      let r: { status: number; json: unknown; retryAfter?: number } | undefined;
      let failure: unknown;
      try {
        r = await this.#once(method, path, body, contentType);
      } catch (err) {
        failure = err;
      }
      const transient = r === undefined || r.status === 429 || (r.status >= 500 && r.status !== 501);
      if (!transient || attempt >= RETRIES) {
        if (r === undefined) throw failure;
        return { status: r.status, json: r.json };
      }
      await sleep(Math.min(r?.retryAfter ?? 100 * 2 ** attempt, 2_000));
    }
  }

  async #once(method: string, path: string, body: unknown, contentType: string): Promise<{ status: number; json: unknown; retryAfter?: number }> {
    const url = new URL(this.#server + path);
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const options = {
        method,
        headers: { Authorization: `Bearer ${this.#token}`, Accept: "application/json", ...(data === undefined ? {} : { "Content-Type": contentType, "Content-Length": Buffer.byteLength(data) }) },
        ...(url.protocol === "https:" ? { ca: this.#ca } : {}),
        agent: false as const,
        timeout: 30_000,
      };
      const req = (url.protocol === "https:" ? request : httpRequest)(url, options, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          let json: unknown;
          try {
            json = text === "" ? undefined : JSON.parse(text);
          } catch {
            json = text;
          }
          const after = Number(res.headers["retry-after"]);
          resolve({ status: res.statusCode ?? 0, json, ...(Number.isFinite(after) && after > 0 ? { retryAfter: after * 1000 } : {}) });
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  /** Forget discovery (after CRDs came or went). */
  forgetKinds(): void {
    this.#kinds.clear();
  }

  async #resource(apiVersion: string, kind: string): Promise<Resource | undefined> {
    if (!this.#kinds.has(apiVersion)) {
      const r = await this.call("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      const list = (r.json as { resources?: { name: string; kind: string; namespaced: boolean }[] } | undefined)?.resources;
      this.#kinds.set(apiVersion, r.status === 200 && list ? new Map(list.filter((x) => !x.name.includes("/")).map((x) => [x.kind, { plural: x.name, namespaced: x.namespaced }])) : undefined);
    }
    return this.#kinds.get(apiVersion)?.get(kind);
  }

  /** The collection path of a kind (in a namespace, or across all when `namespace` is undefined). */
  async path(apiVersion: string, kind: string, namespace?: string): Promise<string | undefined> {
    const res = await this.#resource(apiVersion, kind);
    if (res === undefined) return undefined;
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return res.namespaced && namespace !== undefined ? `${base}/namespaces/${namespace}/${res.plural}` : `${base}/${res.plural}`;
  }

  async #objectPath(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<string> {
    const res = await this.#resource(o.apiVersion, o.kind);
    if (res === undefined) throw new KubeHttpError(404, `the cluster does not serve ${o.kind} (${o.apiVersion})`);
    const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    const ns = res.namespaced ? `/namespaces/${o.metadata.namespace ?? "default"}` : "";
    return `${base}${ns}/${res.plural}/${encodeURIComponent(o.metadata.name)}`;
  }

  /** Server-side apply with `force`, as the cluster agents apply. */
  async apply(o: KubeJson, fieldManager: string): Promise<KubeJson> {
    const path = `${await this.#objectPath(o)}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
    const r = await this.call("PATCH", path, o, "application/apply-patch+yaml");
    if (r.status >= 300) throw new KubeHttpError(r.status, `applying ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}: ${messageOf(r.json)}`);
    return r.json as KubeJson;
  }

  async get(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<KubeJson | undefined> {
    if ((await this.#resource(o.apiVersion, o.kind)) === undefined) return undefined;
    const r = await this.call("GET", await this.#objectPath(o));
    if (r.status === 404) return undefined;
    if (r.status >= 300) throw new KubeHttpError(r.status, `reading ${o.kind} ${o.metadata.name}: ${messageOf(r.json)}`);
    return r.json as KubeJson;
  }

  /** Every object of a kind, in all namespaces (empty when the kind is not served). */
  async list(apiVersion: string, kind: string): Promise<KubeJson[]> {
    const path = await this.path(apiVersion, kind);
    if (path === undefined) return [];
    const r = await this.call("GET", path);
    if (r.status === 404) return [];
    if (r.status >= 300) throw new KubeHttpError(r.status, `listing ${kind}: ${messageOf(r.json)}`);
    return ((r.json as { items?: KubeJson[] }).items ?? []).map((x) => ({ ...x, apiVersion, kind }));
  }

  /** A JSON merge patch. */
  async mergePatch(o: KubeJson, patch: unknown): Promise<void> {
    const r = await this.call("PATCH", await this.#objectPath(o), patch, "application/merge-patch+json");
    if (r.status >= 300 && r.status !== 404) throw new KubeHttpError(r.status, `patching ${o.kind} ${o.metadata.name}: ${messageOf(r.json)}`);
  }

  /** Delete (background propagation); a missing object or kind is not an error. */
  async delete(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<void> {
    if ((await this.#resource(o.apiVersion, o.kind)) === undefined) return;
    const r = await this.call("DELETE", await this.#objectPath(o), { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
    if (r.status >= 300 && r.status !== 404) throw new KubeHttpError(r.status, `deleting ${o.kind} ${o.metadata.name}: ${messageOf(r.json)}`);
  }
}

/** Attempts of one request while the apiserver answers busy (about 10 s in all). */
const RETRIES = 8;

function messageOf(json: unknown): string {
  const m = (json as { message?: unknown } | undefined)?.message;
  return typeof m === "string" ? m : JSON.stringify(json);
}

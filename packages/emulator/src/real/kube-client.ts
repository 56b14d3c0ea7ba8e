/**
 * The few requests the real cluster's supervisor makes to its apiserver (JSON over HTTPS with the
 * local cloud's CA and a bearer token). The emulator imports no Kubernetes client library.
 */
import { request } from "node:https";
export { kubeconfigFor } from "../kubeconfig.js";

export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

export class KubeClient {
  constructor(private readonly o: { readonly server: string; readonly ca: string; readonly token: string }) {}

  request(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<KubeResponse> {
    return new Promise((done, fail) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { authorization: `Bearer ${this.o.token}`, accept: "application/json" };
      if (data !== undefined) {
        headers["content-type"] = method === "PATCH" ? "application/apply-patch+yaml" : "application/json";
        headers["content-length"] = String(Buffer.byteLength(data));
      }
      const req = request(new URL(path, this.o.server), { method, headers, ca: this.o.ca, timeout: timeoutMs, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON (healthz answers "ok")
          }
          done({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on("error", fail);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  async get<T>(path: string): Promise<T | undefined> {
    const r = await this.request("GET", path);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body as T;
  }
}

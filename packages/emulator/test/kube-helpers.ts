/** Shared setup of the Kubernetes API tests: a local cloud with only the Kubernetes service. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCloud, type LocalCloud } from "../src/index.js";
import { kubeServiceFactory, type KubeServiceOptions } from "../src/kube/index.js";

export interface KubeCloud {
  readonly cloud: LocalCloud;
  readonly dataDir: string;
  readonly kubeconfig: string;
  close(): Promise<void>;
}

/** Start a local cloud serving only Kubernetes, in a fresh (or given) data directory. */
export async function startKubeCloud(options: KubeServiceOptions & { dataDir?: string; keep?: boolean } = {}): Promise<KubeCloud> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "iac-kube-"));
  const cloud = await startLocalCloud({ dataDir, services: { kubernetes: kubeServiceFactory(options) } });
  return {
    cloud,
    dataDir,
    kubeconfig: cloud.endpoints.kubeconfig,
    async close() {
      await cloud.close();
      if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTPS request to the emulated API server, trusting the local cloud's CA. */
export function raw(cloud: LocalCloud, options: { method?: string; path: string; headers?: Record<string, string>; body?: string; token?: string | null }): Promise<RawResponse> {
  const url = new URL(options.path, cloud.endpoints.kubernetes);
  const token = options.token === undefined ? "test-token" : options.token;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method ?? "GET",
      ca: readFileSync(cloud.endpoints.ca),
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

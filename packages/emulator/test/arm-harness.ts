/**
 * Test harness for the ARM service: a local cloud running ARM only, the three real SDK clients
 * pointed at it (CA trusted per client through `tlsOptions`), and a raw HTTPS helper for what the
 * SDKs hide (status codes, headers).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { StorageManagementClient } from "@azure/arm-storage";
import { createKubeService, startLocalCloud, type FaultRule, type LocalCloud } from "@iac/emulator";
import { armServiceFactory, type ArmService, type ArmServiceOptions } from "../src/arm/index.js";

/** A credential that hands out a fixed token: the emulator accepts any bearer token. */
export const fakeCredential = { getToken: async () => ({ token: "local-test-token", expiresOnTimestamp: Date.now() + 3600e3 }) };

/** Poll fast: the emulator sends Retry-After: 0, so the client's interval applies. */
export const FAST = { updateIntervalInMs: 10 } as const;

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  readonly json: any;
}

export interface ArmHarness {
  readonly cloud: LocalCloud;
  readonly dataDir: string;
  readonly sub: string;
  readonly arm: ArmService;
  readonly resources: ResourceManagementClient;
  readonly storage: StorageManagementClient;
  readonly aci: ContainerInstanceManagementClient;
  /** Clients for another subscription of the same cloud. */
  clientsFor(sub: string): { resources: ResourceManagementClient; storage: StorageManagementClient };
  raw(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; auth?: boolean }): Promise<RawResponse>;
  /** Stop the cloud; removes the data directory unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export async function startArm(
  options: { dataDir?: string; lroStepMs?: number; faults?: FaultRule[]; kubernetes?: boolean; arm?: Omit<ArmServiceOptions, "lroStepMs" | "saveDelayMs"> } = {},
): Promise<ArmHarness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "iac-arm-test-"));
  const arm = armServiceFactory({ lroStepMs: options.lroStepMs ?? 30, saveDelayMs: 10, ...options.arm });
  const cloud = await startLocalCloud({
    services: options.kubernetes ? { arm, kubernetes: createKubeService } : { arm },
    dataDir,
    faults: options.faults,
  });
  const ca = readFileSync(cloud.endpoints.ca);
  const clientOptions = { endpoint: cloud.endpoints.arm, tlsOptions: { ca } };
  const sub = cloud.endpoints.subscriptionId;
  const url = new URL(cloud.endpoints.arm);
  return {
    cloud,
    dataDir,
    sub,
    arm: cloud.service<ArmService>("arm")!,
    resources: new ResourceManagementClient(fakeCredential, sub, clientOptions),
    storage: new StorageManagementClient(fakeCredential, sub, clientOptions),
    aci: new ContainerInstanceManagementClient(fakeCredential, sub, clientOptions),
    clientsFor: (other) => ({
      resources: new ResourceManagementClient(fakeCredential, other, clientOptions),
      storage: new StorageManagementClient(fakeCredential, other, clientOptions),
    }),
    raw: (method, path, o = {}) =>
      new Promise((resolve, reject) => {
        const text = o.body === undefined ? undefined : JSON.stringify(o.body);
        const headers: Record<string, string> = { ...(o.auth === false ? {} : { authorization: "Bearer raw-test" }), ...o.headers };
        if (text !== undefined) headers["content-type"] = "application/json";
        const req = request({ host: url.hostname, port: url.port, path, method, headers, ca, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = body === "" ? undefined : JSON.parse(body);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: body, json });
          });
        });
        req.on("error", reject);
        req.end(text);
      }),
    close: async (c = {}) => {
      await cloud.close();
      if (!c.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown> | PromiseLike<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Read an example file of the reference material (shapes to compare with). */
export function example(path: string): any {
  return JSON.parse(readFileSync(new URL(`../../../../shared/reference/azure/examples/${path}`, import.meta.url), "utf8"));
}

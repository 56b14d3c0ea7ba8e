/**
 * Test harness: the local cloud's ARM service in a temp directory, the provider set configured
 * for it exactly as `iac --local` configures it (IAC_LOCAL_ENDPOINTS), independent SDK clients to
 * check what the cloud holds, and provider contexts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { StorageManagementClient } from "@azure/arm-storage";
import { createArmService, startLocalCloud, type LocalCloud, type ServiceFactory } from "@iac/emulator";
import type { PropertyMap, Provider, ProviderContext, ProviderSet } from "@iac/sdk/provider";
import { createProviderSet, localCredential, resolveSettings } from "../src/index.js";

export interface Harness {
  readonly cloud: LocalCloud;
  readonly providers: ProviderSet;
  /** SDK clients of the test itself: the cloud's own API, to check what it holds. */
  readonly sdk: { resources: ResourceManagementClient; storage: StorageManagementClient; containers: ContainerInstanceManagementClient };
  readonly endpointsPath: string;
  /** Everything providers logged (to check no secret is ever logged). */
  readonly logs: string[];
  provider(type: string): Provider;
  ctx(type: string, name: string, timeouts?: ProviderContext["timeouts"]): ProviderContext;
  close(): Promise<void>;
}

/** Options of {@link startHarness}: another ARM service (e.g. slower long-running operations). */
export interface HarnessOptions {
  readonly arm?: ServiceFactory;
}

export async function startHarness(harness: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "iac-azure-test-"));
  const cloud = await startLocalCloud({ dataDir: dir, services: { arm: harness.arm ?? createArmService } });
  const endpointsPath = join(cloud.dataDir, "endpoints.json");
  const settings = resolveSettings({ config: { maxRetries: 3, retryDelayMs: 10 }, env: { IAC_LOCAL_ENDPOINTS: endpointsPath } });
  const providers = createProviderSet(settings);
  const options = { endpoint: cloud.endpoints.arm, tlsOptions: { ca: readFileSync(cloud.endpoints.ca, "utf8") } };
  const sub = cloud.endpoints.subscriptionId;
  const logs: string[] = [];
  const log = { debug: (m: string) => void logs.push(m), info: (m: string) => void logs.push(m), warn: (m: string) => void logs.push(m) };
  return {
    cloud,
    providers,
    endpointsPath,
    logs,
    sdk: {
      resources: new ResourceManagementClient(localCredential, sub, options),
      storage: new StorageManagementClient(localCredential, sub, options),
      containers: new ContainerInstanceManagementClient(localCredential, sub, options),
    },
    provider(type) {
      const p = providers.provider(type);
      if (!p) throw new Error(`no provider for ${type}`);
      return p;
    },
    ctx(type, name, timeouts = {}) {
      return { urn: `urn:iac:test::azure::${type}::${name}`, type, name, preview: false, signal: new AbortController().signal, log, timeouts };
    },
    async close() {
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** check (no failures allowed) then create; returns the checked inputs and the result. */
export async function checkAndCreate(h: Harness, type: string, name: string, news: PropertyMap) {
  const p = h.provider(type);
  const ctx = h.ctx(type, name);
  const checked = await p.check(news, undefined, ctx);
  if (checked.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  const created = await p.create(checked.inputs, ctx);
  return { inputs: checked.inputs, ...created };
}

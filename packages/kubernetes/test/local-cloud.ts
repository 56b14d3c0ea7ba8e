/** Test helpers: a local cloud with the Kubernetes API (and its controllers) and the git host. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGitService, kubeServiceWithControllers, startLocalCloud, type LocalCloud } from "@iac/emulator";
import type { PropertyMap, Provider, ProviderContext, ProviderSet } from "@iac/sdk/provider";
import { createProviderSet } from "../src/provider-module.js";
import { resolveSettings } from "../src/settings.js";
import { KubeClient } from "../src/client.js";

export interface TestCloud {
  readonly cloud: LocalCloud;
  readonly dir: string;
  readonly providers: ProviderSet;
  readonly client: KubeClient;
  provider(type: string): Provider;
  close(): Promise<void>;
}

/** Starts a local cloud in a temp dir; `close` stops it and removes the dir. */
export async function startTestCloud(o: { git?: boolean } = {}): Promise<TestCloud> {
  const dir = mkdtempSync(join(tmpdir(), "iac-k8s-test-"));
  const cloud = await startLocalCloud({
    dataDir: join(dir, "local"),
    // Flux's controllers act only while their Deployments exist, as on a real cluster (and as
    // `iac local serve` runs them): a test that needs them applies them.
    services: { kubernetes: kubeServiceWithControllers({ requireControllerDeployments: true }), ...(o.git ? { git: createGitService } : {}) },
  });
  const settings = resolveSettings({ config: {}, env: { IAC_LOCAL_ENDPOINTS: join(dir, "local", "endpoints.json") } });
  const providers = createProviderSet(settings, { baseDir: dir });
  return {
    cloud,
    dir,
    providers,
    client: new KubeClient(settings),
    provider(type) {
      const p = providers.provider(type);
      if (!p) throw new Error(`no provider for ${type}`);
      return p;
    },
    async close() {
      await providers.dispose?.();
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A provider context for tests; logs are collected in `logs`. */
export function context(o: { name?: string; type?: string; timeouts?: ProviderContext["timeouts"]; preview?: boolean } = {}): ProviderContext & { logs: string[] } {
  const logs: string[] = [];
  return {
    urn: `urn:iac:test::test::${o.type ?? "kubernetes:index:Manifest"}::${o.name ?? "x"}`,
    type: o.type ?? "kubernetes:index:Manifest",
    name: o.name ?? "x",
    preview: o.preview ?? false,
    signal: new AbortController().signal,
    log: { debug: (m) => logs.push(m), info: (m) => logs.push(m), warn: (m) => logs.push(m) },
    timeouts: o.timeouts ?? { create: 20_000, update: 20_000, delete: 20_000 },
    logs,
  };
}

/** check, then create, failing on check failures. */
export async function checkedCreate(p: Provider, inputs: PropertyMap, ctx: ProviderContext): Promise<{ id: string; inputs: PropertyMap; outputs: PropertyMap }> {
  const c = await p.check(inputs, undefined, ctx);
  if (c.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(c.failures)}`);
  const r = await p.create(c.inputs, ctx);
  return { id: r.id, inputs: c.inputs, outputs: r.outputs };
}

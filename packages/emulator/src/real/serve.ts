/**
 * `iac local serve --kubernetes=real`: the local cloud with the real cluster in place of the
 * emulated Kubernetes API. ARM and git stay emulated; endpoints.json, the CA and the kubeconfig are
 * where they always are, so `--local` commands and kubectl use the real cluster unchanged.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createArmService } from "../arm/index.js";
import { createGitService } from "../git/index.js";
import { createRegistryService } from "../registry/index.js";
import { localDataDir, serveLocalCloud, type ServedLocalCloud, type ServeOptions, type ServerInfo } from "../local.js";
import type { Endpoints } from "../service.js";
import { loadOrCreateCa } from "../tls.js";
import { buildRealCluster, RealClusterError, type BuildEvent, type BuildOptions } from "./build.js";
import { startRealCluster, type RealCluster } from "./cluster.js";

export interface ServeRealOptions extends Omit<ServeOptions, "services"> {
  /** Build progress (the first start builds from source, which takes long). */
  readonly onBuildEvent?: (event: BuildEvent) => void;
  readonly build?: Omit<BuildOptions, "onEvent">;
}

export interface ServedRealLocalCloud extends ServedLocalCloud {
  readonly cluster: RealCluster;
}

/** A one-line rendering of a build event, for logs and the CLI. */
export function describeBuildEvent(e: BuildEvent): string {
  switch (e.kind) {
    case "cached":
      return `${e.component.upstream}: cached (${e.dir})`;
    case "start":
      return `[${e.index}/${e.total}] building ${e.component.binaries.map((b) => b.name).join(", ")} from ${e.component.upstream}`;
    case "progress":
      return `  ${e.component.module}: ${e.packages} packages compiled, ${Math.round(e.elapsedMs / 1000)} s`;
    case "done":
      return `  ${e.component.module}: built in ${Math.round(e.elapsedMs / 1000)} s`;
    case "failed":
      return `  ${e.component.module}: FAILED: ${e.error.message}`;
    default: {
      const never: never = e;
      return String(never);
    }
  }
}

function previousKubePort(dataDir: string): number | undefined {
  try {
    const ep = JSON.parse(readFileSync(join(dataDir, "endpoints.json"), "utf8")) as Endpoints;
    const port = ep.kubernetes ? Number(new URL(ep.kubernetes).port) : NaN;
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Build (when the cache is cold), then serve ARM and git emulated and Kubernetes real. */
export async function serveLocalCloudWithRealKubernetes(options: ServeRealOptions): Promise<ServedRealLocalCloud> {
  const log = options.log ?? (() => {});
  // IAC_REAL_CLUSTER_NO_BUILD=1: use what the cache holds (e.g. while another process builds the rest).
  const buildMissing = !process.env.IAC_REAL_CLUSTER_NO_BUILD;
  const built = await buildRealCluster({ buildMissing, ...options.build, onEvent: options.onBuildEvent ?? ((e) => log(describeBuildEvent(e))) });
  const dataDir = localDataDir(options.projectDir);
  const kubePort = options.port ? options.port + 1 : previousKubePort(dataDir);
  const cloud = await serveLocalCloud({ ...options, services: { arm: createArmService, git: createGitService, registry: createRegistryService } });
  let cluster: RealCluster;
  try {
    const armPort = Number(new URL(cloud.endpoints.arm).port);
    cluster = await startRealCluster({ dataDir, port: kubePort ?? (options.port === 0 ? 0 : armPort + 1), ca: loadOrCreateCa(dataDir), binaries: built.binaries, files: built.files, log: (m) => log(`[kubernetes-real] ${m}`) }).catch(async (err: unknown) => {
      // The preferred port may be taken: any free one then (a given --port must be honoured).
      if (options.port === undefined && (err as RealClusterError).code === "PortInUse") {
        return startRealCluster({ dataDir, ca: loadOrCreateCa(dataDir), binaries: built.binaries, files: built.files, log: (m) => log(`[kubernetes-real] ${m}`) });
      }
      throw err;
    });
  } catch (err) {
    await cloud.close();
    throw err;
  }
  writeFileSync(cloud.endpoints.kubeconfig, cluster.kubeconfig, { mode: 0o600 });
  // ARM started first: from now on its endpoints name the real cluster too (a managed cluster's kubeconfig, the Flux agent).
  const endpoints: Endpoints = cloud.setEndpoints({ kubernetes: cluster.server, fluxWebhooks: cluster.fluxWebhooks });
  const infoFile = join(dataDir, "server.json");
  const info: ServerInfo = { pid: process.pid, startedAt: new Date().toISOString(), endpointsFile: cloud.endpointsFile, endpoints };
  writeFileSync(infoFile, JSON.stringify({ ...info, kubernetes: "real" }, null, 2) + "\n");
  if (built.failed.length > 0) log(`not built (their parts do not run): ${built.failed.map((f) => f.module).join(", ")}`);
  return {
    ...cloud,
    endpoints,
    cluster,
    async close() {
      await cluster.close();
      await cloud.close();
    },
  };
}

export { RealClusterError };

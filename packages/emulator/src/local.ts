/**
 * Entry points of the local cloud for the CLI: `iac local serve` ({@link serveLocalCloud}) and
 * `iac <command> --local` ({@link ensureLocalCloud}: reuse a running local cloud, or start one in
 * this process). Everything lives under `<project>/.iac/local/`: endpoints.json, the CA, the
 * kubeconfig, `server.json` while a server runs, and each service's data.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join, resolve } from "node:path";
import { armServiceFactory, createArmService, parseTiming } from "./arm/index.js";
import { createKubeServiceWithControllers } from "./controllers/kube-service.js";
import type { FaultRule } from "./faults.js";
import { createGitService } from "./git/index.js";
import { createRegistryService } from "./registry/index.js";
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from "./server.js";
import type { Endpoints, ServiceFactory, ServiceName } from "./service.js";

/** The port ARM gets when none is asked for and it is free; Kubernetes, git and the registry take the next three. */
export const DEFAULT_PORT = 4501;

/** The local cloud's data directory of a project. */
export function localDataDir(projectDir: string): string {
  return join(resolve(projectDir), ".iac", "local");
}

/** The services (ARM, Kubernetes, git, registry), with the emulated controllers running alongside Kubernetes. */
export function defaultServices(): Readonly<Record<ServiceName, ServiceFactory>> {
  return { arm: createArmService, kubernetes: createKubeServiceWithControllers, git: createGitService, registry: createRegistryService };
}

/** The ARM service with a timing given as text (`azure`, `azure:0.1`, `fast`); throws on anything else. */
function armFactoryFor(timing: string): ServiceFactory {
  const t = parseTiming(timing);
  return armServiceFactory({ timing: t.profile, ...(t.factor === undefined ? {} : { timingFactor: t.factor }) });
}

/** What `server.json` holds while a local cloud serves a project. */
export interface ServerInfo {
  readonly pid: number;
  readonly startedAt: string;
  readonly endpointsFile: string;
  readonly endpoints: Endpoints;
}

export interface ServeOptions {
  readonly projectDir: string;
  /** First port (ARM; Kubernetes and git take the next two). Default: the previous run's ports, else 4501, else any free. */
  readonly port?: number;
  readonly faults?: readonly FaultRule[];
  readonly log?: (message: string) => void;
  /** The services to run (default {@link defaultServices}). */
  readonly services?: Readonly<Partial<Record<ServiceName, ServiceFactory>>>;
  /**
   * ARM's timing (`iac local serve --timing=azure`): `fast` (default) or `azure`, optionally with a
   * clock factor (`azure:0.1`); see docs/local-cloud-arm.md "Timing".
   */
  readonly armTiming?: string;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/**
 * The ports of the previous run. Reusing them keeps URLs that objects recorded valid across
 * restarts (a GitRepository's `spec.url` names the git port).
 */
function previousPorts(dataDir: string): Partial<Record<ServiceName, number>> | undefined {
  const ep = readJson<Endpoints>(join(dataDir, "endpoints.json"));
  if (ep === undefined) return undefined;
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const [name, url] of [["arm", ep.arm], ["kubernetes", ep.kubernetes], ["git", ep.git], ["registry", ep.registry]] as const) {
    const port = url ? Number(new URL(url).port) : NaN;
    if (Number.isInteger(port) && port > 0) ports[name] = port;
  }
  return Object.keys(ports).length > 0 ? ports : undefined;
}

/** A local cloud serving a project. */
export interface ServedLocalCloud extends LocalCloud {
  /** Path of `endpoints.json` (what `IAC_LOCAL_ENDPOINTS` points at). */
  readonly endpointsFile: string;
}

/**
 * Serve the local cloud for a project until `close()`: data under `<projectDir>/.iac/local/`,
 * `server.json` written with this process's pid so other commands find it.
 */
export async function serveLocalCloud(options: ServeOptions): Promise<ServedLocalCloud> {
  const dataDir = localDataDir(options.projectDir);
  const base = options.services ?? defaultServices();
  const services = options.armTiming === undefined ? base : { ...base, arm: armFactoryFor(options.armTiming) };
  const common = { dataDir, services, faults: options.faults, log: options.log };
  let cloud: LocalCloud;
  if (options.port !== undefined) {
    cloud = await startLocalCloud({ ...common, port: options.port });
  } else {
    cloud = await startOnPreferredPorts(common, [{ ports: previousPorts(dataDir) }, { port: DEFAULT_PORT }]);
  }
  const infoFile = join(dataDir, "server.json");
  const info: ServerInfo = { pid: process.pid, startedAt: new Date().toISOString(), endpointsFile: join(dataDir, "endpoints.json"), endpoints: cloud.endpoints };
  writeFileSync(infoFile, JSON.stringify(info, null, 2) + "\n");
  return {
    ...cloud,
    endpointsFile: info.endpointsFile,
    async close() {
      await cloud.close();
      // Leave another server's file alone (one may have started after this one on the same project).
      if (readJson<ServerInfo>(infoFile)?.pid === process.pid) rmSync(infoFile, { force: true });
    },
  };
}

type PortChoice = Pick<LocalCloudOptions, "port" | "ports">;

/** Start on the first choice whose ports are free, else on any free ports. */
async function startOnPreferredPorts(common: Omit<LocalCloudOptions, "port" | "ports">, choices: readonly PortChoice[]): Promise<LocalCloud> {
  for (const choice of choices) {
    if (choice.port === undefined && choice.ports === undefined) continue;
    try {
      return await startLocalCloud({ ...common, ...choice });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    }
  }
  return startLocalCloud(common);
}

/** A local cloud a command can use: a running one, or one started in this process. */
export interface LocalCloudHandle {
  readonly endpoints: Endpoints;
  /** Path of `endpoints.json` (what `IAC_LOCAL_ENDPOINTS` points at). */
  readonly endpointsFile: string;
  /** True when this process started the local cloud; `close()` then stops it. */
  readonly inProcess: boolean;
  /** Stop the in-process local cloud (flushing its data); nothing for a reused one. */
  close(): Promise<void>;
}

export interface EnsureOptions {
  /** How long to wait for a running local cloud to answer (default 1500 ms). */
  readonly probeTimeoutMs?: number;
  readonly log?: (message: string) => void;
  readonly services?: ServeOptions["services"];
  readonly port?: number;
}

/** Whether a local cloud answers at these endpoints (GET `/_iac/faults`, trusting its CA). */
export function probeLocalCloud(endpoints: Endpoints, timeoutMs = 1500): Promise<boolean> {
  const base = endpoints.arm || endpoints.kubernetes || endpoints.git;
  if (!base) return Promise.resolve(false);
  let ca: string | undefined;
  try {
    ca = base.startsWith("https:") ? readFileSync(endpoints.ca, "utf8") : undefined;
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((done) => {
    const url = new URL("/_iac/faults", base);
    const opts = { method: "GET", timeout: timeoutMs, agent: false as const, ...(ca === undefined ? {} : { ca }) };
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, opts, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => done(false));
    req.end();
  });
}

/**
 * The project's local cloud: the one already serving it (from `.iac/local/endpoints.json`) when it
 * answers, else a new one in this process on the same data.
 */
export async function ensureLocalCloud(projectDir: string, options: EnsureOptions = {}): Promise<LocalCloudHandle> {
  const dataDir = localDataDir(projectDir);
  const endpointsFile = join(dataDir, "endpoints.json");
  const existing = existsSync(endpointsFile) ? readJson<Endpoints>(endpointsFile) : undefined;
  if (existing !== undefined && (await probeLocalCloud(existing, options.probeTimeoutMs))) {
    options.log?.(`using the local cloud running at ${existing.arm || existing.kubernetes || existing.git}`);
    return { endpoints: existing, endpointsFile, inProcess: false, close: async () => {} };
  }
  const cloud = await serveLocalCloud({ projectDir, services: options.services, log: options.log, port: options.port });
  return { endpoints: cloud.endpoints, endpointsFile, inProcess: true, close: () => cloud.close() };
}

/**
 * The local cloud's Azure Resource Manager: a {@link Service} answering the real `@azure/arm-*`
 * clients for resource groups, storage accounts, file shares and container groups (specialised
 * handlers), and every other resource type of the Azure type definitions generically (generic.ts),
 * with ARM's status codes, long-running-operation protocols, errors and headers (see
 * docs/local-cloud-arm.md).
 */
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestFault } from "../faults.js";
import type { Service, ServiceContext, ServiceFactory } from "../service.js";
import { loadKeyDeriver, type KeyDeriver } from "./key-secret.js";
import type { ArmContext } from "./context.js";
import { ArmError } from "./errors.js";
import { limitKindOf, pathSegments, readJsonBody, writeArmResponse, type ArmRequest, type ArmResponse, type LimitKind } from "./http.js";
import { createTiming, type Timing, type TimingProfile } from "./timing.js";
import type { Json, ResourceRecord } from "./model.js";
import { operationStatus, settle } from "./operations.js";
import { dispatchArm, routes } from "./router.js";
import { containerGroupView } from "./container-groups.js";
import { fileShareView } from "./file-shares.js";
import { resourceGroupView } from "./resource-groups.js";
import { storageAccountId } from "./storage-accounts.js";
import { storageAccountView } from "./storage-view.js";
import { ArmStore } from "./store.js";
import { FluxAgent } from "./flux-agent.js";
import { createCatalog, type Catalog } from "./spec/catalog.js";
import { fileCatalogSource } from "./spec/reader.js";
import { stateOf as genericState, view as genericView } from "./generic.js";
import { metadataEndpoints, typeOf } from "./subscriptions.js";

export { ArmError } from "./errors.js";
export type { ResourceRecord } from "./model.js";
export type { TimingProfile } from "./timing.js";

/** Options of the ARM service. */
export interface ArmServiceOptions {
  /**
   * Milliseconds per step of a long-running operation (storage creation and group deletion take
   * two steps, a container group Pending one step and Creating one). Default: env
   * `IAC_EMULATOR_LRO_STEP_MS`, else 100.
   */
  readonly lroStepMs?: number;
  /**
   * `Retry-After` (seconds) on poll responses. Default 0: the pollers then keep their own interval
   * (notes §0.3; Azure sends 15-17, which would make every test wait that long).
   */
  readonly retryAfterSeconds?: number;
  /**
   * Timing profile (timing.ts): `fast` (default; `lroStepMs`, `retryAfterSeconds`) or `azure`, the
   * durations, Retry-After values and throttling of real ARM. Default: env `IAC_EMULATOR_TIMING`
   * (`azure`, or `azure:<factor>`), else `fast`.
   */
  readonly timing?: TimingProfile;
  /** Clock factor of the `azure` profile (0.01: a hundred times faster). Default 1. */
  readonly timingFactor?: number;
  /** Rows per page of list operations; more rows come through `nextLink` (default 1000). */
  readonly pageSize?: number;
  /** Debounce of state writes, in milliseconds (default 50). */
  readonly saveDelayMs?: number;
  /**
   * Directory of the Azure type definitions' metadata (`index.json` + `<module>.json`, format of
   * packages/azure-spec/FORMAT.md) from which every other type is served. Default: the
   * repository's `packages/azure-spec/data`, found from this package's location; env
   * `IAC_AZURE_SPEC_DIR` overrides it.
   */
  readonly specDir?: string;
  /**
   * The Flux install.yaml the `microsoft.flux` cluster extension installs (flux-agent.ts). Default:
   * env `IAC_LOCAL_FLUX_MANIFESTS`, else the newest one FluxBootstrap cached.
   */
  readonly fluxManifests?: string;
}

/** One line of {@link ArmService.listResources}. */
export interface ResourceSummary {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly location: string;
  readonly provisioningState: string;
}

/** The ARM service, with a JS API for tests and the CLI. */
export interface ArmService extends Service {
  readonly name: "arm";
  /** Every resource (creations still running included), with its provisioning state. */
  listResources(): ResourceSummary[];
  /** A resource as `GET` would return it (secrets already removed), or undefined. */
  getResource(id: string): Json | undefined;
}

/** `IAC_EMULATOR_TIMING`: `fast`, `azure` or `azure:<factor>`. */
export function parseTiming(text: string): { readonly profile: TimingProfile; readonly factor?: number } {
  const [profile = "", factorText] = text.trim().split(":");
  if (profile !== "fast" && profile !== "azure") throw new Error(`unknown timing '${text}': use 'fast', 'azure' or 'azure:<factor>' (e.g. azure:0.01)`);
  if (factorText === undefined) return { profile };
  const factor = Number(factorText);
  if (!Number.isFinite(factor) || factor <= 0) throw new Error(`the timing factor in '${text}' must be a positive number`);
  return { profile, factor };
}

function envTiming(): { readonly profile: TimingProfile; readonly factor?: number } | undefined {
  const v = process.env["IAC_EMULATOR_TIMING"];
  return v === undefined || v === "" ? undefined : parseTiming(v);
}

function envStepMs(): number | undefined {
  const v = process.env["IAC_EMULATOR_LRO_STEP_MS"];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A factory of the ARM service with explicit options. */
export function armServiceFactory(options: ArmServiceOptions = {}): ServiceFactory {
  return (ctx: ServiceContext) => new ArmServiceImpl(ctx, options);
}

/** The ARM service with default options (env `IAC_EMULATOR_LRO_STEP_MS` honoured). */
export const createArmService: ServiceFactory = (ctx) => armServiceFactory()(ctx);

class ArmServiceImpl implements ArmService {
  readonly name = "arm" as const;
  readonly #ctx: ServiceContext;
  readonly #store: ArmStore;
  readonly #keys: KeyDeriver;
  readonly #timing: Timing;
  readonly #pageSize: number;
  readonly #table: ReturnType<typeof routes>;
  readonly #catalog: Catalog;
  readonly #agent: FluxAgent;

  constructor(ctx: ServiceContext, options: ArmServiceOptions) {
    this.#ctx = ctx;
    this.#store = new ArmStore({ dataDir: ctx.dataDir, saveDelayMs: options.saveDelayMs, log: (m) => ctx.log(m) });
    this.#agent = new FluxAgent({ store: this.#store, endpoints: () => ctx.endpoints(), log: (m) => ctx.log(m), ...(options.fluxManifests === undefined ? {} : { manifests: options.fluxManifests }) });
    this.#keys = loadKeyDeriver(ctx.dataDir);
    const env = options.timing === undefined ? envTiming() : undefined;
    this.#timing = createTiming({
      profile: options.timing ?? env?.profile ?? "fast",
      factor: options.timingFactor ?? env?.factor,
      lroStepMs: options.lroStepMs ?? envStepMs() ?? 100,
      retryAfterSeconds: options.retryAfterSeconds ?? 0,
    });
    if (this.#timing.profile === "azure") ctx.log("ARM timing: azure (real durations, Retry-After values and throttling)");
    this.#pageSize = options.pageSize ?? 1000;
    this.#table = routes(ctx.endpoints().subscriptionId);
    this.#catalog = createCatalog(fileCatalogSource(options.specDir ?? (process.env["IAC_AZURE_SPEC_DIR"] || undefined)));
  }

  #context(fault: ArmContext["fault"]): ArmContext {
    return {
      store: this.#store,
      keys: this.#keys,
      timing: this.#timing,
      pageSize: this.#pageSize,
      fault,
      catalog: this.#catalog,
      endpoints: () => this.#ctx.endpoints(),
      // A Kubernetes API serves the local cloud (emulated, or real: its kubeconfig is written after ARM starts).
      ...(this.#ctx.endpoints().kubernetes || existsSync(this.#ctx.endpoints().kubeconfig) ? { agent: this.#agent } : {}),
    };
  }

  start(): void {
    // Operations a previous run left to the agent are resumed (they are held InProgress until then).
    this.#agent.start();
  }


  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    // Concatenated, not resolved: a path starting with "//" (an id joined after a slash) is not a host.
    const url = new URL(`https://localhost${(req.url ?? "/").startsWith("/") ? "" : "/"}${req.url ?? "/"}`);
    const limit = limitKindOf(method);
    let remaining = { kind: limit, count: 0 };
    const send = (response: ArmResponse) => writeArmResponse({ res, req, response, remaining });
    try {
      const segments = pathSegments(url.pathname);
      const lower = segments.map((s) => s.toLowerCase());
      const baseUrl = `https://${req.headers.host ?? "127.0.0.1"}`;
      if (lower.length === 2 && lower[0] === "metadata" && lower[1] === "endpoints") return send(metadataEndpoints(baseUrl));
      checkAuthorization(req);
      const bucket = lower[0] === "subscriptions" && segments[1] !== undefined ? segments[1] : "tenant";
      const admission = this.#timing.admit(bucket, limit, now);
      if (admission.kind === "throttled") throw throttled(bucket, limit, admission.retryAfterSeconds);
      remaining = { kind: limit, count: admission.remaining };
      const apiVersion = url.searchParams.get("api-version") ?? undefined;
      if (apiVersion === undefined || apiVersion === "") {
        throw new ArmError({ status: 400, code: "MissingApiVersionParameter", message: "The api-version query parameter (?api-version=) is required for all requests." });
      }
      const body = method === "PUT" || method === "PATCH" || method === "POST" ? await readJsonBody(req) : undefined;
      settle(this.#store, now);
      const armReq: ArmRequest = { method, segments, lower, query: url.searchParams, apiVersion, baseUrl, body, now, raw: req };
      send(dispatchArm(this.#table, this.#context(requestFault(req)), armReq));
    } catch (err) {
      if (!(err instanceof ArmError)) throw err;
      const headers: Record<string, string> = {};
      if (err.status === 429) headers["retry-after"] = String(err.retryAfterSeconds ?? 1);
      if (err.status === 401) {
        headers["www-authenticate"] = `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${err.message}"`;
      }
      send({ status: err.status, body: err.body(), headers });
    }
  }

  listResources(): ResourceSummary[] {
    const now = Date.now();
    settle(this.#store, now);
    return this.#store.all().map((r) => ({ id: r.id, type: typeOf(r), name: r.name, location: r.location, provisioningState: this.#state(r, now) }));
  }

  getResource(id: string): Json | undefined {
    const now = Date.now();
    settle(this.#store, now);
    const r = this.#store.get(id);
    if (r === undefined) return undefined;
    const ctx = this.#context(undefined);
    switch (r.kind) {
      case "resourceGroup":
        return resourceGroupView(r);
      case "storageAccount":
        return r.createOperation === undefined ? storageAccountView(r) : undefined;
      case "fileShare": {
        const account = this.#store.get(storageAccountId(r.subscriptionId, r.resourceGroup, r.accountName));
        return fileShareView(r, account?.kind === "storageAccount" ? account : undefined);
      }
      case "containerGroup":
        return containerGroupView(ctx, r, now);
      case "generic": {
        const spec = this.#catalog.resource(r.type);
        return spec === undefined ? undefined : genericView(ctx, r, spec, now);
      }
    }
  }

  #state(r: ResourceRecord, now: number): string {
    switch (r.kind) {
      case "resourceGroup":
        return r.deleteOperation === undefined ? "Succeeded" : "Deleting";
      case "storageAccount":
        return r.createOperation === undefined ? "Succeeded" : "Creating";
      case "fileShare":
        return "Succeeded";
      case "containerGroup": {
        const op = this.#store.operation(r.operation);
        return op === undefined ? "Succeeded" : operationStatus(op, now);
      }
      case "generic":
        return genericState(this.#context(undefined), r, now);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
    this.#store.flush();
    this.#ctx.log(`state saved to ${this.#store.file}`);
  }
}

/**
 * 429 `SubscriptionRequestsThrottled` with `Retry-After`, in ARM's words: "Number of 'read' requests
 * for subscription '…' actor '…' exceeded. Please try again after '10' seconds." (an ARM error body
 * quoted verbatim in a public project's fixtures; the AKS troubleshooting article of the same name).
 * The local cloud has no principal: the actor is 'local'.
 */
function throttled(bucket: string, limit: LimitKind, seconds: number): ArmError {
  const what = limit === "reads" ? "read" : limit === "writes" ? "write" : "delete";
  const scope = bucket === "tenant" ? "tenant" : `subscription '${bucket}'`;
  return new ArmError({
    status: 429,
    code: "SubscriptionRequestsThrottled",
    message: `Number of '${what}' requests for ${scope} actor 'local' exceeded. Please try again after '${seconds}' seconds.`,
    retryAfterSeconds: seconds,
  });
}

/** Any bearer token is accepted; none at all is refused as ARM refuses it (401 AuthenticationFailed). */
function checkAuthorization(req: IncomingMessage): void {
  const h = req.headers.authorization;
  if (h === undefined || h === "") {
    throw new ArmError({ status: 401, code: "AuthenticationFailed", message: "Authentication failed. The 'Authorization' header is missing." });
  }
  if (!/^Bearer\s+\S+/i.test(h)) {
    throw new ArmError({ status: 401, code: "AuthenticationFailed", message: "Authentication failed. The 'Authorization' header is provided in an invalid format." });
  }
}

/**
 * The local cloud's Azure Resource Manager: a {@link Service} answering the real `@azure/arm-*`
 * clients for resource groups, storage accounts, file shares and container groups (specialised
 * handlers), and every other resource type of the Azure type definitions generically (generic.ts),
 * with ARM's status codes, long-running-operation protocols, errors and headers (see
 * docs/local-cloud-arm.md).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestFault } from "../faults.js";
import type { Service, ServiceContext, ServiceFactory } from "../service.js";
import { loadKeyDeriver, type KeyDeriver } from "./key-secret.js";
import type { ArmContext } from "./context.js";
import { ArmError } from "./errors.js";
import { limitKindOf, pathSegments, readJsonBody, writeArmResponse, type ArmRequest, type ArmResponse, type LimitKind } from "./http.js";
import type { Json, ResourceRecord } from "./model.js";
import { operationStatus, settle } from "./operations.js";
import { dispatchArm, routes } from "./router.js";
import { containerGroupView } from "./container-groups.js";
import { fileShareView } from "./file-shares.js";
import { resourceGroupView } from "./resource-groups.js";
import { storageAccountId } from "./storage-accounts.js";
import { storageAccountView } from "./storage-view.js";
import { ArmStore } from "./store.js";
import { createCatalog, type Catalog } from "./spec/catalog.js";
import { fileCatalogSource } from "./spec/reader.js";
import { stateOf as genericState, view as genericView } from "./generic.js";
import { metadataEndpoints, typeOf } from "./subscriptions.js";

export { ArmError } from "./errors.js";
export type { ResourceRecord } from "./model.js";

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

const LIMITS: Readonly<Record<LimitKind, number>> = { reads: 12000, writes: 1200, deletes: 15000 };

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
  readonly #stepMs: number;
  readonly #retryAfter: number;
  readonly #pageSize: number;
  readonly #table: ReturnType<typeof routes>;
  readonly #catalog: Catalog;
  /** Rate-limit counters per window: they only decrease, as the headers Azure sends. */
  #window = { start: Date.now(), used: { reads: 0, writes: 0, deletes: 0 } as Record<LimitKind, number> };

  constructor(ctx: ServiceContext, options: ArmServiceOptions) {
    this.#ctx = ctx;
    this.#store = new ArmStore({ dataDir: ctx.dataDir, saveDelayMs: options.saveDelayMs, log: (m) => ctx.log(m) });
    this.#keys = loadKeyDeriver(ctx.dataDir);
    this.#stepMs = options.lroStepMs ?? envStepMs() ?? 100;
    this.#retryAfter = options.retryAfterSeconds ?? 0;
    this.#pageSize = options.pageSize ?? 1000;
    this.#table = routes(ctx.endpoints().subscriptionId);
    this.#catalog = createCatalog(fileCatalogSource(options.specDir ?? (process.env["IAC_AZURE_SPEC_DIR"] || undefined)));
  }

  #context(fault: ArmContext["fault"]): ArmContext {
    return {
      store: this.#store,
      keys: this.#keys,
      lroStepMs: this.#stepMs,
      retryAfterSeconds: this.#retryAfter,
      pageSize: this.#pageSize,
      fault,
      catalog: this.#catalog,
      endpoints: () => this.#ctx.endpoints(),
    };
  }

  #remaining(kind: LimitKind, now: number): number {
    if (now - this.#window.start >= 3600_000) this.#window = { start: now, used: { reads: 0, writes: 0, deletes: 0 } };
    this.#window.used[kind] += 1;
    return Math.max(0, LIMITS[kind] - this.#window.used[kind]);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    // Concatenated, not resolved: a path starting with "//" (an id joined after a slash) is not a host.
    const url = new URL(`https://localhost${(req.url ?? "/").startsWith("/") ? "" : "/"}${req.url ?? "/"}`);
    const remaining = { kind: limitKindOf(method), count: this.#remaining(limitKindOf(method), now) };
    const send = (response: ArmResponse) => writeArmResponse({ res, req, response, remaining });
    try {
      const segments = pathSegments(url.pathname);
      const lower = segments.map((s) => s.toLowerCase());
      const baseUrl = `https://${req.headers.host ?? "127.0.0.1"}`;
      if (lower.length === 2 && lower[0] === "metadata" && lower[1] === "endpoints") return send(metadataEndpoints(baseUrl));
      checkAuthorization(req);
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
    this.#store.flush();
    this.#ctx.log(`state saved to ${this.#store.file}`);
  }
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

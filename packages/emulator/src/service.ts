/**
 * How the local cloud's parts plug into its server. Each part (ARM, Kubernetes API, git) is a
 * {@link Service}: a request handler with its own data directory, served on its own port.
 * (Also the container registry, docs/local-cloud-registry.md.)
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Faults } from "./faults.js";

export type ServiceName = "arm" | "kubernetes" | "git" | "registry";

/** Base URLs and files a client needs; the content of `.iac/local/endpoints.json`. */
export interface Endpoints {
  /** ARM base URL, e.g. `https://127.0.0.1:4501`. */
  readonly arm: string;
  /** Kubernetes API base URL. */
  readonly kubernetes: string;
  /** Git host base URL; repositories are `<git>/<owner>/<name>.git`. */
  readonly git: string;
  /**
   * Container registry base URL (`http://127.0.0.1:<port>`, OCI distribution API); images are
   * `127.0.0.1:<port>/<name>:<tag>`. Absent when the local cloud runs without it.
   */
  readonly registry?: string;
  /**
   * The Flux notification-controller's webhook receiver (`http://127.0.0.1:<port>`): a Receiver's
   * `status.webhookPath` under it takes git push webhooks. Absent when no controller serves it.
   */
  readonly fluxWebhooks?: string;
  /** Path of the CA certificate (PEM) that signs the HTTPS endpoints. */
  readonly ca: string;
  /** Path of a kubeconfig for the emulated cluster. */
  readonly kubeconfig: string;
  /** The emulated subscription. */
  readonly subscriptionId: string;
}

export interface ServiceContext {
  /** Directory where this service persists its data (created by the server). */
  readonly dataDir: string;
  readonly faults: Faults;
  /** Endpoints of the whole local cloud (known once every port is bound). */
  endpoints(): Endpoints;
  /** Another service, for the parts that cooperate (Flux controllers read from git). */
  service<T extends Service>(name: ServiceName): T | undefined;
  log(message: string): void;
}

export interface Service {
  readonly name: ServiceName;
  /** Handle one request; faults and latency have already been applied by the server. */
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
  /** Called once every service is listening (start controllers, timers). */
  start?(): void | Promise<void>;
  /** Endpoints the service serves besides its port, known once started (`fluxWebhooks`); merged into endpoints.json. */
  endpoints?(): Promise<Partial<Endpoints>> | Partial<Endpoints>;
  /** Persist and stop timers; the server closes sockets. */
  close?(): Promise<void>;
}

export type ServiceFactory = (ctx: ServiceContext) => Service | Promise<Service>;

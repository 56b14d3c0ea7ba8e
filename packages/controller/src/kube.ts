/**
 * The few Kubernetes calls the controller makes, as plain JSON through the engine's `kubeRequest`
 * (the one JSON-over-HTTP helper the `kubernetes://` state backend uses too), with
 * `@kubernetes/client-node`'s `KubeConfig` for authentication and TLS (in-cluster or from a
 * kubeconfig), and its `Watch`.
 * Plain JSON rather than the typed APIs: Stacks and Flux sources are custom kinds, and status goes
 * through the `/status` subresource with merge patches.
 */
import { kubeRequest, KubeHttpError, type KubeContentType, type KubeEndpoint } from "@iac/engine";
import { KubeConfig, Watch } from "@kubernetes/client-node";
import { ControllerError } from "./errors.js";

export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/** A failed call: `status` is the HTTP status (404 NotFound, 409 Conflict, ...). */
export class KubeApiError extends ControllerError {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message, { code: "KubernetesApi" });
    this.status = status;
  }
}

export type ContentType = KubeContentType;

/** The cluster, as the controller talks to it. */
export class Kube {
  readonly #kc: KubeConfig;
  readonly #server: string;
  readonly #endpoint: KubeEndpoint;

  constructor(kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ControllerError("The kubeconfig has no current cluster: set current-context in it, or run the controller in a pod (in-cluster config).", { code: "InvalidKubeconfig" });
    this.#kc = kc;
    this.#server = cluster.server.replace(/\/$/, "");
    this.#endpoint = { server: this.#server, prepare: (options) => kc.applyToHTTPSOptions(options) };
  }

  /** From a kubeconfig file, or in-cluster (the pod's service account), or the default locations. */
  static load(options: { readonly kubeconfig?: string } = {}): Kube {
    const kc = new KubeConfig();
    try {
      if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
      else kc.loadFromDefault();
    } catch (cause) {
      const which = options.kubeconfig ?? "the default kubeconfig (KUBECONFIG, ~/.kube/config, or the pod's service account)";
      throw new ControllerError(`Cannot load ${which}: ${(cause as Error).message.split("\n")[0]}. Pass --kubeconfig <file>, or run the controller in a pod.`, { code: "InvalidKubeconfig", cause });
    }
    return new Kube(kc);
  }

  /** One call; the parsed JSON body (the engine's `kubeRequest`, with this kubeconfig's credentials). @throws KubeApiError */
  async call<T = KubeObject>(method: string, path: string, body?: unknown, contentType: ContentType = "application/json"): Promise<T> {
    try {
      return await kubeRequest<T>(this.#endpoint, method, path, body, contentType);
    } catch (e) {
      if (e instanceof KubeHttpError && e.status === 0) throw new ControllerError(`${method} ${path}: the Kubernetes API at ${this.#server} did not answer: ${e.detail}.`, { code: "KubernetesApi", cause: e });
      if (e instanceof KubeHttpError) throw new KubeApiError(e.message, e.status);
      throw e;
    }
  }

  /** The object, or undefined when it does not exist. */
  async get<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.call<T>("GET", path);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Server-side apply under the controller's field manager (created when missing). */
  apply<T = KubeObject>(path: string, obj: KubeObject, fieldManager: string): Promise<T> {
    return this.call<T>("PATCH", `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`, obj, "application/apply-patch+yaml");
  }

  mergePatch<T = KubeObject>(path: string, patch: unknown): Promise<T> {
    return this.call<T>("PATCH", path, patch, "application/merge-patch+json");
  }

  /** Watches `path` (a list path) from `resourceVersion`; `done` is called when the watch ends. */
  async watch(path: string, resourceVersion: string | undefined, onEvent: (type: string, obj: KubeObject) => void, done: (err: unknown) => void): Promise<AbortController> {
    const watch = new Watch(this.#kc);
    return watch.watch(path, { allowWatchBookmarks: true, ...(resourceVersion ? { resourceVersion } : {}) }, (type, obj) => onEvent(type, obj as KubeObject), done);
  }
}

/** The API path of a namespaced object (or of the list, without `name`). */
export function objectPath(o: { readonly apiVersion: string; readonly plural: string; readonly namespace?: string; readonly name?: string }): string {
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = o.namespace !== undefined ? `/namespaces/${encodeURIComponent(o.namespace)}` : "";
  return `${base}${ns}/${o.plural}${o.name !== undefined ? `/${encodeURIComponent(o.name)}` : ""}`;
}

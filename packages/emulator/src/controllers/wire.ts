/**
 * Running the controllers inside the local cloud: they start when the Kubernetes service starts
 * (every service is listening by then, so the git host is there) and stop before it closes, so the
 * store's last flush sees their last writes.
 */
import type { GitService } from "../git/index.js";
import type { Endpoints, Service, ServiceContext, ServiceFactory } from "../service.js";
import type { ClusterAccess } from "./cluster.js";
import { startControllers, type ControllerOptions } from "./runner.js";

export interface WithControllersOptions {
  /** The cluster view of the Kubernetes service this factory made. */
  readonly clusterOf: (service: Service) => ClusterAccess;
  readonly tuning?: Pick<ControllerOptions, "deploymentDelayMs" | "resyncMs" | "kustomize" | "missingImage">;
  /** See {@link ControllerOptions.requireControllerDeployments} (default true: as on a real cluster). */
  readonly requireControllerDeployments?: boolean;
}

/** What runs alongside a service: stopped before the service closes; it may serve endpoints of its own. */
export interface Alongside {
  stop(): Promise<void>;
  endpoints?(): Promise<Partial<Endpoints>>;
}

/**
 * Wrap a service's factory so that `begin` runs alongside the service: started once the service
 * started (every service is listening by then), stopped before it closes. The service object
 * itself is returned, its `start`, `close` and `endpoints` extended.
 */
export function alongside(factory: ServiceFactory, begin: (service: Service, ctx: ServiceContext) => Alongside): ServiceFactory {
  return async (ctx: ServiceContext) => {
    const service = await factory(ctx);
    const start = service.start?.bind(service);
    const close = service.close?.bind(service);
    const endpoints = service.endpoints?.bind(service);
    let running: Alongside | undefined;
    service.start = async () => {
      await start?.();
      running = begin(service, ctx);
    };
    service.close = async () => {
      await running?.stop();
      await close?.();
    };
    service.endpoints = async () => ({ ...(await endpoints?.()), ...(await running?.endpoints?.()) });
    return service;
  };
}

/** Wrap the Kubernetes service's factory so the emulated controllers run alongside it. */
export function withControllers(factory: ServiceFactory, options: WithControllersOptions): ServiceFactory {
  return alongside(factory, (service, ctx) => {
    const git = ctx.service<GitService>("git");
    if (git === undefined) ctx.log("controllers: no git service; GitRepositories will report GitOperationFailed");
    const controllers = startControllers({
      cluster: options.clusterOf(service),
      git: git ?? noGit,
      log: (m) => ctx.log(m),
      ...options.tuning,
      ...(options.requireControllerDeployments === undefined ? {} : { requireControllerDeployments: options.requireControllerDeployments }),
      // The notification-controller's webhook receiver, on loopback (endpoints.json's fluxWebhooks).
      webhooks: {},
    });
    return {
      stop: () => controllers.stop(),
      async endpoints() {
        const url = await controllers.webhooksUrl();
        return url === undefined ? {} : { fluxWebhooks: url };
      },
    };
  });
}

/** The git view when the local cloud runs without its git host: no repository is reachable. */
const noGit: ControllerOptions["git"] = {
  resolveRef: async () => undefined,
  resolveTag: async () => undefined,
  resolveRefName: async () => undefined,
  hasCommit: async () => false,
  listTags: async () => [],
  readFiles: async () => [],
  repoPathOfUrl: () => undefined,
};

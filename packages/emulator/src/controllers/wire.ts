/**
 * Running the controllers inside the local cloud: they start when the Kubernetes service starts
 * (every service is listening by then, so the git host is there) and stop before it closes, so the
 * store's last flush sees their last writes.
 */
import type { GitService } from "../git/index.js";
import type { Service, ServiceContext, ServiceFactory } from "../service.js";
import type { ClusterAccess } from "./cluster.js";
import { startControllers, type ControllerOptions, type Controllers } from "./runner.js";

export interface WithControllersOptions {
  /** The cluster view of the Kubernetes service this factory made. */
  readonly clusterOf: (service: Service) => ClusterAccess;
  readonly tuning?: Pick<ControllerOptions, "deploymentDelayMs" | "resyncMs" | "kustomize" | "missingImage">;
  /** See {@link ControllerOptions.requireControllerDeployments} (default true: as on a real cluster). */
  readonly requireControllerDeployments?: boolean;
}

/**
 * Wrap the Kubernetes service's factory so the emulated controllers run alongside it. The
 * service object itself is returned (its own API stays reachable through `cloud.service()`), with
 * its `start` and `close` extended.
 */
export function withControllers(factory: ServiceFactory, options: WithControllersOptions): ServiceFactory {
  return async (ctx: ServiceContext) => {
    const service = await factory(ctx);
    const start = service.start?.bind(service);
    const close = service.close?.bind(service);
    let controllers: Controllers | undefined;
    service.start = async () => {
      await start?.();
      const git = ctx.service<GitService>("git");
      if (git === undefined) ctx.log("controllers: no git service; GitRepositories will report GitOperationFailed");
      controllers = startControllers({
        cluster: options.clusterOf(service),
        git: git ?? noGit,
        log: (m) => ctx.log(m),
        ...options.tuning,
        ...(options.requireControllerDeployments === undefined ? {} : { requireControllerDeployments: options.requireControllerDeployments }),
        // The notification-controller's webhook receiver, on loopback (endpoints.json's fluxWebhooks).
        webhooks: {},
      });
    };
    service.endpoints = async () => {
      const url = await controllers?.webhooksUrl();
      return url === undefined ? {} : { fluxWebhooks: url };
    };
    service.close = async () => {
      await controllers?.stop();
      await close?.();
    };
    return service;
  };
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

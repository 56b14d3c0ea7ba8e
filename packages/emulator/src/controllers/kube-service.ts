/**
 * The Kubernetes service with the emulated controllers running alongside it (what the local
 * cloud runs by default).
 */
import { kubeServiceFactory, type KubeService, type KubeServiceOptions } from "../kube/index.js";
import type { Service, ServiceFactory } from "../service.js";
import { clusterOfStore } from "./kube-adapter.js";
import { withControllers, type WithControllersOptions } from "./wire.js";

function storeOf(service: Service): KubeService["store"] {
  const store = (service as Partial<KubeService>).store;
  if (store === undefined) throw new Error("The Kubernetes service exposes no `store`, so the emulated controllers cannot run. This is a bug in @iac/emulator; please report it.");
  return store;
}

export interface KubeWithControllersOptions {
  /** Options of the Kubernetes service itself (delays of namespace termination, CRD establishment). */
  readonly kube?: KubeServiceOptions;
  /** Controller timing (Deployment delay, resync period). */
  readonly tuning?: WithControllersOptions["tuning"];
  /**
   * Whether Flux's emulated controllers act only while their Deployments exist (default true, as
   * on a real cluster, where a GitRepository created before Flux is installed never becomes
   * Ready). False: they act on every Flux object, as if Flux were always installed.
   */
  readonly requireControllerDeployments?: boolean;
}

/** The Kubernetes service with the emulated controllers running alongside it. */
export function kubeServiceWithControllers(options: KubeWithControllersOptions = {}): ServiceFactory {
  return withControllers(kubeServiceFactory(options.kube), {
    clusterOf: (s) => clusterOfStore(storeOf(s)),
    ...(options.tuning ? { tuning: options.tuning } : {}),
    ...(options.requireControllerDeployments === undefined ? {} : { requireControllerDeployments: options.requireControllerDeployments }),
  });
}

/** {@link kubeServiceWithControllers} with defaults: what `defaultServices()` runs. */
export const createKubeServiceWithControllers: ServiceFactory = (ctx) => kubeServiceWithControllers()(ctx);

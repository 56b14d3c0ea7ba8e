/**
 * The Kubernetes service with the emulated controllers running alongside it (what the local
 * cloud runs by default).
 */
import { kubeServiceFactory, type KubeService, type KubeServiceOptions } from "../kube/index.js";
import type { Service, ServiceFactory } from "../service.js";
import { clusterOfStore } from "./kube-adapter.js";
import { withControllers, type WithControllersOptions } from "./wire.js";
import { withImageControllers } from "./image-controllers.js";

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
   * Whether Flux's emulated controllers act only while their Deployments (`source-controller`,
   * `kustomize-controller`) exist, as on a real cluster, where a GitRepository created before Flux
   * is installed never becomes Ready and a Kustomization deleted after `flux uninstall` removed the
   * controllers stays Terminating. Default here: false (they act on every Flux object, as if Flux
   * were installed), for embedders that apply only Flux's CRDs; {@link createKubeServiceWithControllers}
   * (what `iac local serve` and `ensureLocalCloud` run) sets it.
   */
  readonly requireControllerDeployments?: boolean;
}

/** The Kubernetes service with the emulated controllers running alongside it. */
export function kubeServiceWithControllers(options: KubeWithControllersOptions = {}): ServiceFactory {
  return withImageControllers(withControllers(kubeServiceFactory(options.kube), {
    clusterOf: (s) => clusterOfStore(storeOf(s)),
    ...(options.tuning ? { tuning: options.tuning } : {}),
    requireControllerDeployments: options.requireControllerDeployments ?? false,
  }), (s) => clusterOfStore(storeOf(s)), { requireControllerDeployments: options.requireControllerDeployments ?? false });
}

/**
 * What `defaultServices()` runs: {@link kubeServiceWithControllers} with Flux's controllers acting
 * only while Flux is installed (their Deployments exist), as on a real cluster.
 */
export const createKubeServiceWithControllers: ServiceFactory = (ctx) => kubeServiceWithControllers({ requireControllerDeployments: true })(ctx);

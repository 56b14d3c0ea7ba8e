/**
 * @iac/emulator: the local cloud. Azure Resource Manager, a Kubernetes API server, a git host and
 * a container registry on loopback, faithful enough that the real SDK clients and kubectl accept them.
 * Imports nothing from the other @iac packages: it stands in for a cloud.
 */
export { startLocalCloud, kubeconfigYaml, DEFAULT_SUBSCRIPTION_ID } from "./server.js";
export type { LocalCloud, LocalCloudOptions } from "./server.js";
export { Faults } from "./faults.js";
export type { FaultRule, MatchedFault } from "./faults.js";
export type { Endpoints, Service, ServiceContext, ServiceFactory, ServiceName } from "./service.js";
export { createCa, issueServerCertificate, loadOrCreateCa } from "./tls.js";
export { createRegistryService, pushImage, listTags as listRegistryTags, RegistryPushError } from "./registry/index.js";
export type { RegistryService, PushedImage } from "./registry/index.js";
export { createGitService, GIT_REALM, GitHostError, normalizeRepoPath, tryNormalizeRepoPath } from "./git/index.js";
export type { GitAccess, GitFile, GitHostErrorCode, GitService, RepoPath } from "./git/index.js";
export {
  startControllers,
  withControllers,
  availableDeploymentStatus,
  reconcileGitRepository,
  reconcileKustomization,
  findKustomize,
  kustomizeBuild,
  KustomizeBuildError,
  parseDuration,
} from "./controllers/index.js";
export type { ClusterAccess, ClusterEvent, ControllerOptions, Controllers, GitReader, KustomizeTool, ObjectKey, WithControllersOptions } from "./controllers/index.js";
export { clusterOfStore } from "./controllers/kube-adapter.js";
export { kubeServiceWithControllers, createKubeServiceWithControllers } from "./controllers/kube-service.js";
export type { KubeWithControllersOptions } from "./controllers/kube-service.js";
export { createArmService, armServiceFactory, parseTiming, ArmError } from "./arm/index.js";
export type { ArmService, ArmServiceOptions } from "./arm/index.js";
export { createKubeService, kubeServiceFactory, KubeStore, KubeApiError } from "./kube/index.js";
export type { KubeService, KubeServiceOptions } from "./kube/index.js";
export { defaultServices, serveLocalCloud, ensureLocalCloud, probeLocalCloud, localDataDir, DEFAULT_PORT } from "./local.js";
export type { ServeOptions, ServedLocalCloud, ServerInfo, LocalCloudHandle, EnsureOptions } from "./local.js";
export { serveLocalCloudWithRealKubernetes, describeBuildEvent } from "./real/serve.js";
export type { ServeRealOptions, ServedRealLocalCloud } from "./real/serve.js";
export { buildRealCluster, defaultCacheDir, defaultSourceDir, RealClusterError } from "./real/build.js";
export type { BuildEvent, BuildOptions, BuildResult } from "./real/build.js";
export { startRealCluster } from "./real/cluster.js";
export { UNPULLABLE_REGISTRY } from "./real/kwok-stages.js";
export type { RealCluster, RealClusterOptions } from "./real/cluster.js";
export { COMPONENTS as REAL_CLUSTER_COMPONENTS, KUBERNETES_VERSION as REAL_KUBERNETES_VERSION } from "./real/components.js";

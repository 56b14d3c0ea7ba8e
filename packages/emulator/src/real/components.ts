/**
 * What the real cluster is built from: one Go module of ours per component under
 * `tools/real-cluster/go/`, each requiring the published upstream module at a pinned version.
 * Changing a version here and in that module's go.mod (then `go mod tidy`) is how to update.
 */

/** One binary a component produces. */
export interface Binary {
  /** File name under the cache's `bin/`. */
  readonly name: string;
  /** Go package path of its `main` (`.` for the wrapper module's own main). */
  readonly pkg: string;
}

export interface Component {
  /** Folder under `tools/real-cluster/go/`. */
  readonly module: string;
  /** Upstream module and version, for progress lines and docs. */
  readonly upstream: string;
  readonly binaries: readonly Binary[];
  /** Bumped when how the component is built changes without its module changing (part of the cache key). */
  readonly recipe?: number;
  /**
   * Build with cgo (Go's default where a C compiler exists). Off by default: the upstream release
   * binaries of etcd, kwok and Flux are static (CGO_ENABLED=0), and so are ours.
   */
  readonly cgo?: boolean;
  /** `-X` settings the upstream release build sets (version reporting). */
  readonly ldflagsX?: readonly string[];
  /**
   * The version Flux v2.9.4 ships when it is not the one built, because the Go proxy does not
   * serve it (the version built is then the closest earlier release it serves).
   */
  readonly shipped?: { readonly version: string; readonly why: string };
}

export const KUBERNETES_VERSION = "v1.36.3";

const kubeVersion = "k8s.io/component-base/version";
const clientVersion = "k8s.io/client-go/pkg/version";

/** In build order: the control plane first (it is useful alone), Flux last. */
export const COMPONENTS: readonly Component[] = [
  {
    module: "etcd",
    upstream: "go.etcd.io/etcd/server/v3 v3.6.8",
    binaries: [{ name: "etcd", pkg: "." }],
  },
  {
    module: "kube",
    upstream: `k8s.io/kubernetes ${KUBERNETES_VERSION}`,
    // Go's default: the first builds were made so, and a change would recompile all of Kubernetes.
    cgo: true,
    binaries: [
      { name: "kube-apiserver", pkg: "k8s.io/kubernetes/cmd/kube-apiserver" },
      { name: "kube-controller-manager", pkg: "k8s.io/kubernetes/cmd/kube-controller-manager" },
      { name: "kube-scheduler", pkg: "k8s.io/kubernetes/cmd/kube-scheduler" },
    ],
    ldflagsX: [
      `${kubeVersion}.gitVersion=${KUBERNETES_VERSION}`,
      `${kubeVersion}.gitMajor=1`,
      `${kubeVersion}.gitMinor=36`,
      `${kubeVersion}.gitTreeState=clean`,
      `${clientVersion}.gitVersion=${KUBERNETES_VERSION}`,
      `${clientVersion}.gitMajor=1`,
      `${clientVersion}.gitMinor=36`,
    ],
  },
  {
    module: "kwok",
    upstream: "sigs.k8s.io/kwok v0.8.0",
    recipe: 2,
    binaries: [{ name: "kwok", pkg: "sigs.k8s.io/kwok/cmd/kwok" }],
  },
  {
    module: "flux-source",
    upstream: "github.com/fluxcd/source-controller v1.9.1",
    binaries: [{ name: "source-controller", pkg: "github.com/fluxcd/source-controller" }],
  },
  {
    module: "flux-kustomize",
    upstream: "github.com/fluxcd/kustomize-controller v1.9.4",
    binaries: [{ name: "kustomize-controller", pkg: "github.com/fluxcd/kustomize-controller" }],
  },
  {
    module: "flux-notification",
    upstream: "github.com/fluxcd/notification-controller v1.9.3",
    binaries: [{ name: "notification-controller", pkg: "github.com/fluxcd/notification-controller" }],
  },
  {
    module: "flux-helm",
    upstream: "github.com/fluxcd/helm-controller v1.6.3",
    binaries: [{ name: "helm-controller", pkg: "github.com/fluxcd/helm-controller" }],
  },
  // The image automation controllers (not among Flux's default components; `componentsExtra`).
  {
    module: "flux-image-reflector",
    upstream: "github.com/fluxcd/image-reflector-controller v1.2.0",
    binaries: [{ name: "image-reflector-controller", pkg: "github.com/fluxcd/image-reflector-controller" }],
  },
  {
    module: "flux-image-automation",
    upstream: "github.com/fluxcd/image-automation-controller v1.2.0",
    binaries: [{ name: "image-automation-controller", pkg: "github.com/fluxcd/image-automation-controller" }],
    shipped: { version: "v1.2.1", why: "the Go proxy does not serve image-automation-controller v1.2.1 (403), so v1.2.0 is built" },
  },
];

/** The Flux controllers, by the image name their Deployment runs (ghcr.io/fluxcd/<name>:<tag>). */
export const FLUX_CONTROLLERS = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller", "image-reflector-controller", "image-automation-controller"] as const;
export type FluxController = (typeof FLUX_CONTROLLERS)[number];

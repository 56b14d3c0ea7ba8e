/**
 * The Flux objects a program declares, typed after the current APIs (reference/notes/flux.md §3):
 * `source.toolkit.fluxcd.io/v1` GitRepository and HelmRepository, `kustomize.toolkit.fluxcd.io/v1`
 * Kustomization, `helm.toolkit.fluxcd.io/v2` HelmRelease. Args are `{ metadata, spec }` as written
 * in YAML; `metadata.namespace` defaults to `flux-system`. A field that older Flux versions had
 * (e.g. a Kustomization's `validation: client`) fails `check` with what replaced it.
 *
 * iac applies these objects, then (GitRepository and Kustomization by default; see `waitForReady`)
 * waits until Flux's controller reports them Ready, failing with the controller's message when it
 * reports a failure. Their `status` output shows how they are doing.
 */
import { CustomResource, type CustomResourceOptions, type Input, type Inputs, type Output } from "@iac/sdk";
import type { ObjectMetaArgs } from "../object-args.js";
import { MODULE } from "../types.js";
import { fluxOptions } from "./options.js";

/** A reference to another object by name. */
export interface LocalObjectReference {
  readonly name: string;
}

/** A reference to a Flux source. */
export interface CrossNamespaceSourceReference {
  readonly apiVersion?: string;
  readonly kind: "GitRepository" | "OCIRepository" | "Bucket" | "ExternalArtifact" | "HelmRepository" | "HelmChart";
  readonly name: string;
  readonly namespace?: string;
}

/** `spec` of a GitRepository (source.toolkit.fluxcd.io/v1). */
export interface GitRepositorySpec {
  /** `http`, `https` or `ssh` URL (the CRD rejects `file://`). */
  readonly url: string;
  /** How often to fetch, as a Go duration (`1m0s`, `5m`). */
  readonly interval: string;
  /** Which commit to follow; default the `master` branch. Precedence: commit > name > semver > tag > branch. */
  readonly ref?: { readonly branch?: string; readonly tag?: string; readonly semver?: string; readonly name?: string; readonly commit?: string };
  /** Credentials: `username`/`password` or `bearerToken` for HTTPS, `identity`/`known_hosts` for SSH. */
  readonly secretRef?: LocalObjectReference;
  readonly timeout?: string;
  readonly provider?: "generic" | "aws" | "azure" | "github";
  readonly ignore?: string;
  readonly suspend?: boolean;
  readonly recurseSubmodules?: boolean;
  readonly include?: readonly { readonly repository: LocalObjectReference; readonly fromPath?: string; readonly toPath?: string }[];
  readonly sparseCheckout?: readonly string[];
  readonly verify?: { readonly mode?: "HEAD" | "Tag" | "TagAndHEAD"; readonly secretRef?: LocalObjectReference };
  readonly proxySecretRef?: LocalObjectReference;
  readonly serviceAccountName?: string;
}

/** `spec` of a Kustomization (kustomize.toolkit.fluxcd.io/v1). */
export interface KustomizationSpec {
  readonly interval: string;
  readonly sourceRef: CrossNamespaceSourceReference;
  /** Whether objects removed from the source are deleted from the cluster (required). */
  readonly prune: boolean;
  /** Path in the source; default its root. */
  readonly path?: string;
  readonly retryInterval?: string;
  /** Default: the interval. */
  readonly timeout?: string;
  readonly healthChecks?: readonly { readonly apiVersion?: string; readonly kind: string; readonly name: string; readonly namespace?: string }[];
  readonly healthCheckExprs?: readonly Record<string, string>[];
  readonly wait?: boolean;
  readonly dependsOn?: readonly { readonly name: string; readonly namespace?: string }[];
  readonly targetNamespace?: string;
  readonly namePrefix?: string;
  readonly nameSuffix?: string;
  readonly images?: readonly { readonly name: string; readonly newName?: string; readonly newTag?: string; readonly digest?: string }[];
  readonly patches?: readonly { readonly patch: string; readonly target?: Record<string, string> }[];
  readonly postBuild?: { readonly substitute?: Record<string, string>; readonly substituteFrom?: readonly { readonly kind: "Secret" | "ConfigMap"; readonly name: string; readonly optional?: boolean }[] };
  readonly commonMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly components?: readonly string[];
  readonly decryption?: { readonly provider: "sops"; readonly secretRef?: LocalObjectReference };
  readonly serviceAccountName?: string;
  readonly kubeConfig?: { readonly secretRef: { readonly name: string; readonly key?: string } };
  readonly force?: boolean;
  readonly suspend?: boolean;
  readonly deletionPolicy?: "MirrorPrune" | "Delete" | "WaitForTermination" | "Orphan";
}

/** `spec` of a HelmRepository (source.toolkit.fluxcd.io/v1). */
export interface HelmRepositorySpec {
  /** `http`, `https` or `oci` URL. */
  readonly url: string;
  readonly interval?: string;
  readonly type?: "default" | "oci";
  readonly secretRef?: LocalObjectReference;
  readonly certSecretRef?: LocalObjectReference;
  readonly passCredentials?: boolean;
  readonly insecure?: boolean;
  readonly timeout?: string;
  readonly provider?: "generic" | "aws" | "azure" | "gcp";
  readonly suspend?: boolean;
}

/** `spec` of a HelmRelease (helm.toolkit.fluxcd.io/v2): exactly one of `chart` and `chartRef`. */
export interface HelmReleaseSpec {
  readonly interval: string;
  readonly chart?: {
    readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
    readonly spec: {
      readonly chart: string;
      readonly version?: string;
      readonly sourceRef: CrossNamespaceSourceReference;
      readonly interval?: string;
      readonly reconcileStrategy?: "ChartVersion" | "Revision";
      readonly valuesFiles?: readonly string[];
    };
  };
  readonly chartRef?: { readonly kind: "OCIRepository" | "HelmChart" | "ExternalArtifact"; readonly name: string; readonly namespace?: string };
  readonly releaseName?: string;
  readonly targetNamespace?: string;
  readonly storageNamespace?: string;
  readonly dependsOn?: readonly { readonly name: string; readonly namespace?: string }[];
  readonly timeout?: string;
  readonly maxHistory?: number;
  readonly serviceAccountName?: string;
  readonly suspend?: boolean;
  readonly values?: Record<string, unknown>;
  readonly valuesFrom?: readonly { readonly kind: "Secret" | "ConfigMap"; readonly name: string; readonly valuesKey?: string; readonly targetPath?: string; readonly optional?: boolean }[];
  readonly install?: Record<string, unknown>;
  readonly upgrade?: Record<string, unknown>;
  readonly test?: Record<string, unknown>;
  readonly rollback?: Record<string, unknown>;
  readonly uninstall?: Record<string, unknown>;
  readonly driftDetection?: Record<string, unknown>;
  readonly postRenderers?: readonly Record<string, unknown>[];
}

/** Args of a Flux object: `{ metadata, spec }` as in YAML, and whether iac waits for Ready. */
export interface FluxObjectArgs<Spec extends object> {
  readonly metadata?: Input<ObjectMetaArgs>;
  readonly spec: Inputs<Spec> | Input<Spec>;
  /**
   * Wait after create and update until the controller reports `Ready=True` for the new generation
   * (as `flux create ... --wait` does), within the resource's timeout (customTimeouts; default 10
   * minutes). `Ready=False` fails the step with the controller's message (e.g. a Kustomization
   * whose path does not exist); while the source is not fetched yet or a dependsOn is not Ready,
   * iac keeps waiting. Default true for GitRepository and Kustomization, false for HelmRepository
   * and HelmRelease. Not sent to the cluster.
   */
  readonly waitForReady?: Input<boolean>;
}

const OUTPUTS = ["apiVersion", "kind", "metadata", "spec", "status"];

abstract class FluxObject extends CustomResource {
  declare readonly apiVersion: Output<string>;
  declare readonly kind: Output<string>;
  declare readonly metadata: Output<Record<string, any>>;
  /** What the Flux controller reports (conditions, artifact, lastAppliedRevision, ...). */
  declare readonly status: Output<Record<string, any> | undefined>;
}

/**
 * A Flux GitRepository: a git source the controllers fetch at `interval`.
 *
 * @example
 * const infra = new GitRepository("realtimeapp-infra", {
 *   metadata: { name: "realtimeapp-infra" },
 *   spec: { url: "https://github.com/me/realtimeapp-infra", interval: "1m0s", ref: { branch: "main" } },
 * });
 */
export class GitRepository extends FluxObject {
  declare readonly spec: Output<GitRepositorySpec>;
  constructor(name: string, args: FluxObjectArgs<GitRepositorySpec>, opts?: CustomResourceOptions) {
    super("flux:source/v1:GitRepository", name, { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", ...args }, fluxOptions(opts), { module: MODULE, outputs: OUTPUTS });
  }
}

/**
 * A Flux Kustomization: applies a path of a source, prunes what left it, checks health.
 *
 * @example
 * new Kustomization("realtimeapp-dev", {
 *   metadata: { name: "realtimeapp-dev" },
 *   spec: {
 *     interval: "1m0s", path: "./deploy/overlays/dev", prune: true, timeout: "2m0s",
 *     sourceRef: { kind: "GitRepository", name: "realtimeapp-infra" },
 *     healthChecks: [{ apiVersion: "apps/v1", kind: "Deployment", name: "realtime-dev", namespace: "realtime-dev" }],
 *   },
 * });
 */
export class Kustomization extends FluxObject {
  declare readonly spec: Output<KustomizationSpec>;
  constructor(name: string, args: FluxObjectArgs<KustomizationSpec>, opts?: CustomResourceOptions) {
    super("flux:kustomize/v1:Kustomization", name, { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", ...args }, fluxOptions(opts), { module: MODULE, outputs: OUTPUTS });
  }
}

/**
 * A Flux HelmRepository: a Helm chart repository (HTTP index or OCI registry).
 *
 * @example
 * new HelmRepository("podinfo", { spec: { url: "https://stefanprodan.github.io/podinfo", interval: "10m" } });
 */
export class HelmRepository extends FluxObject {
  declare readonly spec: Output<HelmRepositorySpec>;
  constructor(name: string, args: FluxObjectArgs<HelmRepositorySpec>, opts?: CustomResourceOptions) {
    super("flux:source/v1:HelmRepository", name, { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", ...args }, fluxOptions(opts), { module: MODULE, outputs: OUTPUTS });
  }
}

/**
 * A Flux HelmRelease: a Helm release the helm-controller installs and upgrades.
 *
 * @example
 * new HelmRelease("podinfo", {
 *   metadata: { name: "podinfo", namespace: "default" },
 *   spec: { interval: "10m", chart: { spec: { chart: "podinfo", version: "6.x", sourceRef: { kind: "HelmRepository", name: "podinfo", namespace: "flux-system" } } }, values: { replicaCount: 2 } },
 * });
 */
export class HelmRelease extends FluxObject {
  declare readonly spec: Output<HelmReleaseSpec>;
  constructor(name: string, args: FluxObjectArgs<HelmReleaseSpec>, opts?: CustomResourceOptions) {
    super("flux:helm/v2:HelmRelease", name, { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", ...args }, fluxOptions(opts), { module: MODULE, outputs: OUTPUTS });
  }
}

/** The explicit `Provider` of `@iac/kubernetes`: one cluster, for the resources given it. */
import { ProviderResource, secret, type CustomResourceOptions, type Input } from "@iac/sdk";
import { MODULE } from "./types.js";

/** Args of {@link Provider}: the package's configuration keys. */
export interface ProviderArgs {
  /** Kubeconfig contents (YAML) or a path to one; kept secret in state. Default: KUBECONFIG, else ~/.kube/config. */
  readonly kubeconfig?: Input<string>;
  /** The kubeconfig context to use (default: its current-context). */
  readonly context?: Input<string>;
  /** The namespace of namespaced objects that name none (default: the context's, else `default`). */
  readonly namespace?: Input<string>;
}

/** The `flux:*` half of a Provider (see {@link Provider.flux}). */
class FluxProvider extends ProviderResource {
  constructor(name: string, args: ProviderArgs, opts?: CustomResourceOptions) {
    super("flux", name, args, opts, { module: MODULE });
  }
}

/**
 * A Kubernetes cluster to deploy to, for programs that target more than the default one (stack
 * config `kubernetes:*`, KUBECONFIG or ~/.kube/config).
 *
 * @example
 * const staging = new Provider("staging", { kubeconfig: "./staging.kubeconfig", namespace: "web" });
 * new Namespace("web", { metadata: { name: "web" } }, { provider: staging });
 * // Flux resources take the same provider: FluxBootstrap, GitRepository, Kustomization, ...
 * new FluxBootstrap("flux", { ... }, { provider: staging });
 */
export class Provider extends ProviderResource {
  readonly #name: string;
  readonly #args: ProviderArgs;
  readonly #opts: CustomResourceOptions | undefined;
  #flux: FluxProvider | undefined;

  constructor(name: string, args: ProviderArgs = {}, opts?: CustomResourceOptions) {
    const safe = args.kubeconfig === undefined ? args : { ...args, kubeconfig: secret(args.kubeconfig) };
    super("kubernetes", name, safe, opts, { module: MODULE });
    this.#name = name;
    this.#args = safe;
    this.#opts = opts;
  }

  /**
   * The same cluster as a provider of the `flux:*` types. Type tokens carry their package
   * (`flux:index:FluxBootstrap`), and a provider serves one package, so the Flux classes swap a
   * `Provider` passed to them for this twin (created once, on first use). Pass it yourself in a
   * component's `providers` list when Flux resources are its children.
   */
  get flux(): ProviderResource {
    this.#flux ??= new FluxProvider(this.#name, this.#args, { parent: this.#opts?.parent, dependsOn: [this] });
    return this.#flux;
  }
}

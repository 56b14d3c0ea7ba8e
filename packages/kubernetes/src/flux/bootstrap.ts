/** `FluxBootstrap`: Flux installed on a cluster and syncing itself from git, as `flux bootstrap git`. */
import { CustomResource, secret, type CustomResourceOptions, type Input, type Output } from "@iac/sdk";
import { MODULE, TYPES } from "../types.js";
import { fluxOptions } from "./options.js";

/** Args of {@link FluxBootstrap}. */
export interface FluxBootstrapArgs {
  /** Flux release (e.g. `v2.9.4`): its install.yaml is downloaded once and cached. Not needed with `manifests`. */
  readonly version?: Input<string>;
  /** A local install.yaml (all controllers) or gotk-components.yaml, used instead of downloading; relative to the project. */
  readonly manifests?: Input<string>;
  /** Controllers; default source, kustomize, helm and notification. source and kustomize are required. */
  readonly components?: Input<Input<string>[]>;
  /** Extra controllers: image-reflector-controller, image-automation-controller, source-watcher. */
  readonly componentsExtra?: Input<Input<string>[]>;
  /** Default `flux-system`. Changing it reinstalls Flux. */
  readonly namespace?: Input<string>;
  /** Keep Flux's NetworkPolicies (default true). */
  readonly networkPolicy?: Input<boolean>;
  /** Controllers watch every namespace (default true). */
  readonly watchAllNamespaces?: Input<boolean>;
  readonly git: Input<{
    /** http(s) URL of the repository (SSH deploy keys are not supported). */
    readonly url: Input<string>;
    /** Default `main`. */
    readonly branch?: Input<string>;
    /** The cluster's folder, e.g. `clusters/dev`; the flux files go to `<path>/<namespace>/`. Cannot change later. */
    readonly path: Input<string>;
    /** GitRepository interval (default 1m0s). */
    readonly interval?: Input<string>;
    /** Credentials for pushing and for Flux's pulls; stored in the cluster as the `flux-system` Secret, secret in state. */
    readonly credentials?: Input<{ readonly username: Input<string>; readonly password: Input<string> } | { readonly bearerToken: Input<string> }>;
  }>;
  /** Commit author (default `Flux`, no email). */
  readonly commit?: Input<{ readonly authorName?: Input<string>; readonly authorEmail?: Input<string> }>;
  /** On destroy, leave the namespace (default false: it is deleted, as `flux uninstall` does). */
  readonly keepNamespace?: Input<boolean>;
  /** How long to wait for Flux to sync (default 5m; customTimeouts overrides). */
  readonly timeout?: Input<string>;
}

/**
 * Flux on a cluster, managing itself from a git repository: installs the controllers, pushes
 * `gotk-components.yaml`, `gotk-sync.yaml` and `kustomization.yaml` to `<git.path>/<namespace>/`,
 * applies the sync GitRepository and Kustomization and waits until they are Ready at the pushed
 * commit. Changing `version` or the components upgrades in place; `git.path` cannot change;
 * destroy uninstalls as `flux uninstall` does. `refresh` notices a broken sync, and `up` repairs it.
 *
 * @example
 * const flux = new FluxBootstrap("flux", {
 *   version: "v2.9.4",
 *   git: { url: "https://github.com/me/fleet.git", branch: "main", path: "clusters/dev",
 *          credentials: { username: "git", password: config.requireSecret("gitToken") } },
 * });
 * export const revision = flux.revision;
 */
export class FluxBootstrap extends CustomResource {
  /** Where Flux runs. */
  declare readonly namespace: Output<string>;
  /** `<branch>@sha1:<commit>`: the commit the sync reached. */
  declare readonly revision: Output<string>;
  /** The Flux version installed (from the manifests). */
  declare readonly version: Output<string>;
  declare readonly components: Output<string[]>;

  constructor(name: string, args: FluxBootstrapArgs, opts?: CustomResourceOptions) {
    const git = args.git as { credentials?: unknown } & Record<string, unknown>;
    // Credentials are wrapped secret here, so state never holds them in plaintext whatever the program passed.
    const safeGit =
      git !== null && typeof git === "object" && !("then" in git) && !(typeof (git as { apply?: unknown }).apply === "function")
        ? { ...git, ...(git.credentials === undefined ? {} : { credentials: secret(git.credentials) }) }
        : args.git;
    super(TYPES.fluxBootstrap, name, { ...args, git: safeGit }, fluxOptions(opts), { module: MODULE, outputs: ["namespace", "revision", "version", "components", "ready"] });
  }
}

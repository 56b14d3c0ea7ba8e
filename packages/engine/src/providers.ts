/**
 * Loads provider modules and configures them: once per (module, explicit provider URN) per run.
 * A module is found from the project's directory, as the program's own imports are, so the
 * provider version is the one the user installed.
 */
import { createRequire } from "node:module";
import { isAbsolute, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PropertyMap, PropertyValue, Provider, ProviderModule, ProviderRef, ProviderSet, ProviderLogger } from "@iac/sdk/provider";
import { ProviderLoadError } from "./errors.js";
import { unwrapSecrets } from "./values.js";

/** The type prefix of explicit provider resources (`iac:providers:<package>`). */
export const PROVIDER_TYPE_PREFIX = "iac:providers:";

/** True for the type of an explicit provider resource (state only, no cloud object). */
export function isProviderType(type: string): boolean {
  return type.startsWith(PROVIDER_TYPE_PREFIX);
}

/** Options of {@link ProviderRegistry}. */
export interface ProviderRegistryOptions {
  readonly projectDir: string;
  readonly stack: string;
  /** Stack config, `ns:key` to value (secrets wrapped). */
  readonly config: Readonly<Record<string, PropertyValue>>;
  readonly log: ProviderLogger;
  /** The inputs of an explicit provider resource (registered in this run, or else from state). */
  readonly providerInputs: (urn: string) => PropertyMap | undefined;
}

/** Loads and configures provider modules for one run. */
export class ProviderRegistry {
  readonly #options: ProviderRegistryOptions;
  readonly #modules = new Map<string, Promise<ProviderModule>>();
  readonly #sets = new Map<string, Promise<ProviderSet>>();
  /** Providers already resolved, by module, provider URN and type: the step's hot path needs no promise. */
  readonly #resolved = new Map<string, Provider>();
  /** Sets replaced by {@link reconfigure}; disposed with the others at the end. */
  readonly #retired: Promise<ProviderSet>[] = [];

  constructor(options: ProviderRegistryOptions) {
    this.#options = options;
  }

  /**
   * The provider of `type` from the module `ref` names.
   * @throws ProviderLoadError naming the module, the type and what to install.
   */
  async get(ref: ProviderRef | undefined, type: string): Promise<Provider> {
    if (!ref) {
      throw new ProviderLoadError(`No provider module is named for ${type}: its resource class must pass \`module\` to CustomResource.`);
    }
    const pending = this.#set(ref);
    const set = await pending;
    const provider = set.provider(type);
    // Cached only if the set is still the current one (no reconfigure while it was being made).
    if (provider && this.#sets.get(setKey(ref)) === pending) this.#resolved.set(resolvedKey(ref, type), provider);
    if (!provider) {
      throw new ProviderLoadError(
        `The provider module ${ref.module} does not know the type ${type}: check the type token, or upgrade ${ref.module} to a version that has it.`,
      );
    }
    return provider;
  }

  /** The provider of `type` when {@link get} has already resolved it with the current configuration. */
  cached(ref: ProviderRef | undefined, type: string): Provider | undefined {
    return ref ? this.#resolved.get(resolvedKey(ref, type)) : undefined;
  }

  /**
   * The explicit provider resource `urn` has new inputs: providers configured with its old ones
   * (by a refresh or a pending operation earlier in the run) are dropped, so every later call (the
   * diffs of the resources that use it, their updates, deletes) gets a provider configured anew.
   */
  reconfigure(urn: string): void {
    const suffix = `\u0000${urn}`;
    for (const [key, set] of this.#sets) {
      if (key.endsWith(suffix)) {
        this.#sets.delete(key);
        this.#retired.push(set);
      }
    }
    for (const key of this.#resolved.keys()) if (key.includes(`${suffix}\u0000`)) this.#resolved.delete(key);
  }

  /** Disposes every configured provider set (connections, helpers). */
  async dispose(): Promise<void> {
    const sets = await Promise.allSettled([...this.#sets.values(), ...this.#retired]);
    await Promise.allSettled(sets.map((s) => (s.status === "fulfilled" ? s.value.dispose?.() : undefined)));
  }

  #set(ref: ProviderRef): Promise<ProviderSet> {
    const key = setKey(ref);
    let set = this.#sets.get(key);
    if (!set) {
      set = this.#configure(ref);
      this.#sets.set(key, set);
    }
    return set;
  }

  async #configure(ref: ProviderRef): Promise<ProviderSet> {
    const mod = await this.#module(ref.module);
    const prefix = `${mod.package}:`;
    const config: Record<string, PropertyValue> = {};
    for (const [k, v] of Object.entries(this.#options.config)) {
      if (k.startsWith(prefix)) config[k.slice(prefix.length)] = unwrapSecrets(v);
    }
    if (ref.urn) {
      const inputs = this.#options.providerInputs(ref.urn);
      if (!inputs) {
        throw new ProviderLoadError(
          `The provider resource ${ref.urn} is not in the program or the state: declare it before the resources that use it.`,
        );
      }
      for (const [k, v] of Object.entries(inputs)) config[k] = unwrapSecrets(v);
    }
    try {
      return await mod.configure(config, { projectDir: this.#options.projectDir, stack: this.#options.stack, log: this.#options.log });
    } catch (cause) {
      throw new ProviderLoadError(
        `Configuring the ${mod.package} provider (${ref.urn ?? "default"}) failed: ${(cause as Error)?.message ?? String(cause)}. Check the stack config (\`iac config\`) for keys ${prefix}*.`,
        { cause },
      );
    }
  }

  #module(spec: string): Promise<ProviderModule> {
    let mod = this.#modules.get(spec);
    if (!mod) {
      mod = this.#load(spec);
      this.#modules.set(spec, mod);
    }
    return mod;
  }

  async #load(spec: string): Promise<ProviderModule> {
    const url = this.#resolve(spec);
    let ns: Record<string, unknown>;
    try {
      ns = (await import(url)) as Record<string, unknown>;
    } catch (cause) {
      throw new ProviderLoadError(`Loading the provider module ${spec} (${url}) failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
    const mod = ns.iacProviders as ProviderModule | undefined;
    if (!mod || typeof mod.configure !== "function" || typeof mod.package !== "string") {
      throw new ProviderLoadError(`${spec} does not export \`iacProviders\` (a ProviderModule): it is not an iac provider package.`);
    }
    return mod;
  }

  #resolve(spec: string): string {
    if (spec.startsWith("file:")) return spec;
    if (isAbsolute(spec)) return pathToFileURL(spec).href;
    try {
      // Resolved from the project, as the program's own `import` would: the user's installed version.
      return pathToFileURL(createRequire(join(this.#options.projectDir, "package.json")).resolve(spec)).href;
    } catch {
      try {
        return import.meta.resolve(spec);
      } catch (cause) {
        throw new ProviderLoadError(
          `The provider module ${spec} is not installed in ${this.#options.projectDir}: run \`npm install ${spec}\` there.`,
          { cause },
        );
      }
    }
  }
}

function setKey(ref: ProviderRef): string {
  return `${ref.module}\u0000${ref.urn ?? ""}`;
}

function resolvedKey(ref: ProviderRef, type: string): string {
  return `${setKey(ref)}\u0000${type}`;
}

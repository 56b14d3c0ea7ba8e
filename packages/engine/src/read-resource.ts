/**
 * `readResource`: read one existing cloud object by type and id through its provider, outside of
 * any deployment. `iac import` uses it to show the inputs of an object before the program adopts
 * it with the `import` resource option (the adoption itself is the `import` step of a normal run).
 */
import type { PropertyMap, PropertyValue, ProviderContext } from "@iac/sdk/provider";
import { makeUrn } from "@iac/sdk";
import { errorMessage, EngineError } from "./errors.js";
import { ProviderRegistry } from "./providers.js";

/** Options of {@link readResource}. */
export interface ReadResourceOptions {
  /** The project directory: provider modules are resolved from it, as the program's imports are. */
  readonly projectDir: string;
  readonly project: string;
  readonly stack: string;
  /** Stack config, `ns:key` to value (secrets wrapped): the provider is configured from its keys. */
  readonly config: Readonly<Record<string, PropertyValue>>;
  /** The provider module (`@iac/sdk/random`, `@iac/azure`, a path). */
  readonly module: string;
  /** The type token, e.g. `azure:resources:ResourceGroup`. */
  readonly type: string;
  /** The logical name the resource will have in the program (for the URN the provider sees). */
  readonly name: string;
  /** The cloud id of the object. */
  readonly id: string;
  /** Inputs to pass as the "old" state, for providers that need some to find the object. */
  readonly inputs?: PropertyMap;
  /** Provider log lines (`debug`/`info`/`warn`). */
  readonly log?: (severity: "debug" | "info" | "warning", message: string) => void;
  readonly signal?: AbortSignal;
}

/** What the provider read; `undefined` from {@link readResource} when no such object exists. */
export interface ReadResourceResult {
  readonly urn: string;
  readonly inputs: PropertyMap;
  readonly outputs: PropertyMap;
  /** Outputs the provider always treats as secret (never print them in plaintext). */
  readonly secretOutputs: readonly string[];
}

/**
 * Reads the object `id` of `type` through the provider of `module`, configured from the stack's
 * config. Changes nothing, in the cloud or in the state.
 *
 * @returns the object's inputs and outputs, or `undefined` when the provider finds no such object
 * @throws ProviderLoadError when the module cannot be loaded or does not serve `type`;
 *   EngineError `ReadFailed` when the provider's read fails
 */
export async function readResource(options: ReadResourceOptions): Promise<ReadResourceResult | undefined> {
  const log = options.log ?? (() => {});
  const registry = new ProviderRegistry({
    projectDir: options.projectDir,
    stack: options.stack,
    config: options.config,
    log: { debug: (m) => log("debug", m), info: (m) => log("info", m), warn: (m) => log("warning", m) },
    // No explicit provider resource: the default provider of the module, as for a resource without `provider`.
    providerInputs: () => undefined,
  });
  try {
    const provider = await registry.get({ module: options.module }, options.type);
    const urn = makeUrn({ stack: options.stack, project: options.project, qualifiedType: options.type, name: options.name });
    const ctx: ProviderContext = {
      urn,
      type: options.type,
      name: options.name,
      preview: false,
      signal: options.signal ?? new AbortController().signal,
      log: { debug: (m) => log("debug", m), info: (m) => log("info", m), warn: (m) => log("warning", m) },
      timeouts: {},
    };
    let read;
    try {
      read = await provider.read(options.id, { inputs: options.inputs ?? {}, outputs: {} }, ctx);
    } catch (cause) {
      throw new EngineError(`Reading ${options.type} ${options.id} through ${options.module} failed: ${errorMessage(cause)}`, { code: "ReadFailed", cause });
    }
    if (!read) return undefined;
    return { urn, inputs: read.inputs, outputs: read.outputs, secretOutputs: provider.secretOutputs ?? [] };
  } finally {
    await registry.dispose();
  }
}

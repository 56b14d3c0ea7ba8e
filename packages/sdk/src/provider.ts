/**
 * The provider protocol: the contract between the engine and the code that talks to a cloud.
 *
 * A provider package (`@iac/azure`, `@iac/kubernetes`, `@iac/sdk/random`) exports a
 * {@link ProviderModule} named `iacProviders`. The engine imports that module by the specifier a
 * resource names (`ProviderRef.module`), configures it once per provider configuration, and asks
 * it for the {@link Provider} of each resource type.
 *
 * Rules every provider follows (see docs/provider-protocol.md):
 * - `check` and `diff` never touch the cloud's state.
 * - `create` leaves nothing behind when it fails, or throws a {@link PartialCreateError} naming the
 *   id it did create so the engine records it.
 * - `delete` of something already gone succeeds.
 * - Vendor errors become {@link ProviderError}s at the boundary; credentials, keys and tokens are
 *   never copied into messages.
 *
 * Values crossing this boundary are plain JSON values: secrets are unwrapped by the engine before
 * a call and re-marked after it, at the same paths (an output is secret where the input at the same
 * path was, or when the provider lists it in `secretOutputs` or `secretInputs`). During preview, inputs may hold {@link UNKNOWN}.
 */

/** A JSON value as inputs and outputs hold them. */
export type PropertyValue =
  | null
  | boolean
  | number
  | string
  | PropertyValue[]
  | { [key: string]: PropertyValue };

/** Inputs or outputs of one resource: a JSON object. */
export type PropertyMap = { [key: string]: PropertyValue };

/**
 * The value of a property that only a create or update can produce (shown as
 * `(known after apply)`). A string so that it survives JSON and structured clone.
 */
export const UNKNOWN = "\u0000iac:unknown\u0000";

/** True when `v` is, or contains anywhere, {@link UNKNOWN}. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** A validation failure from `check`: names the property and the rule. */
export interface CheckFailure {
  /** Property path, e.g. `accountName` or `containers[0].ports`. */
  readonly property: string;
  /** What is wrong and how to fix it, in plain text. */
  readonly reason: string;
}

export interface CheckResult<I> {
  /** The inputs to use from now on (defaults applied, autonames generated). */
  readonly inputs: I;
  readonly failures: readonly CheckFailure[];
}

/** One property-level difference. */
export interface PropertyDiff {
  /** Path of the property, e.g. `sku.name`, `tags.env`, `containers[0].image`. */
  readonly path: string;
  readonly kind: "add" | "update" | "delete";
  /** True when this change forces replacement. */
  readonly replace: boolean;
  /** Why it replaces (or anything else the user should read), e.g. "the API cannot change a storage account's location". */
  readonly reason?: string;
}

export interface DiffResult {
  readonly changes: boolean;
  /** Top-level properties whose change forces replacement. */
  readonly replaces: readonly string[];
  /** The provider asks that the old resource be deleted before the new one is created (names that must be unique). */
  readonly deleteBeforeReplace?: boolean;
  readonly detailed: readonly PropertyDiff[];
}

/** Logging from a provider: the engine turns these into diagnostic events. Never pass secrets. */
export interface ProviderLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface CustomTimeouts {
  /** Milliseconds. */
  readonly create?: number;
  readonly update?: number;
  readonly delete?: number;
}

/** What every provider call receives. */
export interface ProviderContext {
  readonly urn: string;
  readonly type: string;
  /** The logical name the program gave the resource (used for autonaming). */
  readonly name: string;
  /** True during `iac preview` (and the planning half of `iac up`): no side effects. */
  readonly preview: boolean;
  /** Aborted when the user interrupts or a timeout passes. */
  readonly signal: AbortSignal;
  readonly log: ProviderLogger;
  readonly timeouts: CustomTimeouts;
}

export interface ResourceState<I, O> {
  readonly inputs: I;
  readonly outputs: O;
}

/**
 * The operations of one resource type.
 *
 * @typeParam I - inputs (the args a program passes, resolved)
 * @typeParam O - outputs (what the cloud reports; includes the inputs' echo where the type has one)
 */
export interface Provider<I extends PropertyMap = PropertyMap, O extends PropertyMap = PropertyMap> {
  /** Outputs that are always secret (e.g. a storage account's `primaryKey`). */
  readonly secretOutputs?: readonly string[];
  /**
   * Input paths the cloud treats as secret, `.` between properties and `[*]` for every element of a
   * list: `containers[*].environmentVariables[*].secureValue`, `imageRegistryCredentials[*].password`.
   * The engine marks the values there secret after `check` even when the program passed a plain
   * string (encrypted in state, masked in output, `--json` and diffs); the same paths in the outputs
   * are secret too.
   */
  readonly secretInputs?: readonly string[];
  /**
   * Outputs that an in-place `update` never changes: the identity and what derives from it (`id`,
   * `name`, an endpoint built from the name, a key a PATCH does not rotate). A dotted path names a
   * property of a nested object (`metadata.uid`; no list indexes).
   *
   * During preview of an update the engine gives dependents the old value of these outputs, the new
   * input's value for an output named like an input, and unknown for every other output; without
   * this list every output an input does not echo is unknown, so each dependent shows as changing.
   * List only what really cannot change in place: an input that feeds a listed output must force a
   * replace in `diff` when it changes or is unknown.
   */
  readonly stableOutputs?: readonly string[];
  /** Validate and normalise inputs; generate autonames (keep `olds`' name when there is one). */
  check(news: I, olds: I | undefined, ctx: ProviderContext): Promise<CheckResult<I>>;
  /** Compare; when absent the engine's default diff is used (any change updates in place). */
  diff?(id: string, olds: ResourceState<I, O>, news: I, ctx: ProviderContext): Promise<DiffResult>;
  create(news: I, ctx: ProviderContext): Promise<{ id: string; outputs: O }>;
  /** Read the live resource; `undefined` when it is gone. */
  read(id: string, olds: ResourceState<I, O>, ctx: ProviderContext): Promise<ResourceState<I, O> | undefined>;
  update(id: string, olds: ResourceState<I, O>, news: I, ctx: ProviderContext): Promise<{ outputs: O }>;
  /** Delete; a resource that is already gone is success. */
  delete(id: string, olds: ResourceState<I, O>, ctx: ProviderContext): Promise<void>;
  /**
   * Optional: find the cloud object these (checked) inputs would have created, or `undefined`.
   * The engine calls it for a create that a crash interrupted (the pending operation records the
   * inputs, autonames included, since `check` fixes them before `create`), so the next run adopts
   * the object instead of creating a duplicate. Never creates or changes anything.
   */
  find?(inputs: I, ctx: ProviderContext): Promise<{ id: string; outputs: O } | undefined>;
}

/** A configured set of providers for one package (one subscription, one cluster, ...). */
export interface ProviderSet {
  /** The provider for a type token such as `azure:storage:StorageAccount`; undefined when unknown. */
  provider(type: string): Provider | undefined;
  /** Release connections, stop in-process helpers. */
  dispose?(): Promise<void>;
}

/** Context for configuring a provider package. */
export interface ConfigureContext {
  /** The project's directory (where `iac.yaml` is). */
  readonly projectDir: string;
  readonly stack: string;
  readonly log: ProviderLogger;
}

/**
 * What a provider package exports as `iacProviders`.
 *
 * `config` holds the stack configuration of the package's namespace (`azure:location` is
 * `{ location }` for package `azure`), overlaid with the inputs of an explicit provider resource
 * when the resource names one. Secrets in it are already decrypted.
 */
export interface ProviderModule {
  /** The package token, the first segment of its type tokens (`azure`, `kubernetes`, `random`). */
  readonly package: string;
  configure(config: Readonly<Record<string, PropertyValue>>, ctx: ConfigureContext): Promise<ProviderSet> | ProviderSet;
}

/** Says which provider module serves a resource, and which explicit provider resource configures it. */
export interface ProviderRef {
  /** Module specifier the engine imports (resolved from the project directory), e.g. `@iac/azure`. */
  readonly module: string;
  /** URN of an explicit provider resource (type `iac:providers:<package>`); absent for the default provider. */
  readonly urn?: string;
}

/** Base of all errors providers raise; `code` is stable. */
export class ProviderError extends Error {
  readonly code: string;
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProviderError";
    this.code = options?.code ?? "ProviderError";
  }
}

/** The thing does not exist. */
export class NotFoundError extends ProviderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: "NotFound", cause: options?.cause });
    this.name = "NotFoundError";
  }
}

/** The thing exists already or a concurrent change conflicts. */
export class ConflictError extends ProviderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: "Conflict", cause: options?.cause });
    this.name = "ConflictError";
  }
}

/** The cloud throttled us and retries ran out. */
export class ThrottledError extends ProviderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: "Throttled", cause: options?.cause });
    this.name = "ThrottledError";
  }
}

/** A create that failed after the cloud made something: the engine records `id` so nothing is orphaned. */
export class PartialCreateError extends ProviderError {
  readonly id: string;
  readonly outputs: PropertyMap;
  constructor(message: string, options: { id: string; outputs?: PropertyMap; cause?: unknown }) {
    super(message, { code: "PartialCreate", cause: options.cause });
    this.name = "PartialCreateError";
    this.id = options.id;
    this.outputs = options.outputs ?? {};
  }
}

/**
 * The contract between the SDK (what a program calls) and the engine (what runs the program).
 *
 * The engine runs the user's program inside {@link runWithMonitor}: the {@link Monitor} is the
 * program's async context (an `AsyncLocalStorage`), so everything the program starts (its module's
 * top level, Output callbacks, timers, the inline program's function) reaches its own deployment,
 * and several programs can run at once in one process. `new SomeResource(...)` calls
 * {@link Monitor.registerResource} once the resource's inputs have resolved. The context lives on
 * `globalThis` under a `Symbol.for` key so that two copies of `@iac/sdk` (one the engine loaded,
 * one the program resolved) still meet.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { CustomTimeouts, PropertyMap, PropertyValue, ProviderRef } from "./provider.js";

/**
 * In the maps a program registers (and a monitor returns), a secret value is wrapped as
 * `{ [SECRET_SIG]: SECRET_SIG_VALUE, value }`: a plain object, so it survives JSON and
 * structured clone. The engine encrypts such values in state and masks them in output.
 */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

// A type alias (not an interface) so that a wrapped secret is assignable to PropertyValue.
export type SecretValue = {
  readonly [SECRET_SIG]: typeof SECRET_SIG_VALUE;
  readonly value: PropertyValue;
};

export function wrapSecret(value: PropertyValue): SecretValue {
  return { [SECRET_SIG]: SECRET_SIG_VALUE, value } as SecretValue;
}

export function isSecretValue(v: unknown): v is SecretValue {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE;
}

/** Resource options as the engine needs them (all resolved to URNs and plain values). */
export interface ResolvedResourceOptions {
  readonly protect?: boolean;
  readonly ignoreChanges?: readonly string[];
  readonly replaceOnChanges?: readonly string[];
  readonly deleteBeforeReplace?: boolean;
  readonly retainOnDelete?: boolean;
  readonly customTimeouts?: CustomTimeouts;
  /** Former URNs of this resource (a rename or re-parent keeps the cloud object). */
  readonly aliases?: readonly string[];
  /** Adopt an existing cloud object with this id instead of creating one. */
  readonly import?: string;
  /** Outputs to mark secret on top of what the provider marks. */
  readonly additionalSecretOutputs?: readonly string[];
}

export interface ResourceRegistration {
  readonly urn: string;
  /** Type token `pkg:module:Kind`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** A custom resource is managed by a provider; a component only groups children. */
  readonly custom: boolean;
  /** URN of the parent (a component, or absent for the stack root). */
  readonly parent?: string;
  /**
   * Inputs, resolved: secrets wrapped ({@link wrapSecret}), values unknown during preview are
   * {@link UNKNOWN}. Components register `{}`.
   */
  readonly inputs: PropertyMap;
  /** URNs this resource depends on: from Outputs in its args and from `dependsOn`. */
  readonly dependencies: readonly string[];
  /** Per input property, the URNs its value came from (for targeted updates and diagnostics). */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
  /** Which provider module serves this resource (custom resources only). */
  readonly provider?: ProviderRef;
  readonly options: ResolvedResourceOptions;
}

export interface RegistrationResult {
  /** Physical id (undefined for components, and for resources to be created during preview). */
  readonly id?: string;
  /** Outputs: secrets wrapped, values unknown during preview are {@link UNKNOWN}. */
  readonly outputs: PropertyMap;
}

/** Implemented by the engine; one per running program. */
export interface Monitor {
  readonly project: string;
  readonly stack: string;
  /** True while previewing: outputs of resources to be created or updated may be unknown. */
  readonly preview: boolean;
  /** Stack configuration, `ns:key` to value; secrets decrypted and wrapped. */
  readonly config: Readonly<Record<string, PropertyValue>>;
  /** The project's directory. */
  readonly projectDir: string;
  /** Called at once by the resource constructor: URN reserved, duplicates detected. Throws on a duplicate URN. */
  reserve(urn: string): void;
  /** Called when the inputs have resolved; settles when the resource has been created, updated or found the same. */
  registerResource(registration: ResourceRegistration): Promise<RegistrationResult>;
  /** A component's outputs (for display and state). */
  registerOutputs(urn: string, outputs: PropertyMap): void;
  /** Report a failure that is not a resource's (e.g. an Output callback threw). */
  reportError(error: unknown): void;
  /**
   * A warning about the program, not a resource's (e.g. a secret config value read as plain text).
   * The engine shows each distinct message once per run. Optional so that older monitors stay valid.
   */
  warn?(message: string): void;
  /**
   * Called instead of {@link registerResource} when a reserved resource will never be registered:
   * its inputs or options failed to resolve (typically an Output of a resource that failed), or its
   * constructor threw after {@link reserve}. Lets the engine know, without waiting or guessing, that
   * every reserved URN has been accounted for. Optional so that older monitors stay valid.
   */
  abandon?(urn: string, error: unknown): void;
}

const CONTEXT = Symbol.for("iac.sdk.monitorContext");
const DEFAULT = Symbol.for("iac.sdk.monitor");
const slots = globalThis as Record<symbol, unknown>;

/** The one async context of the process (shared by every copy of this module). */
function monitorContext(): AsyncLocalStorage<Monitor> {
  return (slots[CONTEXT] ??= new AsyncLocalStorage<Monitor>()) as AsyncLocalStorage<Monitor>;
}

/**
 * Runs `fn` with `monitor` as the running deployment of everything `fn` starts, synchronously or
 * asynchronously (module evaluation of what it imports, promise callbacks, timers). The engine
 * runs each program this way; runs in the same process do not see each other's monitor.
 * @returns what `fn` returns
 */
export function runWithMonitor<T>(monitor: Monitor, fn: () => T): T {
  return monitorContext().run(monitor, fn);
}

/**
 * The process-wide default monitor, used only where no {@link runWithMonitor} context is active;
 * `undefined` removes it. The engine does not use it (it runs programs with
 * {@link runWithMonitor}); it is kept for unit tests of resource classes, which declare resources
 * from a test body that no single call can wrap. Never set it in a process that runs deployments.
 */
export function setMonitor(monitor: Monitor | undefined): void {
  slots[DEFAULT] = monitor;
}

/** The running deployment's monitor (this async context's, else the default), or undefined outside `iac`. */
export function tryGetMonitor(): Monitor | undefined {
  return monitorContext().getStore() ?? (slots[DEFAULT] as Monitor | undefined);
}

/** The running deployment's monitor; throws with a remedy when the program runs outside `iac`. */
export function getMonitor(): Monitor {
  const m = tryGetMonitor();
  if (!m) {
    throw new Error(
      "No iac deployment is running: resources can only be declared by a program that `iac preview`, `iac up` or `iac destroy` runs. Run the program with the iac CLI instead of node.",
    );
  }
  return m;
}

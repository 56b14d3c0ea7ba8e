/**
 * `Resource`, `CustomResource` and `ComponentResource`: what a program declares.
 *
 * A constructor returns at once. It computes the URN and reserves it with the monitor; the inputs
 * then resolve asynchronously and the resource is registered; its output properties are Outputs
 * that settle when the monitor answers.
 */
import { UNKNOWN, type PropertyMap, type PropertyValue, type ProviderRef } from "./provider.js";
import { getMonitor, type Monitor, type RegistrationResult, type ResolvedResourceOptions, type ResourceRegistration } from "./runtime.js";
import { InputError, messageOf, reportOnce, ResourceError, wasReported } from "./errors.js";
import { internalsOf, isResourceLike, RESOURCE_BRAND, RESOURCE_INTERNALS, type OutputState, type ResourceInternals, type ResourceLike } from "./internal.js";
import { NOT_PLAIN, plainWireValue, serializeProperty, unwrapSecrets, wireOfState } from "./lift.js";
import { Output, OutputInstance, SETTLE } from "./output.js";
import {
  collectDependsOn,
  expandDependencies,
  resolveAliases,
  resolveTimeouts,
  type ComponentResourceOptions,
  type CustomResourceOptions,
  type ResourceOptions,
} from "./resource-options.js";
import { makeUrn, packageOf, qualifyType, validateTypeAndName } from "./urn.js";

/** Names the provider module of a custom resource type and the output properties its instances expose. */
export interface CustomResourceDescriptor {
  /** Module specifier the engine imports for the provider, e.g. `@iac/sdk/random` (see `ProviderRef.module`). */
  readonly module: string;
  /**
   * Output properties to expose as Outputs on the instance (besides `urn` and `id`). A property the
   * provider does not return resolves to the input of the same name (inputs echo).
   */
  readonly outputs?: readonly string[];
}

const PROVIDER_TYPE_PREFIX = "iac:providers:";

const ignore = (): undefined => undefined;

/** The method that makes an output property's Output (a symbol: it must not collide with an output's name). */
const OUTPUT_PROPERTY = Symbol("iac.sdk.outputProperty");

/** The `name`s that stand for the URN and the id in a {@link ResourceOutput}. */
const URN_PROPERTY = Symbol("urn");
const ID_PROPERTY = Symbol("id");

/** What the base constructor needs. */
interface ResourceInit {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly args: object | undefined;
  readonly opts: CustomResourceOptions & ComponentResourceOptions;
  readonly descriptor?: CustomResourceDescriptor;
}

interface Registered {
  readonly result: RegistrationResult;
  readonly inputs: PropertyMap;
  /** The monitor's preview flag (what an output the engine left out means). */
  readonly preview: boolean;
}

/**
 * Base of everything a program declares. Use {@link CustomResource} or {@link ComponentResource}.
 */
export abstract class Resource implements ResourceLike {
  /** The resource's URN; settles once the deployment has registered it. */
  readonly urn: Output<string>;
  declare readonly [RESOURCE_INTERNALS]: ResourceInternals;
  /** Settles when the monitor has answered (rejects when inputs or registration failed). */
  readonly #registered: Promise<Registered>;
  readonly #monitor: Monitor;

  /** @internal */
  protected constructor(init: ResourceInit) {
    const monitor = getMonitor();
    this.#monitor = monitor;
    const { type, name, opts } = init;
    validateTypeAndName(type, name);
    const parent = opts.parent;
    if (parent !== undefined && !isResourceLike(parent)) {
      throw new InputError(`The parent option of ${type} "${name}" is not a resource. Pass the component object itself, e.g. { parent: this }.`);
    }
    const pi = parent ? internalsOf(parent) : undefined;
    const qualifiedType = qualifyType(type, pi?.qualifiedType);
    const urn = makeUrn({ stack: monitor.stack, project: monitor.project, qualifiedType, name });
    monitor.reserve(urn);

    let options: ResolvedResourceOptions;
    try {
      const providerPackage = type.startsWith(PROVIDER_TYPE_PREFIX) ? type.slice(PROVIDER_TYPE_PREFIX.length) : undefined;
      const providers = resolveProviders(init, pi, urn);
      const self: ResourceLike = this;
      Object.defineProperty(this, RESOURCE_INTERNALS, {
        enumerable: false,
        value: {
          urn,
          type,
          name,
          qualifiedType,
          custom: init.custom,
          providerPackage,
          parent,
          children: [],
          protect: opts.protect ?? pi?.protect,
          providers,
          aliases: resolveAliases(opts.aliases ?? [], { name, type, stack: monitor.stack, project: monitor.project, parent }),
          id: undefined,
        } satisfies ResourceInternals,
      });
      pi?.children.push(self);

      options = resolveOptions(opts, this[RESOURCE_INTERNALS], init.custom);
    } catch (error) {
      // The URN is reserved but will never be registered: say so, so the engine does not wait for it.
      monitor.abandon?.(urn, error);
      throw error;
    }
    // Started after the constructor chain has returned (#register first awaits), so a subclass is
    // fully built first.
    this.#registered = this.#register(init, options);
    this.#registered.catch(ignore);
    this.urn = new ResourceOutput<string>(this.#registered, this, URN_PROPERTY, false);
  }

  /** True when `v` is a Resource of this or any other copy of the SDK. */
  static isInstance(v: unknown): v is Resource {
    return isResourceLike(v);
  }

  get [RESOURCE_BRAND](): true {
    return true;
  }

  /** A plain Output that settles with the registration; `pick` reads the value from it. Depends on this resource. */
  protected outputOf<T>(pick: (r: Registered) => T): Output<T> {
    return this.outputFromState((r) => ({ value: pick(r), secret: false, resources: [this] }));
  }

  /** Like {@link outputOf}, where `pick` also says whether the value is secret. */
  protected outputFromState<T>(pick: (r: Registered) => OutputState<T>): Output<T> {
    return new Output(this.#registered.then(pick));
  }

  /** Settles once the monitor has registered this resource; rejects when that failed. */
  protected registered(): Promise<unknown> {
    return this.#registered;
  }

  /** The monitor this resource registered with. */
  protected monitor(): Monitor {
    return this.#monitor;
  }

  async #register(init: ResourceInit, options: ResolvedResourceOptions): Promise<Registered> {
    await undefined;
    const ri = this[RESOURCE_INTERNALS];
    const inputs: PropertyMap = {};
    let registration: ResourceRegistration;
    try {
      // Allocated only for what a resource has: most have a few plain inputs and one or two
      // Outputs of other resources (10,000 resources run this twice in an up: plan, then run).
      let propertyDependencies: Record<string, string[]> | undefined;
      let all: Set<string> | undefined;
      if (init.custom && init.args) {
        const args = init.args as Record<string, unknown>;
        // Plain values (most inputs) are copied as they are; only Outputs, promises, resources and
        // secrets take the asynchronous deep walk, and only they can add dependencies. Inputs keep
        // the order of the args' keys (awaited ones are filled in place once resolved).
        let waits: Promise<void>[] | undefined;
        for (const k in args) {
          if (!Object.prototype.hasOwnProperty.call(args, k)) continue;
          const v = plainWireValue(args[k]);
          if (v !== NOT_PLAIN) {
            if (v !== undefined) inputs[k] = v;
            continue;
          }
          inputs[k] = null; // holds the key's place
          const resolved = ({ value, resources }: { readonly value: PropertyValue | undefined; readonly resources: Iterable<ResourceLike> }): void => {
            if (value === undefined) delete inputs[k];
            else inputs[k] = value;
            const urns = expandDependencies(resources, ri.urn);
            if (urns.length > 0) {
              (propertyDependencies ??= {})[k] = urns;
              all ??= new Set();
              for (const u of urns) all.add(u);
            }
          };
          const input = args[k];
          // The most common Output input, another resource's output property: one reaction on that
          // resource's registration (what serializeProperty would give, without its promises).
          (waits ??= []).push(
            input instanceof ResourceOutput
              ? input.wireState().then((w) => (w === undefined ? serializeProperty(input, k).then(resolved) : resolved(w)))
              : serializeProperty(input, k).then(resolved),
          );
        }
        if (waits) await (waits.length === 1 ? waits[0] : Promise.all(waits));
      }
      if (init.opts.dependsOn !== undefined) {
        const explicit = await collectDependsOn(init.opts.dependsOn, ri.urn);
        all ??= new Set();
        for (const u of expandDependencies(explicit, ri.urn)) all.add(u);
      }
      const reg: { -readonly [K in keyof ResourceRegistration]?: ResourceRegistration[K] } = { urn: ri.urn, type: ri.type, name: ri.name, custom: ri.custom };
      // Optional members only when set, in this order (what the state records show).
      if (ri.parent) reg.parent = internalsOf(ri.parent).urn;
      reg.inputs = inputs;
      reg.dependencies = all ? [...all] : [];
      reg.propertyDependencies = propertyDependencies ?? {};
      if (init.custom) reg.provider = providerRef(init, ri);
      reg.options = options;
      registration = reg as ResourceRegistration;
    } catch (error) {
      // This resource will never be registered (e.g. an input is an Output of a failed resource).
      this.#monitor.abandon?.(ri.urn, error);
      if (wasReported(error)) throw error;
      throw reportOnce(
        new ResourceError(`The inputs of ${ri.urn} could not be resolved: ${messageOf(error)}`, { urn: ri.urn, code: "InputsFailed", cause: error }),
      );
    }
    // A failed registration is the engine's own report; it is not reported again here.
    const result = await this.#monitor.registerResource(registration);
    return { result, inputs, preview: this.#monitor.preview };
  }
}

const NO_PROVIDERS: Readonly<Record<string, ResourceLike>> = Object.freeze({});

function resolveProviders(init: ResourceInit, pi: ResourceInternals | undefined, urn: string): Readonly<Record<string, ResourceLike>> {
  // No provider option: the parent's (read-only, shared), or none. No copy per resource.
  if (init.opts.providers === undefined && init.opts.provider === undefined) return pi?.providers ?? NO_PROVIDERS;
  const providers: Record<string, ResourceLike> = { ...pi?.providers };
  const list = init.opts.providers === undefined ? [] : Array.isArray(init.opts.providers) ? init.opts.providers : Object.values(init.opts.providers);
  for (const p of [...list, ...(init.opts.provider ? [init.opts.provider] : [])]) {
    const pkg = isResourceLike(p) ? internalsOf(p).providerPackage : undefined;
    if (pkg === undefined) {
      throw new InputError(`A provider option of ${urn} is not a provider resource. Pass an instance of the package's Provider class (a ProviderResource).`);
    }
    providers[pkg] = p;
  }
  const own = init.opts.provider;
  if (init.custom && own && !init.type.startsWith(PROVIDER_TYPE_PREFIX)) {
    const pkg = internalsOf(own).providerPackage;
    if (pkg !== packageOf(init.type)) {
      throw new InputError(`${urn} is a ${packageOf(init.type)} resource but its provider option is a provider for "${pkg}". Pass a ${packageOf(init.type)} provider, or use the providers option on a component.`);
    }
  }
  return providers;
}

function providerRef(init: ResourceInit, ri: ResourceInternals): ProviderRef {
  const module = init.descriptor?.module ?? "";
  if (ri.providerPackage !== undefined) return { module };
  const explicit = ri.providers[packageOf(ri.type)];
  return explicit ? { module, urn: internalsOf(explicit).urn } : { module };
}

function resolveOptions(opts: CustomResourceOptions, ri: ResourceInternals, custom: boolean): ResolvedResourceOptions {
  const where = `Resource ${ri.urn}`;
  const out: {
    -readonly [K in keyof ResolvedResourceOptions]: ResolvedResourceOptions[K];
  } = {};
  if (ri.protect !== undefined) out.protect = ri.protect;
  if (opts.ignoreChanges) out.ignoreChanges = [...opts.ignoreChanges];
  if (opts.replaceOnChanges) out.replaceOnChanges = [...opts.replaceOnChanges];
  if (opts.retainOnDelete !== undefined) out.retainOnDelete = opts.retainOnDelete;
  if (opts.customTimeouts) out.customTimeouts = resolveTimeouts(opts.customTimeouts, where);
  if (ri.aliases.length > 0) out.aliases = ri.aliases;
  if (custom) {
    if (opts.deleteBeforeReplace !== undefined) out.deleteBeforeReplace = opts.deleteBeforeReplace;
    if (opts.import !== undefined) {
      if (typeof opts.import !== "string" || opts.import === "") throw new InputError(`${where}: the import option must be the id of the existing object, a non-empty string.`);
      out.import = opts.import;
    }
    if (opts.additionalSecretOutputs) out.additionalSecretOutputs = [...opts.additionalSecretOutputs];
  }
  return out;
}

/**
 * A resource managed by a provider: created, updated and deleted in the cloud.
 *
 * Provider packages subclass it: the constructor passes the type token, the args, the options and
 * a descriptor naming the provider module and the output properties. Declare those properties with
 * `declare readonly` (a plain field declaration would overwrite them after `super`).
 *
 * @example
 * export class RandomString extends CustomResource {
 *   declare readonly result: Output<string>;
 *   declare readonly length: Output<number>;
 *   constructor(name: string, args: RandomStringArgs, opts?: CustomResourceOptions) {
 *     super("random:index:RandomString", name, args, opts, { module: "@iac/sdk/random", outputs: ["result", "length"] });
 *   }
 * }
 */
export class CustomResource extends Resource {
  /** The physical id; unknown during preview for a resource still to be created. */
  readonly id: Output<string>;

  constructor(type: string, name: string, args: object | undefined, opts: CustomResourceOptions | undefined, descriptor: CustomResourceDescriptor) {
    super({ type, name, custom: true, args, opts: opts ?? {}, descriptor });
    this.id = new ResourceOutput<string>(this.registered() as Promise<Registered>, this, ID_PROPERTY, false);
    Object.defineProperty(this[RESOURCE_INTERNALS], "id", { value: this.id, enumerable: true });
    const outputs = descriptor.outputs;
    if (outputs !== undefined && outputs.length > 0) {
      this.#outputNames = outputs;
      if (opts?.additionalSecretOutputs?.length) this.#secretNames = opts.additionalSecretOutputs;
      defineOutputProperties(this, outputs);
    }
  }

  /** Output property names of this instance (its descriptor's list, shared, not copied). */
  #outputNames: readonly string[] | undefined;
  #secretNames: readonly string[] | undefined;
  /** Output properties made so far: each is made on first access. */
  #outputs: Map<string, Output<unknown>> | undefined;

  /**
   * The Output of one declared output property, made on first access (a getter on the class's
   * prototype calls this): 10,000 resources with a dozen outputs each do not cost 120,000 Outputs
   * when the program reads a few.
   */
  [OUTPUT_PROPERTY](name: string): Output<unknown> | undefined {
    if (!this.#outputNames?.includes(name)) return undefined;
    this.#outputs ??= new Map();
    let out = this.#outputs.get(name);
    if (out === undefined) {
      out = new ResourceOutput<unknown>(this.registered() as Promise<Registered>, this, name, this.#secretNames?.includes(name) === true);
      this.#outputs.set(name, out);
    }
    return out;
  }
}


/**
 * An output property of a resource (and its `urn` and `id`): no promise until something reads it,
 * then one reaction on the resource's registration.
 */
class ResourceOutput<T> extends OutputInstance<T> {
  readonly #registered: Promise<Registered>;
  readonly #self: Resource;
  readonly #name: string | typeof URN_PROPERTY | typeof ID_PROPERTY;
  readonly #forceSecret: boolean;

  constructor(registered: Promise<Registered>, self: Resource, name: string | typeof URN_PROPERTY | typeof ID_PROPERTY, forceSecret: boolean) {
    super();
    this.#registered = registered;
    this.#self = self;
    this.#name = name;
    this.#forceSecret = forceSecret;
  }

  protected override [SETTLE](): Promise<OutputState<T>> {
    return this.#registered.then((r) => this.#stateOf(r) as OutputState<T>);
  }

  /**
   * This output as an input of another resource (what `serializeProperty` gives for it) when its
   * value is plain data; undefined when it needs serializeProperty's walk. One reaction on the
   * registration, no Output state kept: 10,000 resources each taking another's id as an input.
   */
  wireState(): Promise<{ readonly value: PropertyValue | undefined; readonly resources: readonly ResourceLike[] } | undefined> {
    return this.#registered.then((r) => wireOfState(this.#stateOf(r)));
  }

  #stateOf(r: Registered): OutputState<unknown> {
    const self = this.#self;
    const name = this.#name;
    if (name === URN_PROPERTY) return { value: self[RESOURCE_INTERNALS].urn, secret: false, resources: [self] };
    if (name === ID_PROPERTY) return { value: r.result.id ?? UNKNOWN, secret: false, resources: [self] };
    let raw: PropertyValue | undefined = r.result.outputs[name];
    if (raw === undefined) raw = r.inputs[name];
    // A resource still to be created has produced nothing yet; the engine may leave such outputs out.
    if (raw === undefined && r.result.id === undefined && r.preview) raw = UNKNOWN;
    if (raw === undefined) return { value: undefined, secret: this.#forceSecret, resources: [self] };
    const u = unwrapSecrets(raw);
    return { value: u.value, secret: u.secret || this.#forceSecret, resources: [self] };
  }
}

/** True when a prototype up the chain (a base class) already has our getter for `name`. */
function inheritsOurGetter(proto: object, name: string): boolean {
  for (let p = Object.getPrototypeOf(proto) as Record<symbol, Set<string> | undefined> | null; p !== null; p = Object.getPrototypeOf(p) as typeof p) {
    if (Object.prototype.hasOwnProperty.call(p, DEFINED_OUTPUTS) && p[DEFINED_OUTPUTS]!.has(name)) return true;
  }
  return false;
}

/** Prototypes whose output getters are defined, with the names defined on each. */
const DEFINED_OUTPUTS = Symbol("iac.sdk.definedOutputs");

/**
 * Defines, once per class, a getter on the instance's prototype for each output property, which
 * makes the Output on first access. A name the prototype
 * chain already defines otherwise (a method or accessor of the class) gets an own property on the
 * instance instead, as before, so the declared output still wins.
 */
function defineOutputProperties(self: CustomResource, names: readonly string[]): void {
  const proto = Object.getPrototypeOf(self) as Record<symbol, Set<string> | undefined>;
  let defined = Object.prototype.hasOwnProperty.call(proto, DEFINED_OUTPUTS) ? proto[DEFINED_OUTPUTS] : undefined;
  if (defined === undefined) {
    defined = new Set();
    Object.defineProperty(proto, DEFINED_OUTPUTS, { value: defined });
  }
  for (const name of names) {
    if (name === "urn" || name === "id" || defined.has(name) || inheritsOurGetter(proto, name)) continue;
    if (name in proto) {
      // Not ours to replace on the prototype: shadow it on this instance.
      Object.defineProperty(self, name, { value: self[OUTPUT_PROPERTY](name), enumerable: true, writable: false, configurable: false });
      continue;
    }
    Object.defineProperty(proto, name, {
      get(this: CustomResource) {
        return this[OUTPUT_PROPERTY](name);
      },
      enumerable: false,
      configurable: true,
    });
    defined.add(name);
  }
}

/**
 * A resource that groups others: it has no provider and registers no inputs. Children are created
 * with `{ parent: this }`; their URNs carry this component's type, and they inherit its `protect`
 * and providers. Call `registerOutputs` at the end of the constructor.
 *
 * @example
 * class WebApp extends ComponentResource {
 *   readonly url: Output<string>;
 *   constructor(name: string, args: WebAppArgs, opts?: ComponentResourceOptions) {
 *     super("mycompany:index:WebApp", name, args, opts);
 *     const group = new ContainerGroup(`${name}-cg`, { ... }, { parent: this });
 *     this.url = interpolate`http://${group.ipAddress}`;
 *     this.registerOutputs({ url: this.url });
 *   }
 * }
 */
export class ComponentResource extends Resource {
  constructor(type: string, name: string, args?: object, opts?: ComponentResourceOptions) {
    super({ type, name, custom: false, args, opts: opts ?? {} });
  }

  /**
   * Records the component's outputs (shown by the CLI and kept in state). Inputs are resolved first;
   * secrets stay secret.
   */
  protected registerOutputs(outputs?: object | Output<object> | Promise<object>): void {
    const urn = this[RESOURCE_INTERNALS].urn;
    const monitor = this.monitor();
    this.registered().then(
      async () => {
        try {
          const s = await serializeProperty(outputs ?? {}, "outputs");
          const value = s.value;
          monitor.registerOutputs(urn, value !== null && typeof value === "object" && !Array.isArray(value) ? (value as PropertyMap) : {});
        } catch (error) {
          if (!wasReported(error)) {
            reportOnce(new ResourceError(`The outputs of ${urn} could not be resolved: ${messageOf(error)}`, { urn, code: "OutputsFailed", cause: error }));
          }
        }
      },
      // The registration failed: already reported where it failed.
      () => undefined,
    );
  }
}

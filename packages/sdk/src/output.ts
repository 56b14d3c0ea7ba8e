/**
 * `Output<T>`: a value that may not be known yet, that may be secret, and that remembers which
 * resources it came from. Programs combine Outputs with `apply`, `all`, `interpolate` and `concat`.
 */
import { UNKNOWN } from "./provider.js";
import { ApplyError, IacError, messageOf, reportOnce } from "./errors.js";
import { internalsOf, isOutputLike, OUTPUT_BRAND, OUTPUT_STATE, type OutputLike, type OutputState, type ResourceLike } from "./internal.js";
import { isKnownDeep, liftDeep } from "./lift.js";
import type { Input, Lifted, Unwrap } from "./types.js";

/** The method that computes the state of an Output made without one (a symbol: it must not hide a lifted property). */
export const SETTLE = Symbol("iac.sdk.Output.settle");

/**
 * A value produced by the deployment: an output property of a resource, a config secret, or
 * something derived from them with {@link Output.apply}.
 *
 * An Output is not a promise and has no `.value`: use `apply` to compute with its value, and
 * pass Outputs straight into other resources' args (the dependency is recorded). During preview
 * a value the cloud has not produced yet is unknown; callbacks are then not run and whatever is
 * derived is unknown too (shown as `(known after apply)`).
 *
 * @example
 * const url = account.name.apply((n) => `https://${n}.blob.core.windows.net`);
 * const same = interpolate`https://${account.name}.blob.core.windows.net`;
 */
export class OutputInstance<T> implements OutputLike<T> {
  #state: Promise<OutputState<T>> | undefined;

  /**
   * Internal: wraps the settled state. Programs create Outputs with {@link output}, {@link secret} or {@link all}.
   * Without `state`, the subclass computes it on first use (`[SETTLE]`).
   * @internal
   */
  constructor(state?: Promise<OutputState<T>>) {
    if (state !== undefined) this.#state = handled(state);
  }

  /**
   * Internal: the state of an Output made without one, computed when first asked for. A resource's
   * output properties are such Outputs: most are never read, so they cost no promise until they are.
   * @internal
   */
  protected [SETTLE](): Promise<OutputState<T>> {
    return Promise.reject(new IacError("an Output was made without a state (this is a bug in iac; please report it)", { code: "Internal" }));
  }

  /** Brand shared by every copy of the SDK (see {@link Output.isInstance}). */
  get [OUTPUT_BRAND](): true {
    return true;
  }

  /** The settled state (value, secret flag, resources). For the SDK's own use and other copies of it. */
  [OUTPUT_STATE](): Promise<OutputState<T>> {
    return (this.#state ??= handled(this[SETTLE]()));
  }

  /** True when `v` is an Output of this or any other copy of the SDK. */
  static isInstance(v: unknown): v is Output<unknown> {
    return isOutputLike(v);
  }

  /**
   * Derives a new Output by running `fn` on this one's value once it is known.
   *
   * `fn` may return a plain value, a promise, an Output or an object holding any of them; the
   * result is secret when this Output is or the returned value is, and depends on the resources of
   * both. During preview, when the value is unknown, `fn` is not called and the result is unknown.
   * When `fn` throws, the result fails and the deployment reports the error.
   *
   * @example
   * const upper = name.apply((n) => n.toUpperCase());
   */
  apply<U>(fn: (value: T) => Input<U>): Output<Unwrap<U>> {
    return new Output(
      this[OUTPUT_STATE]().then(async (s): Promise<OutputState<Unwrap<U>>> => {
        if (!isKnownDeep(s.value)) return { value: UNKNOWN as Unwrap<U>, secret: s.secret, resources: s.resources };
        let produced: unknown;
        try {
          produced = await fn(s.value);
        } catch (error) {
          throw reportOnce(
            new ApplyError(`A callback given to Output.apply failed: ${messageOf(error)}. Fix the callback; the resources that use this value were not registered.`, { cause: error }),
          );
        }
        const lifted = await liftDeep(produced);
        return {
          value: lifted.value as Unwrap<U>,
          secret: s.secret || lifted.secret,
          resources: union(s.resources, lifted.resources),
        };
      }),
    );
  }

  /** Always throws: an Output has no string form until it resolves. Use `apply` or `interpolate`. */
  toString(): string {
    throw new IacError(
      "An Output was converted to a string, but its value is not known yet. Use `output.apply((v) => `...${v}...`)` or the `interpolate` tagged template instead of string concatenation or `${output}`.",
      { code: "OutputToString" },
    );
  }

  /** Always throws: an Output has no JSON form until it resolves. Use `apply` (e.g. `out.apply(JSON.stringify)`). */
  toJSON(): unknown {
    throw new IacError(
      "An Output was passed to JSON.stringify, but its value is not known yet. Use `output.apply((v) => JSON.stringify(v))`, or `all({...}).apply(JSON.stringify)` for an object holding Outputs.",
      { code: "OutputToJSON" },
    );
  }
}

/**
 * A value produced by the deployment (see {@link OutputInstance}), with property access lifted as
 * Pulumi users write it: on an `Output<{ web: string }>`, `.web` is an `Output<string>`; on an
 * `Output<T[]>`, `[0]` is an `Output<T>` and `.length` an `Output<number>`. A lifted property keeps
 * the Output's secrecy and dependencies, is unknown during preview where its value is, and is
 * `undefined` where the value has no such property.
 *
 * @example
 * const web = account.primaryEndpoints.web; // Output<string>
 * const ip = group.ipAddress.ip;
 * const first = list[0].name;
 */
export type Output<T> = OutputInstance<T> & Lifted<T>;

/** The value `Output`: `Output.isInstance(v)`; `instanceof Output` works too. */
export interface OutputConstructor {
  /** @internal Programs create Outputs with {@link output}, {@link secret} or {@link all}. */
  new <T>(state?: Promise<OutputState<T>>): Output<T>;
  readonly prototype: OutputInstance<unknown>;
  /** True when `v` is an Output of this or any other copy of the SDK. */
  isInstance(v: unknown): v is Output<unknown>;
}

export const Output = OutputInstance as unknown as OutputConstructor;

/**
 * A property of an Output's value, read lazily: no promise until something reads it, then one
 * reaction on the parent's state. Made by the lifting prototype below.
 */
class PropertyOutput<T> extends OutputInstance<T> {
  readonly #parent: OutputInstance<unknown>;
  readonly #key: string;

  constructor(parent: OutputInstance<unknown>, key: string) {
    super();
    this.#parent = parent;
    this.#key = key;
  }

  protected override [SETTLE](): Promise<OutputState<T>> {
    const key = this.#key;
    return this.#parent[OUTPUT_STATE]().then((s) => {
      const v = propertyOf(s.value, key);
      // A Resource in the value (output({ rg })) gives its own Outputs: flatten them into this one.
      if (isOutputLike(v)) return v[OUTPUT_STATE]().then((inner) => ({ value: inner.value as T, secret: s.secret || inner.secret, resources: union(s.resources, inner.resources) }));
      return { value: v as T, secret: s.secret, resources: s.resources };
    });
  }
}

function propertyOf(value: unknown, key: string): unknown {
  if (value === UNKNOWN) return UNKNOWN;
  if (value === null || typeof value !== "object") return undefined;
  // Own properties only: `constructor`, `toString`, ... of the value's prototype are not data.
  return Object.prototype.hasOwnProperty.call(value, key) || isOutputLike((value as Record<string, unknown>)[key]) ? (value as Record<string, unknown>)[key] : undefined;
}

/** True when `o` is one of our Outputs (not the prototype itself, nor another copy's). */
function isOwnInstance(o: unknown): o is OutputInstance<unknown> {
  return o instanceof OutputInstance && o !== OutputInstance.prototype;
}

/**
 * The lifting: one Proxy placed between `OutputInstance.prototype` and `Object.prototype`, not a
 * Proxy around every Output (as Pulumi has). Every name an Output has (`apply`, `toString`,
 * `toJSON`, the brand, the state, what Object.prototype has) is found before the lookup reaches it,
 * at the speed of any class; only a name no Output has (`web`, `ip`, `0`, `length`) reaches the
 * trap, which returns a {@link PropertyOutput}. `then` and names starting with `__` are never
 * lifted, so an Output is not a thenable and tools probing for `__esModule` and the like get
 * undefined; symbols (`util.inspect.custom`, `Symbol.iterator`, `Symbol.toPrimitive`) are not lifted.
 */
const lifting = new Proxy(Object.prototype, {
  get(target, key, receiver) {
    if (typeof key === "symbol" || key in target) return Reflect.get(target, key, receiver);
    if (key === "then" || key.startsWith("__") || !isOwnInstance(receiver)) return undefined;
    return new PropertyOutput(receiver, key);
  },
});
Object.setPrototypeOf(OutputInstance.prototype, lifting);

const ignore = (): undefined => undefined;

/**
 * A program has no way to catch an Output's failure; the place the failure started reports it
 * (see reportOnce), so the rejection itself must not kill the process as unhandled.
 */
function handled<S>(state: Promise<S>): Promise<S> {
  state.catch(ignore);
  return state;
}

function union(a: readonly ResourceLike[], b: readonly ResourceLike[]): readonly ResourceLike[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...new Set([...a, ...b])];
}

/** Adopts an Output of another copy of the SDK, or returns one of ours as is. */
function own<T>(o: OutputLike<T>): Output<T> {
  return o instanceof OutputInstance ? (o as Output<T>) : new Output(o[OUTPUT_STATE]());
}

/**
 * Turns any Input (a value, a promise, an Output, or an object or array holding them at any depth)
 * into an Output of its resolved value.
 *
 * @example
 * const tags = output({ env: config.require("env"), owner: group.name }); // Output<{ env: string; owner: string }>
 */
export function output<T>(value: Input<T>): Output<Unwrap<T>>;
export function output(value: unknown): Output<unknown> {
  if (isOutputLike(value)) return own(value);
  return new Output(liftDeep(value));
}

/**
 * Combines Inputs into one Output of an array (or tuple) or of an object.
 *
 * @example
 * const cs = all([account.name, key]).apply(([n, k]) => `AccountName=${n};AccountKey=${k}`);
 * const o = all({ name: account.name, rg: group.name }); // Output<{ name: string; rg: string }>
 */
export function all<T extends readonly unknown[]>(values: readonly [...T]): Output<{ -readonly [K in keyof T]: Unwrap<T[K]> }>;
export function all<T extends Record<string, unknown>>(values: T): Output<{ [K in keyof T]: Unwrap<T[K]> }>;
export function all(values: unknown): Output<unknown> {
  return new Output(liftDeep(values));
}

function stringify(v: unknown): string {
  if (typeof v === "string") return v;
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * A tagged template whose placeholders may be Outputs: the result is an `Output<string>` that is
 * secret, unknown and dependent as its parts are.
 *
 * @example
 * const url = interpolate`https://${account.name}.blob.core.windows.net/${container.name}`;
 */
export function interpolate(literals: TemplateStringsArray, ...placeholders: Input<unknown>[]): Output<string> {
  return all(placeholders).apply((values) => literals.reduce((acc, lit, i) => acc + lit + (i < values.length ? stringify(values[i]) : ""), ""));
}

/**
 * Concatenates Inputs into an `Output<string>`.
 *
 * @example
 * const host = concat(account.name, ".blob.core.windows.net");
 */
export function concat(...params: Input<unknown>[]): Output<string> {
  return all(params).apply((values) => values.map(stringify).join(""));
}

/**
 * Marks a value as secret: it is encrypted in state and masked in output, and so is anything derived from it.
 *
 * @example
 * const pw = secret(process.env.DB_PASSWORD ?? "");
 */
export function secret<T>(value: Input<T>): Output<Unwrap<T>> {
  return new Output(liftDeep(value).then((s) => ({ ...s, secret: true }))) as Output<Unwrap<T>>;
}

/**
 * Removes the secret mark (the value will be stored and shown in plain text). Use with care.
 *
 * @example
 * const shown = unsecret(connectionStringHost);
 */
export function unsecret<T>(value: Output<T>): Output<T> {
  return new Output(value[OUTPUT_STATE]().then((s) => ({ ...s, secret: false })));
}

/**
 * Whether an Output is secret.
 *
 * @example
 * if (await isSecret(account.primaryKey)) { ... }
 */
export async function isSecret(value: Output<unknown>): Promise<boolean> {
  return (await value[OUTPUT_STATE]()).secret;
}

/** What {@link inspectOutput} tells about an Output. */
export interface OutputDetails<T> {
  /** The value, or {@link UNKNOWN} (possibly nested) when unknown. */
  readonly value: T;
  readonly known: boolean;
  readonly secret: boolean;
  /** URNs of the resources the value came from. */
  readonly dependencies: readonly string[];
}

/**
 * Waits for an Output and tells everything about it. Meant for tests and tools; programs use `apply`.
 *
 * @example
 * const d = await inspectOutput(rs.result);
 * assert.equal(d.secret, false);
 */
export async function inspectOutput<T>(value: Output<T>): Promise<OutputDetails<T>> {
  const s = await value[OUTPUT_STATE]();
  return {
    value: s.value,
    known: isKnownDeep(s.value),
    secret: s.secret,
    dependencies: s.resources.map((r) => internalsOf(r).urn),
  };
}

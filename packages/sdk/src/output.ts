/**
 * `Output<T>`: a value that may not be known yet, that may be secret, and that remembers which
 * resources it came from. Programs combine Outputs with `apply`, `all`, `interpolate` and `concat`.
 */
import { UNKNOWN } from "./provider.js";
import { ApplyError, IacError, messageOf, reportOnce } from "./errors.js";
import { internalsOf, isOutputLike, OUTPUT_BRAND, OUTPUT_STATE, type OutputLike, type OutputState, type ResourceLike } from "./internal.js";
import { isKnownDeep, liftDeep } from "./lift.js";
import type { Input, Unwrap } from "./types.js";

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
export class Output<T> implements OutputLike<T> {
  #state: Promise<OutputState<T>> | undefined;

  /**
   * Internal: wraps the settled state. Programs create Outputs with {@link output}, {@link secret} or {@link all}.
   * Without `state`, the subclass computes it on first use ({@link Output.settle}).
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
  protected settle(): Promise<OutputState<T>> {
    return Promise.reject(new IacError("an Output was made without a state (this is a bug in iac; please report it)", { code: "Internal" }));
  }

  /** Brand shared by every copy of the SDK (see {@link Output.isInstance}). */
  get [OUTPUT_BRAND](): true {
    return true;
  }

  /** The settled state (value, secret flag, resources). For the SDK's own use and other copies of it. */
  [OUTPUT_STATE](): Promise<OutputState<T>> {
    return (this.#state ??= handled(this.settle()));
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
  return o instanceof Output ? (o as Output<T>) : new Output(o[OUTPUT_STATE]());
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

/**
 * Brands and internal slots shared by every copy of the SDK.
 *
 * A program and the engine may load two copies of `@iac/sdk` (one resolved from the project, one
 * from the CLI). `instanceof` fails across copies, so Outputs and Resources are recognised by
 * `Symbol.for` brands (as aws/constructs does) and read through symbol-keyed slots whose shape
 * below is part of the contract between copies: only add optional members.
 */

export const OUTPUT_BRAND = Symbol.for("iac.sdk.Output");
export const OUTPUT_STATE = Symbol.for("iac.sdk.Output.state");
export const RESOURCE_BRAND = Symbol.for("iac.sdk.Resource");
export const RESOURCE_INTERNALS = Symbol.for("iac.sdk.Resource.internals");

/** What an Output settles to. `value` holds no Outputs, promises or secret wrappers. */
export interface OutputState<T> {
  /** The value; {@link UNKNOWN} (or a value containing it) while it is not known during preview. */
  readonly value: T;
  readonly secret: boolean;
  /** The resources the value came from. */
  readonly resources: readonly ResourceLike[];
}

/** An Output of any copy of the SDK. */
export interface OutputLike<T = unknown> {
  readonly [OUTPUT_BRAND]: true;
  [OUTPUT_STATE](): Promise<OutputState<T>>;
}

/** Facts about a resource known when its constructor returns. */
export interface ResourceInternals {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The type with its parents' types, `parent$child`: the URN's type segment. */
  readonly qualifiedType: string;
  readonly custom: boolean;
  /** For a provider resource (`iac:providers:<package>`), the package it configures. */
  readonly providerPackage?: string;
  readonly parent?: ResourceLike;
  /** Children declared with `parent: this`; grows while the program runs. */
  readonly children: ResourceLike[];
  readonly protect?: boolean;
  /** Explicit providers by package, inherited by children. */
  readonly providers: Readonly<Record<string, ResourceLike>>;
  /** Resolved alias URNs (children derive theirs from them). */
  readonly aliases: readonly string[];
  /** The physical id (custom resources). */
  readonly id?: OutputLike<string>;
}

/** A Resource of any copy of the SDK. */
export interface ResourceLike {
  readonly [RESOURCE_BRAND]: true;
  readonly [RESOURCE_INTERNALS]: ResourceInternals;
}

export function isOutputLike(v: unknown): v is OutputLike {
  return v !== null && typeof v === "object" && (v as Record<symbol, unknown>)[OUTPUT_BRAND] === true;
}

export function isResourceLike(v: unknown): v is ResourceLike {
  return v !== null && typeof v === "object" && (v as Record<symbol, unknown>)[RESOURCE_BRAND] === true;
}

export function internalsOf(r: ResourceLike): ResourceInternals {
  return r[RESOURCE_INTERNALS];
}

/**
 * The types of values a program passes to resources: `Input<T>` at any depth, and `Unwrap<T>`,
 * what such a value becomes once everything in it has resolved.
 */
import type { Output, OutputInstance } from "./output.js";
import type { OutputLike, ResourceLike } from "./internal.js";

/**
 * A value, a promise of it, or an Output of it. (An Output is taken as its {@link OutputInstance},
 * as Pulumi does: what its lifted properties are does not matter for passing it, so an
 * `Output<{ env: string }>` is an `Input<Record<string, string>>`.)
 */
export type Input<T> = T | Promise<T> | OutputInstance<T>;

type Primitive = string | number | boolean | null | undefined | bigint | symbol;

/**
 * `T` where any property or element, at any depth, may also be an Input.
 *
 * @example
 * type Args = DeepInput<{ tags: Record<string, string> }>;
 * const a: Args = { tags: { env: config.require("env"), owner: someOutput } };
 */
// `[T] extends [Primitive]` does not distribute, so `boolean` stays one Input<boolean>, not Input<true> | Input<false>.
export type DeepInput<T> = [T] extends [Primitive]
  ? Input<T>
  : T extends ResourceLike
    ? Input<T>
    : T extends readonly (infer U)[]
      ? Input<DeepInput<U>[]>
      : T extends object
        ? Input<{ [K in keyof T]: DeepInput<T[K]> }>
        : Input<T>;

/**
 * The args of a resource: each property of `T` as a {@link DeepInput}. Optional properties stay optional.
 *
 * @example
 * export type RandomStringArgs = Inputs<{ length: number; keepers?: Record<string, string> }>;
 */
export type Inputs<T extends object = Record<string, unknown>> = { [K in keyof T]: DeepInput<T[K]> };

/** What an Input becomes once it has resolved: Outputs and promises replaced by their values, at any depth. */
export type Unwrap<T> =
  T extends OutputLike<infer U> ? UnwrapSimple<U> : T extends Promise<infer U> ? UnwrapSimple<U> : UnwrapSimple<T>;

type UnwrapSimple<T> = T extends Primitive
  ? T
  : // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
    T extends Function
    ? T
    : T extends ResourceLike
      ? T
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Unwrap<T[K]> }
        : T extends object
          ? { [K in keyof T]: Unwrap<T[K]> }
          : never;

/** Names an Output's value may have that an Output does not lift: its own members, Object's, `then`, `__*`. */
type NotLifted = keyof OutputInstance<unknown> | keyof object | "constructor" | "toString" | "toLocaleString" | "valueOf" | "hasOwnProperty" | "isPrototypeOf" | "propertyIsEnumerable" | "then" | `__${string}`;

/** The keys lifted: every name of the value's type (index signatures too) but the Output's own and `then`. */
type LiftedKey<K> = K extends NotLifted | symbol ? never : K;

/**
 * `undefined` when `K` is an optional property of `T` (not for an index signature: as TypeScript
 * types `record.key`, an index signature's value is the value type).
 */
type OptionalMissing<T, K extends keyof T> = string extends K ? never : number extends K ? never : {} extends Pick<T, K> ? undefined : never;

/** What a lifted property holds: an Output stays one Output (a Resource's property), not an Output of an Output. */
type LiftedValue<V> = V extends OutputLike<infer U> ? U : V;

/**
 * The properties an `Output<T>` has besides its methods (see {@link Output}): each property of an
 * object value as an Output of its value, and for an array `[n]` and `length`. A property of a
 * value that may be `undefined` or `null` may itself be `undefined`.
 *
 * @example
 * declare const endpoints: Output<{ web: string; blob: string }>;
 * const web: Output<string> = endpoints.web;
 */
export type Lifted<T> = 0 extends 1 & T
  ? // An Output of `any` (an untyped JSON property): any name, as an Output of `any`.
    { readonly [key: string]: Output<any> } // eslint-disable-line @typescript-eslint/no-explicit-any
  : LiftedOf<NonNullable<T>, T extends null | undefined ? undefined : never>;

type LiftedOf<T, Missing> = [T] extends [Primitive]
  ? unknown
  : // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
    [T] extends [Function]
    ? unknown
    : [T] extends [readonly (infer U)[]]
      ? { readonly [n: number]: Output<LiftedValue<U> | Missing>; readonly length: Output<number | Missing> }
      : [T] extends [object]
        ? { readonly [K in keyof T as LiftedKey<K>]-?: Output<LiftedValue<T[K]> | Missing | OptionalMissing<T, K>> }
        : unknown;

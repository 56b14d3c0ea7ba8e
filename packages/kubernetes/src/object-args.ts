/** The shapes of Kubernetes objects as programs pass them (any field may be an Input). */
import { secret, type Input } from "@iac/sdk";

/** `metadata` of an object. */
export interface ObjectMetaArgs {
  /** The object's name; generated from the resource name (plus a random suffix) when absent. */
  readonly name?: Input<string>;
  /** For namespaced kinds: default the provider's namespace (typed Flux classes: `flux-system`). */
  readonly namespace?: Input<string>;
  readonly labels?: Input<Record<string, Input<string>>>;
  readonly annotations?: Input<Record<string, Input<string>>>;
  readonly [field: string]: unknown;
}

/** Any object: `apiVersion`, `kind`, `metadata` and its other fields (`spec`, `data`, `rules`, ...). */
export interface ObjectArgs {
  readonly apiVersion: Input<string>;
  readonly kind: Input<string>;
  readonly metadata?: Input<ObjectMetaArgs>;
  readonly [field: string]: unknown;
}

/** Output properties every object resource exposes. */
export const OBJECT_OUTPUTS = ["apiVersion", "kind", "metadata", "spec", "status", "data"] as const;

/**
 * A Secret's `data` and `stringData` wrapped as secrets, so they are encrypted in state whether or
 * not the program marked them (DESIGN.md: no secret in plaintext in state).
 */
export function protectSecretData<T extends Record<string, unknown>>(fields: T): T {
  if (fields.kind !== "Secret") return fields;
  const out: Record<string, unknown> = { ...fields };
  for (const k of ["data", "stringData"]) if (out[k] !== undefined) out[k] = secret(out[k]);
  return out as T;
}

/** Secret outputs of an object of `kind` (known at construction when it is a plain string). */
export function secretOutputsFor(kind: unknown, extra: readonly string[] | undefined): readonly string[] | undefined {
  if (kind !== "Secret") return extra;
  return [...(extra ?? []), "data", "stringData"];
}

/** The object-provider rules of a typed class's token (provider-module.ts asks for tokens it has no fixed provider for). */
import type { CheckFailure, PropertyMap } from "@iac/sdk/provider";
import { removedFieldFailures } from "../flux/removed-fields.js";
import { gitRepositoryRefFailures } from "../flux/ref-rules.js";
import { FLUX_NAMESPACE, FLUX_OBJECT_TYPES } from "../flux/types.js";
import type { ObjectTypeRules } from "../object-provider.js";
import { schemaFailures, type TypedKind, type TypedKinds } from "./schemas.js";

/**
 * The schema check of `kind`, less the failures other rules report better (a field Flux removed is
 * named with what replaced it by removed-fields.ts; the schema would only say it is unknown).
 */
export function schemaCheck(kind: TypedKind): (obj: PropertyMap) => CheckFailure[] {
  return (obj) => {
    const named = new Set(removedFieldFailures(obj).map((f) => f.property));
    return schemaFailures(kind, obj).filter((f) => !named.has(f.property));
  };
}

/** The rules of a typed class's token, or undefined when the token names no known kind. */
export function typedRules(kinds: TypedKinds, token: string): ObjectTypeRules | undefined {
  const kind = kinds.find(token);
  if (kind === undefined) return undefined;
  const check = schemaCheck(kind);
  if (token.startsWith("flux:")) {
    const known = (FLUX_OBJECT_TYPES as Readonly<Record<string, { waitForReady: boolean }>>)[token];
    return {
      apiVersion: kind.apiVersion,
      kind: kind.spec.kind,
      defaultNamespace: FLUX_NAMESPACE,
      // GitRepository and Kustomization wait for Ready by default (flux/types.ts); the other Flux kinds when the program asks.
      fluxWaitDefault: known?.waitForReady ?? false,
      check: (obj) => [...gitRepositoryRefFailures(obj), ...check(obj)],
    };
  }
  return { apiVersion: kind.apiVersion, kind: kind.spec.kind, check };
}

/**
 * Where the schema of a typed class's kind comes from, by type token:
 * - `kubernetes:<module>/<version>:<Kind>` with a module without dots (`apps/v1`, `core/v1`): a
 *   built-in kind of @iac/kubernetes-spec;
 * - `flux:<module>/<version>:<Kind>`: the Flux CRDs generated into `generated/flux/<module>/<version>.json`;
 * - `kubernetes:<group>/<version>:<Kind>` (a group with dots): a custom kind of a module generated
 *   by `iac gen crd`, registered when the program imported it.
 */
import { existsSync } from "node:fs";
import { apiVersionOf, kubernetesSpec, validate, type KindSpec, type ObjectSpec, type SchemaFailure } from "@iac/kubernetes-spec";
import { UNKNOWN } from "@iac/sdk/provider";
import { findRegisteredKind, readCrdModule, type CrdModuleData } from "./crd-data.js";

/** A kind with everything its check needs. */
export interface TypedKind {
  readonly token: string;
  readonly spec: KindSpec;
  readonly apiVersion: string;
  /** The named types the kind's schema refers to (built-in ones and, for CRDs, the module's roots). */
  readonly types: Readonly<Record<string, ObjectSpec>>;
}

/** The module name of a built-in group: its first label (`networking.k8s.io` -> `networking`), `core` for "". */
export function builtinModuleOf(group: string): string {
  return group === "" || group === "core" ? "core" : group.split(".")[0]!;
}

/** The token of a built-in kind's class. */
export function builtinToken(k: KindSpec): string {
  return `kubernetes:${builtinModuleOf(k.group)}/${k.version}:${k.kind}`;
}

/** The folder of the generated Flux modules. */
export const FLUX_GENERATED = new URL("../../generated/flux/", import.meta.url);

const TOKEN = /^(kubernetes|flux):([^/:]+)\/([^/:]+):([A-Za-z0-9]+)$/;

/** Lookups of one process; data are immutable, so they are memoised by token. */
export class TypedKinds {
  readonly #byToken = new Map<string, TypedKind | undefined>();
  readonly #crdModules = new Map<string, { data: CrdModuleData; types: Record<string, ObjectSpec> }>();

  /** The kind a type token names, or undefined when it is no typed class's. */
  find(token: string): TypedKind | undefined {
    if (!this.#byToken.has(token)) this.#byToken.set(token, this.#resolve(token));
    return this.#byToken.get(token);
  }

  /** The types a CRD module's schemas refer to: built-in ones (ObjectMeta) plus the module's roots. */
  crdModule(key: string, load: () => CrdModuleData): { data: CrdModuleData; types: Record<string, ObjectSpec> } {
    let m = this.#crdModules.get(key);
    if (m === undefined) {
      const data = load();
      m = { data, types: { ...kubernetesSpec.types, ...data.types } };
      this.#crdModules.set(key, m);
    }
    return m;
  }

  #resolve(token: string): TypedKind | undefined {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const [, pkg, module, version, kind] = m as unknown as [string, string, string, string, string];
    if (pkg === "flux") {
      const file = new URL(`${module}/${version}.json`, FLUX_GENERATED);
      if (!existsSync(file)) return undefined;
      const { data, types } = this.crdModule(file.href, () => readCrdModule(file));
      const spec = data.kinds[kind];
      return spec && { token, spec, apiVersion: apiVersionOf(spec), types };
    }
    if (!module.includes(".")) {
      const spec = Object.values(kubernetesSpec.index.kinds).find((k) => k.apply && k.kind === kind && k.version === version && builtinModuleOf(k.group) === module);
      return spec && { token, spec, apiVersion: apiVersionOf(spec), types: kubernetesSpec.types };
    }
    const registered = findRegisteredKind(token);
    if (registered === undefined) return undefined;
    const { types } = this.crdModule(`${registered.kind.group}/${registered.kind.version}:${token}`, registered.load);
    return { token, spec: registered.kind, apiVersion: apiVersionOf(registered.kind), types };
  }
}

/** iac's own input, and `status` (which check refuses on its own): not checked against the schema. */
const SKIPPED = new Set(["waitForReady", "status"]);

/**
 * The schema failures of an object of `kind` (its inputs as `check` sees them): unknown fields with
 * the nearest name, types, enums, required fields. An object of another apiVersion is left to the
 * other rules (removed Flux versions) and to the API server.
 */
export function schemaFailures(kind: TypedKind, inputs: Readonly<Record<string, unknown>>): SchemaFailure[] {
  if (inputs.apiVersion !== kind.apiVersion) return [];
  const obj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) if (!SKIPPED.has(k)) obj[k] = v;
  return validate(obj, `@${kind.spec.type}`, { types: kind.types, unknown: UNKNOWN, what: `${kind.apiVersion} ${kind.spec.kind}` });
}

/**
 * The class factory behind the generated modules (`@iac/kubernetes/apps/v1`, the Flux modules and
 * the modules `iac gen crd` writes): each generated `.js` is a list of names, and this file makes
 * CustomResource subclasses with the kind's type token, `apiVersion` and `kind` filled in, and
 * every top-level field of the kind as an output. The typed surface is the `.d.ts` beside each
 * `.js`; the check before apply is the provider's (schemas.ts).
 */
import { CustomResource, InputError, type CustomResourceOptions } from "@iac/sdk";
import { apiVersionOf, kubernetesSpec, type KindSpec } from "@iac/kubernetes-spec";
import { fluxOptions } from "../flux/options.js";
import { protectSecretData, secretOutputsFor } from "../object-args.js";
import { MODULE } from "../types.js";
import { readCrdModule, registerCrdKinds, type CrdModuleData } from "./crd-data.js";
import { builtinModuleOf, builtinToken } from "./schemas.js";

/** A generated resource class. */
export type TypedResourceClass = new (name: string, args?: Record<string, unknown>, opts?: CustomResourceOptions) => CustomResource;

/** What a generated module file uses. */
export interface KindModule {
  /** The class of a kind of this module. */
  resource(kind: string): TypedResourceClass;
}

/** The classes of a built-in group-version (`defineBuiltinModule("apps", "v1")`). */
export function defineBuiltinModule(module: string, version: string): KindModule {
  return {
    resource(kind) {
      const spec = Object.values(kubernetesSpec.index.kinds).find((k) => k.apply && k.kind === kind && k.version === version && builtinModuleOf(k.group) === module);
      if (spec === undefined) throw new InputError(`@iac/kubernetes/${module}/${version} has no kind ${kind}: regenerate the modules with npm run gen:kubernetes.`, { code: "KubernetesSpecCorrupt" });
      const root = kubernetesSpec.types[spec.type];
      return makeClass({ token: builtinToken(spec), spec, outputs: Object.keys(root?.properties ?? {}), flux: false });
    },
  };
}

/**
 * The classes of a module generated from CRDs; `data` is the URL of its JSON (beside the `.js`).
 * Registers the kinds so that the provider checks their objects against the schemas.
 */
export function defineCrdModule(data: URL): KindModule {
  let loaded: CrdModuleData | undefined;
  const load = () => (loaded ??= readCrdModule(data));
  const module = load();
  registerCrdKinds(module, load);
  return {
    resource(kind) {
      const spec = module.kinds[kind];
      if (spec === undefined) throw new InputError(`${data.pathname} has no kind ${kind}: generate the module again (iac gen crd).`, { code: "KubernetesSpecCorrupt" });
      return makeClass({ token: spec.token, spec, outputs: Object.keys(module.types[spec.type]?.properties ?? {}), flux: spec.token.startsWith("flux:") });
    },
  };
}

function makeClass(o: { token: string; spec: KindSpec; outputs: readonly string[]; flux: boolean }): TypedResourceClass {
  const apiVersion = apiVersionOf(o.spec);
  const kind = o.spec.kind;
  const outputs = [...new Set(["apiVersion", "kind", "metadata", ...o.outputs])];
  const cls = class extends CustomResource {
    constructor(name: string, args: Record<string, unknown> = {}, opts?: CustomResourceOptions) {
      if (args === null || typeof args !== "object" || Array.isArray(args)) {
        throw new InputError(`The args of ${kind} "${name}" must be an object ({ metadata, spec, ... }), as in YAML without apiVersion and kind.`);
      }
      const fields = { ...args, apiVersion, kind };
      const options = o.flux ? fluxOptions(opts) : opts;
      super(o.token, name, protectSecretData(fields), { ...options, additionalSecretOutputs: secretOutputsFor(kind, options?.additionalSecretOutputs) }, { module: MODULE, outputs });
    }
  };
  Object.defineProperty(cls, "name", { value: kind });
  return cls;
}

/**
 * The resource types the local cloud serves generically, looked up by ARM type. Modules are read
 * lazily, on the first request for one of their types, and kept: a program touching three
 * namespaces makes the emulator read three files.
 */
import type { FunctionSpec, ModuleSpec, ResourceSpec } from "./model.js";

/** A module as a source hands it over. */
export interface LoadedModule {
  readonly spec: ModuleSpec;
  readonly resources: readonly Omit<ResourceSpec, "module" | "functions">[];
  /** Functions with the ARM type they belong to. */
  readonly functions: readonly (FunctionSpec & { readonly resourceType: string })[];
}

/** Where modules come from (the metadata files; in tests, anything). */
export interface CatalogSource {
  /** The module holding a namespace's types, or undefined when no module does. */
  moduleOf(namespace: string): string | undefined;
  load(module: string): LoadedModule | undefined;
  /** Every namespace known (for the providers listing). */
  namespaces(): readonly string[];
}

export interface Catalog {
  /** The resource type (case-insensitive), or undefined. */
  resource(armType: string): ResourceSpec | undefined;
  /** Whether some module serves this namespace (case-insensitive). */
  hasNamespace(namespace: string): boolean;
  /** The types of a namespace (loads its module). */
  typesOf(namespace: string): readonly ResourceSpec[];
  namespaces(): readonly string[];
}

export function createCatalog(source: CatalogSource): Catalog {
  const modules = new Map<string, Map<string, ResourceSpec> | undefined>();
  const moduleTypes = (namespace: string): Map<string, ResourceSpec> | undefined => {
    const name = source.moduleOf(namespace);
    if (name === undefined) return undefined;
    if (!modules.has(name)) modules.set(name, index(source.load(name)));
    return modules.get(name);
  };
  return {
    resource: (armType) => moduleTypes(armType.split("/")[0]!)?.get(armType.toLowerCase()),
    hasNamespace: (namespace) => source.moduleOf(namespace) !== undefined,
    typesOf: (namespace) => [...(moduleTypes(namespace)?.values() ?? [])].filter((r) => r.armType.split("/")[0]!.toLowerCase() === namespace.toLowerCase()),
    namespaces: () => source.namespaces(),
  };
}

function index(loaded: LoadedModule | undefined): Map<string, ResourceSpec> | undefined {
  if (loaded === undefined) return undefined;
  const byType = new Map<string, ResourceSpec>();
  const functions = new Map<string, FunctionSpec[]>();
  for (const f of loaded.functions) {
    const key = f.resourceType.toLowerCase();
    functions.set(key, [...(functions.get(key) ?? []), { name: f.name, apiVersion: f.apiVersion, input: f.input, output: f.output }]);
  }
  for (const r of loaded.resources) {
    const key = r.armType.toLowerCase();
    const known = byType.get(key);
    // A type in two folders (a preview and a stable file): keep one body, know both versions.
    if (known !== undefined) {
      byType.set(key, { ...known, apiVersions: [...new Set([...known.apiVersions, ...r.apiVersions])].sort().reverse() });
      continue;
    }
    byType.set(key, { ...r, module: loaded.spec, functions: functions.get(key) ?? [] });
  }
  return byType;
}

/**
 * The emulator's own reader of the metadata files of `packages/azure-spec/data/` (format 1,
 * packages/azure-spec/FORMAT.md): `index.json` says which module holds a namespace, and each
 * `<module>.json` is read on first use and turned into the table form of spec/model.ts. The files
 * are read as data, by path; the local cloud imports no package of ours.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CatalogSource, LoadedModule } from "./catalog.js";
import type { FunctionSpec, PropSpec, ResourceSpec, TypeRef, TypeSpec } from "./model.js";

/**
 * Where the metadata sits: the data folder of `@iac/azure-spec` (a dependency of this package for
 * its data only: no code of it is imported), resolved as Node resolves packages, so an installed
 * emulator finds it wherever npm put it.
 */
export function defaultSpecDir(): string {
  return fileURLToPath(new URL(".", import.meta.resolve("@iac/azure-spec/data/index.json")));
}

type RawRef = string | { readonly type: string; readonly [k: string]: unknown };
type RawProp = { readonly type: RawRef; readonly flags?: number; readonly sensitive?: boolean };
type RawNamed =
  | { readonly kind: "object"; readonly name: string; readonly properties?: Record<string, RawProp>; readonly additionalProperties?: RawRef; readonly sensitive?: boolean }
  | { readonly kind: "discriminated"; readonly name: string; readonly discriminator: string; readonly base?: Record<string, RawProp>; readonly elements: Record<string, RawRef> };
interface RawResource {
  readonly armType: string;
  readonly apiVersion: string;
  /** Every api-version the definitions hold for the type (absent when only one). */
  readonly apiVersions?: readonly string[];
  readonly readableScopes: number;
  readonly writableScopes: number;
  readonly body: RawRef;
  readonly nameType?: RawRef;
}
interface RawFunction {
  readonly name: string;
  readonly armType: string;
  readonly apiVersion: string;
  readonly input?: RawRef;
  readonly output?: RawRef;
}
interface RawModule {
  readonly format: number;
  readonly module: string;
  readonly resources?: Record<string, RawResource>;
  readonly functions?: Record<string, RawFunction>;
  readonly types?: Record<string, RawNamed>;
}

/** A {@link CatalogSource} over a metadata directory; an absent directory serves no namespace. */
export function fileCatalogSource(dir: string = defaultSpecDir()): CatalogSource {
  const indexFile = join(dir, "index.json");
  const byNamespace = new Map<string, { module: string; namespace: string }>();
  if (existsSync(indexFile)) {
    const index = JSON.parse(readFileSync(indexFile, "utf8")) as { format: number; modules: Record<string, { namespace: string }> };
    if (index.format !== 1) throw new Error(`${indexFile}: format ${index.format} is not one the local cloud reads (1); update packages/emulator/src/arm/spec/reader.ts`);
    for (const [module, m] of Object.entries(index.modules)) byNamespace.set(m.namespace.toLowerCase(), { module, namespace: m.namespace });
  }
  return {
    moduleOf: (namespace) => byNamespace.get(namespace.toLowerCase())?.module,
    namespaces: () => [...byNamespace.values()].map((m) => m.namespace),
    load: (module) => {
      const file = join(dir, `${module}.json`);
      if (!existsSync(file)) return undefined;
      return convertModule(JSON.parse(readFileSync(file, "utf8")) as RawModule, file);
    },
  };
}

/** Turn one module file into the table form. */
export function convertModule(raw: RawModule, file: string): LoadedModule {
  if (raw.format !== 1) throw new Error(`${file}: format ${raw.format} is not one the local cloud reads (1)`);
  const types: TypeSpec[] = [];
  const named = new Map<string, TypeRef>();
  const add = (t: TypeSpec): TypeRef => types.push(t) - 1;
  const primitives: Record<string, TypeRef> = {
    string: add({ kind: "string" }),
    int: add({ kind: "int" }),
    bool: add({ kind: "bool" }),
    any: add({ kind: "any" }),
    null: add({ kind: "null" }),
  };
  // Named types first get their slot, so that references (cycles included) resolve.
  for (const key of Object.keys(raw.types ?? {})) named.set(key, add({ kind: "any" }));
  const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
  const ref = (r: RawRef | undefined): TypeRef => {
    if (r === undefined) return primitives["any"]!;
    if (typeof r === "string") {
      if (r.startsWith("@")) {
        const n = named.get(r.slice(1));
        if (n === undefined) throw new Error(`${file}: unknown type ${r}`);
        return n;
      }
      const p = primitives[r];
      if (p === undefined) throw new Error(`${file}: unknown type '${r}'`);
      return p;
    }
    switch (r.type) {
      case "string":
        return add({ kind: "string", minLength: num(r["minLength"]), maxLength: num(r["maxLength"]), pattern: typeof r["pattern"] === "string" ? r["pattern"] : undefined, sensitive: r["sensitive"] === true });
      case "int":
        return add({ kind: "int", min: num(r["min"]), max: num(r["max"]) });
      case "literal":
        return add({ kind: "literal", value: r["value"] as string });
      case "enum": {
        const members = (r["values"] as string[]).map((value) => add({ kind: "literal", value }));
        return add({ kind: "union", members: r["open"] === true ? [...members, primitives["string"]!] : members });
      }
      case "array":
        return add({ kind: "array", item: ref(r["items"] as RawRef), minLength: num(r["minLength"]), maxLength: num(r["maxLength"]) });
      case "union":
        return add({ kind: "union", members: (r["of"] as RawRef[]).map(ref) });
      default:
        return primitives[r.type] ?? primitives["any"]!;
    }
  };
  const props = (p: Record<string, RawProp> | undefined): Record<string, PropSpec> =>
    Object.fromEntries(Object.entries(p ?? {}).map(([k, v]) => [k, { type: ref(v.type), flags: v.flags ?? 0, ...(v.sensitive === true ? { sensitive: true } : {}) }]));
  for (const [key, t] of Object.entries(raw.types ?? {})) {
    const slot = named.get(key)!;
    types[slot] = t.kind === "object"
      ? { kind: "object", name: t.name, props: props(t.properties), ...(t.additionalProperties !== undefined ? { additional: ref(t.additionalProperties) } : {}), sensitive: t.sensitive === true }
      : { kind: "discriminated", name: t.name, discriminator: t.discriminator, base: props(t.base), elements: Object.fromEntries(Object.entries(t.elements).map(([k, v]) => [k, ref(v)])) };
  }
  const resources: Omit<ResourceSpec, "module" | "functions">[] = Object.values(raw.resources ?? {}).map((r) => ({
    armType: r.armType,
    // The chosen version first (its schema is the one given); the others are accepted with it.
    apiVersions: [r.apiVersion, ...(r.apiVersions ?? []).filter((v) => v !== r.apiVersion).sort().reverse()],
    readableScopes: r.readableScopes,
    writableScopes: r.writableScopes,
    body: ref(r.body),
    ...(r.nameType !== undefined ? { nameType: ref(r.nameType) } : {}),
  }));
  const functions: (FunctionSpec & { resourceType: string })[] = Object.values(raw.functions ?? {}).map((f) => ({
    name: f.name,
    resourceType: f.armType,
    apiVersion: f.apiVersion,
    ...(f.input !== undefined ? { input: ref(f.input) } : {}),
    ...(f.output !== undefined ? { output: ref(f.output) } : {}),
  }));
  return { spec: { name: raw.module, types }, resources, functions };
}

/**
 * Reads the compacted metadata lazily: a module's file is parsed the first time something in it
 * is asked for, then kept. A program that imports three generated modules parses three files.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InputError } from "@iac/sdk";
import {
  FLAG,
  FORMAT_VERSION,
  type FunctionSpec,
  type IndexSpec,
  type ModuleSpec,
  type NamedTypeSpec,
  type PropertySpec,
  type ResourceSpec,
  type TypeKeyRef,
  type TypeRef,
} from "./format.js";
import { moduleOfArmType } from "./naming.js";

/** The data folder shipped in this package. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL("../data/", import.meta.url));

/**
 * A view over one data folder with its own cache. Most code uses {@link azureSpec}, the one over
 * this package's data; tests may make their own over a folder they wrote.
 */
export class AzureSpec {
  readonly #dataDir: string;
  readonly #modules = new Map<string, ModuleSpec>();
  #index: IndexSpec | undefined;
  #tokenIndex = new Map<string, Map<string, ResourceSpec>>();
  #armIndex = new Map<string, Map<string, ResourceSpec>>();

  constructor(dataDir: string = DEFAULT_DATA_DIR) {
    this.#dataDir = dataDir.endsWith("/") ? dataDir : `${dataDir}/`;
  }

  /** `data/index.json`: every module with its counts. */
  index(): IndexSpec {
    this.#index ??= this.#read<IndexSpec>("index.json");
    return this.#index;
  }

  /** The names of every module (`network`, `keyvault`, ...), sorted. */
  modules(): string[] {
    return Object.keys(this.index().modules);
  }

  /** Whether a module exists, without loading it. */
  hasModule(module: string): boolean {
    return Object.hasOwn(this.index().modules, module);
  }

  /** A module's metadata, or undefined when there is no such module. */
  tryLoadModule(module: string): ModuleSpec | undefined {
    const cached = this.#modules.get(module);
    if (cached) return cached;
    if (!/^[a-z0-9-]+$/.test(module) || !existsSync(`${this.#dataDir}${module}.json`)) return undefined;
    const spec = this.#read<ModuleSpec>(`${module}.json`);
    this.#modules.set(module, spec);
    return spec;
  }

  /** A module's metadata; throws `UnknownAzureModule` naming the nearest modules when absent. */
  loadModule(module: string): ModuleSpec {
    const spec = this.tryLoadModule(module);
    if (spec) return spec;
    throw new InputError(
      `There is no Azure module "${module}". Modules are the provider namespace without "Microsoft.", lowercased ` +
        `(Microsoft.Network -> network)${nearestHint(module, this.modules())}`,
      { code: "UnknownAzureModule" },
    );
  }

  /** The resource type of a token (`azure:network:VirtualNetwork`), or undefined. */
  resourceByToken(token: string): ResourceSpec | undefined {
    const m = /^azure:([a-z0-9-]+):([A-Za-z0-9_]+)$/.exec(token);
    if (!m) return undefined;
    const spec = this.tryLoadModule(m[1]!);
    if (!spec) return undefined;
    let byToken = this.#tokenIndex.get(spec.module);
    if (!byToken) {
      byToken = new Map(Object.values(spec.resources).map((r) => [r.token, r]));
      this.#tokenIndex.set(spec.module, byToken);
    }
    return byToken.get(token);
  }

  /** The resource type of an ARM type, matched case-insensitively (`microsoft.network/virtualnetworks/subnets`). */
  resourceByArmType(armType: string): ResourceSpec | undefined {
    const spec = this.tryLoadModule(moduleOfArmType(armType));
    if (!spec) return undefined;
    let byArm = this.#armIndex.get(spec.module);
    if (!byArm) {
      byArm = new Map(Object.values(spec.resources).map((r) => [r.armType.toLowerCase(), r]));
      this.#armIndex.set(spec.module, byArm);
    }
    return byArm.get(armType.toLowerCase());
  }

  /** The resource functions of a resource type (by spec, token or ARM type), sorted by name. */
  functionsOf(resource: ResourceSpec | string): FunctionSpec[] {
    const r = typeof resource === "string" ? (resource.startsWith("azure:") ? this.resourceByToken(resource) : this.resourceByArmType(resource)) : resource;
    if (!r) return [];
    const spec = this.loadModule(moduleOfArmType(r.armType));
    return (r.functions ?? []).map((k) => spec.functions[k]!);
  }

  /** A function by its generated export name (`listStorageAccountKeys`) in a module. */
  functionByExport(module: string, exportName: string): FunctionSpec | undefined {
    const spec = this.tryLoadModule(module);
    return spec ? Object.values(spec.functions).find((f) => f.export === exportName) : undefined;
  }

  /** The named type an `@key` reference points at, in the module that holds the reference. */
  namedType(module: string, ref: TypeKeyRef): NamedTypeSpec {
    const spec = this.loadModule(module);
    const t = spec.types[ref.slice(1)];
    if (!t) throw new InputError(`The Azure metadata of module "${module}" has no type ${ref}: regenerate it with npm run gen:azure.`, { code: "AzureSpecCorrupt" });
    return t;
  }

  /** The body (object) type of a resource. */
  bodyOf(resource: ResourceSpec): NamedTypeSpec {
    return this.namedType(moduleOfArmType(resource.armType), resource.body);
  }

  /** The program-facing args of a resource: see {@link argsOf}. */
  argsOf(resource: ResourceSpec): ArgSpec[] {
    return argsOf(resource, (ref) => this.namedType(moduleOfArmType(resource.armType), ref));
  }

  /** The program-facing outputs of a resource: see {@link outputsOf}. */
  outputsOf(resource: ResourceSpec): ArgSpec[] {
    return outputsOf(resource, (ref) => this.namedType(moduleOfArmType(resource.armType), ref));
  }

  #read<T extends { format: number }>(file: string): T {
    const path = `${this.#dataDir}${file}`;
    let value: T;
    try {
      value = JSON.parse(readFileSync(path, "utf8")) as T;
    } catch (error) {
      throw new InputError(`The Azure metadata file ${path} could not be read: regenerate it with npm run gen:azure.`, { code: "AzureSpecCorrupt", cause: error });
    }
    if (value.format !== FORMAT_VERSION) {
      throw new InputError(`The Azure metadata file ${path} has format ${value.format}, this loader reads ${FORMAT_VERSION}: regenerate it with npm run gen:azure.`, {
        code: "AzureSpecCorrupt",
      });
    }
    return value;
  }
}

/** The shared view over this package's data (a cache of immutable files, so sharing it is safe). */
export const azureSpec = new AzureSpec();

export const loadModule = (module: string): ModuleSpec => azureSpec.loadModule(module);
export const resourceByToken = (token: string): ResourceSpec | undefined => azureSpec.resourceByToken(token);
export const resourceByArmType = (armType: string): ResourceSpec | undefined => azureSpec.resourceByArmType(armType);
export const functionsOf = (resource: ResourceSpec | string): FunctionSpec[] => azureSpec.functionsOf(resource);

// --- flags ------------------------------------------------------------------------------------

export const isRequired = (p: PropertySpec): boolean => ((p.flags ?? 0) & FLAG.required) !== 0;
export const isReadOnly = (p: PropertySpec): boolean => ((p.flags ?? 0) & FLAG.readOnly) !== 0;
export const isWriteOnly = (p: PropertySpec): boolean => ((p.flags ?? 0) & FLAG.writeOnly) !== 0;
export const isDeployTimeConstant = (p: PropertySpec): boolean => ((p.flags ?? 0) & FLAG.deployTimeConstant) !== 0;
export const isIdentifier = (p: PropertySpec): boolean => ((p.flags ?? 0) & FLAG.identifier) !== 0;

/** Whether a type reference is a secret string (an object may be sensitive as a whole too: see ObjectTypeSpec). */
export const isSensitive = (t: TypeRef): boolean => typeof t === "object" && t.type === "string" && t.sensitive === true;
/** Whether a property's whole value is a secret: marked on the property (any value) or a secret string. */
export const isSecretProperty = (p: PropertySpec): boolean => p.sensitive === true || isSensitive(p.type);

// --- args and outputs -------------------------------------------------------------------------

/**
 * One arg (or output) of a generated class and where it sits in the ARM body.
 * - `name`: a placeholder of the id template (`resourceGroupName`, `virtualNetworkName`); path `[]`.
 * - `body`: a top-level body property (`location`, `tags`, `sku`, `identity`, `properties` whole).
 * - `properties`: a property of the body's `properties`, flattened one level (`addressSpace` ->
 *   `properties.addressSpace`).
 */
export interface ArgSpec {
  readonly name: string;
  readonly kind: "name" | "body" | "properties";
  /** Where the value goes in (or comes from) the ARM body; `[]` for name args. */
  readonly path: readonly string[];
  /** The property's type and flags; for name args `{ type: nameType }` (own name) or `{ type: "string" }`. */
  readonly property: PropertySpec;
}

/** Properties never given by a program: the service's identifiers (the name is an arg of its own). */
const IDENTIFIERS = new Set(["id", "name", "type", "apiVersion"]);

/**
 * The args of a generated class: the name args (`resourceGroupName`, parents, own name), then the
 * writable top-level body properties (`properties` itself included), then the writable properties
 * of `properties` flattened, except where a name is already taken (then only `properties: {...}`
 * reaches it). A discriminated body contributes its base properties and those of every element.
 */
export function argsOf(resource: ResourceSpec, named: (ref: TypeKeyRef) => NamedTypeSpec): ArgSpec[] {
  return layout(resource, named, (p) => !isReadOnly(p));
}

/**
 * The outputs of a generated class: the name args, the service's `name` and `type`, then the same
 * layout as {@link argsOf} over every property the service returns (read-only ones included,
 * write-only ones left out).
 */
export function outputsOf(resource: ResourceSpec, named: (ref: TypeKeyRef) => NamedTypeSpec): ArgSpec[] {
  const out = layout(resource, named, (p) => !isWriteOnly(p));
  // The service's `name` and `type` are outputs too (the id is every resource's own `id`).
  const top = propertiesOf(named(resource.body), named);
  const extra: ArgSpec[] = [];
  for (const name of ["name", "type"]) {
    if (out.some((a) => a.name === name)) continue;
    extra.push({ name, kind: "body", path: [name], property: { type: top[name]?.type ?? "string", flags: FLAG.readOnly | FLAG.required } });
  }
  const names = out.filter((a) => a.kind === "name");
  return [...names, ...extra, ...out.filter((a) => a.kind !== "name")];
}

/** A string, number, boolean or enum: what a read-only property ARM fills in usually is. */
function isScalar(t: TypeRef): boolean {
  if (typeof t === "string") return t === "string" || t === "int" || t === "bool";
  if (t.type === "union") return t.of.every(isScalar);
  return t.type !== "array";
}

/**
 * Whether an output is typed as always there (`Output<T>`, not `Output<T | undefined>`): the name
 * args, what the definitions mark required, `location` (the provider fills in the stack's default,
 * and ARM returns it for every resource that has one), and read-only scalars (`provisioningState`,
 * `principalId`, `vaultUri`, `loginServer`: the service's own values, set by the time a create
 * ends; Pulumi types them the same way). Read-only objects and lists (`systemData`, a virtual
 * network's `subnets`) stay optional: ARM leaves them out when empty.
 */
export function alwaysReturned(a: ArgSpec): boolean {
  if (a.kind === "name" || isRequired(a.property)) return true;
  if (a.kind === "body" && a.name === "location") return true;
  return isReadOnly(a.property) && isScalar(a.property.type);
}

function layout(resource: ResourceSpec, named: (ref: TypeKeyRef) => NamedTypeSpec, keep: (p: PropertySpec) => boolean): ArgSpec[] {
  const out: ArgSpec[] = [];
  const taken = new Set<string>();
  for (const arg of resource.nameArgs) {
    const own = arg === resource.nameArg;
    out.push({ name: arg, kind: "name", path: [], property: { type: own ? resource.nameType : "string", flags: own ? 0 : FLAG.required } });
    taken.add(arg);
  }
  const top = propertiesOf(named(resource.body), named);
  for (const [name, p] of Object.entries(top)) {
    if (IDENTIFIERS.has(name) || !keep(p) || taken.has(name)) continue;
    out.push({ name, kind: "body", path: [name], property: p });
    taken.add(name);
  }
  const props = top.properties;
  if (props && keep(props) && typeof props.type === "string" && props.type.startsWith("@")) {
    const inner = propertiesOf(named(props.type as TypeKeyRef), named);
    for (const [name, p] of Object.entries(inner)) {
      if (!keep(p) || taken.has(name)) continue;
      out.push({ name, kind: "properties", path: ["properties", name], property: p });
      taken.add(name);
    }
  }
  return out;
}

/** The properties of a named type; of a discriminated one, its base and every element's (first wins, never required). */
export function propertiesOf(t: NamedTypeSpec, named: (ref: TypeKeyRef) => NamedTypeSpec): Record<string, PropertySpec> {
  if (t.kind === "object") return { ...t.properties };
  const out: Record<string, PropertySpec> = { ...t.base };
  // An element's property applies to that element only: none of them is required of every body.
  for (const ref of Object.values(t.elements)) {
    for (const [name, p] of Object.entries(propertiesOf(named(ref), named))) if (!(name in out)) out[name] = { ...p, flags: (p.flags ?? 0) & ~FLAG.required };
  }
  return out;
}

// --- functions --------------------------------------------------------------------------------

/**
 * How a function's args make its request body: the input object's properties are args of their
 * own beside the name args (the list returned), unless a name clashes or the input is not a plain
 * object with properties: then the whole body is the arg `parameters`. Undefined: no body.
 */
export function functionInputLayout(spec: ModuleSpec, fn: FunctionSpec): "parameters" | readonly string[] | undefined {
  if (fn.input === undefined) return undefined;
  const named = typeof fn.input === "string" && fn.input.startsWith("@") ? spec.types[fn.input.slice(1)] : undefined;
  if (!named || named.kind !== "object" || named.additionalProperties !== undefined || Object.keys(named.properties).length === 0) return "parameters";
  const names = Object.keys(named.properties).filter((n) => !isReadOnly(named.properties[n]!));
  if (names.some((n) => fn.nameArgs.includes(n) || n === "parameters")) return "parameters";
  return names;
}

/** The fixed name args of the resource type a function acts on (see ResourceSpec.fixedNames). */
export function functionFixedNames(spec: ModuleSpec, fn: FunctionSpec): Readonly<Record<string, string>> {
  return spec.resources[fn.armType]?.fixedNames ?? {};
}

// --- helpers ----------------------------------------------------------------------------------

function nearestHint(name: string, candidates: readonly string[]): string {
  const near = candidates
    .map((c) => ({ c, d: distance(name.toLowerCase(), c) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.c);
  return near.length > 0 ? `; did you mean ${near.map((n) => `"${n}"`).join(", ")}?` : ".";
}

/** Levenshtein distance (small strings only). */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

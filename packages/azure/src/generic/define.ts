/**
 * The class factory behind the generated modules (`@iac/azure/network`, ...): each
 * `generated/<module>.js` is a list of names, and this file makes, from `@iac/azure-spec`'s
 * metadata, the resource classes (CustomResource subclasses with the type token, the args as
 * given and every output property as an Output), the `get<Class>` lookups and the resource
 * functions. The typed surface is the generated `.d.ts` beside each `.js`.
 *
 * Nothing heavy loads at import: the module's metadata is parsed once, output lists are computed
 * when a class is first instantiated, and the ARM transport only when a lookup or function runs.
 */
import { CustomResource, InputError, output, secret, type CustomResourceOptions, type Output } from "@iac/sdk";
import { getMonitor, isSecretValue, type Monitor } from "@iac/sdk/runtime";
import type { PropertyValue, ProviderSet } from "@iac/sdk/provider";
import { azureSpec, functionFixedNames, functionInputLayout, type ArgSpec, type FunctionSpec, type ModuleSpec, type NamedTypeSpec, type ResourceSpec, type TypeRef } from "@iac/azure-spec";

/** The provider module the engine loads for every generated type (the package itself). */
const PROVIDER_MODULE = "@iac/azure";

/**
 * What the factory needs from the Azure provider set to run lookups and resource functions: the
 * generic ARM provider (packages/azure/src/generic, wt-azure) exposes it as `arm` on the
 * ProviderSet that `iacProviders.configure` returns.
 */
export interface ArmInvoker {
  /** The subscription the configuration targets (fills `{subscriptionId}`). */
  readonly subscriptionId: string;
  /** `GET <id>?api-version=`: the parsed body, or undefined when the resource does not exist (404). */
  get(request: { readonly id: string; readonly apiVersion: string; readonly signal?: AbortSignal }): Promise<unknown>;
  /**
   * `POST <id>/<action>?api-version=` with `body` (none when undefined): the parsed answer, after
   * any long-running operation has finished.
   */
  post(request: { readonly id: string; readonly action: string; readonly apiVersion: string; readonly body?: unknown; readonly signal?: AbortSignal }): Promise<unknown>;
}

/** A generated resource class. */
export type GeneratedResourceClass = new (name: string, args?: Record<string, unknown>, opts?: CustomResourceOptions) => CustomResource;

/** What a generated module file uses. */
export interface ModuleFactory {
  /** The class of a resource type of this module, by class name. */
  resource(className: string): GeneratedResourceClass;
  /** `get<Class>`: reads an existing resource (not managed) by its name args. */
  lookup(className: string): (args: Record<string, unknown>) => Output<Record<string, unknown> | undefined>;
  /** A resource function by its export name (`listStorageAccountKeys`). */
  fn(exportName: string): (args: Record<string, unknown>) => Output<unknown>;
}

/** The factory of one module; throws `UnknownAzureModule` when the metadata has no such module. */
export function defineModule(module: string): ModuleFactory {
  const spec = azureSpec.loadModule(module);
  const byClass = new Map(Object.values(spec.resources).map((r) => [r.class, r]));
  const byExport = new Map(Object.values(spec.functions).map((f) => [f.export, f]));
  const resourceOf = (className: string): ResourceSpec => {
    const r = byClass.get(className);
    if (!r) throw new InputError(`@iac/azure/${module} has no resource type ${className}: regenerate the module with npm run gen:azure.`, { code: "AzureSpecCorrupt" });
    return r;
  };
  return {
    resource: (className) => makeClass(resourceOf(className)),
    lookup: (className) => makeLookup(resourceOf(className)),
    fn: (exportName) => {
      const f = byExport.get(exportName);
      if (!f) throw new InputError(`@iac/azure/${module} has no function ${exportName}: regenerate the module with npm run gen:azure.`, { code: "AzureSpecCorrupt" });
      return makeFunction(spec, f);
    },
  };
}

/** A CustomResource subclass for one resource type; its outputs are {@link outputNames}. */
export function makeClass(resource: ResourceSpec): GeneratedResourceClass {
  let outputs: readonly string[] | undefined;
  const cls = class extends CustomResource {
    constructor(name: string, args: Record<string, unknown> = {}, opts?: CustomResourceOptions) {
      if (args === null || typeof args !== "object" || Array.isArray(args)) {
        throw new InputError(`The args of ${resource.class} "${name}" must be an object (${resource.token}, ARM type ${resource.armType}).`);
      }
      outputs ??= outputNames(resource);
      super(resource.token, name, args, opts, { module: PROVIDER_MODULE, outputs });
    }
  };
  Object.defineProperty(cls, "name", { value: resource.class });
  return cls;
}

/** The output properties of a generated class: every returned property, flattened as its args are, and the name args. */
export function outputNames(resource: ResourceSpec): string[] {
  return azureSpec
    .outputsOf(resource)
    .map((a) => a.name)
    .filter((n) => n !== "urn" && n !== "id");
}

// --- lookups and functions --------------------------------------------------------------------

function makeLookup(resource: ResourceSpec): (args: Record<string, unknown>) => Output<Record<string, unknown> | undefined> {
  return (args) =>
    output(args as Record<string, unknown>).apply(async (plain) => readResource(resource, plain as Record<string, unknown>, await armInvoker())) as Output<
      Record<string, unknown> | undefined
    >;
}

function makeFunction(spec: ModuleSpec, fn: FunctionSpec): (args: Record<string, unknown>) => Output<unknown> {
  const isSecret = functionIsSecret(spec, fn);
  return (args) => {
    const result = output(args as Record<string, unknown>).apply(async (plain) => callFunction(spec, fn, plain as Record<string, unknown>, await armInvoker()));
    return isSecret ? (secret(result) as Output<unknown>) : (result as Output<unknown>);
  };
}

/**
 * `get<Class>` once its args have resolved: GET by the id the name args make; the body laid out
 * as the class's outputs, or undefined when the resource does not exist.
 */
export async function readResource(resource: ResourceSpec, args: Record<string, unknown>, arm: ArmInvoker): Promise<Record<string, unknown> | undefined> {
  const values = { ...resource.fixedNames, ...args };
  requireNameArgs(`get${resource.class}`, resource.armType, resource.nameArgs, values);
  const unknown = Object.keys(args).filter((k) => !resource.nameArgs.includes(k));
  if (unknown.length > 0) {
    throw new InputError(`get${resource.class} does not take ${unknown.join(", ")}; it takes ${resource.nameArgs.join(", ")}.`, { code: "UnknownArgs" });
  }
  const body = await arm.get({ id: fillId(resource.idTemplate, values, arm.subscriptionId), apiVersion: resource.apiVersion });
  if (body === undefined) return undefined;
  return flattenBody(azureSpec.outputsOf(resource), body as Record<string, unknown>, values);
}

/** A resource function once its args have resolved: POST `<id>/<name>` with the body its args make. */
export async function callFunction(spec: ModuleSpec, fn: FunctionSpec, args: Record<string, unknown>, arm: ArmInvoker): Promise<unknown> {
  const values = { ...functionFixedNames(spec, fn), ...args };
  requireNameArgs(fn.export, fn.armType, fn.nameArgs, values);
  const body = functionBody(functionInputLayout(spec, fn), values, fn);
  return arm.post({ id: fillId(fn.idTemplate, values, arm.subscriptionId), action: fn.name, apiVersion: fn.apiVersion, ...(body === undefined ? {} : { body }) });
}

function requireNameArgs(what: string, armType: string, nameArgs: readonly string[], values: Record<string, unknown>): void {
  const missing = nameArgs.filter((a) => typeof values[a] !== "string" || values[a] === "");
  if (missing.length > 0) {
    throw new InputError(`${what} needs ${missing.join(", ")} (the name args of ${armType}: ${nameArgs.join(", ")}).`, { code: "MissingArgs" });
  }
}

function functionBody(layout: "parameters" | readonly string[] | undefined, values: Record<string, unknown>, fn: FunctionSpec): unknown {
  const known = new Set([...fn.nameArgs, ...(layout === undefined ? [] : ["parameters", ...(layout === "parameters" ? [] : layout)])]);
  const unknown = Object.keys(values).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new InputError(`${fn.export} does not take ${unknown.join(", ")}; it takes ${[...known].join(", ")}.`, { code: "UnknownArgs" });
  }
  if (layout === undefined) return undefined;
  // The body may always be given whole as `parameters`.
  if (layout === "parameters" || values.parameters !== undefined) return values.parameters;
  const body: Record<string, unknown> = {};
  for (const n of layout) if (values[n] !== undefined) body[n] = values[n];
  return Object.keys(body).length > 0 ? body : undefined;
}

/**
 * A function's result is secret when its output type holds a sensitive string anywhere, or when
 * its name says it returns credentials (`listKeys`, `listClusterUserCredential`,
 * `listConnectionStrings`, `listSecrets`...): the definitions do not mark every key as sensitive.
 */
export function functionIsSecret(spec: ModuleSpec, fn: FunctionSpec): boolean {
  if (/key|secret|credential|password|token|connectionstring|sas|kubeconfig/i.test(fn.name)) return true;
  return holdsSensitive(spec, fn.output, new Set());
}

function holdsSensitive(spec: ModuleSpec, t: TypeRef, seen: Set<string>): boolean {
  if (typeof t === "string") {
    if (!t.startsWith("@") || seen.has(t)) return false;
    seen.add(t);
    const named: NamedTypeSpec | undefined = spec.types[t.slice(1)];
    if (!named) return false;
    if (named.kind === "object") {
      if (named.sensitive) return true;
      if (named.additionalProperties !== undefined && holdsSensitive(spec, named.additionalProperties, seen)) return true;
      return Object.values(named.properties).some((p) => p.sensitive === true || holdsSensitive(spec, p.type, seen));
    }
    return Object.values(named.base).some((p) => p.sensitive === true || holdsSensitive(spec, p.type, seen)) || Object.values(named.elements).some((e) => holdsSensitive(spec, e, seen));
  }
  switch (t.type) {
    case "string":
      return t.sensitive === true;
    case "array":
      return holdsSensitive(spec, t.items, seen);
    case "union":
      return t.of.some((u) => holdsSensitive(spec, u, seen));
    case "int":
    case "literal":
    case "enum":
      return false;
  }
}

/** Fills an id template: `{subscriptionId}` from the configuration, every other placeholder from the args. */
export function fillId(template: string, values: Record<string, unknown>, subscriptionId: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === "subscriptionId") return encodeURIComponent(subscriptionId);
    const v = values[name];
    // `{scope}` is a resource id of its own: kept whole, without its trailing slash.
    if (name === "scope") return String(v).replace(/\/+$/, "");
    return encodeURIComponent(String(v));
  });
}

/** An ARM body laid out as a generated class's outputs (by each output's path), with the name args given. */
export function flattenBody(layout: readonly ArgSpec[], body: Record<string, unknown>, nameValues: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of layout) {
    if (a.kind === "name") {
      if (nameValues[a.name] !== undefined) out[a.name] = nameValues[a.name];
      continue;
    }
    let v: unknown = body;
    for (const p of a.path) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
    if (v !== undefined) out[a.name] = v;
  }
  if (typeof body.id === "string") out.id = body.id;
  return out;
}

// The provider set a deployment's functions use: configured once per deployment (a WeakMap keyed
// by the deployment's monitor, so nothing outlives it) from the stack's `azure:*` config.
const invokers = new WeakMap<Monitor, Promise<ArmInvoker>>();

async function armInvoker(): Promise<ArmInvoker> {
  const monitor = getMonitor();
  let p = invokers.get(monitor);
  if (!p) {
    p = configureInvoker(monitor);
    invokers.set(monitor, p);
  }
  return p;
}

async function configureInvoker(monitor: Monitor): Promise<ArmInvoker> {
  const config: Record<string, PropertyValue> = {};
  for (const [k, v] of Object.entries(monitor.config)) {
    if (k.startsWith("azure:")) config[k.slice("azure:".length)] = isSecretValue(v) ? v.value : v;
  }
  // Imported here, not at the top: the transport loads the Azure SDK, which a program that only
  // declares resources does not need in its own process.
  const { iacProviders } = await import("../provider-module.js");
  const silent = { debug() {}, info() {}, warn() {} };
  const set = (await iacProviders.configure(config, { projectDir: monitor.projectDir, stack: monitor.stack, log: silent })) as ProviderSet & { arm?: ArmInvoker };
  if (!set.arm) {
    throw new InputError(
      "Resource functions and get<Type> lookups of the generated Azure modules need the generic ARM provider's transport, which this build of @iac/azure does not have yet.",
      { code: "AzureFunctionsUnavailable" },
    );
  }
  return set.arm;
}

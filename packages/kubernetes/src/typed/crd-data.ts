/**
 * The data of a module generated from CRDs (`iac gen crd`, and the Flux kinds of
 * `@iac/kubernetes/flux/<group>/<version>`): one JSON file per group-version beside the module's
 * `.js`, in @iac/kubernetes-spec's schema language (packages/kubernetes-spec/FORMAT.md, "CRD modules").
 */
import { readFileSync } from "node:fs";
import { FORMAT_VERSION, type KindSpec, type ObjectSpec } from "@iac/kubernetes-spec";

/** One kind of a CRD module: its KindSpec plus the resource class's type token. */
export interface CrdKindSpec extends KindSpec {
  readonly token: string;
}

/** `<module>.json` of a generated CRD module. */
export interface CrdModuleData {
  readonly format: number;
  /** Where the CRDs came from (file or URL) and their sha256. */
  readonly source: { readonly from: string; readonly sha256: string };
  readonly group: string;
  readonly version: string;
  /** By kind name. */
  readonly kinds: Readonly<Record<string, CrdKindSpec>>;
  /** The root schema of each kind by its kind name (`KindSpec.type`); nested objects are inline. */
  readonly types: Readonly<Record<string, ObjectSpec>>;
}

/** Read and check one CRD module's data file. */
export function readCrdModule(file: URL | string): CrdModuleData {
  const data = JSON.parse(readFileSync(file, "utf8")) as CrdModuleData;
  if (data.format !== FORMAT_VERSION) {
    throw new Error(`${String(file)} has data format ${data.format}, this @iac/kubernetes reads ${FORMAT_VERSION}: generate the module again (iac gen crd).`);
  }
  return data;
}

/** Custom kinds registered by the generated modules a program imported, by type token. */
interface Registered {
  readonly kind: CrdKindSpec;
  readonly load: () => CrdModuleData;
}

// Keyed on globalThis through Symbol.for so that two copies of this package in one process (a
// program's node_modules and the CLI's) share it: the provider checks what the program's classes registered.
const REGISTRY_KEY = Symbol.for("iac.kubernetes.crdKinds");

function registry(): Map<string, Registered> {
  const g = globalThis as { [REGISTRY_KEY]?: Map<string, Registered> };
  return (g[REGISTRY_KEY] ??= new Map());
}

/** Make the kinds of a loaded CRD module known to the provider's schema check. */
export function registerCrdKinds(data: CrdModuleData, load: () => CrdModuleData): void {
  for (const kind of Object.values(data.kinds)) registry().set(kind.token, { kind, load });
}

/** A registered custom kind by its type token. */
export function findRegisteredKind(token: string): Registered | undefined {
  return registry().get(token);
}

/**
 * The types of `@iac/kubernetes-spec`'s data (FORMAT.md). One schema language for the built-in
 * kinds (compacted from the apiserver's OpenAPI v3) and for custom resources (compacted from a
 * CRD's structural `openAPIV3Schema` by `iac gen crd`), so that one validator and one declaration
 * writer serve both.
 */

/** The data format version; bumped on any change a reader must know about. */
export const FORMAT_VERSION = 1;

/** A scalar: `any` is any JSON value; `int-or-string` and `quantity` take a string or a number. */
export type Primitive = "string" | "integer" | "number" | "boolean" | "any" | "int-or-string" | "quantity";

/**
 * Where a schema is expected: a primitive, `@<type key>` (a named type of `types`), or an object
 * form below.
 */
export type TypeRef = Primitive | `@${string}` | ArrayRef | MapRef | EnumRef | ObjectRef | ScalarRef;

/** A list; `listType`/`listMapKeys` are the x-kubernetes-list-* markers (server-side apply merges by them). */
export interface ArrayRef {
  readonly array: TypeRef;
  readonly listType?: "atomic" | "set" | "map";
  readonly listMapKeys?: readonly string[];
}

/** A map with string keys (OpenAPI `additionalProperties`). */
export interface MapRef {
  readonly map: TypeRef;
  readonly mapType?: "atomic" | "granular";
}

/** One of fixed values (strings, or numbers in some CRDs). */
export interface EnumRef {
  readonly enum: readonly (string | number | boolean)[];
}

/** An object type written in place (CRD schemas, whose nested objects have no names). */
export interface ObjectRef {
  readonly object: ObjectSpec;
}

/** A primitive with constraints (CRD schemas): only what a reader checks or shows. */
export interface ScalarRef {
  readonly type: Primitive;
  readonly format?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** An object with known properties. */
export interface ObjectSpec {
  readonly properties: Readonly<Record<string, TypeRef>>;
  /** Properties that must be present. */
  readonly required?: readonly string[];
  /** x-kubernetes-preserve-unknown-fields: properties not listed are accepted as they are. */
  readonly preserveUnknown?: true;
  /** x-kubernetes-embedded-resource: a whole object (apiVersion, kind, metadata) is expected. */
  readonly embedded?: true;
  /** x-kubernetes-map-type (`atomic`: replaced as a whole by server-side apply). */
  readonly mapType?: "atomic" | "granular";
}

/** One kind: what a class and the provider need. */
export interface KindSpec {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The resource name in URLs (`deployments`). */
  readonly plural: string;
  readonly namespaced: boolean;
  /** The named type of the whole object (`@apps.v1.Deployment` without the `@`). */
  readonly type: string;
  /** Whether objects can be created and applied (false: create-only reviews, read-only lists). */
  readonly apply: boolean;
  /** Subresources served (`status`, `scale`, ...). */
  readonly subresources?: readonly string[];
}

/** `data/index.json`. */
export interface SpecIndex {
  readonly format: number;
  readonly source: {
    readonly kubernetes: string;
    readonly documents: readonly string[];
    readonly licence: string;
    readonly origin: string;
  };
  /** By `<group>/<version>/<Kind>` (group `core` for the legacy group). */
  readonly kinds: Readonly<Record<string, KindSpec>>;
}

/** `data/types.json`. */
export interface SpecTypes {
  readonly format: number;
  readonly types: Readonly<Record<string, ObjectSpec>>;
}

/** The group of a kind as modules name it: `core` for the legacy group "". */
export function groupName(group: string): string {
  return group === "" ? "core" : group;
}

/** `apps/v1/Deployment`, `core/v1/Pod`. */
export function kindKey(k: { readonly group: string; readonly version: string; readonly kind: string }): string {
  return `${groupName(k.group)}/${k.version}/${k.kind}`;
}

/** An object's apiVersion: `v1` for the legacy group, else `<group>/<version>`. */
export function apiVersionOf(k: { readonly group: string; readonly version: string }): string {
  return k.group === "" || k.group === "core" ? k.version : `${k.group}/${k.version}`;
}

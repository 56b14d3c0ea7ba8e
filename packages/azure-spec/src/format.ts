/**
 * The shape of `data/<module>.json` and `data/index.json`: the compacted metadata of every Azure
 * resource type and resource function (see FORMAT.md, which is the description other readers
 * follow; keep both in step).
 */

/** The format version in every data file; bumped on an incompatible change (see FORMAT.md). */
export const FORMAT_VERSION = 1;

/** Property flag bits, as in bicep-types. */
export const FLAG = {
  required: 1,
  readOnly: 2,
  writeOnly: 4,
  deployTimeConstant: 8,
  identifier: 16,
} as const;

/** Scope bits, as in bicep-types' readableScopes / writableScopes. */
export const SCOPE = {
  tenant: 1,
  managementGroup: 2,
  subscription: 4,
  resourceGroup: 8,
  extension: 16,
} as const;

/**
 * Where a resource lives, which decides its id template: one of the five single scopes, or
 * `"scope"` when the type may sit at several (its id starts with a `{scope}` the program gives).
 */
export type ScopeKind = "tenant" | "managementGroup" | "subscription" | "resourceGroup" | "extension" | "scope";

/** A plain primitive: no constraints. */
export type PrimitiveName = "string" | "int" | "bool" | "any" | "null";

/** A reference to an entry of the module's `types` map: `"@"` + its key (`"@AddressSpace"`). */
export type TypeKeyRef = `@${string}`;

export interface StringTypeSpec {
  readonly type: "string";
  readonly minLength?: number;
  readonly maxLength?: number;
  /** An ECMAScript-compatible regular expression source, as the definitions give it (not anchored by us). */
  readonly pattern?: string;
  /** A secret (x-ms-secret in the REST spec). */
  readonly sensitive?: true;
}

export interface IntTypeSpec {
  readonly type: "int";
  readonly min?: number;
  readonly max?: number;
}

/** A single fixed string (the `type` property of a body, a singleton child's name). */
export interface LiteralTypeSpec {
  readonly type: "literal";
  readonly value: string;
}

/**
 * A union of string literals. `open: true` when the union also admits any string (an "extensible
 * enum": the values are the known ones, others are allowed).
 */
export interface EnumTypeSpec {
  readonly type: "enum";
  readonly values: readonly string[];
  readonly open?: true;
}

export interface ArrayTypeSpec {
  readonly type: "array";
  readonly items: TypeRef;
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** Any other union (none in today's data; kept so a reader never meets an unknown shape). */
export interface UnionTypeSpec {
  readonly type: "union";
  readonly of: readonly TypeRef[];
}

/** A type as it appears inside a property, an array, a map or a function signature. */
export type TypeRef =
  | PrimitiveName
  | TypeKeyRef
  | StringTypeSpec
  | IntTypeSpec
  | LiteralTypeSpec
  | EnumTypeSpec
  | ArrayTypeSpec
  | UnionTypeSpec;

/** One property of an object type. `flags` is omitted when 0. */
export interface PropertySpec {
  readonly type: TypeRef;
  readonly flags?: number;
  /**
   * The whole value is a secret (a VM extension's `protectedSettings`, a password typed `any`):
   * set by the compaction's rules (gen/secret-rules.json) where the type cannot say it. A secret
   * string carries `sensitive` on its type instead.
   */
  readonly sensitive?: true;
}

/** A named object type (entry of `types`). */
export interface ObjectTypeSpec {
  readonly kind: "object";
  /** The name the definitions give it (keys may carry a `~2` suffix when two differ). */
  readonly name: string;
  readonly properties: { readonly [name: string]: PropertySpec };
  /** Present when the object is (also) a map: the type of its other values. */
  readonly additionalProperties?: TypeRef;
  /** The whole object is a secret. */
  readonly sensitive?: true;
}

/**
 * A polymorphic object: `base` properties plus those of the element chosen by the value of the
 * `discriminator` property (each element is an `@` reference to an object type).
 */
export interface DiscriminatedTypeSpec {
  readonly kind: "discriminated";
  readonly name: string;
  readonly discriminator: string;
  readonly base: { readonly [name: string]: PropertySpec };
  readonly elements: { readonly [value: string]: TypeKeyRef };
}

export type NamedTypeSpec = ObjectTypeSpec | DiscriminatedTypeSpec;

/** One resource type of a module (entry of `resources`, keyed by its ARM type). */
export interface ResourceSpec {
  /** `azure:<module>:<Class>`. */
  readonly token: string;
  /** The generated class name. */
  readonly class: string;
  /** `Microsoft.Network/virtualNetworks/subnets`, in the definitions' spelling. */
  readonly armType: string;
  readonly apiVersion: string;
  /**
   * Every api-version the definitions define this type at, sorted, when more than one (the body
   * schema is `apiVersion`'s). Absent: `apiVersion` only.
   */
  readonly apiVersions?: readonly string[];
  readonly readableScopes: number;
  /** 0 for a type that can only be read (no class is generated; a `get` lookup may be). */
  readonly writableScopes: number;
  /** The scope that decides the id template (from writableScopes, or readableScopes when not writable). */
  readonly scope: ScopeKind;
  /**
   * The id with `{arg}` placeholders:
   * `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}`.
   * `{subscriptionId}` comes from the provider's configuration; `{scope}` (scope `"scope"` or
   * `"extension"`) is a full resource id given by the program; `{managementGroupId}` likewise.
   */
  readonly idTemplate: string;
  /**
   * The placeholders of idTemplate a program gives, in order, ending with the resource's own name
   * arg (`["resourceGroupName", "virtualNetworkName", "subnetName"]`); `subscriptionId` is not in it.
   */
  readonly nameArgs: readonly string[];
  /** The own-name arg (`subnetName`), the last of nameArgs. */
  readonly nameArg: string;
  /** The type of the own name: a string with its pattern/lengths, a literal or an enum of fixed names. */
  readonly nameType: TypeRef;
  /** The PUT body / GET response: an `@` reference to an object (or discriminated) type. */
  readonly body: TypeKeyRef;
  /**
   * Name args whose value the definitions fix (a singleton's `default`, `current`...), the own
   * name's and its parents': `{ "fileServiceName": "default" }` for a file share. A program need not
   * give them; given, they must be equal. Absent when none.
   */
  readonly fixedNames?: { readonly [arg: string]: string };
  /** Keys into `functions` of the resource functions on this type, sorted. */
  readonly functions?: readonly string[];
}

/** One resource function (a POST action on a resource; entry of `functions`, keyed `<armType>#<name>`). */
export interface FunctionSpec {
  /** The action as in the URL: `listKeys`, `listClusterUserCredential`. */
  readonly name: string;
  /** The generated export name: `listStorageAccountKeys`. */
  readonly export: string;
  /** The resource type it acts on. */
  readonly armType: string;
  readonly apiVersion: string;
  /** The resource's id template (see ResourceSpec.idTemplate); the action's URL is `<id>/<name>`. */
  readonly idTemplate: string;
  readonly nameArgs: readonly string[];
  /** The request body type; absent when the action takes no body. */
  readonly input?: TypeRef;
  readonly output: TypeRef;
}

/** `data/<module>.json`. */
export interface ModuleSpec {
  readonly format: number;
  /** `network`. */
  readonly module: string;
  /** `Microsoft.Network`, in the definitions' spelling. */
  readonly namespace: string;
  /** The bicep-types files it was made from (`network/microsoft.network/2025-09-01`), sorted. */
  readonly sources: readonly string[];
  readonly resources: { readonly [armType: string]: ResourceSpec };
  readonly functions: { readonly [key: string]: FunctionSpec };
  readonly types: { readonly [key: string]: NamedTypeSpec };
}

/** `data/index.json`: which modules exist. */
export interface IndexSpec {
  readonly format: number;
  /** Where the data came from (folder and commit of bicep-types). */
  readonly source: string;
  readonly modules: {
    readonly [module: string]: {
      readonly namespace: string;
      /** Resource types with a class (writable). */
      readonly resources: number;
      /** Read-only resource types. */
      readonly readOnlyResources: number;
      readonly functions: number;
    };
  };
}

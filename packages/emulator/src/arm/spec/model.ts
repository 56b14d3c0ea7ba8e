/**
 * The emulator's own view of the Azure type definitions: what it needs to serve any resource type
 * generically (route, validate, shape responses, answer functions). It is read from the metadata
 * files of `packages/azure-spec/data/` by the emulator's own reader (spec/reader.ts): the local
 * cloud imports no package of ours and shares no validation code with the provider, so that the two
 * check each other instead of agreeing on a shared bug.
 *
 * Types of one module live in one table; a {@link TypeRef} is an index into that table.
 */

/** Index of a type in its module's {@link ModuleSpec.types}. */
export type TypeRef = number;

/** Property flags, as the definitions give them. */
export const Flags = {
  Required: 1,
  ReadOnly: 2,
  WriteOnly: 4,
  DeployTimeConstant: 8,
  Identifier: 16,
} as const;

export interface PropSpec {
  readonly type: TypeRef;
  readonly flags: number;
  /** The whole value is a secret (a VM extension's `protectedSettings`): never stored, never returned. */
  readonly sensitive?: boolean;
}

export type TypeSpec =
  | { readonly kind: "string"; readonly minLength?: number; readonly maxLength?: number; readonly pattern?: string; readonly sensitive?: boolean }
  | { readonly kind: "int"; readonly min?: number; readonly max?: number }
  | { readonly kind: "bool" }
  | { readonly kind: "any" }
  | { readonly kind: "null" }
  | { readonly kind: "literal"; readonly value: string | number | boolean }
  /** Enums are unions of literals; a union holding a plain `string` is an open enum. */
  | { readonly kind: "union"; readonly members: readonly TypeRef[] }
  | { readonly kind: "array"; readonly item: TypeRef; readonly minLength?: number; readonly maxLength?: number }
  | {
      readonly kind: "object";
      readonly name: string;
      readonly props: Readonly<Record<string, PropSpec>>;
      /** Map values (`tags`): any key is allowed, values of this type. */
      readonly additional?: TypeRef;
      readonly sensitive?: boolean;
    }
  | {
      readonly kind: "discriminated";
      readonly name: string;
      readonly discriminator: string;
      readonly base: Readonly<Record<string, PropSpec>>;
      /** Discriminator value -> object type. */
      readonly elements: Readonly<Record<string, TypeRef>>;
    };

/** A resource function (POST action) of a resource type. */
export interface FunctionSpec {
  /** `listKeys`, `listClusterUserCredential`, ... as the definitions spell it. */
  readonly name: string;
  readonly apiVersion: string;
  readonly input?: TypeRef;
  readonly output?: TypeRef;
}

/** Scope bits (readable/writable). */
export const Scopes = {
  Tenant: 1,
  ManagementGroup: 2,
  Subscription: 4,
  ResourceGroup: 8,
  Extension: 16,
} as const;

export interface ResourceSpec {
  /** `Microsoft.Network/virtualNetworks/subnets`, in the definitions' spelling. */
  readonly armType: string;
  /** The api-versions the data knows for this type (newest first). */
  readonly apiVersions: readonly string[];
  readonly readableScopes: number;
  readonly writableScopes: number;
  /** The body's object type (PUT body and GET response). */
  readonly body: TypeRef;
  /** The resource's own name: a string with its rules, or a literal/enum for singletons (`default`). */
  readonly nameType?: TypeRef;
  readonly functions: readonly FunctionSpec[];
  readonly module: ModuleSpec;
}

/** One module's types (the union of a namespace's folders). */
export interface ModuleSpec {
  readonly name: string;
  readonly types: readonly TypeSpec[];
}

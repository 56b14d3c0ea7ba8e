/**
 * Secrets the definitions do not mark. bicep-types flags a string `sensitive` only where the REST
 * spec says `x-ms-secret`, and flags few properties WriteOnly; many specs do neither: a Key Vault
 * secret's `value`, a container app secret's `value`, database passwords, storage keys, client
 * secrets, connection strings, a VM extension's `protectedSettings`, a Flux configuration's
 * `configurationProtectedSettings`. A program writes these as literals, and a secret must never
 * reach the state in plaintext, so the compaction marks them. The rules are data, reviewed:
 * secret-rules.json (how they were derived is written there; secret-report.ts lists what they mark).
 */
import { readFileSync } from "node:fs";
import type { TypeRef } from "../src/format.js";

interface SecretRules {
  readonly strings: { readonly suffix: string; readonly keySuffix: string; readonly tokenSuffix: string; readonly exact: readonly string[] };
  readonly valueHolders: { readonly typeName: string; readonly armType: string };
  readonly wholeValue: { readonly names: readonly string[] };
  readonly writeOnly: { readonly name: string };
  readonly besidePassword: { readonly names: readonly string[]; readonly password: string };
  readonly notSecret: { readonly names: readonly string[] };
}

export const SECRET_RULES: SecretRules = JSON.parse(readFileSync(new URL("./secret-rules.json", import.meta.url), "utf8"));

const R = SECRET_RULES;
const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
const SUFFIX = new RegExp(R.strings.suffix, "i");
const KEY = new RegExp(R.strings.keySuffix, "i");
const TOKEN = new RegExp(R.strings.tokenSuffix, "i");
const EXACT = lower(R.strings.exact);
const NOT_SECRET = lower(R.notSecret.names);
const HOLDER_TYPE = new RegExp(R.valueHolders.typeName, "i");
const HOLDER_ARM = new RegExp(R.valueHolders.armType, "i");
const WHOLE = lower(R.wholeValue.names);
const WRITE_ONLY = new RegExp(R.writeOnly.name, "i");
const BLOB = lower(R.besidePassword.names);
const PASSWORD = new RegExp(R.besidePassword.password, "i");
/** A reviewed exception: the name anywhere, or `Type.property`. */
const excepted = (typeName: string, property: string) => NOT_SECRET.has(property.toLowerCase()) || NOT_SECRET.has(`${typeName}.${property}`.toLowerCase());

const READ_ONLY = 2;
const WRITE_ONLY_FLAG = 4;

/** Which rule marks a property (for the report), or undefined. */
export type SecretRule = "name" | "value-holder" | "whole-value" | "write-only" | "beside-password";

/** Whether a writable string (or `any`) property of the object type `typeName` holds a secret by its name. */
export function isSecretByName(typeName: string, property: string): boolean {
  return !excepted(typeName, property) && secretRuleByName(typeName, property) !== undefined;
}

function secretRuleByName(typeName: string, property: string): "name" | "value-holder" | undefined {
  const p = property.toLowerCase();
  if (SUFFIX.test(property) || KEY.test(property) || TOKEN.test(property) || EXACT.has(p)) return "name";
  return p === "value" && (HOLDER_TYPE.test(typeName) || HOLDER_ARM.test(typeName)) ? "value-holder" : undefined;
}

const isStringType = (t: TypeRef) => t === "string" || (typeof t === "object" && t.type === "string");
/** Values that cannot hold a secret: flags, numbers, enums, fixed strings. */
const isScalarChoice = (t: TypeRef) => t === "bool" || t === "int" || t === "null" || (typeof t === "object" && (t.type === "int" || t.type === "enum" || t.type === "literal"));

/**
 * The rule that makes property `property` (flags `flags`, type `type`) of the object type
 * `typeName` a secret, or undefined. `writable` are the names of the object's writable properties. Read-only properties are never marked (the service returns
 * them; a secret it returns is marked by the definitions or is a function's result).
 */
export function secretRuleOf(typeName: string, property: string, flags: number, type: TypeRef, writable: readonly string[] = []): SecretRule | undefined {
  if ((flags & READ_ONLY) !== 0 || excepted(typeName, property)) return undefined;
  if (WHOLE.has(property.toLowerCase())) return "whole-value";
  if (isScalarChoice(type)) return undefined;
  if (isStringType(type) || type === "any") {
    const byName = secretRuleByName(typeName, property);
    if (byName) return byName;
  }
  if ((flags & WRITE_ONLY_FLAG) !== 0 && WRITE_ONLY.test(property)) return "write-only";
  if (BLOB.has(property.toLowerCase()) && writable.some((n) => PASSWORD.test(n))) return "beside-password";
  return undefined;
}

/** How a property is marked in the data: its string type `sensitive`, or (any other value) the property itself. */
export function markSecret(type: TypeRef): { type: TypeRef; onProperty: boolean } {
  if (type === "string") return { type: { type: "string", sensitive: true }, onProperty: false };
  if (typeof type === "object" && type.type === "string") return { type: type.sensitive ? type : { ...type, sensitive: true }, onProperty: false };
  return { type, onProperty: true };
}

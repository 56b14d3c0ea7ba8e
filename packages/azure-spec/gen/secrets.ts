/**
 * Secrets the definitions do not mark. bicep-types flags a string `sensitive` only where the REST
 * spec says `x-ms-secret`, and many specs do not: a Key Vault secret's `value`, a container app
 * secret's `value`, database passwords, storage keys, client secrets, connection strings. A
 * program writes these as literals, and a secret must never reach the state in plaintext, so the
 * compaction also marks as sensitive the writable string properties named as secrets are named.
 * The rule is by name and kept narrow: a false positive costs a value shown as `[secret]`; a
 * false negative costs a leaked password.
 */

/** `...password`, `...secret`, `...connectionString` (any prefix): `adminPassword`, `clientSecret`, `primaryConnectionString`. */
const SUFFIXES = /(password|secret|connectionstring)$/i;

/** Keys and tokens by the words before them (`Key` and `Token` alone are too common: `partitionKey`, `skipToken`). */
const KEYS = /(primary|secondary|access|shared|api|account|storage|sas|authorization|private|host|subscription|webhook|ingestion|activation|bitlocker|license|master|admin|endpoint)key$/i;
const TOKENS = /(access|refresh|sas|registration|migration|bearer|personalaccess)token$/i;

/** Types whose `value` is the secret itself (`SecretProperties` of Key Vault and DevTest Labs, `SecretObject`, `RegistryPassword`, ...). */
const SECRET_HOLDER = /secret|password/i;
/** ARM types whose body's `value` is a key (`Microsoft.Web/sites/functions/keys`). */
const KEY_RESOURCE = /\/keys$/i;

/** Whether a writable string property of the object type `typeName` holds a secret by its name. */
export function isSecretByName(typeName: string, property: string): boolean {
  if (SUFFIXES.test(property) || KEYS.test(property) || TOKENS.test(property)) return true;
  return property === "value" && (SECRET_HOLDER.test(typeName) || KEY_RESOURCE.test(typeName));
}

/**
 * Secrets on disk. In memory a secret is `wrapSecret(value)`: `{ [SECRET_SIG]: SECRET_SIG_VALUE, value }`.
 * On disk the same marker holds a ciphertext instead of the value:
 * `{ [SECRET_SIG]: SECRET_SIG_VALUE, ciphertext: "v1:..." }`, the ciphertext being the
 * encryption of `JSON.stringify(value)`. The walk is generic (any depth, any field), so a secret
 * cannot escape encryption by sitting somewhere the code did not expect.
 */
import { SECRET_SIG, SECRET_SIG_VALUE, isSecretValue, wrapSecret } from "@iac/sdk/runtime";
import type { PropertyValue } from "@iac/sdk/provider";
import { SecretsDecryptError, StateError } from "./errors.js";
import type { Crypter, Snapshot } from "./types.js";

/** Replace every wrapped secret in `value` by its encrypted form. Returns a new value. */
export function encryptSecrets<T>(value: T, crypter: Crypter): T {
  return walk(value, (v) => (isSecretValue(v) ? { [SECRET_SIG]: SECRET_SIG_VALUE, ciphertext: crypter.encrypt(JSON.stringify(v.value)) } : undefined)) as T;
}

/**
 * Replace every encrypted secret in `value` by `wrapSecret(plaintext)`. `where` names the file in
 * errors. A marker that still holds a plaintext `value` (hand-made import) is accepted as is.
 */
export function decryptSecrets<T>(value: T, crypter: Crypter, where: string): T {
  return walk(value, (v) => {
    if (!isMarked(v)) return undefined;
    const ciphertext = (v as { ciphertext?: unknown }).ciphertext;
    if (typeof ciphertext !== "string") return isSecretValue(v) && "value" in v ? wrapSecret(v.value) : undefined;
    let plaintext: string;
    try {
      plaintext = crypter.decrypt(ciphertext);
    } catch (error) {
      if (error instanceof StateError) {
        throw new SecretsDecryptError(`Cannot decrypt a secret in ${where}: ${error.message}`, { cause: error });
      }
      throw error;
    }
    try {
      return wrapSecret(JSON.parse(plaintext) as PropertyValue);
    } catch (cause) {
      throw new SecretsDecryptError(`A secret in ${where} decrypted to something that is not JSON: the file was damaged. Restore it from snapshot.json.bak or an export.`, { cause });
    }
  }) as T;
}

/**
 * The secrets of a stored state decrypted ({@link decryptSecrets}), without walking it when the
 * stored text cannot hold a secret: every secret on disk is an object keyed by the signature, so a
 * snapshot whose text has neither the signature nor a `\u` escape (which could spell it) has none.
 * The walk visits every value of every resource (12-13 ms for 10,000 in a fresh process); this
 * check reads the text once (~1.5 ms).
 * A replayed journal is always walked (its records are not kept as text).
 */
export function decryptStored(raw: { readonly state: Snapshot; readonly snapshot?: { readonly text: string }; readonly journalApplied: boolean }, crypter: Crypter, where: string): Snapshot {
  if (!raw.journalApplied && raw.snapshot !== undefined && !textMayHoldSecret(raw.snapshot.text)) return raw.state;
  return decryptSecrets(raw.state, crypter, where);
}

/** False only when `text` (JSON) certainly holds no secret marker. */
export function textMayHoldSecret(text: string): boolean {
  return text.includes(SECRET_SIG) || text.includes("\\u");
}

/** True when a value holds a plaintext secret anywhere (used to assert nothing plaintext is written). */
export function containsPlaintextSecret(value: unknown): boolean {
  let found = false;
  walk(value, (v) => {
    if (isSecretValue(v) && !("ciphertext" in v)) found = true;
    return undefined;
  });
  return found;
}

function isMarked(v: unknown): boolean {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE;
}

/**
 * A JSON value where `replace` may substitute any object or array node. Copy on write: a node
 * none of whose descendants is replaced is returned as is, so a record without secrets costs no
 * allocation (this runs for every journal record on the deployment's hot path).
 */
function walk(value: unknown, replace: (v: object) => unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const replaced = replace(value);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = walk(item, replace);
      if (next !== item && !copy) copy = value.slice(0, i);
      if (copy) copy.push(next);
    }
    return copy ?? value;
  }
  const source = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k in source) {
    const v = source[k];
    const next = v === undefined ? undefined : walk(v, replace);
    if (next !== v && !out) {
      out = {};
      for (const before in source) {
        if (before === k) break;
        if (source[before] !== undefined) out[before] = source[before];
      }
    }
    if (out && next !== undefined) out[k] = next;
  }
  return out ?? value;
}

/** Where a crypter's key comes from, when it says (a `StackCrypter` from `createCrypter`). */
export function secretsProviderOf(crypter: Crypter): Snapshot["secretsProvider"] | undefined {
  return (crypter as { secretsProvider?: Snapshot["secretsProvider"] }).secretsProvider;
}

/** `state` naming the crypter's key source, when the crypter says, so that the next reader finds the key. */
export function withProvider(state: Snapshot, crypter: Crypter): Snapshot {
  const provider = secretsProviderOf(crypter);
  return provider ? { ...state, secretsProvider: provider } : state;
}

/**
 * Stack configuration: `iac.<stack>.yaml` next to `iac.yaml`.
 *
 * ```yaml
 * config:
 *   app:region: westeurope
 *   app:dbPassword:
 *     secure: v1:...
 * encryptionSalt: v1:...   # passphrase stacks only
 * keyCheck: v1:...
 * ```
 *
 * Edits go through `yaml`'s Document API so that comments and key order written by hand survive
 * `iac config set`. Secrets are only ever written encrypted (`secure:`).
 */
import { join } from "node:path";
import type { Document } from "yaml";
import type { PropertyValue } from "@iac/sdk/provider";
import { wrapSecret, type SecretValue } from "@iac/sdk/runtime";
import { StateError, SecretsDecryptError } from "./state/errors.js";
import { withFsErrors } from "./state/fs-errors.js";
import { withFileMutex } from "./state/file-mutex.js";
import { readIfExists, writeFileAtomic } from "./state/fs-util.js";
import type { Crypter } from "./state/types.js";
import { cachedYaml } from "./yaml-file.js";

/** A value as the stack config file holds it: plain, or an encrypted secret. */
export type ConfigFileValue = PropertyValue | { readonly secure: string };

/** The parsed stack config file. */
export interface StackConfig {
  /** `ns:key` to value; secrets still encrypted. */
  readonly config: Readonly<Record<string, ConfigFileValue>>;
  /** scrypt salt of a passphrase stack, `v1:<base64>`. */
  readonly encryptionSalt?: string;
  /** A known value encrypted with the stack's key, to detect a wrong passphrase or key file. */
  readonly keyCheck?: string;
}

interface StackFile {
  readonly projectDir: string;
  readonly stack: string;
}

/** Path of a stack's config file. */
export function stackConfigPath(options: StackFile): string {
  return join(options.projectDir, `iac.${options.stack}.yaml`);
}

/** True for `{ secure: "..." }`, the on-file form of a secret. */
export function isSecureValue(value: unknown): value is { readonly secure: string } {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/**
 * Full config key: a key without a namespace gets the project's (`region` -> `app:region`), as
 * Pulumi does. Throws `ConfigInvalid` for an empty key or namespace.
 */
export function normalizeConfigKey(key: string, project: string): string {
  const colon = key.indexOf(":");
  const full = colon < 0 ? `${project}:${key}` : key;
  const [ns, name] = [full.slice(0, full.indexOf(":")), full.slice(full.indexOf(":") + 1)];
  if (ns === "" || name === "" || key.trim() !== key) {
    throw new StateError("ConfigInvalid", `The config key "${key}" is invalid: use "name" or "namespace:name" (e.g. "${project}:region"), without spaces around it.`);
  }
  return full;
}

/** `yaml`, loaded only when a config file is parsed or edited (yaml-file.ts). */
const loadYaml = () => import("yaml");

async function readConfigText(path: string): Promise<string> {
  return (await withFsErrors({ action: `read the stack config ${path}`, path }, () => readIfExists(path))) ?? "";
}

async function loadDocument(options: StackFile): Promise<Document> {
  const path = stackConfigPath(options);
  return parseConfigDocument(path, await readConfigText(path));
}

async function parseConfigDocument(path: string, text: string): Promise<Document> {
  const { isMap, isScalar, parseDocument } = await loadYaml();
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new StateError("ConfigInvalid", `The stack config file ${path} is not valid YAML: ${doc.errors[0].message}. Fix the file by hand (or restore it from version control).`, { cause: doc.errors[0] });
  }
  const root = doc.contents;
  if (root !== null && !isMap(root) && !(isScalar(root) && root.value === null)) {
    throw new StateError("ConfigInvalid", `The stack config file ${path} must hold a mapping ("config:", "encryptionSalt:", "keyCheck:"). Fix the file by hand.`);
  }
  const config = doc.get("config");
  if (config !== undefined && config !== null && !isMap(config)) {
    throw new StateError("ConfigInvalid", `In ${path}, "config" must be a mapping of "namespace:key" to values. Fix the file by hand.`);
  }
  return doc;
}

/**
 * Read, change and write the stack config file under its mutex (file-mutex.ts), so that two
 * processes editing it at once never lose each other's change. `change` returns false to leave the
 * file as it is.
 */
async function editDocument<T>(options: StackFile, change: (doc: Document) => { readonly write: boolean; readonly result: T }): Promise<T> {
  const path = stackConfigPath(options);
  return withFileMutex({ path, what: `edit the stack config ${path}` }, async () => {
    const doc = await loadDocument(options);
    const { write, result } = change(doc);
    if (write) {
      await withFsErrors({ action: `write the stack config ${path}`, path }, () => writeFileAtomic(path, doc.toString()));
    }
    return result;
  });
}

/** Read a stack's config file; a missing file is an empty config. */
export async function readStackConfig(options: StackFile): Promise<StackConfig> {
  const path = stackConfigPath(options);
  const text = await readConfigText(path);
  // A missing or empty file: nothing to parse.
  if (text.trim() === "") return { config: {} };
  return cachedYaml({ projectDir: options.projectDir, file: path, text, parse: async (t) => toStackConfig(await parseConfigDocument(path, t)) });
}

function toStackConfig(doc: Document): StackConfig {
  const js = (doc.toJS() ?? {}) as { config?: Record<string, ConfigFileValue> | null; encryptionSalt?: unknown; keyCheck?: unknown };
  return {
    config: js.config ?? {},
    ...(typeof js.encryptionSalt === "string" ? { encryptionSalt: js.encryptionSalt } : {}),
    ...(typeof js.keyCheck === "string" ? { keyCheck: js.keyCheck } : {}),
  };
}

/**
 * Record how a stack's secrets are encrypted, unless the file already says (used by
 * `createCrypter` on first use). Create-if-absent under the file's mutex: of two first runs at
 * once, the first records its salt and keyCheck and the second gets them back here, so that both
 * use one key. Returns what the file holds afterwards.
 */
export async function initStackEncryption(options: StackFile & { readonly encryptionSalt?: string; readonly keyCheck: string }): Promise<StackConfig> {
  return editDocument(options, (doc) => {
    const existing = toStackConfig(doc);
    if (existing.keyCheck !== undefined || existing.encryptionSalt !== undefined) return { write: false, result: existing };
    if (options.encryptionSalt !== undefined) doc.set("encryptionSalt", options.encryptionSalt);
    doc.set("keyCheck", options.keyCheck);
    return { write: true, result: toStackConfig(doc) };
  });
}

export interface ConfigKeyOptions extends StackFile {
  readonly project: string;
  /** `name` or `namespace:name`. */
  readonly key: string;
}

function decryptEntry(key: string, value: { readonly secure: string }, crypter: Crypter, stack: string): SecretValue {
  try {
    return wrapSecret(crypter.decrypt(value.secure));
  } catch (error) {
    if (error instanceof StateError) {
      throw new SecretsDecryptError(`Cannot decrypt the secret config value "${key}" of stack "${stack}": ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * One config value: plain values as written, secrets decrypted and wrapped (`wrapSecret`);
 * undefined when the key is not set.
 */
export async function getConfigValue(options: ConfigKeyOptions & { readonly crypter: Crypter }): Promise<PropertyValue | SecretValue | undefined> {
  const key = normalizeConfigKey(options.key, options.project);
  const { config } = await readStackConfig(options);
  if (!Object.hasOwn(config, key)) return undefined;
  const value = config[key];
  return isSecureValue(value) ? decryptEntry(key, value, options.crypter, options.stack) : value;
}

/**
 * Set a config value (a string, as `iac config set` takes it). With `secret`, the value is
 * encrypted with `crypter` and written as `{ secure: "v1:..." }`.
 */
export async function setConfigValue(options: ConfigKeyOptions & { readonly value: string; readonly secret: boolean; readonly crypter?: Crypter }): Promise<void> {
  const key = normalizeConfigKey(options.key, options.project);
  if (options.secret && options.crypter === undefined) {
    throw new StateError("ConfigInvalid", `Setting the secret "${key}" needs the stack's crypter (an internal error: please report).`);
  }
  const { isMap } = await loadYaml();
  await editDocument(options, (doc) => {
    const stored = options.secret ? doc.createNode({ secure: options.crypter!.encrypt(options.value) }) : options.value;
    if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
    doc.setIn(["config", key], stored);
    return { write: true, result: undefined };
  });
}

/** Remove a config value; returns whether it was set. */
export async function removeConfigValue(options: ConfigKeyOptions): Promise<boolean> {
  const key = normalizeConfigKey(options.key, options.project);
  return editDocument(options, (doc) => {
    if (!doc.hasIn(["config", key])) return { write: false, result: false };
    doc.deleteIn(["config", key]);
    return { write: true, result: true };
  });
}

/**
 * The whole stack config as a program sees it (`RunOptions.config`): `ns:key` to value, secrets
 * decrypted and wrapped with `wrapSecret`.
 */
export async function loadDecryptedConfig(options: StackFile & { readonly crypter: Crypter }): Promise<Record<string, PropertyValue>> {
  const { config } = await readStackConfig(options);
  const result: Record<string, PropertyValue> = {};
  for (const [key, value] of Object.entries(config)) {
    result[key] = isSecureValue(value) ? (decryptEntry(key, value, options.crypter, options.stack) as unknown as PropertyValue) : value;
  }
  return result;
}

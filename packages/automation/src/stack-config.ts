/**
 * A stack's config (`iac.<stack>.yaml`) as the automation API and the CLI read and write it: one
 * place for the rules. A secret is encrypted with the stack's key before it is written; a value is
 * given as the file holds it (a number or an object stays one) or as a string (Pulumi's shape); a
 * listing needs the stack's key only to show secrets, and masks them otherwise.
 */
import { getConfigValue, isSecureValue, readStackConfig, removeConfigValue, setConfigValue, type StackCrypter } from "@iac/engine";
import type { PropertyValue } from "@iac/sdk/provider";
import { isSecretValue } from "@iac/sdk/runtime";
import { AutomationOptionsError } from "./errors.js";

/** A config value as the automation API sets and gets it: a string, as `iac config set` takes it. */
export interface ConfigValue {
  readonly value: string;
  readonly secret?: boolean;
}

/** A config value as the stack config file holds it (a number or an object stays one), a secret decrypted. */
export interface RawConfigValue {
  readonly value: PropertyValue;
  readonly secret: boolean;
}

/** One key of a stack's config listing; a secret's value is {@link SECRET_MASK} unless decrypted. */
export interface ConfigEntry extends RawConfigValue {
  readonly key: string;
}

/** What a secret shows as where it is not decrypted. */
export const SECRET_MASK = "[secret]";

/** The stack whose config is read: its project, and its key (asked for only when a secret is written or read). */
export interface StackConfigTarget {
  readonly projectDir: string;
  readonly project: string;
  readonly stack: string;
  readonly crypter: () => Promise<StackCrypter>;
}

/** Sets a config value; a secret is encrypted before it is written. */
export async function setStackConfig(target: StackConfigTarget, key: string, value: ConfigValue): Promise<void> {
  if (typeof value?.value !== "string") throw new AutomationOptionsError(`The value of config key "${key}" must be a string ({ value: "..." }), as \`iac config set\` takes it.`);
  const secret = value.secret === true;
  await setConfigValue({ ...fileOf(target), key, value: value.value, secret, ...(secret ? { crypter: await target.crypter() } : {}) });
}

/** A config value as the file holds it, a secret decrypted; undefined when the key is not set. */
export async function getRawStackConfig(target: StackConfigTarget, key: string): Promise<RawConfigValue | undefined> {
  const value = await getConfigValue({ ...fileOf(target), key, crypter: await target.crypter() });
  if (value === undefined) return undefined;
  return isSecretValue(value) ? { value: value.value as PropertyValue, secret: true } : { value, secret: false };
}

/** A config value as a string (an object or number as JSON), a secret decrypted; undefined when not set. */
export async function getStackConfig(target: StackConfigTarget, key: string): Promise<ConfigValue | undefined> {
  const raw = await getRawStackConfig(target, key);
  return raw === undefined ? undefined : { value: stringOf(raw.value), secret: raw.secret };
}

/** Removes a config key; returns whether it was set. */
export function removeStackConfig(target: StackConfigTarget, key: string): Promise<boolean> {
  return removeConfigValue({ ...fileOf(target), key });
}

/**
 * Every key of the stack's config (`ns:key`), sorted, as the file holds the values; secrets
 * decrypted with `showSecrets`, else {@link SECRET_MASK} (and the stack's key is not needed).
 */
export async function listStackConfig(target: StackConfigTarget, options: { readonly showSecrets: boolean }): Promise<ConfigEntry[]> {
  const { config } = await readStackConfig(fileOf(target));
  const crypter = options.showSecrets && Object.values(config).some(isSecureValue) ? await target.crypter() : undefined;
  return Object.keys(config)
    .sort()
    .map((key) => {
      const value = config[key];
      if (!isSecureValue(value)) return { key, value, secret: false };
      return { key, value: crypter ? crypter.decrypt(value.secure) : SECRET_MASK, secret: true };
    });
}

/** Every config value, as strings, secrets decrypted. */
export async function getAllStackConfig(target: StackConfigTarget): Promise<Record<string, ConfigValue>> {
  const result: Record<string, ConfigValue> = {};
  for (const entry of await listStackConfig(target, { showSecrets: true })) result[entry.key] = { value: stringOf(entry.value), secret: entry.secret };
  return result;
}

function fileOf(target: StackConfigTarget): { readonly projectDir: string; readonly project: string; readonly stack: string } {
  return { projectDir: target.projectDir, project: target.project, stack: target.stack };
}

function stringOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Secrets encryption for state and stack config: AES-256-GCM with a random 12-byte IV per value,
 * written as `v1:<iv b64>:<tag b64>:<ciphertext b64>`.
 *
 * The key comes from one of two places, recorded per stack so it never silently changes:
 * - `passphrase`: `IAC_CONFIG_PASSPHRASE` through scrypt (N=2^15, r=8, p=1) with a random salt kept in
 *   `iac.<stack>.yaml` as `encryptionSalt`;
 * - `keyfile`: a random 32-byte key in `<config home>/keys/<project>/<stack>.key` (mode 0600), used when
 *   no passphrase is set when the stack's secrets are first needed.
 * Either way the stack config holds `keyCheck`, a known value encrypted with the key, so a wrong
 * passphrase or key file is reported as such instead of as a garbled secret (Pulumi does the same
 * with its encrypted "pulumi" state string, see reference/notes/pulumi-engine.md §1.9).
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import { mkdir, readFile, writeFile, chmod } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { readStackConfig, setStackEncryption } from "./config.js";
import { SecretsDecryptError, StateError } from "./state/errors.js";
import type { Crypter, Snapshot } from "./state/types.js";

const CIPHER = "aes-256-gcm";
const IV_BYTES = 12;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** scrypt cost: 2^15 * 128 * r = 32 MiB of memory, about 0.1 s; above node's 32 MiB default cap, hence maxmem. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
/** What `keyCheck` decrypts to with the right key. */
const KEY_CHECK_PLAINTEXT = "iac-key-check";

/** How a stack's secrets are encrypted, as the snapshot records it. */
export type SecretsProvider = Snapshot["secretsProvider"];

/** A {@link Crypter} that also says where its key comes from (for `Snapshot.secretsProvider`). */
export interface StackCrypter extends Crypter {
  readonly secretsProvider: SecretsProvider;
}

/**
 * A crypter over a raw 32-byte key. `describe` names the key in error messages
 * (e.g. "the passphrase", "the key file /home/me/.config/iac/keys/app/dev.key").
 */
export function crypterFromKey(key: Uint8Array, options: { readonly describe: string; readonly remedy: string }): Crypter {
  if (key.length !== KEY_BYTES) {
    throw new StateError("SecretsKeyMissing", `${options.describe} holds a key of ${key.length} bytes; a ${KEY_BYTES}-byte AES-256 key is required. ${options.remedy}`);
  }
  return {
    encrypt(plaintext: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv);
      const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return `v1:${iv.toString("base64")}:${cipher.getAuthTag().toString("base64")}:${ct.toString("base64")}`;
    },
    decrypt(ciphertext: string): string {
      const parts = typeof ciphertext === "string" ? ciphertext.split(":") : [];
      if (parts.length !== 4 || parts[0] !== "v1") {
        throw new SecretsDecryptError(`An encrypted value is malformed (expected "v1:<iv>:<tag>:<ciphertext>"): the file holding it was edited or damaged. Set the secret again (\`iac config set --secret\`) or restore the file.`);
      }
      try {
        const decipher = createDecipheriv(CIPHER, key, Buffer.from(parts[1], "base64"));
        decipher.setAuthTag(Buffer.from(parts[2], "base64"));
        return Buffer.concat([decipher.update(Buffer.from(parts[3], "base64")), decipher.final()]).toString("utf8");
      } catch (cause) {
        throw new SecretsDecryptError(`${options.describe} does not decrypt this stack's secrets. ${options.remedy}`, { cause });
      }
    },
  };
}

/** Derive the AES key from a passphrase (scrypt). */
export function deriveKey(passphrase: string, salt: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, KEY_BYTES, SCRYPT, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** The user's iac config directory: `$IAC_HOME`, else `$XDG_CONFIG_HOME/iac`, else `~/.config/iac`. */
export function configHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IAC_HOME) return env.IAC_HOME;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, "iac");
  return join(homedir(), ".config", "iac");
}

/** Where a stack's generated key lives. */
export function keyFilePath(options: { readonly project: string; readonly stack: string; readonly env?: NodeJS.ProcessEnv }): string {
  return join(configHome(options.env), "keys", options.project, `${options.stack}.key`);
}

export interface CreateCrypterOptions {
  readonly projectDir: string;
  readonly project: string;
  readonly stack: string;
  /** Where `IAC_CONFIG_PASSPHRASE`, `IAC_HOME` and `XDG_CONFIG_HOME` are read; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

const PASSPHRASE_REMEDY = "Set IAC_CONFIG_PASSPHRASE to the one used when the stack was created.";

/**
 * The crypter of a stack, creating its salt or key file (and the `keyCheck`) on first use.
 * Throws a {@link SecretsDecryptError} when the passphrase or key file is wrong, and a
 * `SecretsKeyMissing` {@link StateError} when the passphrase or key file the stack needs is absent.
 */
export async function createCrypter(options: CreateCrypterOptions): Promise<StackCrypter> {
  const env = options.env ?? process.env;
  const passphrase = env.IAC_CONFIG_PASSPHRASE;
  const stackConfig = await readStackConfig({ projectDir: options.projectDir, stack: options.stack });
  const where = `stack "${options.stack}"`;

  if (stackConfig.encryptionSalt !== undefined || (stackConfig.keyCheck === undefined && passphrase !== undefined)) {
    if (passphrase === undefined) {
      throw new StateError("SecretsKeyMissing", `The secrets of ${where} are encrypted with a passphrase, and IAC_CONFIG_PASSPHRASE is not set. ${PASSPHRASE_REMEDY}`);
    }
    const fresh = stackConfig.encryptionSalt === undefined;
    const salt = fresh ? randomBytes(SALT_BYTES) : parseSalt(stackConfig.encryptionSalt!, options.stack);
    const crypter = crypterFromKey(await deriveKey(passphrase, salt), {
      describe: "The passphrase in IAC_CONFIG_PASSPHRASE",
      remedy: PASSPHRASE_REMEDY,
    });
    if (fresh) {
      await setStackEncryption({ projectDir: options.projectDir, stack: options.stack, encryptionSalt: `v1:${salt.toString("base64")}`, keyCheck: crypter.encrypt(KEY_CHECK_PLAINTEXT) });
    } else {
      verifyKeyCheck(crypter, stackConfig.keyCheck, `the passphrase does not decrypt this stack's secrets: set IAC_CONFIG_PASSPHRASE to the one used when the stack was created (${where})`);
    }
    return { encrypt: crypter.encrypt, decrypt: crypter.decrypt, secretsProvider: { type: "passphrase" } };
  }

  const path = keyFilePath({ project: options.project, stack: options.stack, env });
  const remedy = `Restore the key file ${path} that was used when the stack was created (or point IAC_HOME at the directory holding keys/${options.project}/${options.stack}.key).`;
  let key = await readKeyFile(path);
  if (key === undefined) {
    if (stackConfig.keyCheck !== undefined) {
      throw new StateError("SecretsKeyMissing", `The secrets of ${where} are encrypted with the key in ${path}, which does not exist. ${remedy}`);
    }
    key = await createKeyFile(path);
  }
  const crypter = crypterFromKey(key, { describe: `The key file ${path}`, remedy });
  if (stackConfig.keyCheck === undefined) {
    await setStackEncryption({ projectDir: options.projectDir, stack: options.stack, keyCheck: crypter.encrypt(KEY_CHECK_PLAINTEXT) });
  } else {
    verifyKeyCheck(crypter, stackConfig.keyCheck, `the key file ${path} does not decrypt the secrets of ${where}. ${remedy}`);
  }
  return { encrypt: crypter.encrypt, decrypt: crypter.decrypt, secretsProvider: { type: "keyfile", keyFile: path } };
}

function verifyKeyCheck(crypter: Crypter, keyCheck: string | undefined, message: string): void {
  if (keyCheck === undefined) return;
  let plaintext: string | undefined;
  try {
    plaintext = crypter.decrypt(keyCheck);
  } catch (cause) {
    throw new SecretsDecryptError(capitalize(message), { cause });
  }
  if (plaintext !== KEY_CHECK_PLAINTEXT) throw new SecretsDecryptError(capitalize(message));
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function parseSalt(text: string, stack: string): Buffer {
  const m = /^v1:([A-Za-z0-9+/=]+)$/.exec(text);
  const salt = m ? Buffer.from(m[1], "base64") : Buffer.alloc(0);
  if (salt.length < 8) {
    throw new StateError("ConfigInvalid", `The encryptionSalt in iac.${stack}.yaml is malformed (expected "v1:<base64>"). Restore the file from version control; without the salt the stack's secrets cannot be decrypted.`);
  }
  return salt;
}

async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateError("SecretsKeyMissing", `Cannot read the key file ${path}: ${(error as Error).message}. Check its permissions.`, { cause: error });
  }
  return Buffer.from(text.trim(), "base64");
}

async function createKeyFile(path: string): Promise<Buffer> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // mkdir's mode only applies to directories it creates, and umask may have widened nothing but
  // narrowed it: set it explicitly on the directory that holds the key.
  await chmod(dirname(path), 0o700);
  const key = randomBytes(KEY_BYTES);
  try {
    await writeFile(path, `${key.toString("base64")}\n`, { flag: "wx", mode: 0o600 });
  } catch (error) {
    // Another process created it first: use theirs, so both agree on the key.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return (await readKeyFile(path))!;
    throw error;
  }
  return key;
}

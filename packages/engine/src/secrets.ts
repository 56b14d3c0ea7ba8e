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
import { chmod, link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { initStackEncryption, readStackConfig } from "./config.js";
import { SecretsDecryptError, StateError } from "./state/errors.js";
import { fsErrorOf } from "./state/fs-errors.js";
import { fsyncDir } from "./state/fs-util.js";
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
export function crypterFromKey(key: Uint8Array, options: { readonly describe: string; readonly remedy: string; readonly authFailure?: string }): Crypter {
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
        throw new SecretsDecryptError(options.authFailure ?? `${options.describe} does not decrypt this stack's secrets. ${options.remedy}`, { cause });
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
 *
 * Two first runs at once agree on one key: the key file is created only if absent (link(2) of a
 * complete temp file), the salt and keyCheck are written to the stack config only if absent
 * (under the file's mutex), and a run that finds them written by another uses those.
 */
export async function createCrypter(options: CreateCrypterOptions): Promise<StackCrypter> {
  // A lost race for the first write means starting over with what the winner wrote; a second loss
  // would mean the file changes under us for another reason.
  for (let attempt = 1; ; attempt++) {
    const crypter = await tryCreateCrypter(options);
    if (crypter !== "lost-race") return crypter;
    if (attempt >= 3) {
      throw new StateError("ConfigInvalid", `The encryption settings of stack "${options.stack}" in iac.${options.stack}.yaml keep changing while iac reads them. Make sure no other process rewrites that file, then run the command again.`);
    }
  }
}

async function tryCreateCrypter(options: CreateCrypterOptions): Promise<StackCrypter | "lost-race"> {
  const env = options.env ?? process.env;
  const passphrase = env.IAC_CONFIG_PASSPHRASE;
  const stackFile = { projectDir: options.projectDir, stack: options.stack };
  const stackConfig = await readStackConfig(stackFile);
  const where = `stack "${options.stack}"`;
  const configFile = `iac.${options.stack}.yaml`;

  if (stackConfig.encryptionSalt !== undefined || (stackConfig.keyCheck === undefined && passphrase !== undefined)) {
    if (passphrase === undefined) {
      throw new StateError("SecretsKeyMissing", `The secrets of ${where} are encrypted with a passphrase, and IAC_CONFIG_PASSPHRASE is not set. ${PASSPHRASE_REMEDY}`);
    }
    const fresh = stackConfig.encryptionSalt === undefined;
    const salt = fresh ? randomBytes(SALT_BYTES) : parseSalt(stackConfig.encryptionSalt!, options.stack);
    const key = await deriveKey(passphrase, salt);
    if (fresh) {
      const crypter = crypterFromKey(key, { describe: "The passphrase in IAC_CONFIG_PASSPHRASE", remedy: PASSPHRASE_REMEDY });
      const encryptionSalt = `v1:${salt.toString("base64")}`;
      const keyCheck = crypter.encrypt(KEY_CHECK_PLAINTEXT);
      const written = await initStackEncryption({ ...stackFile, encryptionSalt, keyCheck });
      if (written.encryptionSalt !== encryptionSalt || written.keyCheck !== keyCheck) return "lost-race";
    } else {
      verifyKeyCheck(key, stackConfig.keyCheck, {
        configFile,
        wrong: `Wrong passphrase: IAC_CONFIG_PASSPHRASE is not the one the secrets of ${where} were encrypted with (it does not match the keyCheck in ${configFile}). ${PASSPHRASE_REMEDY}`,
      });
    }
    return stackCrypter(key, { verifiedBy: "the passphrase in IAC_CONFIG_PASSPHRASE", configFile, where }, { type: "passphrase" });
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
  if (key.length !== KEY_BYTES) {
    throw new StateError("SecretsKeyMissing", `The key file ${path} is damaged: it holds ${key.length} bytes where a ${KEY_BYTES}-byte key (base64) belongs. ${remedy}`);
  }
  if (stackConfig.keyCheck === undefined) {
    const keyCheck = crypterFromKey(key, { describe: `The key file ${path}`, remedy }).encrypt(KEY_CHECK_PLAINTEXT);
    const written = await initStackEncryption({ ...stackFile, keyCheck });
    if (written.keyCheck !== keyCheck) return "lost-race";
  } else {
    verifyKeyCheck(key, stackConfig.keyCheck, {
      configFile,
      wrong: `Wrong key file: ${path} is not the key the secrets of ${where} were encrypted with (it does not match the keyCheck in ${configFile}). ${remedy}`,
    });
  }
  return stackCrypter(key, { verifiedBy: `the key file ${path}`, configFile, where }, { type: "keyfile", keyFile: path });
}

/**
 * The crypter of a stack whose key was verified against (or has just written) the keyCheck: a
 * secret that then fails to decrypt is damaged, or was encrypted with another key, and is never
 * reported as a wrong passphrase.
 */
function stackCrypter(key: Buffer, o: { readonly verifiedBy: string; readonly configFile: string; readonly where: string }, secretsProvider: SecretsProvider): StackCrypter {
  const crypter = crypterFromKey(key, {
    describe: `The key of ${o.where}`,
    remedy: "",
    authFailure: `This encrypted value does not decrypt, although ${o.verifiedBy} matches the keyCheck in ${o.configFile}: the value was damaged, or was encrypted with another key (was the encryptionSalt in ${o.configFile} replaced?). Restore the file holding it (a state file from snapshot.json.bak or an export, the stack config from version control), or set the secret again.`,
  });
  return { encrypt: crypter.encrypt, decrypt: crypter.decrypt, secretsProvider };
}

/**
 * Check `key` against the stack config's keyCheck. A keyCheck that does not parse, or that the key
 * nearly decrypts (GCM's tag fails but most bytes of the known plaintext come out right under the
 * same key stream), is damaged, and said so; only a keyCheck that yields noise is a wrong key.
 */
function verifyKeyCheck(key: Buffer, keyCheck: string | undefined, o: { readonly configFile: string; readonly wrong: string }): void {
  if (keyCheck === undefined) return;
  const damaged = (detail: string) =>
    new StateError(
      "ConfigInvalid",
      `The keyCheck in ${o.configFile} is damaged (${detail}). Restore ${o.configFile} from version control; or, if you are sure the passphrase or key file is the right one, delete the keyCheck line and it is written again on the next run.`,
    );
  const parts = keyCheck.split(":");
  const b64 = /^[A-Za-z0-9+/]*={0,2}$/;
  if (parts.length !== 4 || parts[0] !== "v1" || !parts.slice(1).every((p) => b64.test(p))) throw damaged(`expected "v1:<iv>:<tag>:<ciphertext>"`);
  const [iv, tag, ct] = parts.slice(1).map((p) => Buffer.from(p, "base64"));
  if (iv.length !== IV_BYTES || tag.length !== 16 || ct.length !== KEY_CHECK_PLAINTEXT.length) throw damaged("its parts have the wrong lengths");
  try {
    const decipher = createDecipheriv(CIPHER, key, iv);
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(ct), decipher.final()]).toString("utf8");
    if (plaintext === KEY_CHECK_PLAINTEXT) return;
    throw damaged("it decrypts to something else");
  } catch (error) {
    if (error instanceof StateError) throw error;
    // GCM is CTR mode from counter block IV || 2: decrypt without the tag to see what went wrong.
    const ctr = createDecipheriv("aes-256-ctr", key, Buffer.concat([iv, Buffer.from([0, 0, 0, 2])]));
    const raw = Buffer.concat([ctr.update(ct), ctr.final()]);
    const expected = Buffer.from(KEY_CHECK_PLAINTEXT, "utf8");
    let same = 0;
    for (let i = 0; i < expected.length; i++) if (raw[i] === expected[i]) same++;
    if (same >= expected.length - 4) throw damaged("its bytes were altered");
    throw new SecretsDecryptError(o.wrong, { cause: error });
  }
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
    throw new StateError("SecretsKeyMissing", `Cannot read the key file ${path}: ${(error as Error).message}. Check its permissions (it must be readable by the user running iac).`, { cause: error });
  }
  return Buffer.from(text.trim(), "base64");
}

/**
 * Create the key file if absent: the key is written in full to a private temp file (mode 0600,
 * fsynced) and hard-linked into place, so that of two processes creating it at once one wins and
 * the other reads the winner's complete key — never an empty or half-written file.
 */
async function createKeyFile(path: string): Promise<Buffer> {
  const dir = dirname(path);
  const key = randomBytes(KEY_BYTES);
  const temp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // mkdir's mode only applies to directories it creates, and umask may have widened nothing but
    // narrowed it: set it explicitly on the directory that holds the key.
    await chmod(dir, 0o700);
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(`${key.toString("base64")}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (error) {
      // Another process created it first: use theirs, so both agree on the key.
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return (await readKeyFile(path))!;
      throw error;
    }
    await fsyncDir(dir);
  } catch (error) {
    throw fsErrorOf(error, { action: `create the stack's key file ${path}`, path });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return key;
}

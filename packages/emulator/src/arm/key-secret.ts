/**
 * Storage account keys are never written to the local cloud's files: a key is derived when it is
 * listed, as HMAC-SHA512(secret, account id | key name | nonce), from a per-cloud secret kept in
 * `<dataDir>/key-secret` (mode 0600). `arm.json` holds only the nonce, so grepping `.iac/` for a key
 * finds nothing, while keys stay stable across restarts and change on regenerateKey (a new nonce).
 */
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Derives key values; one per local cloud. */
export interface KeyDeriver {
  /** An 88-character base64 value (64 bytes), like Azure's keys. */
  derive(accountId: string, keyName: string, nonce: string): string;
}

export function loadKeyDeriver(dataDir: string): KeyDeriver {
  const file = join(dataDir, "key-secret");
  let secret: Buffer;
  if (existsSync(file)) {
    secret = readFileSync(file);
  } else {
    mkdirSync(dataDir, { recursive: true });
    secret = randomBytes(32);
    writeFileSync(file, secret, { mode: 0o600 });
  }
  return {
    // Account ids are case-insensitive in ARM: the same account always gets the same key.
    derive: (accountId, keyName, nonce) => createHmac("sha512", secret).update(`${accountId.toLowerCase()}|${keyName}|${nonce}`).digest("base64"),
  };
}

/** A fresh nonce for a new or regenerated key. */
export function newKeyNonce(): string {
  return randomBytes(16).toString("hex");
}

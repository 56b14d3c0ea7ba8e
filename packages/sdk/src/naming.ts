/**
 * Autonaming for providers: a physical name from the logical name plus a random suffix, fixed at
 * create and kept in state, so create-before-delete replacement never collides (DESIGN.md).
 */
import { createHash, randomInt } from "node:crypto";
import { InputError } from "./errors.js";

/** Which characters the cloud allows in the name. */
export type NameCharset =
  /** Lowercase letters and digits only (e.g. Azure storage accounts). No separator. */
  | "lowercase-alnum"
  /** Letters, digits and hyphens (most resources). */
  | "alnum-hyphen";

export interface AutonameOptions {
  readonly charset: NameCharset;
  /** The longest name the cloud accepts; the logical-name part is shortened to fit, never the random part. */
  readonly maxLength?: number;
  /** Random characters to append (default 8). */
  readonly randomLength?: number;
  /** Between name and random part (default `-`, or none for `lowercase-alnum`). */
  readonly separator?: string;
  /** Makes the random part a function of this seed (for tests and reproducible plans). */
  readonly seed?: string;
}

const RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A physical name for `name`: the name made to fit the charset, a separator, and random
 * lowercase letters and digits.
 *
 * @example
 * autoname("realtime", { charset: "alnum-hyphen" });                   // "realtime-a1b2c3d4"
 * autoname("certs", { charset: "lowercase-alnum", maxLength: 24 });    // "certs" + 8 lowercase alnum
 */
export function autoname(name: string, options: AutonameOptions): string {
  const randomLength = options.randomLength ?? 8;
  const separator = options.separator ?? (options.charset === "lowercase-alnum" ? "" : "-");
  const prefix = options.charset === "lowercase-alnum" ? name.toLowerCase().replace(/[^a-z0-9]/g, "") : name.replace(/[^A-Za-z0-9-]/g, "-");
  const max = options.maxLength ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(randomLength) || randomLength < 0) {
    throw new InputError(`autoname: randomLength must be a whole number >= 0, got ${randomLength}.`);
  }
  if (max < randomLength + (prefix.length > 0 ? 1 : 0)) {
    throw new InputError(`autoname: maxLength ${max} leaves no room for "${name}" and ${randomLength} random characters. Raise maxLength or lower randomLength.`);
  }
  const room = max - randomLength - separator.length;
  // Cut the logical part, not the random part: uniqueness comes from the random part.
  let head = prefix.slice(0, Math.max(0, room));
  if (options.charset === "alnum-hyphen") head = head.replace(/-+$/, "");
  const random = randomChars(randomLength, options.seed === undefined ? undefined : `${options.seed}\u0000${name}`);
  return head.length > 0 ? `${head}${separator}${random}` : random;
}

function randomChars(length: number, seed: string | undefined): string {
  let out = "";
  if (seed === undefined) {
    for (let i = 0; i < length; i++) out += RANDOM_ALPHABET[randomInt(RANDOM_ALPHABET.length)];
    return out;
  }
  for (let block = 0; out.length < length; block++) {
    const bytes = createHash("sha256").update(`${seed}\u0000${block}`).digest();
    // 252 = 7 * 36: rejecting bytes above it keeps every character equally likely.
    for (const b of bytes) if (b < 252 && out.length < length) out += RANDOM_ALPHABET[b % RANDOM_ALPHABET.length];
  }
  return out;
}

/**
 * Validation and generation of random strings, following Terraform's random provider
 * (`random_string`/`random_password`): the minimums are drawn first from their sets, the rest from
 * all enabled sets, then the whole is shuffled. Every draw uses `crypto.randomInt`.
 */
import { randomInt } from "node:crypto";
import { UNKNOWN, type CheckFailure } from "../provider.js";

/** The inputs of RandomString and RandomPassword as the provider sees them (after `check`, defaults applied). */
export type RandomInputs = {
  /** Number of characters, >= 1. */
  length: number;
  /** Include special characters (default true). */
  special?: boolean;
  /** Include uppercase letters (default true). */
  upper?: boolean;
  /** Include lowercase letters (default true). */
  lower?: boolean;
  /** Include digits (default true). */
  numeric?: boolean;
  minUpper?: number;
  minLower?: number;
  minNumeric?: number;
  minSpecial?: number;
  /** The special characters to use instead of the default set. */
  overrideSpecial?: string;
  /** Arbitrary values whose change generates a new result. */
  keepers?: { [key: string]: string };
};

/** Terraform's default special set. */
export const DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

const SETS = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  numeric: "0123456789",
} as const;

type SetName = "lower" | "upper" | "numeric" | "special";
const MIN_OF: Readonly<Record<SetName, "minLower" | "minUpper" | "minNumeric" | "minSpecial">> = {
  lower: "minLower",
  upper: "minUpper",
  numeric: "minNumeric",
  special: "minSpecial",
};

/** The inputs with defaults filled in. */
export function withDefaults(news: RandomInputs): RandomInputs {
  return {
    ...news,
    special: news.special ?? true,
    upper: news.upper ?? true,
    lower: news.lower ?? true,
    numeric: news.numeric ?? true,
    minUpper: news.minUpper ?? 0,
    minLower: news.minLower ?? 0,
    minNumeric: news.minNumeric ?? 0,
    minSpecial: news.minSpecial ?? 0,
  };
}

const isKnown = (v: unknown): boolean => v !== UNKNOWN;

/** The rule violations of (defaulted) inputs; unknown values are not judged. */
export function validate(i: RandomInputs): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const count = (prop: string, v: unknown, min: number): boolean => {
    if (!isKnown(v) || v === undefined) return false;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      failures.push({ property: prop, reason: `${prop} must be a whole number >= ${min}, got ${JSON.stringify(v)}.` });
      return false;
    }
    return true;
  };
  const lengthOk = count("length", i.length, 1);
  if (i.length === undefined) failures.push({ property: "length", reason: "length is required: the number of characters to generate (>= 1)." });
  let sum = 0;
  let sumKnown = true;
  for (const set of ["lower", "upper", "numeric", "special"] as const) {
    const minProp = MIN_OF[set];
    const min = i[minProp];
    const ok = count(minProp, min, 0);
    if (!ok) {
      if (!isKnown(min)) sumKnown = false;
      continue;
    }
    sum += min as number;
    if ((min as number) > 0 && i[set] === false) {
      failures.push({ property: minProp, reason: `${minProp} is ${min} but ${set} is false. Set ${set}: true, or ${minProp}: 0.` });
    }
  }
  if (lengthOk && sumKnown && sum > i.length) {
    failures.push({
      property: "length",
      reason: `length is ${i.length} but the minimums (minUpper + minLower + minNumeric + minSpecial) add up to ${sum}. Raise length to at least ${sum}, or lower the minimums.`,
    });
  }
  const sets = enabledSets(i);
  if (sets !== undefined && sets.every(([, chars]) => chars.length === 0)) {
    failures.push({ property: "special", reason: "No characters to draw from: enable at least one of upper, lower, numeric or special (with a non-empty overrideSpecial)." });
  }
  for (const key of ["special", "upper", "lower", "numeric"] as const) {
    const v = i[key];
    if (isKnown(v) && typeof v !== "boolean") failures.push({ property: key, reason: `${key} must be true or false, got ${JSON.stringify(v)}.` });
  }
  if (i.overrideSpecial !== undefined && isKnown(i.overrideSpecial) && typeof i.overrideSpecial !== "string") {
    failures.push({ property: "overrideSpecial", reason: "overrideSpecial must be a string of characters." });
  }
  return failures;
}

/** The enabled sets with their characters; undefined while a flag is unknown. */
function enabledSets(i: RandomInputs): [SetName, string][] | undefined {
  if (![i.lower, i.upper, i.numeric, i.special, i.overrideSpecial].every(isKnown)) return undefined;
  const out: [SetName, string][] = [];
  if (i.lower !== false) out.push(["lower", SETS.lower]);
  if (i.upper !== false) out.push(["upper", SETS.upper]);
  if (i.numeric !== false) out.push(["numeric", SETS.numeric]);
  if (i.special !== false) out.push(["special", typeof i.overrideSpecial === "string" ? i.overrideSpecial : DEFAULT_SPECIAL]);
  return out;
}

function pick(chars: string): string {
  return chars[randomInt(chars.length)];
}

/** Generates a result for validated, fully known inputs. */
export function generate(i: RandomInputs): string {
  const sets = enabledSets(i) ?? [];
  const chars: string[] = [];
  for (const [set, alphabet] of sets) {
    const min = i[MIN_OF[set]] ?? 0;
    for (let n = 0; n < min; n++) chars.push(pick(alphabet));
  }
  const all = sets.map(([, a]) => a).join("");
  while (chars.length < i.length) chars.push(pick(all));
  // Fisher-Yates, so the minimums are not all at the front.
  for (let k = chars.length - 1; k > 0; k--) {
    const j = randomInt(k + 1);
    [chars[k], chars[j]] = [chars[j], chars[k]];
  }
  return chars.join("");
}

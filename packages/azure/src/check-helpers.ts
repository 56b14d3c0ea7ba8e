/**
 * Small helpers shared by the per-type `check` rules: a failure list, and value tests that skip
 * what is not known yet (during preview an input may be, or contain, UNKNOWN; a rule that needs
 * that value is skipped rather than guessed).
 */
import { UNKNOWN, type CheckFailure, type PropertyValue } from "@iac/sdk/provider";

/** Collects check failures. */
export class Failures {
  readonly list: CheckFailure[] = [];
  add(property: string, reason: string): void {
    this.list.push({ property, reason });
  }
}

/** True when `v` is the UNKNOWN marker itself. */
export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** A value present and known (may still contain UNKNOWN deeper down). */
export function isKnown<T>(v: T | undefined | null): v is T {
  return v !== undefined && v !== null && v !== UNKNOWN;
}

/** Check that a known value is one of `allowed`; unknown and absent values pass. */
export function checkOneOf(failures: Failures, options: { property: string; value: unknown; allowed: readonly string[] }): void {
  const { property, value, allowed } = options;
  if (!isKnown(value)) return;
  if (typeof value !== "string" || !allowed.includes(value)) {
    failures.add(property, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")} (got ${JSON.stringify(value)})`);
  }
}

/** Check a known value is a string; returns it, or undefined when absent, unknown or wrong. */
export function knownString(failures: Failures, property: string, value: unknown): string | undefined {
  if (!isKnown(value)) return undefined;
  if (typeof value !== "string") {
    failures.add(property, `must be a string (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return value;
}

/** Check a known value is a number; returns it, or undefined when absent, unknown or wrong. */
export function knownNumber(failures: Failures, property: string, value: unknown): number | undefined {
  if (!isKnown(value)) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    failures.add(property, `must be a number (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return value;
}

/** Check a known value is a boolean. */
export function checkBoolean(failures: Failures, property: string, value: unknown): void {
  if (isKnown(value) && typeof value !== "boolean") failures.add(property, `must be true or false (got ${JSON.stringify(value)})`);
}

/** Check a known value is an array; returns it (elements may still be UNKNOWN). */
export function knownArray(failures: Failures, property: string, value: unknown): PropertyValue[] | undefined {
  if (!isKnown(value)) return undefined;
  if (!Array.isArray(value)) {
    failures.add(property, `must be a list (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return value;
}

/** Check a known value is a plain object; returns it. */
export function knownObject(failures: Failures, property: string, value: unknown): Record<string, PropertyValue> | undefined {
  if (!isKnown(value)) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    failures.add(property, `must be an object (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return value as Record<string, PropertyValue>;
}

/**
 * ARM tag limits (Azure docs, "Use tags to organize your Azure resources"): at most 50 tags, names
 * up to 512 characters without `<>%&\?/`, values up to 256 characters, values are strings.
 */
export function checkTags(failures: Failures, property: string, value: unknown): void {
  const tags = knownObject(failures, property, value);
  if (!tags) return;
  const keys = Object.keys(tags);
  if (keys.length > 50) failures.add(property, `may hold at most 50 tags (it has ${keys.length})`);
  for (const key of keys) {
    const v = tags[key];
    if (key.length === 0 || key.length > 512) failures.add(`${property}.${key}`, "tag names must be 1 to 512 characters long");
    if (/[<>%&\\?/]/.test(key)) failures.add(`${property}.${key}`, "tag names must not contain < > % & \\ ? /");
    if (isUnknown(v)) continue;
    if (typeof v !== "string") failures.add(`${property}.${key}`, `tag values must be strings (got ${JSON.stringify(v)})`);
    else if (v.length > 256) failures.add(`${property}.${key}`, "tag values must be at most 256 characters long");
  }
}

/** Locations compare equal ignoring case and spaces: "West Europe" is "westeurope" (terraform's location.Normalize). */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/**
 * Name rules of the four resource types and the autonames that satisfy them.
 *
 * Rules follow reference/notes/azure-arm.md (resource group §1.1, storage account §1.2, share
 * §1.3, container group §1.4), which cites the Azure resource-name-rules page and terraform's
 * validators. Each rule returns the reason a name is rejected, or undefined when it is fine.
 */
import { randomBytes } from "node:crypto";

/** A source of random lowercase alphanumerics; injected so tests can pin it. */
export type RandomSuffix = (length: number) => string;

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Cryptographically random lowercase letters and digits. */
export const randomSuffix: RandomSuffix = (length) => {
  const bytes = randomBytes(length);
  let out = "";
  // 252 = 7 * 36: bytes at or above it are rerolled so every character is equally likely.
  for (let i = 0; out.length < length; i++) {
    const b = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
};

/** Resource group: 1-90 letters, digits, `-`, `_`, `.`, `(`, `)`; not ending in a period. */
export function resourceGroupNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > 90) return `must be 1 to 90 characters long (it has ${name.length})`;
  if (!/^[-\p{L}\p{N}_.()]+$/u.test(name)) return "may contain only letters, digits, '-', '_', '.', '(' and ')'";
  if (name.endsWith(".")) return "must not end with a period";
  return undefined;
}

/** Storage account: 3-24 lowercase letters and digits, globally unique. */
export function storageAccountNameProblem(name: string): string | undefined {
  if (!/^[a-z0-9]{3,24}$/.test(name)) {
    return "must be 3 to 24 characters long and use lowercase letters and digits only (no dashes or capitals)";
  }
  return undefined;
}

/** A DNS-label-like name: lowercase letters, digits and single hyphens, not at either end. */
function dnsLikeProblem(name: string, min: number, max: number): string | undefined {
  if (name.length < min || name.length > max) return `must be ${min} to ${max} characters long (it has ${name.length})`;
  if (!/^[a-z0-9-]+$/.test(name)) return "may contain only lowercase letters, digits and hyphens";
  if (name.startsWith("-") || name.endsWith("-")) return "must start and end with a letter or digit";
  if (name.includes("--")) return "must not contain consecutive hyphens";
  return undefined;
}

/** File share: 3-63 lowercase letters, digits and single hyphens, not at either end. */
export function shareNameProblem(name: string): string | undefined {
  return dnsLikeProblem(name, 3, 63);
}

/** Container group: 1-63 lowercase letters, digits and single hyphens, not at either end. */
export function containerGroupNameProblem(name: string): string | undefined {
  return dnsLikeProblem(name, 1, 63);
}

/** Container inside a group: at most 63, regex `[a-z0-9]([-a-z0-9]*[a-z0-9])?` (the service's own message). */
export function containerNameProblem(name: string): string | undefined {
  if (name.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    return "must be at most 63 characters and match [a-z0-9]([-a-z0-9]*[a-z0-9])? (e.g. 'my-name')";
  }
  return undefined;
}

/**
 * DNS name label of a container group's public IP: becomes `<label>.<region>.azurecontainer.io`, so
 * it follows DNS label rules; must be unique within the region (only the cloud can check that).
 */
export function dnsNameLabelProblem(label: string): string | undefined {
  if (label.length < 1 || label.length > 63) return `must be 1 to 63 characters long (it has ${label.length})`;
  if (!/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(label)) {
    return "may contain only lowercase letters, digits and hyphens, must start with a letter and end with a letter or digit";
  }
  return undefined;
}

/** Lowercase, every run of characters outside [a-z0-9] turned into one hyphen, trimmed of hyphens. */
function dashed(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/** Autoname options: the logical name and the random source. */
export interface AutonameOptions {
  readonly name: string;
  readonly random: RandomSuffix;
}

/** `<name>-<random8>` with the name cut to fit 90 characters; characters the rule rejects become `-`. */
export function autonameResourceGroup({ name, random }: AutonameOptions): string {
  const base = name.replace(/[^-\p{L}\p{N}_.()]+/gu, "-").slice(0, 90 - 9);
  return `${base}-${random(8)}`;
}

/** `<name without anything but [a-z0-9], lowercased, cut to 16>` + 8 random: 3 to 24 characters. */
export function autonameStorageAccount({ name, random }: AutonameOptions): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 16) + random(8);
}

/** `<dashed name, cut>-<random8>` within `max`; just the random part when the name has nothing usable. */
function autonameDashed({ name, random }: AutonameOptions, max: number): string {
  const base = dashed(name).slice(0, max - 9).replace(/-+$/, "");
  return base === "" ? random(8) : `${base}-${random(8)}`;
}

/** File share: lowercase, hyphens, at most 63. */
export function autonameShare(options: AutonameOptions): string {
  return autonameDashed(options, 63);
}

/** Container group: lowercase, hyphens, at most 63. */
export function autonameContainerGroup(options: AutonameOptions): string {
  return autonameDashed(options, 63);
}

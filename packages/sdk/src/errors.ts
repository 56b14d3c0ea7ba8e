/**
 * Errors the SDK raises. One base class with a stable `code`, so the CLI can tell a user's
 * mistake (shown without a stack trace) from a bug.
 */
import { tryGetMonitor } from "./runtime.js";

/** Base of every error the SDK raises; `code` is stable and safe to match on. */
export class IacError extends Error {
  /** Stable identifier of the failure, e.g. `InvalidInput`. */
  readonly code: string;
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "IacError";
    this.code = options?.code ?? "IacError";
  }
}

/** A value a program passed is not usable (a bad option, an unserialisable input, a bad config value). */
export class InputError extends IacError {
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { code: options?.code ?? "InvalidInput", cause: options?.cause });
    this.name = "InputError";
  }
}

/** A resource could not be declared or registered (duplicate name, inputs that failed to resolve). */
export class ResourceError extends IacError {
  /** URN of the resource concerned. */
  readonly urn: string;
  constructor(message: string, options: { urn: string; code?: string; cause?: unknown }) {
    super(message, { code: options.code ?? "ResourceError", cause: options.cause });
    this.name = "ResourceError";
    this.urn = options.urn;
  }
}

/** A required configuration value is missing or malformed. */
export class ConfigError extends IacError {
  /** The full key, `namespace:key`. */
  readonly key: string;
  constructor(message: string, options: { key: string; code?: string; cause?: unknown }) {
    super(message, { code: options.code ?? "ConfigError", cause: options.cause });
    this.name = "ConfigError";
    this.key = options.key;
  }
}

/** A callback given to `Output.apply` threw or rejected. */
export class ApplyError extends IacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: "ApplyError", cause: options?.cause });
    this.name = "ApplyError";
  }
}

// Shared with other copies of the SDK, so an error is reported once even when it crosses copies.
const REPORTED = Symbol.for("iac.sdk.error.reported");

/** True when {@link reportOnce} has already handed this error to the monitor. */
export function wasReported(error: unknown): boolean {
  return error !== null && typeof error === "object" && (error as Record<symbol, unknown>)[REPORTED] === true;
}

/**
 * Hands `error` to the running deployment's monitor unless that was done already, and returns it.
 * Outputs swallow their own rejections (a program cannot catch them, and an unhandled rejection
 * would kill the process), so the place where a failure starts reports it here.
 */
export function reportOnce<E>(error: E): E {
  if (error === null || typeof error !== "object" || wasReported(error)) return error;
  const monitor = tryGetMonitor();
  if (!monitor) return error;
  Object.defineProperty(error, REPORTED, { value: true, enumerable: false });
  monitor.reportError(error);
  return error;
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

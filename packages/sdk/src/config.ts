/**
 * Stack configuration (`iac.<stack>.yaml`), read through the monitor, keys `namespace:key`.
 */
import type { PropertyValue } from "./provider.js";
import { getMonitor, isSecretValue } from "./runtime.js";
import { ConfigError } from "./errors.js";
import { Output } from "./output.js";

/**
 * Reads configuration values of one namespace (default: the project's name).
 *
 * @example
 * const azure = new Config("azure");
 * const location = azure.require("location");
 * const config = new Config();
 * const replicas = config.getNumber("replicas") ?? 1;
 * const token = config.requireSecret("gitToken"); // Output<string>, secret
 */
export class Config {
  /** The namespace: the part before `:` in the keys this object reads. */
  readonly name: string;
  readonly #values: Readonly<Record<string, PropertyValue>>;

  constructor(namespace?: string) {
    const monitor = getMonitor();
    this.name = namespace ?? monitor.project;
    this.#values = monitor.config;
  }

  /** The full key, `namespace:key` (a key that already holds a `:` is taken as full). */
  fullKey(key: string): string {
    return key.includes(":") ? key : `${this.name}:${key}`;
  }

  #raw(key: string): { value: PropertyValue; secret: boolean } | undefined {
    const v = this.#values[this.fullKey(key)];
    if (v === undefined) return undefined;
    return isSecretValue(v) ? { value: v.value, secret: true } : { value: v, secret: false };
  }

  #missing(key: string, opts: { secret: boolean; example: string }): ConfigError {
    const full = this.fullKey(key);
    return new ConfigError(
      `Missing required configuration value "${full}". Set it with: iac config set ${full} ${opts.example}${opts.secret ? " --secret" : ""}`,
      { key: full, code: "MissingConfig" },
    );
  }

  /** The value as a string, or undefined. Non-string values (numbers, objects) come back as JSON. */
  get(key: string): string | undefined {
    const r = this.#raw(key);
    if (r === undefined) return undefined;
    return typeof r.value === "string" ? r.value : JSON.stringify(r.value);
  }

  /** The value as a string; throws a {@link ConfigError} naming the `iac config set` command when missing. */
  require(key: string): string {
    const v = this.get(key);
    if (v === undefined) throw this.#missing(key, { secret: false, example: "<value>" });
    return v;
  }

  /** The value as a number, or undefined; throws when it is set but is not a number. */
  getNumber(key: string): number | undefined {
    const r = this.#raw(key);
    if (r === undefined) return undefined;
    const n = typeof r.value === "number" ? r.value : typeof r.value === "string" && r.value.trim() !== "" ? Number(r.value) : NaN;
    if (!Number.isFinite(n)) {
      const full = this.fullKey(key);
      throw new ConfigError(`Configuration value "${full}" is not a number. Set a number with: iac config set ${full} <number>`, { key: full, code: "InvalidConfig" });
    }
    return n;
  }

  /** The value as a number; throws when missing or not a number. */
  requireNumber(key: string): number {
    const n = this.getNumber(key);
    if (n === undefined) throw this.#missing(key, { secret: false, example: "<number>" });
    return n;
  }

  /** The value as a boolean (`true`/`false`), or undefined; throws when it is set to anything else. */
  getBoolean(key: string): boolean | undefined {
    const r = this.#raw(key);
    if (r === undefined) return undefined;
    if (r.value === true || r.value === "true") return true;
    if (r.value === false || r.value === "false") return false;
    const full = this.fullKey(key);
    throw new ConfigError(`Configuration value "${full}" is not a boolean. Set it with: iac config set ${full} true (or false)`, { key: full, code: "InvalidConfig" });
  }

  /** The value as a boolean; throws when missing or not a boolean. */
  requireBoolean(key: string): boolean {
    const b = this.getBoolean(key);
    if (b === undefined) throw this.#missing(key, { secret: false, example: "true" });
    return b;
  }

  /** The value as structured data (a JSON string is parsed), or undefined. */
  getObject<T>(key: string): T | undefined {
    const r = this.#raw(key);
    if (r === undefined) return undefined;
    if (typeof r.value !== "string") return r.value as T;
    try {
      return JSON.parse(r.value) as T;
    } catch (error) {
      const full = this.fullKey(key);
      throw new ConfigError(`Configuration value "${full}" is not valid JSON. Set it with: iac config set ${full} '<json>'`, { key: full, code: "InvalidConfig", cause: error });
    }
  }

  /** The value as structured data; throws when missing. */
  requireObject<T>(key: string): T {
    const v = this.getObject<T>(key);
    if (v === undefined) throw this.#missing(key, { secret: false, example: "'<json>'" });
    return v;
  }

  /** The value as a secret `Output<string>` (whether or not it was stored as a secret), or undefined. */
  getSecret(key: string): Output<string> | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : new Output(Promise.resolve({ value: v, secret: true, resources: [] }));
  }

  /** The value as a secret `Output<string>`; throws when missing, naming `iac config set ... --secret`. */
  requireSecret(key: string): Output<string> {
    const v = this.getSecret(key);
    if (v === undefined) throw this.#missing(key, { secret: true, example: "<value>" });
    return v;
  }
}

/** The name of the stack being deployed. */
export function getStack(): string {
  return getMonitor().stack;
}

/** The name of the project being deployed. */
export function getProject(): string {
  return getMonitor().project;
}

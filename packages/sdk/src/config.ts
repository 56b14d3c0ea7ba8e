/**
 * Stack configuration (`iac.<stack>.yaml`), read through the monitor, keys `namespace:key`.
 */
import type { PropertyValue } from "./provider.js";
import { getMonitor, isSecretValue, type Monitor } from "./runtime.js";
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
  readonly #monitor: Monitor;

  constructor(namespace?: string) {
    const monitor = getMonitor();
    this.#monitor = monitor;
    this.name = namespace ?? monitor.project;
    this.#values = monitor.config;
  }

  /** The full key, `namespace:key` (a key that already holds a `:` is taken as full). */
  fullKey(key: string): string {
    return key.includes(":") ? key : `${this.name}:${key}`;
  }

  /**
   * The stored value. `plain` names the getter when the value is read as plain data: a secret read
   * that way warns (as Pulumi does), pointing at the getter that keeps it secret.
   */
  #raw(key: string, plain?: { readonly getter: string; readonly secretGetter: string }): { value: PropertyValue; secret: boolean } | undefined {
    const v = this.#values[this.fullKey(key)];
    if (v === undefined) return undefined;
    if (!isSecretValue(v)) return { value: v, secret: false };
    if (plain) this.#warnPlainSecret(key, plain);
    return { value: v.value, secret: true };
  }

  #warnPlainSecret(key: string, plain: { readonly getter: string; readonly secretGetter: string }): void {
    const full = this.fullKey(key);
    // The engine shows each distinct warning once per run, however often the program reads the key.
    this.#monitor.warn?.(
      `Configuration value "${full}" is a secret, but config.${plain.getter}("${key}") returns it as plain text: what is made from it is stored and shown unmasked. ` +
        `Use config.${plain.secretGetter}("${key}") instead, which returns a secret Output.`,
    );
  }

  /** The string form of a value (non-strings as JSON). */
  #text(key: string, plain?: { readonly getter: string; readonly secretGetter: string }): string | undefined {
    const r = this.#raw(key, plain);
    if (r === undefined) return undefined;
    return typeof r.value === "string" ? r.value : JSON.stringify(r.value);
  }

  #missing(key: string, opts: { secret: boolean; example: string }): ConfigError {
    const full = this.fullKey(key);
    return new ConfigError(
      `Missing required configuration value "${full}". Set it with: iac config set ${full} ${opts.example}${opts.secret ? " --secret" : ""}`,
      { key: full, code: "MissingConfig" },
    );
  }

  /**
   * The value as a string, or undefined. Non-string values (numbers, objects) come back as JSON.
   * A secret comes back as plain text, with a warning pointing at {@link Config.getSecret}; so it
   * does from every plain getter (`require`, `getNumber`, ...).
   */
  get(key: string): string | undefined {
    return this.#text(key, { getter: "get", secretGetter: "getSecret" });
  }

  /**
   * The value as a string; throws a {@link ConfigError} naming the `iac config set` command when
   * missing. A secret comes back as plain text, with a warning pointing at {@link Config.requireSecret}.
   */
  require(key: string): string {
    const v = this.#text(key, { getter: "require", secretGetter: "requireSecret" });
    if (v === undefined) throw this.#missing(key, { secret: false, example: "<value>" });
    return v;
  }

  /** The value as a number, or undefined; throws when it is set but is not a number. */
  getNumber(key: string): number | undefined {
    return this.#number(key, { getter: "getNumber", secretGetter: "getSecret" });
  }

  #number(key: string, plain: { readonly getter: string; readonly secretGetter: string }): number | undefined {
    const r = this.#raw(key, plain);
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
    const n = this.#number(key, { getter: "requireNumber", secretGetter: "requireSecret" });
    if (n === undefined) throw this.#missing(key, { secret: false, example: "<number>" });
    return n;
  }

  /** The value as a boolean (`true`/`false`), or undefined; throws when it is set to anything else. */
  getBoolean(key: string): boolean | undefined {
    return this.#boolean(key, { getter: "getBoolean", secretGetter: "getSecret" });
  }

  #boolean(key: string, plain: { readonly getter: string; readonly secretGetter: string }): boolean | undefined {
    const r = this.#raw(key, plain);
    if (r === undefined) return undefined;
    if (r.value === true || r.value === "true") return true;
    if (r.value === false || r.value === "false") return false;
    const full = this.fullKey(key);
    throw new ConfigError(`Configuration value "${full}" is not a boolean. Set it with: iac config set ${full} true (or false)`, { key: full, code: "InvalidConfig" });
  }

  /** The value as a boolean; throws when missing or not a boolean. */
  requireBoolean(key: string): boolean {
    const b = this.#boolean(key, { getter: "requireBoolean", secretGetter: "requireSecret" });
    if (b === undefined) throw this.#missing(key, { secret: false, example: "true" });
    return b;
  }

  /** The value as structured data (a JSON string is parsed), or undefined. */
  getObject<T>(key: string): T | undefined {
    return this.#object<T>(key, { getter: "getObject", secretGetter: "getSecret" });
  }

  #object<T>(key: string, plain: { readonly getter: string; readonly secretGetter: string }): T | undefined {
    const r = this.#raw(key, plain);
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
    const v = this.#object<T>(key, { getter: "requireObject", secretGetter: "requireSecret" });
    if (v === undefined) throw this.#missing(key, { secret: false, example: "'<json>'" });
    return v;
  }

  /** The value as a secret `Output<string>` (whether or not it was stored as a secret), or undefined. */
  getSecret(key: string): Output<string> | undefined {
    const v = this.#text(key);
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

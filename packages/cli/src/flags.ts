/**
 * Parsing of flag values, as yargs `coerce` functions: a flag given without its value, or with a
 * value it does not take (`--parallel abc`, `--parallel 0`, `-s` at the end of the line), is a
 * usage error (exit 2) that names the flag and what it takes, before any command runs.
 *
 * yargs gives a string flag without a value as `""` and a number flag as `NaN` or `undefined`, so
 * numeric flags are declared as strings and parsed here, where the text the user typed is at hand
 * for the message.
 */
import { UsageError } from "./errors.js";

/** `--name` or `-x, --name`, as messages show a flag. */
function shown(flag: string, alias?: string): string {
  return alias === undefined ? `--${flag}` : `-${alias}/--${flag}`;
}

function missing(flag: string, alias: string | undefined, what: string): UsageError {
  return new UsageError(`${shown(flag, alias)} needs a value: ${what}.`, { code: "MissingFlagValue" });
}

/** The last value of a flag given more than once (yargs then hands in an array). */
function last(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/**
 * A coerce function for a flag that takes a positive integer (`--parallel 8`).
 *
 * @example
 * y.option("parallel", { type: "string", coerce: positiveInteger("parallel", "p") })
 */
export function positiveInteger(flag: string, alias?: string): (value: unknown) => number {
  return (raw) => {
    const value = last(raw);
    const text = value === undefined || value === null ? "" : String(value).trim();
    if (text === "") throw missing(flag, alias, "a positive integer (e.g. 8)");
    if (!/^\+?\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
      throw new UsageError(`${shown(flag, alias)} must be a positive integer (e.g. 8), not "${text}".`, { code: "InvalidFlagValue" });
    }
    return Number(text);
  };
}

/** A coerce function for a TCP port (`--port 4501`; 0 for any free port). */
export function portNumber(flag: string): (value: unknown) => number {
  return (raw) => {
    const value = last(raw);
    const text = value === undefined || value === null ? "" : String(value).trim();
    if (text === "") throw missing(flag, undefined, "a port number from 0 to 65535");
    if (!/^\d+$/.test(text) || Number(text) > 65535) {
      throw new UsageError(`--${flag} must be a port number from 0 to 65535 (0 for any free port), not "${text}".`, { code: "InvalidFlagValue" });
    }
    return Number(text);
  };
}

/** A coerce function for a flag whose value must not be empty (`-s dev`, `-C ../app`, `--target <urn>`). */
export function nonEmpty(flag: string, alias: string | undefined, what: string): (value: unknown) => unknown {
  return (raw) => {
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length === 0) throw missing(flag, alias, what);
    for (const value of values) {
      if (value === undefined || value === null || String(value).trim() === "") throw missing(flag, alias, what);
    }
    return raw;
  };
}

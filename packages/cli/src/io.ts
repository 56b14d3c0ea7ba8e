/**
 * The streams a command writes to and reads from. Commands receive them instead of touching
 * `process`, so tests call commands with their own streams and `main` passes the real ones.
 */
import { styleText } from "node:util";

/** A writable stream as the CLI uses it; `isTTY`/`columns`/`rows` are set on terminals. */
export interface OutStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

/** What every command may be given; all optional, defaulting to the process's own. */
export interface IoOptions {
  /** Where results go (tables, the live tree, NDJSON). Default: process.stdout. */
  readonly out?: OutStream;
  /** Where messages and errors go. Default: process.stderr. */
  readonly err?: OutStream;
  /** Where prompts and secret values are read from. Default: process.stdin. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** Environment (NO_COLOR, FORCE_COLOR, IAC_*). Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Io {
  readonly out: OutStream;
  readonly err: OutStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when a person can answer a prompt: stdin and stderr (where prompts go) are terminals. */
  readonly interactive: boolean;
}

export function resolveIo(options: IoOptions): Io {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const stdin = options.stdin ?? process.stdin;
  const env = options.env ?? process.env;
  return { out, err, stdin, env, interactive: stdin.isTTY === true && err.isTTY === true };
}

/** The formats of `node:util` `styleText` the renderer uses. */
export type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan" | "magenta" | "gray";

/** Applies styles, or returns the text unchanged when colour is off. */
export type Styler = (style: Style | readonly Style[], text: string) => string;

/**
 * Colour is on when the stream is a terminal and NO_COLOR is unset or empty (no-color.org), or when
 * FORCE_COLOR asks for it. Decided here, once, rather than by `styleText`'s own stream check, so
 * that the decision follows the streams and environment a command was given.
 */
export function colorEnabled(stream: OutStream, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  return stream.isTTY === true;
}

export function createStyler(enabled: boolean): Styler {
  if (!enabled) return (_style, text) => text;
  return (style, text) => styleText(style as Parameters<typeof styleText>[0], text, { validateStream: false });
}

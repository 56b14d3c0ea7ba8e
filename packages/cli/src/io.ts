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
  const out = options.out ?? guardOutput(process.stdout);
  const err = options.err ?? guardOutput(process.stderr);
  const stdin = options.stdin ?? process.stdin;
  const env = options.env ?? process.env;
  return { out, err, stdin, env, interactive: stdin.isTTY === true && err.isTTY === true };
}

/**
 * Errors of a write whose reader has gone (`iac up --json | head -5`). They are not failures of
 * the command: the deployment must still finish, record its state and release its lock.
 */
function isClosedOutput(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END";
}

/**
 * The 'error' listener of stdout and stderr. Without one, Node turns the EPIPE of a closed pipe
 * into an uncaught exception that kills the process mid-deployment (a stale lock and pending
 * operations). The stream is destroyed by then, and {@link guardOutput} stops writing to it.
 * Any other error is rethrown: it is as fatal as it was without the listener.
 */
function onOutputError(error: Error): void {
  if (isClosedOutput(error)) return;
  throw error;
}

/**
 * A process stream (stdout, stderr) that ignores a closed reader: writes after the reader went
 * away are dropped instead of crashing the run. Installs the 'error' listener once per stream.
 */
export function guardOutput(stream: NodeJS.WriteStream): OutStream {
  if (!stream.listeners("error").includes(onOutputError)) stream.on("error", onOutputError);
  return {
    write(chunk: string): boolean {
      if (stream.destroyed || stream.writableEnded) return false;
      try {
        return stream.write(chunk);
      } catch (error) {
        if (isClosedOutput(error)) return false;
        throw error;
      }
    },
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    get rows() {
      return stream.rows;
    },
  };
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

/**
 * What every command shares: its options (streams, project directory, stack, verbosity) and the
 * wrapper that turns a thrown error into one message on stderr and an exit code, so commands can
 * be called by tests as plain functions that return the exit code.
 */
import { CliError, ExitCode, UsageError, exitCodeOf, formatError } from "../errors.js";
import { colorEnabled, createStyler, resolveIo, type Io, type IoOptions, type Styler } from "../io.js";
import { confirm } from "../prompt.js";

/** Options every command takes. */
export interface CommandOptions extends IoOptions {
  /** Project directory (`-C`); default: the current directory. */
  readonly cwd?: string;
  /** Stack (`-s`); default: the selected one. */
  readonly stack?: string;
  /** Stack traces and debug diagnostics. */
  readonly verbose?: boolean;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
}

/** A command's resolved context. */
export interface CommandContext {
  readonly io: Io;
  readonly cwd: string;
  readonly verbose: boolean;
  /** Styles for stdout. */
  readonly style: Styler;
  /** Styles for stderr. */
  readonly errStyle: Styler;
  readonly signal: AbortSignal;
  /** Print a line to stderr (messages about what the CLI did, prompts, warnings). */
  say(line: string): void;
  /** Print a line to stdout (results). */
  print(line: string): void;
}

/** Run a command body; report any error it throws and return the exit code. */
export async function runCommand(options: CommandOptions, body: (ctx: CommandContext) => Promise<number>): Promise<number> {
  const io = resolveIo(options);
  const signal = options.signal ?? new AbortController().signal;
  const ctx: CommandContext = {
    io,
    cwd: options.cwd ?? process.cwd(),
    verbose: options.verbose ?? false,
    style: createStyler(colorEnabled(io.out, io.env)),
    errStyle: createStyler(colorEnabled(io.err, io.env)),
    signal,
    say: (line) => void io.err.write(`${line}\n`),
    print: (line) => void io.out.write(`${line}\n`),
  };
  try {
    return await body(ctx);
  } catch (error) {
    io.err.write(`${ctx.errStyle("red", formatError(error, { verbose: ctx.verbose }))}\n`);
    if (signal.aborted) return ExitCode.interrupted;
    return exitCodeOf(error);
  }
}

/**
 * Ask before doing something that cannot be undone. `--yes` skips the question; without a
 * terminal (CI, pipes, `--json`) there is no one to ask, so the command is refused with exit 2
 * rather than going ahead silently.
 *
 * @returns false when the user answered no
 */
export async function confirmOrRefuse(ctx: CommandContext, options: { readonly yes: boolean; readonly question: string; readonly what: string; readonly canAsk?: boolean }): Promise<boolean> {
  if (options.yes) return true;
  if (!ctx.io.interactive || options.canAsk === false) {
    throw new UsageError(`${options.what} needs confirmation, and there is no terminal to ask on. Pass --yes to go ahead without asking.`, { code: "ConfirmationRequired" });
  }
  return confirm(options.question, { input: ctx.io.stdin, output: ctx.io.err, signal: ctx.signal });
}

/** Thrown when the user answers no: nothing was changed. */
export class DeclinedError extends CliError {
  constructor(what: string) {
    super(`${what} was cancelled at the confirmation prompt: nothing was changed.`, { code: "Declined", exitCode: ExitCode.failure });
    this.name = "DeclinedError";
  }
}

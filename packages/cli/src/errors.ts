/**
 * Errors the CLI raises and how any error becomes an exit code and one clear message.
 *
 * Expected failures (a usage mistake, a locked stack, a missing config key) carry a stable `code`
 * and are shown as one message without a stack trace unless `--verbose`; anything else is a bug and
 * is shown as "internal error, please report" with its stack.
 */

/** Exit codes of `iac` (docs/cli.md, "Exit codes"). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** `--expect-no-changes` and changes were found. */
  changes: 3,
  /** Ctrl-C. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of the CLI's own errors: a stable `code` and the exit code it maps to. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(message: string, options: { readonly code: string; readonly exitCode?: ExitCode; readonly cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.code = options.code;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
}

/** The command line was wrong (unknown flag, missing argument, confirmation impossible): exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: { readonly code?: string; readonly cause?: unknown }) {
    super(message, { code: options?.code ?? "Usage", exitCode: ExitCode.usage, cause: options?.cause });
    this.name = "UsageError";
  }
}

/** A bug in iac: shown with its stack and a request to report it. */
export class InternalError extends CliError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, { code: "Internal", cause: options?.cause });
    this.name = "InternalError";
  }
}

/**
 * True for errors whose message is meant for the user: the CLI's own, and those of the engine, the
 * state backends and the providers, which carry a stable string `code`. Node's system errors
 * (`ENOENT`, `ERR_...`) also carry a code, but reaching the top with one means iac failed to
 * handle it, so they count as unexpected.
 */
export function isExpectedError(error: unknown): error is Error & { readonly code: string } {
  if (error instanceof InternalError) return false;
  if (error instanceof CliError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || code.length === 0 || code === "Internal") return false;
  return !/^E[A-Z0-9]+$/.test(code) && !code.startsWith("ERR_");
}

/** The exit code an error maps to. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  return ExitCode.failure;
}

/** The text to print for an error on stderr (no colour: messages must read the same in logs). */
export function formatError(error: unknown, options: { readonly verbose: boolean }): string {
  if (isExpectedError(error)) {
    const head = `error: ${error.message}`;
    return options.verbose ? `${head}\n${stackWithCauses(error)}` : head;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `internal error, please report it (with the command you ran) at the iac issue tracker: ${message}\n${stackWithCauses(error)}`;
}

function stackWithCauses(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    parts.push(depth === 0 ? stackOf(current) : `caused by: ${stackOf(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}

function stackOf(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

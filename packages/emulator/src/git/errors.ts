/**
 * Errors of the local git host. One class with a stable `code`, so callers (controllers, tests)
 * branch on the code and never on message text.
 */

export type GitHostErrorCode =
  | "InvalidRepositoryPath"
  | "RepositoryNotFound"
  | "GitCommandFailed";

/** A failure of the local git host; `code` is stable, the message says what to fix. */
export class GitHostError extends Error {
  readonly code: GitHostErrorCode;

  constructor(code: GitHostErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GitHostError";
    this.code = code;
  }
}

/**
 * Errors of the state layer: backends, locks, secrets, stack config and stack operations.
 * Every error carries a stable `code` the CLI can switch on; messages say what failed, where,
 * and how to fix it, so the CLI shows them without a stack trace.
 */
import { EngineError } from "../errors.js";
import type { LockInfo } from "./types.js";

/** Stable codes of {@link StateError}. */
export type StateErrorCode =
  | "StateCorrupt"
  | "StateInvalid"
  | "StackLocked"
  /** This run's lock was broken (or its azblob lease lost) while it held it: it stopped. */
  | "StackLockLost"
  | "StackNotFound"
  | "StackExists"
  | "StackNotEmpty"
  | "InvalidStackName"
  | "NoStackSelected"
  | "SecretsDecrypt"
  | "SecretsKeyMissing"
  | "ConfigInvalid"
  | "ResourceNotFound"
  | "ResourceProtected"
  | "ResourceHasDependents"
  | "StateWriterClosed"
  /** A remote backend (azblob://) is unreachable, misconfigured or refuses the credentials. */
  | "StateBackend"
  /** Another writer changed the stack's state while this one held (or thought it held) the lock. */
  | "StateConflict"
  /** A file-system call failed: permission denied, disk full, read-only file system, ... (fs-errors.ts). */
  | "FileSystem"
  /** Another process kept a small file (the stack config) locked for too long (file-mutex.ts). */
  | "FileBusy";

/** Base of every error the state layer raises; an {@link EngineError}, so the CLI handles both alike. */
export class StateError extends EngineError {
  /** Stable identifier of the failure (never reworded). */
  declare readonly code: StateErrorCode;
  constructor(code: StateErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, { code, cause: options?.cause });
    this.name = "StateError";
  }
}

/** A snapshot or journal that cannot be read: refused, never overwritten. */
export class StateCorruptError extends StateError {
  /** The file that could not be read. */
  readonly path: string;
  constructor(options: { readonly path: string; readonly problem: string; readonly cause?: unknown }) {
    super(
      "StateCorrupt",
      `The state file ${options.path} cannot be read: ${options.problem}. It was left untouched. ` +
        `To recover, run \`iac state import <file>\` with a good export, or restore ${backupHint(options.path)}.`,
      { cause: options.cause },
    );
    this.name = "StateCorruptError";
    this.path = options.path;
  }
}

function backupHint(path: string): string {
  if (path.endsWith("snapshot.json")) return `the previous snapshot ${path}.bak (copy it over ${path})`;
  // A journal only holds the records since the last compaction: dropping it loses those, nothing older.
  return `the previous snapshot snapshot.json.bak, or delete ${path} to keep the state as of the last compaction (then run \`iac refresh\`)`;
}

/** Another process holds the stack's lock. */
export class StackLockedError extends StateError {
  /** Who holds the lock (undefined when the lock file cannot be read). */
  readonly holder?: LockInfo;
  constructor(options: { readonly stack: string; readonly path: string; readonly holder?: LockInfo; readonly goneBecause?: string }) {
    const { holder } = options;
    const who = holder
      ? `by \`${holder.command}\` (pid ${holder.pid} on host ${holder.host}${holder.user ? `, user ${holder.user}` : ""}) since ${holder.time}`
      : `by a process whose lock file ${options.path} is empty or unreadable (it may have crashed while taking the lock)`;
    const advice = options.goneBecause !== undefined
      ? ` The lock is stale (${options.goneBecause}): run \`iac cancel\` to break it.`
      : " Wait for it to finish. If that process is no longer running, run `iac cancel` to break the lock (it checks the holder first).";
    super("StackLocked", `Stack "${options.stack}" is locked ${who}.${advice}`);
    this.name = "StackLockedError";
    this.holder = holder;
  }
}

/** A secret could not be decrypted, or the key cannot be obtained. */
export class SecretsDecryptError extends StateError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super("SecretsDecrypt", message, options);
    this.name = "SecretsDecryptError";
  }
}

/**
 * A file-system failure as the user should see it: what iac was doing, on which path, why in
 * plain words, and what to do — never a bare `EACCES: permission denied, open ...` or a stack trace.
 */
import { dirname } from "node:path";
import { StateError } from "./errors.js";

/** A file-system call failed (permission denied, disk full, read-only file system, ...). */
export class FileSystemError extends StateError {
  /** The path the failed call was about. */
  readonly path: string;
  /** The system's code (`EACCES`, `ENOSPC`, `EROFS`, ...), when it gave one. */
  readonly errno?: string;
  constructor(options: { readonly message: string; readonly path: string; readonly errno?: string; readonly cause?: unknown }) {
    super("FileSystem", options.message, { cause: options.cause });
    this.name = "FileSystemError";
    this.path = options.path;
    if (options.errno !== undefined) this.errno = options.errno;
  }
}

/**
 * Wrap a failed file-system call. `action` says what iac was doing ("write the state snapshot
 * /p/.iac/stacks/dev/snapshot.json"); `path` is the path the call was about. An error that is
 * already a {@link StateError} is returned as it is.
 */
export function fsErrorOf(error: unknown, options: { readonly action: string; readonly path: string }): StateError {
  if (error instanceof StateError) return error;
  const errno = (error as NodeJS.ErrnoException)?.code;
  const { path } = options;
  const dir = dirname(path);
  let why: string;
  let fix: string;
  switch (errno) {
    case "EACCES":
    case "EPERM":
      why = "permission denied";
      fix = `Give the user running iac write access to ${dir} (for example \`chmod u+w ${dir}\`, or \`chown\` it), or run iac as the user who owns it.`;
      break;
    case "ENOSPC":
      why = "the disk is full";
      fix = `Free some space on the file system holding ${dir}, then run the command again.`;
      break;
    case "EDQUOT":
      why = "the disk quota is exceeded";
      fix = `Free some space (or raise the quota) on the file system holding ${dir}, then run the command again.`;
      break;
    case "EROFS":
      why = "the file system is read-only";
      fix = `Run iac from a writable copy of the project, or keep the state elsewhere (\`backend:\` in iac.yaml or IAC_BACKEND_URL).`;
      break;
    case "ENOENT":
      why = "a directory on the way does not exist (was it removed while iac ran?)";
      fix = "Run the command again.";
      break;
    case "EISDIR":
    case "ENOTDIR":
      why = `a file and a directory are in each other's place (${errno})`;
      fix = `Check ${path}: remove or rename what does not belong there.`;
      break;
    case "EMFILE":
    case "ENFILE":
      why = "too many files are open";
      fix = "Raise the open-file limit (`ulimit -n`) or lower --parallel, then run the command again.";
      break;
    case "EIO":
      why = "an input/output error (the disk or the network file system failed)";
      fix = `Check the device holding ${dir}, then run the command again.`;
      break;
    default:
      why = (error as Error)?.message ?? String(error);
      fix = `Check ${path}, then run the command again.`;
  }
  return new FileSystemError({ message: `Could not ${options.action}: ${why} (${path}). ${fix}`, path, ...(errno ? { errno } : {}), cause: error });
}

/** Run `fn`; turn a file-system failure into a {@link FileSystemError} (see {@link fsErrorOf}). */
export async function withFsErrors<T>(options: { readonly action: string; readonly path: string }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw fsErrorOf(error, options);
  }
}

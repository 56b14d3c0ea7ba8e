/**
 * From a backend URL (`backend:` in `iac.yaml`) to a {@link Backend}:
 *
 * - none, `""` or `file://`: the file backend, state in `<projectDir>/.iac/`;
 * - `file://<dir>` (absolute, or relative to the project): the file backend rooted at `<dir>`,
 *   state in `<dir>/.iac/`;
 * - `azblob://<container>/<prefix>`: Azure Blob Storage, credentials from the environment
 *   (see `blobServiceFromEnv`).
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AzblobEnv } from "./azblob-connection.js";
import { StateError } from "./errors.js";
import { createFileBackend } from "./file-backend.js";
import type { Backend } from "./types.js";

export interface OpenBackendOptions {
  /** The project's directory (holding `iac.yaml`). */
  readonly projectDir: string;
  /** The project's name, recorded in each snapshot (and part of the blob names of azblob://). */
  readonly project: string;
  /** Where credentials are read from; defaults to `process.env`. */
  readonly env?: AzblobEnv;
}

/** The `kubernetes://` backend with its options (lock renewal, history retention), its module loaded now. */
export async function openKubernetesBackend(url: string, options: import("./kubernetes-backend.js").KubernetesBackendOptions): Promise<Backend> {
  return (await import("./kubernetes-backend.js")).openKubernetesBackend(url, options);
}

/** The backend a URL names. Throws a `StateError` with code `StateBackend` for a URL it does not support. */
export async function openBackend(url: string | undefined, options: OpenBackendOptions): Promise<Backend> {
  const trimmed = url?.trim() ?? "";
  if (trimmed === "" || trimmed === "file://") return createFileBackend({ projectDir: options.projectDir, project: options.project });
  if (trimmed.startsWith("file://")) {
    return createFileBackend({ projectDir: fileDirectory(trimmed, options.projectDir), project: options.project });
  }
  if (trimmed.startsWith("azblob://")) {
    // Loaded only for azblob://: the Azure Storage SDK is ~300 modules, and every command of a
    // project on the file backend would otherwise pay for them at startup (issue 12).
    const [{ createAzblobBackend }, { blobServiceFromEnv, parseAzblobUrl }] = await Promise.all([import("./azblob-backend.js"), import("./azblob-connection.js")]);
    const location = parseAzblobUrl(trimmed);
    const service = await blobServiceFromEnv(options.env ?? process.env, trimmed);
    return createAzblobBackend({ service, ...location, project: options.project });
  }
  if (trimmed.startsWith("kubernetes://")) return (await import("./kubernetes-backend.js")).openKubernetesBackend(trimmed, { project: options.project, env: (options.env ?? process.env) as NodeJS.ProcessEnv });
  throw new StateError(
    "StateBackend",
    `The backend URL ${trimmed} is not supported: use file:// (the state in .iac/ in the project), file://<directory>, azblob://<container>/<prefix> (Azure Blob Storage), or kubernetes://<namespace>[/<prefix>] (Secrets in a cluster).`,
  );
}

/** `file:///abs/dir` (a proper file URL) or `file://rel/dir` / `file://./dir` (relative to the project). */
function fileDirectory(url: string, projectDir: string): string {
  const rest = url.slice("file://".length);
  if (rest.startsWith("/")) return fileURLToPath(url);
  const path = decodeURIComponent(rest);
  return isAbsolute(path) ? path : resolve(projectDir, path);
}

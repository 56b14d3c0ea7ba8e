/**
 * Where an `azblob://` backend lives and how to reach it: the URL (`azblob://<container>/<prefix>`)
 * and the credentials, taken from the environment the way the Azure CLI and Terraform's azurerm
 * backend take them. Keys never appear in messages: a connection string that does not parse is
 * reported by the variable's name only.
 */
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { StateError } from "./errors.js";

/** The parts of an `azblob://<container>/<prefix>` URL. */
export interface AzblobLocation {
  readonly container: string;
  /** Blob name prefix without leading or trailing `/` ("" for the container's root). */
  readonly prefix: string;
}

/** Container names: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit. */
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/** Parse `azblob://<container>/<prefix>`; throws a `StateBackend` error saying what a valid URL looks like. */
export function parseAzblobUrl(url: string): AzblobLocation {
  const match = /^azblob:\/\/([^/?#]*)\/?([^?#]*)$/.exec(url);
  const container = match?.[1] ?? "";
  if (!match || !CONTAINER.test(container)) {
    throw new StateError(
      "StateBackend",
      `The backend URL ${url} is not a valid azblob URL: write azblob://<container>/<prefix>, where the container name is 3 to 63 lowercase letters, digits and hyphens (e.g. azblob://iac-state/team-a).`,
    );
  }
  const prefix = match[2]!.split("/").filter((s) => s !== "").join("/");
  return { container, prefix };
}

/** The environment variables the backend reads (a subset of `process.env`). */
export type AzblobEnv = Readonly<Record<string, string | undefined>>;

/**
 * A Blob service client from the environment, first match wins:
 * 1. `AZURE_STORAGE_CONNECTION_STRING` (also how Azurite is reached: it carries `BlobEndpoint`);
 * 2. `AZURE_STORAGE_ACCOUNT` + `AZURE_STORAGE_KEY` (shared key, `https://<account>.blob.core.windows.net`);
 * 3. `AZURE_STORAGE_ACCOUNT` alone: `DefaultAzureCredential` (environment, workload or managed identity, Azure CLI login).
 */
export async function blobServiceFromEnv(env: AzblobEnv, url: string): Promise<BlobServiceClient> {
  const connectionString = nonEmpty(env.AZURE_STORAGE_CONNECTION_STRING);
  if (connectionString !== undefined) {
    try {
      return BlobServiceClient.fromConnectionString(connectionString);
    } catch (cause) {
      // The SDK's message may quote the string, and with it the key: say which variable, not what it holds.
      throw new StateError(
        "StateBackend",
        `AZURE_STORAGE_CONNECTION_STRING does not parse as an Azure Storage connection string (needed for the backend ${url}): copy it again from the storage account's "Access keys" page.`,
        { cause: redacted(cause) },
      );
    }
  }
  const account = nonEmpty(env.AZURE_STORAGE_ACCOUNT);
  if (account === undefined) {
    throw new StateError(
      "StateBackend",
      `The backend ${url} needs credentials for Azure Blob Storage: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT (and AZURE_STORAGE_KEY, or sign in with \`az login\` for DefaultAzureCredential).`,
    );
  }
  if (!/^[a-z0-9]{3,24}$/.test(account)) {
    throw new StateError("StateBackend", `AZURE_STORAGE_ACCOUNT "${account}" is not a storage account name (3 to 24 lowercase letters and digits).`);
  }
  const endpoint = `https://${account}.blob.core.windows.net`;
  const key = nonEmpty(env.AZURE_STORAGE_KEY);
  if (key !== undefined) {
    let credential: StorageSharedKeyCredential;
    try {
      credential = new StorageSharedKeyCredential(account, key);
    } catch (cause) {
      throw new StateError("StateBackend", `AZURE_STORAGE_KEY is not a valid storage account key (base64) for ${account}: copy it again from the storage account's "Access keys" page.`, { cause: redacted(cause) });
    }
    return new BlobServiceClient(endpoint, credential);
  }
  // Loaded only when needed: @azure/identity is large and most runs use a key or the file backend.
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new BlobServiceClient(endpoint, new DefaultAzureCredential());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** The cause without its message (which could quote a secret), keeping its name for `--verbose`. */
function redacted(cause: unknown): Error {
  return new Error(`${(cause as Error)?.name ?? "Error"} (details withheld: they may contain the key)`);
}

/** Status and service error code of an SDK failure (a `RestError`), when it has them. */
export function restStatus(error: unknown): { readonly status?: number; readonly code?: string } {
  if (error === null || typeof error !== "object") return {};
  const e = error as { statusCode?: unknown; code?: unknown; details?: { errorCode?: unknown } };
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const code = typeof e.details?.errorCode === "string" ? e.details.errorCode : typeof e.code === "string" ? e.code : undefined;
  return { ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { code }) };
}

/** True for a 404 (blob or container not found). */
export function isNotFound(error: unknown): boolean {
  return restStatus(error).status === 404;
}

/**
 * Wrap an unexpected SDK failure: what was being done, on which blob, and what to check. The
 * SDK's own message is kept (it names the status and the service's error code, never the key).
 */
export function backendError(what: string, where: string, error: unknown): StateError {
  if (error instanceof StateError) return error;
  const { status, code } = restStatus(error);
  const detail = status === undefined ? (error as Error)?.message ?? String(error) : `${status}${code ? ` ${code}` : ""}`;
  const hint =
    status === 403
      ? "check that the credentials may read and write blobs in this container (role Storage Blob Data Contributor, or the account key)"
      : status === undefined
        ? "check the network and the endpoint in AZURE_STORAGE_CONNECTION_STRING / AZURE_STORAGE_ACCOUNT"
        : "check the storage account and container, then run the command again";
  return new StateError("StateBackend", `Could not ${what} ${where}: ${detail}. ${hint[0]!.toUpperCase()}${hint.slice(1)}.`, { cause: error });
}

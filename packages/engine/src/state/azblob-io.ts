/** Small blob reads and writes shared by the azblob backend's modules. */
import type { BlobClient, BlockBlobClient } from "@azure/storage-blob";
import { backendError, isNotFound } from "./azblob-connection.js";

/** A blob's text and the etag it had when read (for If-Match on the next write). */
export interface BlobText {
  readonly text: string;
  readonly etag: string;
}

/** The blob's text, or undefined when it (or its container) does not exist. `where` names it in errors. */
export async function readBlobText(blob: BlobClient, where: string, options: { readonly bytes?: number } = {}): Promise<BlobText | undefined> {
  try {
    // With `bytes`: the first `bytes` only (a range read; all of a smaller blob).
    const response = options.bytes === undefined ? await blob.download(0) : await blob.download(0, options.bytes);
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody!) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
    return { text: Buffer.concat(chunks).toString("utf8"), etag: response.etag! };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw backendError("read", where, error);
  }
}

/** Upload `text` as the whole blob; `conditions` make it a compare-and-swap. Returns the new etag. */
export async function uploadText(
  blob: BlockBlobClient,
  text: string,
  options: { readonly conditions?: { readonly ifMatch?: string; readonly ifNoneMatch?: string }; readonly contentType?: string } = {},
): Promise<string> {
  const body = Buffer.from(text, "utf8");
  const response = await blob.upload(body, body.length, {
    ...(options.conditions ? { conditions: { ...options.conditions } } : {}),
    blobHTTPHeaders: { blobContentType: options.contentType ?? "application/json" },
  });
  return response.etag!;
}

/** Delete a blob; a missing one is not an error. */
export async function deleteIfExists(blob: BlobClient, where: string): Promise<void> {
  try {
    await blob.deleteIfExists();
  } catch (error) {
    throw backendError("delete", where, error);
  }
}

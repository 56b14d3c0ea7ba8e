/**
 * The emulated source-controller's artifact storage: what the real one serves from
 * `--storage-path` on `--storage-adv-addr` (loopback on the real tier: flux-supervisor.ts), here
 * from memory on its own loopback port. An artifact is a gzipped tar of the source's files at the
 * root (no top directory), at `http://127.0.0.1:<port>/<kind>/<namespace>/<name>/<commit>.tar.gz`,
 * its `digest` the sha256 of those bytes, as the real controller advertises in `status.artifact`.
 * Only the latest artifact of each source is kept (the real one keeps a few; dependants read the
 * one `status.artifact` names). The server starts on first use and stops with the controllers.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

export interface StoredArtifact {
  readonly path: string;
  readonly url: string;
  /** `sha256:<hex>` of the tar.gz. */
  readonly digest: string;
  readonly size: number;
}

export interface ArtifactStorage {
  /** The artifact at `path` when it is stored already (a revision is archived once). */
  get(path: string): Promise<StoredArtifact | undefined>;
  /** Stores `tar` (uncompressed) gzipped at `path`, replacing the previous artifact of the same source (`owner`). */
  put(owner: string, path: string, tar: Buffer): Promise<StoredArtifact>;
  /** Forgets the artifacts of a deleted source. */
  remove(owner: string): void;
  stop(): Promise<void>;
}

export function startArtifactStorage(): ArtifactStorage {
  const blobs = new Map<string, { bytes: Buffer; artifact: StoredArtifact }>();
  const byOwner = new Map<string, string>();
  let server: Server | undefined;
  let base: Promise<string> | undefined;

  const address = (): Promise<string> => {
    base ??= new Promise<string>((resolve, reject) => {
      server = createServer((req, res) => {
        const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname.replace(/^\/+/, ""));
        const blob = req.method === "GET" || req.method === "HEAD" ? blobs.get(path) : undefined;
        if (blob === undefined) {
          res.writeHead(req.method === "GET" || req.method === "HEAD" ? 404 : 405, { "content-type": "text/plain; charset=utf-8" }).end(`${req.method === "GET" || req.method === "HEAD" ? "404 page not found" : "method not allowed"}\n`);
          return;
        }
        res.writeHead(200, { "content-type": "application/x-gzip", "content-length": String(blob.bytes.length) });
        res.end(req.method === "HEAD" ? undefined : blob.bytes);
      });
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`));
      server.unref();
    });
    return base;
  };

  return {
    async get(path) {
      return blobs.get(path)?.artifact;
    },
    async put(owner, path, tar) {
      const bytes = gzipSync(tar);
      const artifact: StoredArtifact = { path, url: `${await address()}/${path}`, digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, size: bytes.length };
      const previous = byOwner.get(owner);
      if (previous !== undefined && previous !== path) blobs.delete(previous);
      blobs.set(path, { bytes, artifact });
      byOwner.set(owner, path);
      return artifact;
    },
    remove(owner) {
      const path = byOwner.get(owner);
      if (path !== undefined) blobs.delete(path);
      byOwner.delete(owner);
    },
    async stop() {
      if (server === undefined) return;
      const s = server;
      await new Promise<void>((r) => s.close(() => r()));
      s.closeAllConnections();
    },
  };
}

/**
 * Pushing a small image to a registry through the distribution API, as `docker push` or `crane`
 * would: the layer and the config as blobs (monolithic uploads), then the OCI manifest under the
 * tag. The image is a placeholder (one empty layer; a config naming the tag), enough for tag
 * scanning, digests and pulls; nothing runs it (the clusters' nodes are fake).
 */
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import { OCI_MANIFEST } from "./registry-service.js";
import { sha256Digest } from "./store.js";

/** A failure of a registry request, with the registry's error code when it gave one. */
export class RegistryPushError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "RegistryPushError";
    this.code = code;
  }
}

function call(method: string, url: URL, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  if (url.protocol !== "http:") throw new RegistryPushError("UNSUPPORTED", `pushing speaks http to the local registry; ${url.href} is not an http URL.`);
  return new Promise((done, reject) => {
    const req = request(url, { method, headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", (err) => reject(new RegistryPushError("UNREACHABLE", `the registry at ${url.origin} did not answer: ${err.message}. Is \`iac local serve\` running?`)));
    req.end(body);
  });
}

function refused(what: string, r: { status: number; body: Buffer }): RegistryPushError {
  let code = `HTTP_${r.status}`;
  let message = r.body.toString("utf8").slice(0, 300);
  try {
    const e = (JSON.parse(r.body.toString("utf8")) as { errors?: { code: string; message: string }[] }).errors?.[0];
    if (e) ({ code, message } = e);
  } catch {
    // not JSON: the text above
  }
  return new RegistryPushError(code, `${what} was refused (${r.status} ${code}): ${message}`);
}

async function pushBlob(base: URL, repository: string, data: Buffer): Promise<string> {
  const digest = sha256Digest(data);
  const exists = await call("HEAD", new URL(`/v2/${repository}/blobs/${digest}`, base));
  if (exists.status === 200) return digest;
  const r = await call("POST", new URL(`/v2/${repository}/blobs/uploads/?digest=${digest}`, base), data, { "content-type": "application/octet-stream" });
  if (r.status !== 201) throw refused(`uploading blob ${digest} to ${repository}`, r);
  return digest;
}

export interface PushedImage {
  /** `host:port/repository:tag`, as an image reference. */
  readonly image: string;
  /** The manifest's digest. */
  readonly digest: string;
}

/**
 * Push a placeholder image `repository:tag` to the registry at `registryUrl` (`http://127.0.0.1:<port>`).
 * Each tag gets its own config (it names the tag), so each has its own manifest digest.
 */
export async function pushImage(registryUrl: string, repository: string, tag: string, options: { readonly labels?: Readonly<Record<string, string>> } = {}): Promise<PushedImage> {
  const base = new URL(registryUrl);
  // An empty tar (two 512-byte zero blocks), gzipped: a valid, empty layer.
  const tar = Buffer.alloc(1024);
  const layer = gzipSync(tar, { level: 9 });
  const layerDigest = await pushBlob(base, repository, layer);
  const config = Buffer.from(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Labels: { "org.opencontainers.image.version": tag, ...options.labels } },
    rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
  }));
  const configDigest = await pushBlob(base, repository, config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.length }],
  }));
  const r = await call("PUT", new URL(`/v2/${repository}/manifests/${encodeURIComponent(tag)}`, base), manifest, { "content-type": OCI_MANIFEST });
  if (r.status !== 201) throw refused(`pushing ${repository}:${tag}`, r);
  return { image: `${base.host}/${repository}:${tag}`, digest: String(r.headers["docker-content-digest"] ?? sha256Digest(manifest)) };
}

/** The tags of a repository, following the registry's pagination; empty when the repository is unknown. */
export async function listTags(registryUrl: string, repository: string): Promise<string[]> {
  const base = new URL(registryUrl);
  const tags: string[] = [];
  let next: string | undefined = `/v2/${repository}/tags/list?n=100`;
  while (next !== undefined) {
    const r = await call("GET", new URL(next, base));
    if (r.status === 404) return [];
    if (r.status !== 200) throw refused(`listing the tags of ${repository}`, r);
    tags.push(...((JSON.parse(r.body.toString("utf8")) as { tags?: string[] }).tags ?? []));
    const link = r.headers["link"];
    next = typeof link === "string" ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
  }
  return tags;
}

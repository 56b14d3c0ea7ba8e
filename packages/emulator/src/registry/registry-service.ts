/**
 * The local cloud's container registry: the subset of the OCI distribution API (v1.1) that
 * pushing and scanning images use, on loopback over http (Flux's image-reflector-controller and
 * go-containerregistry speak plain http to 127.0.0.1 registries). Anonymous: no token is asked.
 *
 * Pull and scan: `GET /v2/`, `GET /v2/_catalog`, `GET /v2/<name>/tags/list` (with `n`/`last` and
 * a `Link` header), `HEAD|GET /v2/<name>/manifests/<tag|digest>`, `HEAD|GET /v2/<name>/blobs/<digest>`.
 * Push: `POST /v2/<name>/blobs/uploads/` (monolithic with `?digest=`, or chunked with `PATCH` and a
 * closing `PUT ?digest=`), `PUT /v2/<name>/manifests/<tag>` (every blob it names must be there).
 * `DELETE /v2/<name>/manifests/<tag>` removes a tag. Errors are the spec's `{"errors":[...]}`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Service, ServiceContext, ServiceFactory } from "../service.js";
import { DIGEST, REPOSITORY_NAME, RegistryStore, sha256Digest, TAG } from "./store.js";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const MANIFEST_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];

/** The registry as the other parts of the local cloud see it (`ctx.service<RegistryService>("registry")`). */
export interface RegistryService extends Service {
  readonly name: "registry";
  /** The tags of a repository, sorted (empty when it does not exist). */
  listTags(repository: string): string[];
  /** Called after every tag pushed; returns a function that unsubscribes. */
  onPush(listener: (repository: string, tag: string) => void): () => void;
}

type ErrorCode = "NAME_INVALID" | "NAME_UNKNOWN" | "MANIFEST_UNKNOWN" | "MANIFEST_INVALID" | "MANIFEST_BLOB_UNKNOWN" | "BLOB_UNKNOWN" | "BLOB_UPLOAD_UNKNOWN" | "DIGEST_INVALID" | "TAG_INVALID" | "UNSUPPORTED" | "PAGINATION_NUMBER_INVALID";

function fail(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  const body = JSON.stringify({ errors: [{ code, message, detail: {} }] });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "docker-distribution-api-version": "registry/2.0" });
  res.end(body);
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: Buffer | string, head = false): void {
  res.writeHead(status, { "docker-distribution-api-version": "registry/2.0", ...headers });
  res.end(head ? undefined : body);
}

async function readBody(req: IncomingMessage, limit = 512 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Split `/v2/<name>/<rest>` where rest is one of the API's endings; undefined when it is none. */
export function routeOf(path: string): { name: string; kind: "tags" | "manifest" | "blob" | "upload"; ref: string } | undefined {
  const m = /^\/v2\/(.+?)\/(tags\/list|manifests\/([^/]+)|blobs\/uploads\/([^/]*)|blobs\/([^/]+))$/.exec(path);
  if (m === null) return undefined;
  const name = m[1]!;
  if (m[2] === "tags/list") return { name, kind: "tags", ref: "" };
  if (m[3] !== undefined) return { name, kind: "manifest", ref: decodeURIComponent(m[3]) };
  if (m[4] !== undefined) return { name, kind: "upload", ref: m[4] };
  return { name, kind: "blob", ref: decodeURIComponent(m[5]!) };
}

/** The blobs a manifest names (config and layers, or the manifests of an index). */
function referencedDigests(manifest: Record<string, unknown>): string[] {
  const out: string[] = [];
  const config = manifest["config"] as { digest?: string } | undefined;
  if (config?.digest) out.push(config.digest);
  for (const l of (manifest["layers"] as { digest?: string }[] | undefined) ?? []) if (l.digest) out.push(l.digest);
  for (const m of (manifest["manifests"] as { digest?: string }[] | undefined) ?? []) if (m.digest) out.push(m.digest);
  return out;
}

/** A registry handler over a store (the service and tests use it). */
export function registryHandler(store: RegistryStore, onTag: (repository: string, tag: string) => void = () => {}) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://registry.local");
    const method = req.method ?? "GET";
    const head = method === "HEAD";
    const path = url.pathname;
    if (path === "/v2/" || path === "/v2") {
      send(res, 200, { "content-type": "application/json", "content-length": 2 }, "{}", head);
      return;
    }
    if (path === "/v2/_catalog") {
      const repositories = store.repositories();
      const body = JSON.stringify({ repositories });
      send(res, 200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, body, head);
      return;
    }
    const route = routeOf(path);
    if (route === undefined) {
      fail(res, 404, "UNSUPPORTED", `${method} ${path} is not part of the registry's API: the local registry serves /v2/<name>/tags/list, /v2/<name>/manifests/<reference> and /v2/<name>/blobs/...`);
      return;
    }
    if (!REPOSITORY_NAME.test(route.name)) {
      fail(res, 400, "NAME_INVALID", `"${route.name}" is not a repository name: use lowercase letters, digits and separators (".", "_", "-", "/"), e.g. "team/app".`);
      return;
    }
    const name = route.name;

    if (route.kind === "tags" && (method === "GET" || head)) {
      if (!store.hasRepository(name)) {
        fail(res, 404, "NAME_UNKNOWN", `repository ${name} is not in the local registry: push an image to it first.`);
        return;
      }
      let tags = Object.keys(store.tags(name)).sort();
      const last = url.searchParams.get("last");
      if (last !== null) tags = tags.filter((t) => t > last);
      const nRaw = url.searchParams.get("n");
      const headers: Record<string, string | number> = { "content-type": "application/json" };
      if (nRaw !== null) {
        const n = Number(nRaw);
        if (!Number.isInteger(n) || n < 0) {
          fail(res, 400, "PAGINATION_NUMBER_INVALID", `n=${nRaw} is not a page size: give a whole number.`);
          return;
        }
        if (tags.length > n) {
          tags = tags.slice(0, n);
          headers["link"] = `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(tags.at(-1) ?? "")}>; rel="next"`;
        }
      }
      const body = JSON.stringify({ name, tags });
      send(res, 200, { ...headers, "content-length": Buffer.byteLength(body) }, body, head);
      return;
    }

    if (route.kind === "manifest") {
      const ref = route.ref;
      const byDigest = ref.startsWith("sha256:");
      if (byDigest ? !DIGEST.test(ref) : !TAG.test(ref)) {
        fail(res, 400, byDigest ? "DIGEST_INVALID" : "TAG_INVALID", `"${ref}" is not a tag or a sha256 digest.`);
        return;
      }
      if (method === "GET" || head) {
        const tags = store.tags(name);
        const entry = byDigest ? Object.values(tags).find((t) => t.digest === ref) ?? (store.hasBlob(ref) ? { digest: ref, mediaType: mediaTypeOf(store.readBlob(ref)!) } : undefined) : tags[ref];
        const data = entry && store.readBlob(entry.digest);
        if (!entry || !data) {
          fail(res, 404, "MANIFEST_UNKNOWN", `manifest ${name}:${ref} is not in the local registry.`);
          return;
        }
        send(res, 200, { "content-type": entry.mediaType, "content-length": data.length, "docker-content-digest": entry.digest, etag: `"${entry.digest}"` }, data, head);
        return;
      }
      if (method === "PUT") {
        const data = await readBody(req, 4 * 1024 * 1024);
        let manifest: Record<string, unknown>;
        try {
          manifest = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
        } catch {
          fail(res, 400, "MANIFEST_INVALID", "the manifest is not JSON.");
          return;
        }
        const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim() || (manifest["mediaType"] as string | undefined) || OCI_MANIFEST;
        if (!MANIFEST_TYPES.includes(mediaType)) {
          fail(res, 400, "MANIFEST_INVALID", `media type ${mediaType} is not a manifest type the local registry stores (${MANIFEST_TYPES.join(", ")}).`);
          return;
        }
        const missing = referencedDigests(manifest).filter((d) => !store.hasBlob(d));
        if (missing.length > 0) {
          fail(res, 400, "MANIFEST_BLOB_UNKNOWN", `the manifest names blobs not pushed yet: ${missing.join(", ")}. Push them first.`);
          return;
        }
        const digest = store.putBlob(data);
        if (byDigest && digest !== ref) {
          fail(res, 400, "DIGEST_INVALID", `the manifest's digest is ${digest}, not ${ref}.`);
          return;
        }
        // A manifest pushed by digest alone (an index's child) is stored; only a tag names it in the repository.
        if (!byDigest) {
          store.setTag(name, ref, { digest, mediaType });
          onTag(name, ref);
        }
        send(res, 201, { location: `/v2/${name}/manifests/${digest}`, "docker-content-digest": digest, "content-length": 0 });
        return;
      }
      if (method === "DELETE") {
        if (byDigest || !store.deleteTag(name, ref)) {
          fail(res, 404, "MANIFEST_UNKNOWN", byDigest ? "the local registry deletes tags, not manifests by digest." : `tag ${name}:${ref} is not in the local registry.`);
          return;
        }
        send(res, 202, { "content-length": 0 });
        return;
      }
    }

    if (route.kind === "blob" && (method === "GET" || head)) {
      const data = DIGEST.test(route.ref) ? store.readBlob(route.ref) : undefined;
      if (!data) {
        fail(res, 404, "BLOB_UNKNOWN", `blob ${route.ref} is not in the local registry.`);
        return;
      }
      send(res, 200, { "content-type": "application/octet-stream", "content-length": data.length, "docker-content-digest": route.ref }, data, head);
      return;
    }

    if (route.kind === "upload") {
      const id = route.ref;
      const digest = url.searchParams.get("digest");
      if (method === "POST" && id === "") {
        if (digest !== null) {
          // Monolithic upload: the whole blob in the POST.
          const data = await readBody(req);
          if (!DIGEST.test(digest) || sha256Digest(data) !== digest) {
            fail(res, 400, "DIGEST_INVALID", `the blob's digest is ${sha256Digest(data)}, not ${digest}.`);
            return;
          }
          store.putBlob(data);
          send(res, 201, { location: `/v2/${name}/blobs/${digest}`, "docker-content-digest": digest, "content-length": 0 });
          return;
        }
        const upload = store.startUpload();
        send(res, 202, { location: `/v2/${name}/blobs/uploads/${upload}`, range: "0-0", "docker-upload-uuid": upload, "content-length": 0 });
        return;
      }
      if (!store.hasUpload(id)) {
        fail(res, 404, "BLOB_UPLOAD_UNKNOWN", `upload ${id} is not in progress: start one with POST /v2/${name}/blobs/uploads/.`);
        return;
      }
      if (method === "PATCH") {
        const size = store.appendUpload(id, await readBody(req));
        send(res, 202, { location: `/v2/${name}/blobs/uploads/${id}`, range: `0-${Math.max(0, size - 1)}`, "docker-upload-uuid": id, "content-length": 0 });
        return;
      }
      if (method === "PUT") {
        const rest = await readBody(req);
        if (rest.length > 0) store.appendUpload(id, rest);
        const data = store.uploadData(id);
        if (digest === null || !DIGEST.test(digest) || sha256Digest(data) !== digest) {
          fail(res, 400, "DIGEST_INVALID", `the uploaded blob's digest is ${sha256Digest(data)}, not ${digest ?? "(none given: add ?digest=)"}.`);
          return;
        }
        store.putBlob(data);
        store.endUpload(id);
        send(res, 201, { location: `/v2/${name}/blobs/${digest}`, "docker-content-digest": digest, "content-length": 0 });
        return;
      }
      if (method === "DELETE") {
        store.endUpload(id);
        send(res, 204, {});
        return;
      }
    }
    fail(res, 405, "UNSUPPORTED", `${method} is not supported on ${path}.`);
  };
}

function mediaTypeOf(data: Buffer): string {
  try {
    return ((JSON.parse(data.toString("utf8")) as { mediaType?: string }).mediaType) ?? OCI_MANIFEST;
  } catch {
    return "application/octet-stream";
  }
}

/** The registry's {@link ServiceFactory}: data under the service's directory. */
export const createRegistryService: ServiceFactory = (ctx: ServiceContext): RegistryService => {
  const store = new RegistryStore(ctx.dataDir);
  const listeners = new Set<(repository: string, tag: string) => void>();
  const handle = registryHandler(store, (repository, tag) => {
    ctx.log(`pushed ${repository}:${tag}`);
    for (const l of listeners) l(repository, tag);
  });
  return {
    name: "registry",
    handle,
    listTags: (repository) => Object.keys(store.tags(repository)).sort(),
    onPush(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
};

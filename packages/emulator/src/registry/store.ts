/**
 * Where the local registry keeps its images: content-addressed blobs (layers, configs and the
 * manifests themselves) under `blobs/sha256/<hex>`, and each repository's tags in
 * `repositories/<name>/tags.json` (tag to manifest digest and media type). Every write goes to a
 * temporary file renamed into place, so a crash never leaves a half-written blob or tag list.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** A repository name as the distribution spec allows it (`library/app`, `team/app-1`). */
export const REPOSITORY_NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
/** A tag as the distribution spec allows it. */
export const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** The only digest algorithm the registry accepts. */
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface TagEntry {
  readonly digest: string;
  readonly mediaType: string;
}

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function writeAtomic(file: string, data: Buffer | string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomUUID()}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export class RegistryStore {
  constructor(readonly root: string) {
    mkdirSync(join(root, "blobs", "sha256"), { recursive: true });
    mkdirSync(join(root, "uploads"), { recursive: true });
  }

  private blobFile(digest: string): string {
    return join(this.root, "blobs", "sha256", digest.slice("sha256:".length));
  }

  private tagsFile(repository: string): string {
    return join(this.root, "repositories", ...repository.split("/"), "tags.json");
  }

  hasBlob(digest: string): boolean {
    return DIGEST.test(digest) && existsSync(this.blobFile(digest));
  }

  blobSize(digest: string): number | undefined {
    return this.hasBlob(digest) ? statSync(this.blobFile(digest)).size : undefined;
  }

  readBlob(digest: string): Buffer | undefined {
    return this.hasBlob(digest) ? readFileSync(this.blobFile(digest)) : undefined;
  }

  /** Store content; returns its digest. */
  putBlob(data: Buffer): string {
    const digest = sha256Digest(data);
    if (!this.hasBlob(digest)) writeAtomic(this.blobFile(digest), data);
    return digest;
  }

  tags(repository: string): Record<string, TagEntry> {
    try {
      return JSON.parse(readFileSync(this.tagsFile(repository), "utf8")) as Record<string, TagEntry>;
    } catch {
      return {};
    }
  }

  hasRepository(repository: string): boolean {
    return existsSync(this.tagsFile(repository));
  }

  setTag(repository: string, tag: string, entry: TagEntry): void {
    const tags = this.tags(repository);
    tags[tag] = entry;
    writeAtomic(this.tagsFile(repository), JSON.stringify(tags, null, 2) + "\n");
  }

  /** Remove a tag; false when it was not there. */
  deleteTag(repository: string, tag: string): boolean {
    const tags = this.tags(repository);
    if (tags[tag] === undefined) return false;
    delete tags[tag];
    writeAtomic(this.tagsFile(repository), JSON.stringify(tags, null, 2) + "\n");
    return true;
  }

  /** The repositories holding at least a tag list, sorted. */
  repositories(): string[] {
    const out: string[] = [];
    const walk = (dir: string, prefix: string[]) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isFile() && e.name === "tags.json" && prefix.length > 0) out.push(prefix.join("/"));
        else if (e.isDirectory()) walk(join(dir, e.name), [...prefix, e.name]);
      }
    };
    walk(join(this.root, "repositories"), []);
    return out.sort();
  }

  // Uploads in progress: a file per upload id, appended to by PATCH, moved into blobs by the final PUT.

  startUpload(): string {
    const id = randomUUID();
    writeFileSync(this.uploadFile(id), Buffer.alloc(0));
    return id;
  }

  private uploadFile(id: string): string {
    return join(this.root, "uploads", id);
  }

  hasUpload(id: string): boolean {
    return /^[0-9a-f-]{36}$/.test(id) && existsSync(this.uploadFile(id));
  }

  appendUpload(id: string, data: Buffer): number {
    const file = this.uploadFile(id);
    writeFileSync(file, data, { flag: "a" });
    return statSync(file).size;
  }

  uploadData(id: string): Buffer {
    return readFileSync(this.uploadFile(id));
  }

  endUpload(id: string): void {
    rmSync(this.uploadFile(id), { force: true });
  }
}

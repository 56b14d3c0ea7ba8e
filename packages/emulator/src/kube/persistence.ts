/**
 * The cluster on disk: `<dataDir>/kube.json` holds the resourceVersion counter and every object.
 * Writes are debounced and atomic (temp file + rename), and flushed on close, so a crash never
 * leaves a half-written file and a restart sees what clients last saw.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { StoreSnapshot } from "./store.js";

interface FileFormat {
  readonly version: 1;
  readonly resourceVersion: number;
  readonly objects: StoreSnapshot["objects"];
}

/** Read a snapshot; undefined when the file does not exist yet. */
export function loadSnapshot(path: string): StoreSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const data = JSON.parse(text) as FileFormat;
  if (data.version !== 1 || !Array.isArray(data.objects)) {
    throw new Error(`${path} is not a Kubernetes emulator state file (version 1); move it away to start with an empty cluster`);
  }
  return { resourceVersion: data.resourceVersion, objects: data.objects };
}

export function saveSnapshot(path: string, snapshot: StoreSnapshot): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const data: FileFormat = { version: 1, resourceVersion: snapshot.resourceVersion, objects: snapshot.objects };
  writeFileSync(tmp, JSON.stringify(data));
  renameSync(tmp, path);
}

/** Debounced saving of a store's snapshot. */
export class SnapshotWriter {
  readonly #path: string;
  readonly #snapshot: () => StoreSnapshot;
  readonly #delayMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { path: string; snapshot: () => StoreSnapshot; delayMs?: number }) {
    this.#path = options.path;
    this.#snapshot = options.snapshot;
    this.#delayMs = options.delayMs ?? 100;
  }

  /** Save soon (many changes in a burst make one write). */
  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      saveSnapshot(this.#path, this.#snapshot());
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Save now if a save is pending. */
  flush(): void {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    saveSnapshot(this.#path, this.#snapshot());
  }
}

/**
 * The emulated ARM's memory: resources and operations, persisted to `<dataDir>/arm.json`.
 * Writes are atomic (temp file + rename) and debounced after mutations, and flushed on close, so a
 * killed process loses at most the last few milliseconds and never leaves a torn file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ArmState, OperationRecord, ResourceRecord } from "./model.js";

/** Options of {@link ArmStore}. */
export interface ArmStoreOptions {
  /** Directory holding `arm.json`. */
  readonly dataDir: string;
  /** Debounce delay of writes after a mutation, in milliseconds. */
  readonly saveDelayMs?: number;
  readonly log?: (message: string) => void;
}

function emptyState(): ArmState {
  return { version: 1, resources: {}, operations: {} };
}

/** The key of a resource id: ids are matched case-insensitively. */
export function keyOf(id: string): string {
  return id.toLowerCase();
}

export class ArmStore {
  readonly file: string;
  #state: ArmState;
  #timer: NodeJS.Timeout | undefined;
  readonly #saveDelayMs: number;
  readonly #log: (message: string) => void;

  constructor(options: ArmStoreOptions) {
    this.file = join(options.dataDir, "arm.json");
    this.#saveDelayMs = options.saveDelayMs ?? 50;
    this.#log = options.log ?? (() => {});
    this.#state = this.#load();
  }

  #load(): ArmState {
    if (!existsSync(this.file)) return emptyState();
    try {
      const parsed = JSON.parse(readFileSync(this.file, "utf8")) as Partial<ArmState>;
      if (parsed.version !== 1 || typeof parsed.resources !== "object" || typeof parsed.operations !== "object") {
        throw new Error("unknown layout");
      }
      return { version: 1, resources: parsed.resources ?? {}, operations: parsed.operations ?? {}, subscriptionTags: parsed.subscriptionTags ?? {}, tagNames: parsed.tagNames ?? {} };
    } catch (err) {
      // A broken file must not stop the local cloud; keep it aside for inspection and start empty.
      const aside = `${this.file}.broken-${Date.now()}`;
      renameSync(this.file, aside);
      this.#log(`could not read ${this.file} (${(err as Error).message}); moved it to ${aside} and started empty`);
      return emptyState();
    }
  }

  /** A resource by id (any casing). */
  get(id: string): ResourceRecord | undefined {
    return this.#state.resources[keyOf(id)];
  }

  /** Every resource, in insertion order. */
  all(): ResourceRecord[] {
    return Object.values(this.#state.resources);
  }

  /** Every resource whose id starts with `prefix` + `/` (case-insensitive): what a group or account holds. */
  under(prefix: string): ResourceRecord[] {
    const p = keyOf(prefix) + "/";
    return Object.entries(this.#state.resources)
      .filter(([k]) => k.startsWith(p))
      .map(([, r]) => r);
  }

  put(record: ResourceRecord): void {
    this.#state.resources[keyOf(record.id)] = record;
    this.changed();
  }

  remove(id: string): void {
    delete this.#state.resources[keyOf(id)];
    this.changed();
  }

  operation(id: string): OperationRecord | undefined {
    return this.#state.operations[id];
  }

  operations(): OperationRecord[] {
    return Object.values(this.#state.operations);
  }

  putOperation(op: OperationRecord): void {
    this.#state.operations[op.id] = op;
    this.changed();
  }

  removeOperation(id: string): void {
    delete this.#state.operations[id];
    this.changed();
  }

  /** A subscription's own tags. */
  subscriptionTags(sub: string): Record<string, string> {
    return { ...(this.#state.subscriptionTags?.[keyOf(sub)] ?? {}) };
  }

  setSubscriptionTags(sub: string, tags: Record<string, string>): void {
    this.#state.subscriptionTags = { ...this.#state.subscriptionTags, [keyOf(sub)]: tags };
    this.changed();
  }

  /** A subscription's predefined tag names, each with its predefined values. */
  tagNames(sub: string): Record<string, string[]> {
    return { ...(this.#state.tagNames?.[keyOf(sub)] ?? {}) };
  }

  setTagNames(sub: string, names: Record<string, string[]>): void {
    this.#state.tagNames = { ...this.#state.tagNames, [keyOf(sub)]: names };
    this.changed();
  }

  /** Schedule a write. */
  changed(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#saveDelayMs);
    // A pending write must not keep a test process alive; close() flushes anyway.
    this.#timer.unref();
  }

  /** Write now, atomically. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const tmp = `${this.file}.${process.pid}.tmp`;
    // The file holds storage account keys, as the real cloud does: readable by the owner only.
    writeFileSync(tmp, JSON.stringify(this.#state, null, 1) + "\n", { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/**
 * The store's change events: delivered synchronously to subscribers and kept in a bounded
 * history so a watch can resume from a resourceVersion (or learn it is too old: 410 Expired).
 */
import type { StoreEvent } from "./types.js";

export class EventLog {
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #history: StoreEvent[] = [];
  readonly #limit: number;
  #oldest = 0;

  constructor(limit = 5000) {
    this.#limit = limit;
  }

  /** Forget everything before this resourceVersion (after loading a snapshot). */
  reset(resourceVersion: number): void {
    this.#history.length = 0;
    this.#oldest = resourceVersion;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events after a resourceVersion, or undefined when that is older than the history kept. */
  since(rv: number): StoreEvent[] | undefined {
    if (rv < this.#oldest) return undefined;
    return this.#history.filter((e) => e.resourceVersion > rv);
  }

  /** The oldest resourceVersion a watch can resume from. */
  oldest(): number {
    return this.#oldest;
  }

  record(event: StoreEvent): void {
    this.#history.push(event);
    if (this.#history.length > this.#limit) this.#oldest = this.#history.shift()!.resourceVersion;
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A failing watcher must not fail the write that notified it.
      }
    }
  }
}

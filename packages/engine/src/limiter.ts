/**
 * A counting semaphore: at most `limit` steps run at once (`--parallel`). Waiters are served in
 * arrival order from an array with a moving head, so 10,000 queued steps cost O(1) each. A call
 * that finds a free slot allocates nothing but the promise `fn` returns and its `finally`.
 */
export class Limiter {
  readonly #limit: number;
  #running = 0;
  #queue: (() => void)[] = [];
  #head = 0;
  readonly #release = (): void => this.#next();

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  /** Callers waiting for a slot (every slot is busy when this is above zero). */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** Runs `fn` once a slot is free; the slot is released when it settles. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running < this.#limit) {
      this.#running++;
      return this.#go(fn);
    }
    return new Promise<void>((resolve) => this.#queue.push(resolve)).then(() => this.#go(fn));
  }

  #go<T>(fn: () => Promise<T>): Promise<T> {
    let p: Promise<T>;
    try {
      p = fn();
    } catch (error) {
      this.#next();
      return Promise.reject(error);
    }
    return p.finally(this.#release);
  }

  #next(): void {
    if (this.#head < this.#queue.length) {
      // The slot passes straight to the next waiter: #running stays the same.
      const next = this.#queue[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      next();
    } else {
      this.#running--;
    }
  }
}

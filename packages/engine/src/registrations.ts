/**
 * Bookkeeping of the URNs a program declares: each is reserved by its constructor, then either
 * registered (and later settled by its step) or abandoned by the SDK (its inputs failed, so it
 * will never be registered). The run is over when every reserved URN is settled: a count, not a
 * timer. Waiting on a URN allocates only when someone actually waits (a dependent), so 10,000
 * declarations cost 10,000 small objects and no promises.
 */
import { DuplicateUrnError } from "./errors.js";

/** How a declared resource ended. */
export type Outcome = { readonly kind: "ok" } | { readonly kind: "failed" | "skipped"; readonly reason: string };

const OK: Outcome = { kind: "ok" };

/** The outcome of a step that succeeded (shared: no allocation per resource). */
export function ok(): Outcome {
  return OK;
}

interface Entry {
  registered: boolean;
  outcome: Outcome | undefined;
  waiters: ((o: Outcome) => void)[] | undefined;
}

/** The declared URNs of one program run and how each ended. */
export class Registrations {
  readonly #entries = new Map<string, Entry>();
  #unsettled = 0;
  #onIdle: (() => void) | undefined;

  /** Every URN the program declared (reserved), registered or not. */
  urns(): Iterable<string> {
    return this.#entries.keys();
  }

  has(urn: string): boolean {
    return this.#entries.has(urn);
  }

  isRegistered(urn: string): boolean {
    return this.#entries.get(urn)?.registered === true;
  }

  /** @throws DuplicateUrnError when `urn` was reserved already. */
  reserve(urn: string): void {
    if (this.#entries.has(urn)) throw new DuplicateUrnError(urn);
    this.#entries.set(urn, { registered: false, outcome: undefined, waiters: undefined });
    this.#unsettled++;
  }

  /** Marks `urn` registered (reserving it when the SDK did not). @throws DuplicateUrnError on a second registration. */
  register(urn: string): void {
    let e = this.#entries.get(urn);
    if (!e) {
      this.reserve(urn);
      e = this.#entries.get(urn)!;
    }
    if (e.registered || e.outcome) throw new DuplicateUrnError(urn);
    e.registered = true;
  }

  /** Records how `urn` ended (the first outcome wins) and wakes whoever waits for it. */
  settle(urn: string, outcome: Outcome): void {
    const e = this.#entries.get(urn);
    if (!e || e.outcome) return;
    e.outcome = outcome;
    const waiters = e.waiters;
    e.waiters = undefined;
    if (waiters) for (const w of waiters) w(outcome);
    if (--this.#unsettled === 0) this.#onIdle?.();
  }

  /** True when `urn` was reserved and neither registered nor settled yet. */
  isPendingRegistration(urn: string): boolean {
    const e = this.#entries.get(urn);
    return e !== undefined && !e.registered && e.outcome === undefined;
  }

  /** The URNs not settled yet: registered (waiting or stepping) or only reserved (waiting for inputs). */
  unsettled(): { readonly urn: string; readonly registered: boolean }[] {
    const out: { urn: string; registered: boolean }[] = [];
    for (const [urn, e] of this.#entries) if (!e.outcome) out.push({ urn, registered: e.registered });
    return out;
  }

  /** True when `urn` has settled with a failure or a skip. */
  isSettledNotOk(urn: string): boolean {
    const o = this.#entries.get(urn)?.outcome;
    return o !== undefined && o.kind !== "ok";
  }

  /** The outcome of `urn` if it has one, `"pending"` while it has none, undefined for URNs never declared. Allocates nothing. */
  peek(urn: string): Outcome | "pending" | undefined {
    const e = this.#entries.get(urn);
    if (!e) return undefined;
    return e.outcome ?? "pending";
  }

  /** The outcome of `urn` once it has one; undefined at once for URNs never declared. */
  outcomeOf(urn: string): Outcome | undefined | Promise<Outcome> {
    const e = this.#entries.get(urn);
    if (!e) return undefined;
    if (e.outcome) return e.outcome;
    return new Promise<Outcome>((resolve) => (e.waiters ??= []).push(resolve));
  }

  /**
   * Resolves once every declared URN has settled. A settled step hands its outputs to the program,
   * which may declare more resources in reaction (an `apply` that constructs one): those run as
   * microtasks, all of which finish before the next macrotask, so the count is checked again
   * after one `setImmediate` before the program is taken to be done.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#unsettled > 0) {
        await new Promise<void>((resolve) => (this.#onIdle = resolve));
        this.#onIdle = undefined;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#unsettled === 0) return;
    }
  }
}

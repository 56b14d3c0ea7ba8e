/**
 * A cap on V8's young generation, without a node flag.
 *
 * A program declaring thousands of resources keeps most of what it allocates, and V8 grows its new
 * space (doubling it) each time the objects that survived scavenges since the last growth exceed
 * its size, up to `--max-semi-space-size` (2 x 32 MB or more on a machine with a lot of memory). The
 * pages it grows to stay resident: with node's defaults an `up` of 10,000 resources peaked at
 * 250-315 MB, about 230 MB of it V8's heap, against ~180 MB with 16 MB semi-spaces at the same speed
 * (docs/engine.md, Performance). `--max-semi-space-size` is read once, when V8 starts, so giving it
 * later (`v8.setFlagsFromString`) has no effect; the growth factor (`--semi-space-growth-factor`,
 * default 2) is read at each growth. So once the new space has reached the cap, the factor is set to
 * 1 and the new space stays where it is. (A factor of 1 from the start keeps the initial 1 MB and
 * promotes short-lived objects too early: measured, no smaller and slower.)
 *
 * Checked every {@link CHECK_EVERY} calls of {@link YoungGenerationCap.tick}, which the monitor
 * calls for each resource a program declares (from inside the program's own synchronous loops,
 * where no timer or GC observer could run) and the deployment for each step counted (a destroy or a
 * refresh runs no program). A process started with either flag is left as it is.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Semi-space size the young generation is held to (MB): what `iac` also gives node as a flag. */
export const SEMI_SPACE_MB = 16;

const CHECK_EVERY = 64;
const MB = 1024 * 1024;

/** The flags that, given by the user, say how the young generation should grow: then left alone. */
const USER_FLAGS = ["--max-semi-space-size", "--semi-space-growth-factor", "--max_semi_space_size", "--semi_space_growth_factor"];

/** Holds V8's young generation to {@link SEMI_SPACE_MB} semi-spaces once it has grown to them. */
export class YoungGenerationCap {
  readonly #limit: number;
  #calls = 0;
  #done: boolean;

  constructor(options: { readonly semiSpaceMb?: number; readonly execArgv?: readonly string[]; readonly nodeOptions?: string } = {}) {
    // V8 reports both semi-spaces, and grows them by powers of two: past 1.5 semi-spaces of the cap
    // means it has reached the cap (2 x 16 MB), not the step below it (2 x 8 MB).
    this.#limit = 1.5 * (options.semiSpaceMb ?? SEMI_SPACE_MB) * MB;
    const given = [...(options.execArgv ?? process.execArgv), ...(options.nodeOptions ?? process.env.NODE_OPTIONS ?? "").split(/\s+/)];
    this.#done = given.some((a) => USER_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
  }

  /** True once the new space has been held at the cap (or the user's flags decide). */
  get held(): boolean {
    return this.#done;
  }

  /** Cheap: checks the new space's size every {@link CHECK_EVERY} calls. */
  tick(): void {
    if (this.#done || ++this.#calls % CHECK_EVERY !== 0) return;
    this.check();
  }

  /** Stops the new space growing once it has reached the cap. */
  check(): void {
    if (this.#done) return;
    const size = getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size;
    if (size === undefined) {
      // Not a V8 that reports it: nothing to hold.
      this.#done = true;
      return;
    }
    if (size > this.#limit) {
      setFlagsFromString("--semi-space-growth-factor=1");
      this.#done = true;
    }
  }
}

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection, now: for the points where the engine knows that most of the heap has
 * just become garbage (the end of `up`'s planning pass). Uses `globalThis.gc` when node was started
 * with `--expose-gc`; otherwise exposes it (`--expose-gc` given at run time takes effect for contexts
 * created afterwards, so a fresh context hands it out). Where that is not possible, does nothing.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      const own = (globalThis as { gc?: () => void }).gc;
      if (typeof own === "function") gc = own;
      else {
        setFlagsFromString("--expose-gc");
        const exposed = runInNewContext("typeof gc === 'function' ? gc : undefined") as (() => void) | undefined;
        gc = exposed ?? null;
      }
    } catch {
      gc = null;
    }
  }
  gc?.();
}

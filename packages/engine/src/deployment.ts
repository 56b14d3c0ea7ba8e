/**
 * The state of one run that every part shares: the operation, the state being built, the
 * providers, the step limiter, counters and the event sink. Created by `run` and passed down; never
 * module-level.
 */
import type { PropertyDiff, PropertyMap, ProviderContext, ProviderLogger } from "@iac/sdk/provider";
import type { EventSink, Operation, StepInfo, StepKind } from "./api.js";
import { EngineError, errorCode, errorMessage } from "./errors.js";
import type { DeleteFirst } from "./delete-first.js";
import type { Limiter } from "./limiter.js";
import type { ProviderRegistry } from "./providers.js";
import type { ResourceState, StateWriter } from "./state/types.js";
import { mask } from "./values.js";
import type { YoungGenerationCap } from "./young-generation.js";

/** Options of {@link Deployment}. */
export interface DeploymentOptions {
  readonly operation: Operation;
  /** No side effects: no provider create/update/delete, no state writes. */
  readonly preview: boolean;
  readonly project: string;
  readonly stack: string;
  readonly projectDir: string;
  readonly config: Readonly<Record<string, import("@iac/sdk/provider").PropertyValue>>;
  readonly emit: EventSink;
  /** Absent during preview. */
  readonly writer?: StateWriter;
  /** The state at the start (resources and pending-delete copies). */
  readonly resources: readonly ResourceState[];
  readonly providers: ProviderRegistry;
  readonly limiter: Limiter;
  /** Bounds the steps holding a `begin` (see {@link Deployment.lookahead}). */
  readonly lookahead: Limiter;
  /** Bounds the steps past their dependency wait at once (see {@link Deployment.admission}). */
  readonly admission: Limiter;
  /** Ctrl-C: start nothing new. */
  readonly signal: AbortSignal;
  /** What providers get as `ctx.signal`: aborts calls in flight (never the first Ctrl-C). */
  readonly providerSignal: AbortSignal;
  readonly targets?: ReadonlySet<string>;
  /** Aborted when the stack's lock is lost while held: the run stops (see {@link Deployment.notStarted}). */
  readonly lockLost?: AbortSignal;
  /**
   * Only failures, skips and diagnostics are listened to (the planning pass of `up`): events of
   * steps that went well (planned, started, done) need not be built.
   */
  readonly quiet?: boolean;
  /** Held to 16 MB semi-spaces as the program declares resources (young-generation.ts); one per run. */
  readonly youngGeneration?: YoungGenerationCap;
}

/** What stopped a run early, besides the user's Ctrl-C. */
export type StopCause = "state-write" | "lock-lost" | "interrupted";

/** The reason a step that was not started shows, by what stopped the run. */
const NOT_STARTED: Record<StopCause, string> = {
  "state-write": "not started: the state could not be written",
  "lock-lost": "not started: the stack's lock was lost",
  interrupted: "interrupted",
};

/** Shared, mutable bookkeeping of one run. */
export class Deployment {
  readonly operation: Operation;
  readonly preview: boolean;
  readonly project: string;
  readonly stack: string;
  readonly projectDir: string;
  readonly config: DeploymentOptions["config"];
  readonly writer: StateWriter | undefined;
  readonly providers: ProviderRegistry;
  readonly limiter: Limiter;
  /**
   * Steps between their `begin` and the end of their cloud call: four times `--parallel`, so that up
   * to three times `--parallel` steps have a durable `begin` while they wait for a `--parallel` slot
   * (steps.ts inSlot; run.ts LOOKAHEAD_PER_SLOT).
   */
  readonly lookahead: Limiter;
  /**
   * Steps in progress at once (check, diff, waiting for a `--parallel` slot, the state write), a
   * few times `--parallel`: enough to keep every slot busy, few enough that a step's short-lived
   * objects die young instead of 10,000 half-done steps holding theirs while they queue.
   */
  readonly admission: Limiter;
  readonly signal: AbortSignal;
  readonly providerSignal: AbortSignal;
  readonly targets: ReadonlySet<string> | undefined;
  readonly youngGeneration: YoungGenerationCap | undefined;
  /** See {@link DeploymentOptions.quiet}: step events other than failures and skips are not emitted. */
  readonly quiet: boolean;
  /** Provider calls sent and not finished (what an interrupted run waits for), by a key of their own. */
  readonly inFlight = new Map<object, { readonly urn: string; readonly op: string }>();
  /** Live resources by URN (pending-delete copies excluded); refresh and pending-op resolution update it. */
  readonly olds = new Map<string, ResourceState>();
  /** Old copies waiting for deletion: left by an earlier run, or by a create-before-delete replace now. */
  readonly pendingDeletes: ResourceState[] = [];
  /** Old URNs a registration of this run has taken (by URN or alias): their steps are this run's. */
  readonly claimed = new Set<string>();
  /**
   * Resources deleted in this run because a resource they depend on was replaced
   * delete-before-replace and they had to be replaced with it: their create is reported as a replace.
   */
  readonly recreating = new Map<string, ResourceState>();
  /** Old resources by the URNs their inputs come from; made by the first delete-before-replace that needs it. */
  dependentsIndex: Map<string, ResourceState[]> | undefined;
  /**
   * Creates of an earlier run that stay pending because the cloud may still be making the object
   * (URN -> why): this run must not create these URNs again (pending.ts, steps.ts).
   */
  readonly pendingCreates = new Map<string, string>();
  /**
   * In `up`'s apply pass, when its plan found resources the program no longer declares: their
   * deletes that must come before an update (delete-first.ts).
   */
  deleteFirst: DeleteFirst | undefined;
  /** Under --target: an untargeted resource the state does not have was declared (its outputs are stand-ins). */
  untargetedMissing = false;
  readonly counts: Partial<Record<StepKind, number>> = {};
  failed = 0;
  changes = false;
  /** Set by `run` so providers can read explicit provider inputs registered by the program. */
  attachMonitor: ((monitor: import("./monitor.js").DeploymentMonitor) => void) | undefined;
  readonly #emit: EventSink;
  /** Writes handed to {@link recorded} whose durability is not confirmed yet. */
  readonly #unsettled = new Set<Promise<void>>();
  /** The first of those that failed. */
  #writeFailure: { readonly error: unknown } | undefined;

  constructor(options: DeploymentOptions) {
    this.operation = options.operation;
    this.preview = options.preview;
    this.project = options.project;
    this.stack = options.stack;
    this.projectDir = options.projectDir;
    this.config = options.config;
    this.writer = options.writer;
    this.providers = options.providers;
    this.limiter = options.limiter;
    this.lookahead = options.lookahead;
    this.admission = options.admission;
    this.signal = options.signal;
    this.providerSignal = options.providerSignal;
    this.targets = options.targets;
    this.youngGeneration = options.youngGeneration;
    this.quiet = options.quiet === true;
    this.#lockLost = options.lockLost;
    this.#emit = options.emit;
    this.#stopped = options.signal.aborted;
    if (!this.#stopped) options.signal.addEventListener("abort", () => (this.#stopped = true), { once: true });
    for (const r of options.resources) {
      if (r.pendingDelete) this.pendingDeletes.push(r);
      else this.olds.set(r.urn, r);
    }
  }

  /** True once the user interrupted (or the state could not be written, or the lock was lost): no new steps start. */
  get interrupted(): boolean {
    return this.#stopped;
  }

  /**
   * `signal.aborted`, kept by a listener: read for every step, and reading `aborted` on a signal
   * made by `AbortSignal.any` (the run's, when the lock can be lost) walks its sources each time.
   * An abort event is dispatched synchronously, so this is never behind the signal.
   */
  #stopped = false;

  readonly #lockLost: AbortSignal | undefined;
  /** Steps reported as not started because of a stop other than Ctrl-C (for {@link Deployment.stopNotice}). */
  #notStarted = 0;

  /** Why no new step starts. */
  get stopCause(): StopCause {
    if (this.writer?.failed?.aborted) return "state-write";
    if (this.#lockLost?.aborted) return "lock-lost";
    return "interrupted";
  }

  /**
   * Reports a step that did not start because the run stopped (skipped, with a short reason; the
   * cause and what to do are said once, by {@link Deployment.stopNotice} and the run's error).
   */
  notStarted(step: StepInfo): void {
    const cause = this.stopCause;
    if (cause !== "interrupted") this.#notStarted++;
    this.skipped(step, NOT_STARTED[cause]);
  }

  /**
   * Reports a step whose cloud call was sent (its pending operation is recorded) but whose result
   * could not be written because the state write failed: failed, with what the next run does.
   */
  unrecorded(step: StepInfo, error: unknown, startedAt: number): void {
    this.#unrecorded++;
    const what = step.kind === "delete" ? "the delete" : "the cloud call";
    this.stepFailed(
      step,
      new EngineError(`${what} was sent, but its result is not recorded: the next run resolves it (pending operation)`, { code: "NotRecorded", cause: error }),
      startedAt,
    );
  }

  #unrecorded = 0;

  /** True when `error` is a state write refused because an earlier one failed (see {@link notStarted}, {@link unrecorded}). */
  isRefusedWrite(error: unknown): boolean {
    const failed = this.writer?.failed;
    return failed?.aborted === true && error instanceof Error && (error === failed.reason || error.cause === failed.reason);
  }

  /** Once, at the end of a run that stopped on a failed state write or a lost lock: what happened to the steps it did not start. */
  stopNotice(): void {
    if (this.#notStarted === 0 && this.#unrecorded === 0) return;
    const why = this.stopCause === "lock-lost" ? "the stack's lock was lost" : "the state could not be written";
    const parts = [
      ...(this.#notStarted > 0 ? [`${this.#notStarted} step(s) were not started (nothing was sent to the cloud for them)`] : []),
      ...(this.#unrecorded > 0 ? [`${this.#unrecorded} cloud call(s) were sent but their results are not recorded (their pending operations are: the next run resolves them)`] : []),
    ];
    this.diagnostic("warning", `The run stopped because ${why}: ${parts.join("; ")}. Fix the cause (see the error) and run the command again; it carries on from what the state recorded.`);
  }

  /** True when `urn` may be acted on (no `--target`, or targeted). */
  isTargeted(urn: string): boolean {
    return this.targets === undefined || this.targets.has(urn);
  }

  /** The writer; only called on paths that preview never reaches. */
  write(): StateWriter {
    if (!this.writer) throw new Error("a state write was attempted during preview (this is a bug in iac; please report it)");
    return this.writer;
  }

  /**
   * Goes on without waiting for `write` (a state write already queued, e.g. a step's `end`) to be
   * durable. That is safe because the journal is append-only and flushed in order (see
   * `StateWriter`): any later write that is awaited, such as a dependent step's `begin` before its
   * cloud call, becomes durable only together with this one. {@link durable} waits for them all
   * and throws the first failure, so an error here fails the run and is never an unhandled rejection.
   */
  recorded(write: Promise<void>): void {
    const settled: Promise<void> = write.then(
      () => void this.#unsettled.delete(settled),
      (error: unknown) => {
        this.#writeFailure ??= { error };
        this.#unsettled.delete(settled);
      },
    );
    this.#unsettled.add(settled);
  }

  /**
   * What a step waits for after queueing its `end` write before it hands its result on: nothing
   * when a `--parallel` slot is free (the run is bound by chains of dependencies, and a dependent
   * that starts now gains the time of a flush per link; the write is {@link recorded}); the write's
   * durability when steps are queueing for slots (the run is bound by slots: a dependent that
   * starts earlier only queues, and its check, diff and the program's work would run on the main
   * thread while the slots' `begin` flushes wait for it; later, that work overlaps the cloud calls).
   */
  handOff(write: Promise<void>): Promise<void> {
    if (this.lookahead.waiting > 0 || this.limiter.waiting > 0) return write;
    this.recorded(write);
    return Promise.resolve();
  }

  /** Waits until every write handed to {@link recorded} is durable; rejects with the first that failed. */
  async durable(): Promise<void> {
    while (this.#unsettled.size > 0) await Promise.all(this.#unsettled);
    if (this.#writeFailure) throw this.#writeFailure.error;
  }

  /**
   * `new Date().toISOString()`, made once per millisecond: every step stamps its pending operation
   * and its record, several steps a millisecond in a large run (and their records share the string).
   */
  isoNow(): string {
    const ms = Date.now();
    if (ms !== this.#clockMs) {
      this.#clockMs = ms;
      this.#clockIso = new Date(ms).toISOString();
    }
    return this.#clockIso;
  }

  #clockMs = -1;
  #clockIso = "";

  count(kind: StepKind): void {
    // Every step, whatever the operation (a destroy or refresh runs no program to declare resources).
    this.youngGeneration?.tick();
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    if (kind !== "same") this.changes = true;
  }

  diagnostic(severity: "debug" | "info" | "warning" | "error", message: string, urn?: string): void {
    this.#emit({ kind: "diagnostic", severity, message, ...(urn === undefined ? {} : { urn }), time: Date.now() });
  }

  planned(step: StepInfo): void {
    if (this.quiet) return;
    this.#emit({ kind: "step-planned", step, time: Date.now() });
  }

  started(step: StepInfo): void {
    if (this.quiet) return;
    this.#emit({ kind: "step-start", step, time: Date.now() });
  }

  done(step: StepInfo, startedAt: number): void {
    if (this.quiet) return;
    this.#emit({ kind: "step-done", step, durationMs: performance.now() - startedAt, time: Date.now() });
  }

  stepFailed(step: StepInfo, error: unknown, startedAt: number): void {
    this.failed++;
    this.#emit({
      kind: "step-failed",
      step,
      error: { code: errorCode(error), message: errorMessage(error) },
      durationMs: performance.now() - startedAt,
      time: Date.now(),
    });
  }

  skipped(step: StepInfo, reason: string): void {
    this.#emit({ kind: "step-skipped", step, reason, time: Date.now() });
  }

  emit: EventSink = (event) => this.#emit(event);

  /** The context every provider call of one resource receives; `log` becomes diagnostic events. */
  providerContext(r: { readonly urn: string; readonly type: string; readonly name: string; readonly timeouts?: ProviderContext["timeouts"] }): ProviderContext {
    return new StepProviderContext(this, r.urn, r.type, r.name, r.timeouts ?? NO_TIMEOUTS);
  }

  logger(urn?: string): ProviderLogger {
    return {
      debug: (m) => this.diagnostic("debug", m, urn),
      info: (m) => this.diagnostic("info", m, urn),
      warn: (m) => this.diagnostic("warning", m, urn),
    };
  }
}

/** The logical name in a URN (`...::<name>`). */
export function nameOfUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

/** Builds the masked {@link StepInfo} of a step; `olds`/`news` hold only the properties the diff names. */
export function stepInfo(options: {
  readonly urn: string;
  readonly type: string;
  readonly name?: string | undefined;
  readonly parent?: string | undefined;
  readonly kind: StepKind;
  readonly deleteBeforeReplace?: boolean | undefined;
  readonly diffs?: readonly PropertyDiff[] | undefined;
  readonly olds?: PropertyMap | undefined;
  readonly news?: PropertyMap | undefined;
}): StepInfo {
  // Built field by field, without spreads of temporaries: one object per step event.
  const info: { -readonly [K in keyof StepInfo]: StepInfo[K] } = {
    urn: options.urn,
    type: options.type,
    name: options.name ?? nameOfUrn(options.urn),
    kind: options.kind,
  };
  const { diffs } = options;
  if (options.parent !== undefined) info.parent = options.parent;
  if (options.deleteBeforeReplace !== undefined) info.deleteBeforeReplace = options.deleteBeforeReplace;
  if (diffs !== undefined) info.diffs = diffs;
  if (options.olds) info.olds = pick(options.olds, diffs);
  if (options.news) info.news = pick(options.news, diffs);
  return info;
}

/** The masked properties of `m` that `diffs` name (all of them without diffs; `mask` copies only when it must). */
function pick(m: PropertyMap, diffs: readonly PropertyDiff[] | undefined): Record<string, unknown> {
  if (!diffs) return mask(m) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const d of diffs) {
    const top = /^[^.[]+/.exec(d.path)?.[0] ?? d.path;
    if (top in m) out[top] = mask(m[top]);
  }
  return out;
}

const NO_TIMEOUTS: ProviderContext["timeouts"] = Object.freeze({});

/**
 * A {@link ProviderContext} whose logger is made on first use: most steps never log, and 10,000
 * steps would otherwise each carry three closures.
 */
class StepProviderContext implements ProviderContext {
  readonly preview: boolean;
  readonly signal: AbortSignal;
  readonly #dep: Deployment;
  #log: ProviderLogger | undefined;
  constructor(
    dep: Deployment,
    readonly urn: string,
    readonly type: string,
    readonly name: string,
    readonly timeouts: ProviderContext["timeouts"],
  ) {
    this.#dep = dep;
    this.preview = dep.preview;
    // Not the interrupt: a first Ctrl-C lets calls already sent finish (see RunOptions.signal).
    this.signal = dep.providerSignal;
  }
  get log(): ProviderLogger {
    return (this.#log ??= this.#dep.logger(this.urn));
  }
}

/**
 * The state of one run that every part shares: the operation, the state being built, the
 * providers, the step limiter, counters and the event sink. Created by `run` and passed down; never
 * module-level.
 */
import type { PropertyDiff, PropertyMap, ProviderContext, ProviderLogger } from "@iac/sdk/provider";
import type { EventSink, Operation, StepInfo, StepKind } from "./api.js";
import { errorCode, errorMessage } from "./errors.js";
import type { Limiter } from "./limiter.js";
import type { ProviderRegistry } from "./providers.js";
import type { ResourceState, StateWriter } from "./state/types.js";
import { mask } from "./values.js";

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
  readonly signal: AbortSignal;
  readonly targets?: ReadonlySet<string>;
}

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
  readonly signal: AbortSignal;
  readonly targets: ReadonlySet<string> | undefined;
  /** Live resources by URN (pending-delete copies excluded); refresh and pending-op resolution update it. */
  readonly olds = new Map<string, ResourceState>();
  /** Old copies waiting for deletion: left by an earlier run, or by a create-before-delete replace now. */
  readonly pendingDeletes: ResourceState[] = [];
  readonly counts: Partial<Record<StepKind, number>> = {};
  failed = 0;
  changes = false;
  /** Set by `run` so providers can read explicit provider inputs registered by the program. */
  attachMonitor: ((monitor: import("./monitor.js").DeploymentMonitor) => void) | undefined;
  readonly #emit: EventSink;

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
    this.signal = options.signal;
    this.targets = options.targets;
    this.#emit = options.emit;
    for (const r of options.resources) {
      if (r.pendingDelete) this.pendingDeletes.push(r);
      else this.olds.set(r.urn, r);
    }
  }

  /** True once the user interrupted: no new steps start. */
  get interrupted(): boolean {
    return this.signal.aborted;
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

  count(kind: StepKind): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    if (kind !== "same") this.changes = true;
  }

  diagnostic(severity: "debug" | "info" | "warning" | "error", message: string, urn?: string): void {
    this.#emit({ kind: "diagnostic", severity, message, ...(urn === undefined ? {} : { urn }), time: Date.now() });
  }

  planned(step: StepInfo): void {
    this.#emit({ kind: "step-planned", step, time: Date.now() });
  }

  started(step: StepInfo): void {
    this.#emit({ kind: "step-start", step, time: Date.now() });
  }

  done(step: StepInfo, startedAt: number): void {
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
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      preview: this.preview,
      signal: this.signal,
      log: this.logger(r.urn),
      timeouts: r.timeouts ?? {},
    };
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
  readonly name?: string;
  readonly parent?: string;
  readonly kind: StepKind;
  readonly deleteBeforeReplace?: boolean;
  readonly diffs?: readonly PropertyDiff[];
  readonly olds?: PropertyMap;
  readonly news?: PropertyMap;
}): StepInfo {
  const { diffs } = options;
  const pick = (m: PropertyMap | undefined): Record<string, unknown> | undefined => {
    if (!m) return undefined;
    if (!diffs) return mask(m) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const d of diffs) {
      const top = /^[^.[]+/.exec(d.path)?.[0] ?? d.path;
      if (top in m) out[top] = mask(m[top]);
    }
    return out;
  };
  const olds = pick(options.olds);
  const news = pick(options.news);
  return {
    urn: options.urn,
    type: options.type,
    name: options.name ?? nameOfUrn(options.urn),
    ...(options.parent === undefined ? {} : { parent: options.parent }),
    kind: options.kind,
    ...(options.deleteBeforeReplace === undefined ? {} : { deleteBeforeReplace: options.deleteBeforeReplace }),
    ...(diffs === undefined ? {} : { diffs }),
    ...(olds === undefined ? {} : { olds }),
    ...(news === undefined ? {} : { news }),
  };
}

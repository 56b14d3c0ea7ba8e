/**
 * `run`: one preview, up, destroy or refresh of one stack, from lock to summary.
 *
 * Order: lock (not for preview) -> open the state -> resolve pending operations of an interrupted
 * run -> refresh (when asked) -> run the program and its steps, or delete everything (destroy) ->
 * delete what the program no longer declares -> stack outputs -> close the state (compaction) ->
 * release the lock. The state is closed and the lock released on failure too.
 */
import type { PropertyMap, PropertyValue } from "@iac/sdk/provider";
import type { EngineEvent, EventSink, Operation, StepKind } from "./api.js";
import { ConfirmedPlan, type PlanBasis } from "./confirmed-plan.js";
import { DeleteFirst } from "./delete-first.js";
import { deleteResources } from "./deletes.js";
import { Deployment } from "./deployment.js";
import { errorMessage, ProgramError } from "./errors.js";
import { Limiter } from "./limiter.js";
import { DeploymentMonitor } from "./monitor.js";
import { reportUnresolvedCreates, resolvePendingOperations } from "./pending.js";
import type { ProjectInfo } from "./project.js";
import { ProviderRegistry } from "./providers.js";
import { refreshResources } from "./refresh.js";
import { runProgram } from "./runner.js";
import { assertTargetsExist } from "./targets.js";
import type { Backend, Crypter, ResourceState, Snapshot, StateWriter } from "./state/types.js";
import { maskMap, sameRecord } from "./values.js";
import { collectGarbage, YoungGenerationCap } from "./young-generation.js";

/** What one run needs; built by the CLI (or a test). */
export interface RunOptions {
  readonly project: ProjectInfo;
  readonly stack: string;
  readonly operation: Operation;
  readonly backend: Backend;
  readonly crypter: Crypter;
  /** Stack config, `ns:key` to value: decrypted, secrets wrapped. */
  readonly config: Readonly<Record<string, PropertyValue>>;
  /** Steps at once; default 16. */
  readonly parallel?: number;
  /** URNs: only these (and, for up, the new resources they need) are acted on. */
  readonly targets?: readonly string[];
  /** Refresh before preview/up/destroy. */
  readonly refresh?: boolean;
  /**
   * For `refresh`: read every resource and report the drift, recording nothing (no lock, no state
   * write): `iac refresh --preview-only`, and the preview `iac refresh` shows before it asks.
   */
  readonly previewOnly?: boolean;
  readonly onEvent: EventSink;
  /**
   * Ctrl-C: no new steps start; provider calls already sent go on to their end (or their
   * timeout) and are recorded. It is not passed to providers.
   */
  readonly signal?: AbortSignal;
  /**
   * Aborts the provider calls in flight (what providers see as `ctx.signal`): their pending
   * operations are left for the next run to resolve. The CLI's second Ctrl-C ends the process instead.
   */
  readonly abort?: AbortSignal;
  /** Shown to whoever finds the stack locked. */
  readonly command?: string;
  /**
   * Hold V8's young generation to 16 MB semi-spaces once it has grown to them (default true; a
   * process started with `--max-semi-space-size` or `--semi-space-growth-factor` is left as it is):
   * see young-generation.ts. It is the process's setting, for the rest of its life. Also: after a
   * planning pass of 1,000 steps or more, the garbage it left is collected before the apply pass.
   */
  readonly holdYoungGeneration?: boolean;
  /**
   * For `up`: the plan of the preview the user just confirmed (its `RunResult.plan`). While the
   * state under the lock is still the one it was planned against, the up does not run the program
   * a second time to plan; otherwise it plans again (see `confirmed-plan.ts`).
   */
  readonly plan?: ConfirmedPlan;
}

/** What a run did. */
export interface RunResult {
  readonly counts: Partial<Record<StepKind, number>>;
  /** True when any step other than `same` was planned or taken. */
  readonly changes: boolean;
  readonly failed: number;
  readonly interrupted: boolean;
  /** Stack outputs (secrets wrapped). */
  readonly outputs: PropertyMap;
  readonly durationMs: number;
  /** A preview without failures: its plan, for the `up` the user confirms ({@link RunOptions.plan}). */
  readonly plan?: ConfirmedPlan;
}

/** The default of `--parallel`. */
export const DEFAULT_PARALLEL = 16;

/**
 * Runs one operation on one stack. Step failures are counted in the result (`failed`); a program
 * that does not compile or throws rejects with a ProgramError once the state is closed.
 */
export async function run(options: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const { project, stack, operation, backend, crypter } = options;
  const preview = operation === "preview" || (operation === "refresh" && options.previewOnly === true);
  const emit = options.onEvent;
  emit({ kind: "prelude", operation, stack, project: project.name, preview, time: Date.now() });
  const lock = preview ? undefined : await backend.lock(stack, options.command ?? `iac ${operation}`);
  // A lock lost while held (broken by `iac cancel --force`, an azblob lease not renewed) stops the
  // run as an abort does: no new step, and the signal the providers' calls carry is aborted.
  const lost = lock?.lost;
  if (lost) options = stopAndAbortOn(options, lost);
  // One cap for the run's deployments (the plan pass, the run itself, a --target probe).
  if (options.holdYoungGeneration !== false) {
    const withCap: WithCap = { ...options, youngGeneration: new YoungGenerationCap() };
    options = withCap;
  }
  let dep: Deployment | undefined;
  let outputs: PropertyMap = {};
  let previous: PropertyMap = {};
  let programFailure: ProgramError | undefined;
  let writeFailure: AbortSignal | undefined;
  let planned: Executed["planned"];
  try {
    const writer = preview ? undefined : await backend.open(stack, crypter);
    // A failed state write (disk full, ...) stops the run the same way, and is reported once, below.
    writeFailure = writer?.failed;
    if (writeFailure) options = stopAndAbortOn(options, writeFailure);
    try {
      const base = writer ? writer.base : await backend.read(stack, crypter);
      outputs = base.outputs;
      previous = base.outputs;
      const targets = await resolveTargets(options, base);
      dep = newDeployment({ options, base, writer, preview, emit, targets, ...(lost ? { lockLost: lost } : {}) });
      const onInterrupt = waitingNotice(dep);
      options.signal?.addEventListener("abort", onInterrupt, { once: true });
      let done: Executed;
      try {
        done = await execute(dep, options, base);
      } finally {
        options.signal?.removeEventListener("abort", onInterrupt);
        dep.stopNotice();
      }
      outputs = done.outputs;
      programFailure = done.programError;
      planned = done.planned;
      // Steps' `end` records were queued, not awaited (Deployment.recorded): nothing is reported
      // finished, and no failure to write them is lost, before they are all durable.
      await dep.durable();
      if (writer && operation !== "refresh" && !dep.interrupted && !programFailure) await writer.setOutputs(outputs);
    } finally {
      await dep?.providers.dispose();
      await writer?.close();
    }
  } catch (error) {
    // Every record after a failed state write is rejected with a short error: report the cause once.
    throw writeFailure?.aborted ? writeFailure.reason : error;
  } finally {
    await lock?.release();
  }
  if (lost?.aborted) throw lost.reason;
  if (writeFailure?.aborted) throw writeFailure.reason;
  if (!dep) throw new Error("the run ended without a deployment (this is a bug in iac; please report it)");
  const durationMs = performance.now() - t0;
  emit({ kind: "outputs", outputs: maskMap(outputs), previous: maskMap(previous), changed: changedOutputs(previous, outputs), time: Date.now() });
  emit({ kind: "summary", operation, counts: dep.counts, changes: dep.changes, failed: dep.failed, durationMs, time: Date.now() });
  // The summary (failed > 0) is out and the state recorded what was done: now the program's own error.
  if (programFailure) throw programFailure;
  const plan = planned && dep.failed === 0 && !dep.interrupted ? new ConfirmedPlan(planned.basis, planned.removed) : undefined;
  return { counts: dep.counts, changes: dep.changes, failed: dep.failed, interrupted: dep.interrupted, outputs, durationMs, ...(plan ? { plan } : {}) };
}

/** The options as `run` passes them down: with the young-generation cap of the run. */
type WithCap = RunOptions & { readonly youngGeneration?: YoungGenerationCap };

/** On Ctrl-C: a warning naming the provider calls in flight that the run waits for. */
function waitingNotice(dep: Deployment): () => void {
  return () => {
    // A failed state write or a lost lock also stops the run (and aborts the calls in flight): not
    // an interruption; Deployment.stopNotice and the run's error say what happened, once.
    if (dep.stopCause !== "interrupted") return;
    const calls = [...dep.inFlight.values()];
    const list = calls.slice(0, 20).map((c) => `${c.op} ${c.urn}`).join(", ");
    const more = calls.length > 20 ? ` and ${calls.length - 20} more` : "";
    dep.diagnostic(
      "warning",
      calls.length === 0
        ? "Interrupted: no new step starts; nothing is in flight in the cloud."
        : `Interrupted: no new step starts; waiting for ${calls.length} cloud operation(s) already sent to finish so the state records them: ${list}${more}. ` +
            "Press Ctrl-C again to stop at once (they are then left pending, and the next run resolves them).",
    );
  };
}

/** The outputs added, changed or removed, compared with secrets and unknowns in place (a value turned secret is a change). */
function changedOutputs(previous: PropertyMap, outputs: PropertyMap): string[] {
  const names = new Set([...Object.keys(previous), ...Object.keys(outputs)]);
  return [...names].filter((k) => !(k in previous) || !(k in outputs) || !sameRecord(previous[k], outputs[k])).sort();
}

function newDeployment(o: {
  readonly options: RunOptions;
  readonly base: Snapshot;
  readonly writer: StateWriter | undefined;
  readonly preview: boolean;
  readonly emit: EventSink;
  readonly targets: ReadonlySet<string> | undefined;
  readonly lockLost?: AbortSignal;
  /** Only failures, skips and diagnostics are listened to (DeploymentOptions.quiet). */
  readonly quiet?: boolean;
}): Deployment {
  const { options, base } = o;
  const baseByUrn = new Map<string, ResourceState>();
  for (const r of base.resources) if (!r.pendingDelete) baseByUrn.set(r.urn, r);
  let monitor: DeploymentMonitor | undefined;
  const dep: Deployment = new Deployment({
    operation: options.operation,
    preview: o.preview,
    project: options.project.name,
    stack: options.stack,
    projectDir: options.project.dir,
    config: options.config,
    emit: o.emit,
    ...(o.writer ? { writer: o.writer } : {}),
    resources: base.resources,
    providers: new ProviderRegistry({
      projectDir: options.project.dir,
      stack: options.stack,
      config: options.config,
      log: { debug: (m) => dep.diagnostic("debug", m), info: (m) => dep.diagnostic("info", m), warn: (m) => dep.diagnostic("warning", m) },
      providerInputs: (urn) => monitor?.providerInputs(urn) ?? baseByUrn.get(urn)?.inputs,
    }),
    limiter: new Limiter(options.parallel ?? DEFAULT_PARALLEL),
    lookahead: new Limiter(LOOKAHEAD_PER_SLOT * Math.max(1, Math.floor(options.parallel ?? DEFAULT_PARALLEL))),
    admission: new Limiter(admissionOf(options.parallel ?? DEFAULT_PARALLEL)),
    signal: options.signal ?? new AbortController().signal,
    providerSignal: options.abort ?? new AbortController().signal,
    ...(o.targets ? { targets: o.targets } : {}),
    ...(o.lockLost ? { lockLost: o.lockLost } : {}),
    ...(o.quiet ? { quiet: true } : {}),
    ...((options as WithCap).youngGeneration ? { youngGeneration: (options as WithCap).youngGeneration } : {}),
  });
  dep.attachMonitor = (m) => (monitor = m);
  return dep;
}

/** What {@link execute} ends with: the stack outputs to record, or the program's failure. */
interface Executed {
  readonly outputs: PropertyMap;
  /** The program threw or did not compile (counted in `dep.failed`); its resources were recorded. */
  readonly programError?: ProgramError;
  /** For a preview: what its steps were planned against, and the resources the program no longer declares. */
  readonly planned?: { readonly basis: PlanBasis; readonly removed: ReadonlySet<string> };
}

/**
 * Steps that may hold a `begin` at once, per `--parallel` slot (Deployment.lookahead): the begins of
 * up to three times `--parallel` steps beyond those in the cloud share a flush. With a provider that
 * answers at once the journal's flushes set the pace (N / (4 x --parallel) at least: 317 for an up
 * of 10,000 at 16, against 628 at twice); a crash may leave that many operations pending that
 * never reached the cloud, each resolved by the next run (decisions/0012, decision 9).
 */
const LOOKAHEAD_PER_SLOT = 4;

/** Steps admitted at once: four per `--parallel` slot (at least 64). */
function admissionOf(parallel: number): number {
  return Math.max(64, 4 * Math.max(1, Math.floor(parallel)));
}

/** Runs the operation proper; a create of an earlier run left pending and not reported by a step fails it. */
async function execute(dep: Deployment, options: RunOptions, base: Snapshot): Promise<Executed> {
  try {
    return await executeOperation(dep, options, base);
  } finally {
    reportUnresolvedCreates(dep);
  }
}

async function executeOperation(dep: Deployment, options: RunOptions, base: Snapshot): Promise<Executed> {
  await resolvePendingOperations(dep, base.pendingOperations);
  if (options.operation === "refresh" || options.refresh) await refreshResources(dep);
  switch (options.operation) {
    case "refresh":
      return { outputs: base.outputs };
    case "destroy": {
      const all = [...dep.olds.values(), ...dep.pendingDeletes].filter((r) => dep.isTargeted(r.urn));
      await deleteResources(dep, all);
      return { outputs: dep.targets ? base.outputs : {} };
    }
    case "preview":
    case "up": {
      const basis = planBasis(dep, options, base);
      if (options.operation === "up") {
        // The whole plan first, as preview computes it: a check that fails anywhere stops the up
        // before its first change to the cloud. The preview the user confirmed is that plan, while
        // the state is still the one it planned against.
        let removed: ReadonlySet<string>;
        if (options.plan?.holdsFor(basis)) {
          dep.diagnostic("debug", "The confirmed preview is the plan: the state has not changed since, so the program is not run a second time to plan.");
          removed = options.plan.removed;
        } else {
          const planned = await planFirst(dep, options, base);
          if ("stop" in planned) return planned.stop;
          removed = planned.removed;
        }
        // What the plan will delete is known now: a delete that must come before an update does (delete-first.ts).
        if (removed.size > 0) dep.deleteFirst = new DeleteFirst(dep, removed);
      }
      const monitor = new DeploymentMonitor(dep);
      dep.attachMonitor?.(monitor);
      dep.deleteFirst?.attach((urn) => monitor.declares(urn));
      let programOutputs: PropertyMap | undefined;
      let programError: ProgramError | undefined;
      try {
        programOutputs = await runProgram({
          projectDir: options.project.dir,
          main: options.project.main,
          monitor,
          onProgramError: (error) => monitor.reportError(error),
        });
      } catch (error) {
        if (!(error instanceof ProgramError)) throw error;
        programError = error;
        dep.failed++;
      }
      // Early deletes (delete-first.ts) have ended once every registration settled; wait for them anyway.
      await dep.deleteFirst?.settled();
      const notDeleted = dep.deleteFirst ? (r: ResourceState) => dep.deleteFirst!.notDeleted(r) : undefined;
      const removed = undeclared(dep, monitor);
      if (removed.length > 0 && (dep.failed > 0 || dep.interrupted)) {
        // A failed or interrupted program may not have declared everything it means to keep:
        // deleting "what it did not declare" could delete what it still wants.
        dep.diagnostic(
          "warning",
          `${removed.length} resource(s) the program no longer declares were not deleted because the ${dep.interrupted ? "run was interrupted" : "run had failures"}; the next successful \`iac up\` deletes them.`,
        );
        await deleteResources(dep, dep.pendingDeletes, notDeleted);
      } else {
        await deleteResources(dep, [...removed, ...dep.pendingDeletes], notDeleted);
      }
      if (programError) return { outputs: base.outputs, programError };
      const planned = options.operation === "preview" ? { planned: { basis, removed: new Set(removed.map((r) => r.urn)) } } : {};
      if (dep.targets && dep.untargetedMissing && programOutputs) {
        // An untargeted resource the stack does not have yet gave the program stand-in values:
        // outputs computed from them would be wrong, so none are recorded.
        dep.diagnostic("info", "The stack outputs were left as they were: some depend on resources that are not targeted and do not exist yet. A run without --target updates them.");
        return { outputs: base.outputs, ...planned };
      }
      // Under --target too: untargeted resources gave the program their recorded outputs, so an
      // output that depends on a targeted resource that changed is updated, and the others stay as they were.
      return { outputs: programOutputs ?? base.outputs, ...planned };
    }
    default: {
      const never: never = options.operation;
      throw new Error(`unknown operation ${String(never)}`);
    }
  }
}

/** The resources of the state the program did not declare (targeted ones): what the end of the run deletes. */
function undeclared(dep: Deployment, monitor: DeploymentMonitor): ResourceState[] {
  return [...dep.olds.values()].filter((r) => !monitor.claimed.has(r.urn) && !monitor.declares(r.urn) && dep.isTargeted(r.urn));
}

/** What the steps of this run are planned against: the state after pending operations and refresh. */
function planBasis(dep: Deployment, options: RunOptions, base: Snapshot): PlanBasis {
  return {
    stack: options.stack,
    targets: dep.targets,
    config: options.config,
    refresh: options.refresh === true,
    resources: [...dep.olds.values(), ...dep.pendingDeletes],
    pendingOperations: base.pendingOperations.length,
  };
}

/** The planning pass's step count from which its garbage is collected before the apply pass. */
const PLAN_GARBAGE_STEPS = 1000;

/**
 * The planning pass of `up`: the program run as in preview (no provider create/update/delete, no
 * state write) against the state as pending-operation resolution and refresh left it. Silent when
 * every step plans; otherwise its failures (and what it skipped and said) are reported and the up
 * ends there, having changed nothing (`stop`). When it goes on: the resources the program no longer
 * declares (the plan's deletes, known before the first change).
 */
async function planFirst(dep: Deployment, options: RunOptions, base: Snapshot): Promise<{ readonly stop: Executed } | { readonly removed: ReadonlySet<string> }> {
  const held: EngineEvent[] = [];
  const keep: EventSink = (e) => {
    if (e.kind === "step-failed" || e.kind === "step-skipped" || (e.kind === "diagnostic" && e.severity !== "debug")) held.push(e);
  };
  const current: Snapshot = { ...base, resources: [...dep.olds.values(), ...dep.pendingDeletes] };
  const plan = newDeployment({ options, base: current, writer: undefined, preview: true, emit: keep, targets: dep.targets, quiet: true });
  const monitor = new DeploymentMonitor(plan);
  plan.attachMonitor?.(monitor);
  let programError: ProgramError | undefined;
  try {
    await runProgram({ projectDir: options.project.dir, main: options.project.main, monitor, onProgramError: (error) => monitor.reportError(error) });
  } catch (error) {
    if (!(error instanceof ProgramError)) throw error;
    programError = error;
    plan.failed++;
  } finally {
    await plan.providers.dispose();
  }
  if (plan.failed === 0 && !plan.interrupted) {
    // The plan's deletes, known before the first change (delete-first.ts); a few URNs of the state.
    const removed = new Set(undeclared(plan, monitor).map((r) => r.urn));
    // Nothing of the planning pass is reachable now (its deployment, its run's modules' objects),
    // but most of it was promoted to the old generation, where V8 would keep it until the heap had
    // grown by as much again: collected here, the apply pass starts from the live heap (~20 MB for
    // 10,000 resources), and the run's peak no longer depends on when V8's own major collection
    // falls (decisions/0012, decision 8). A small plan leaves too little to be worth a collection.
    const steps = Object.values(plan.counts).reduce((a, b) => a + (b ?? 0), 0);
    if (options.holdYoungGeneration !== false && steps >= PLAN_GARBAGE_STEPS) collectGarbage();
    return { removed };
  }
  for (const e of held) dep.emit(e);
  if (plan.interrupted && plan.failed === 0) {
    dep.diagnostic("warning", "Interrupted while planning: nothing was changed in the cloud.");
    return { stop: { outputs: base.outputs } };
  }
  dep.failed += plan.failed;
  dep.diagnostic(
    "error",
    programError && plan.failed === 1
      ? // The program's own error (it does not compile, or threw) is no resource's failure: it is reported as itself, after the summary.
        "The program failed while planning (its error follows), so `iac up` changed nothing in the cloud."
      : `The plan has ${plan.failed} failure(s) (see above), so \`iac up\` changed nothing in the cloud. Fix them (\`iac preview\` shows the whole plan) and run it again.`,
  );
  return { stop: programError ? { outputs: base.outputs, programError } : { outputs: base.outputs } };
}

/**
 * `--target` for up/preview: the targeted URNs plus, transitively, every resource they need
 * (dependencies, parents, explicit providers) that the state does not have yet, found by a silent
 * preview of the program, so a targeted create never fails for want of an untargeted dependency.
 * The additions are reported as a diagnostic.
 */
async function resolveTargets(options: RunOptions, base: Snapshot): Promise<ReadonlySet<string> | undefined> {
  if (!options.targets || options.targets.length === 0) return undefined;
  const targets = new Set(options.targets);
  if (options.operation !== "up" && options.operation !== "preview") {
    assertTargetsExist(targets, base.resources.map((r) => r.urn));
    return targets;
  }
  const probe = newDeployment({ options: { ...options, refresh: false, targets: [] }, base, writer: undefined, preview: true, emit: () => undefined, targets: undefined, quiet: true });
  const monitor = new DeploymentMonitor(probe, { recordEdges: true });
  probe.attachMonitor?.(monitor);
  try {
    await runProgram({ projectDir: options.project.dir, main: options.project.main, monitor, onProgramError: () => undefined });
  } catch (error) {
    // The real run reports the program's failure; here it only limits what can be found.
    options.onEvent({ kind: "diagnostic", severity: "debug", message: `--target expansion stopped early: ${errorMessage(error)}`, time: Date.now() });
  } finally {
    await probe.providers.dispose();
  }
  const inState = new Set(base.resources.map((r) => r.urn));
  assertTargetsExist(targets, [...new Set([...inState, ...monitor.declared])]);
  const added: string[] = [];
  const stack = [...targets];
  while (stack.length > 0) {
    const urn = stack.pop()!;
    for (const e of monitor.edgesOf(urn) ?? []) {
      if (!targets.has(e) && !inState.has(e)) {
        targets.add(e);
        added.push(e);
        stack.push(e);
      }
    }
  }
  if (added.length > 0) {
    options.onEvent({
      kind: "diagnostic",
      severity: "info",
      message: `--target also includes ${added.length} resource(s) the targets need and the stack does not have yet: ${added.join(", ")}`,
      time: Date.now(),
    });
  }
  return targets;
}

/**
 * Folds `cause` into both the run's stop signal (no new step) and the providers' abort signal (calls
 * in flight end now): a run that lost its lock or cannot record results must not keep changing the
 * cloud, unlike a first Ctrl-C, which lets the calls in flight finish so their results are recorded.
 */
function stopAndAbortOn<T extends { readonly signal?: AbortSignal; readonly abort?: AbortSignal }>(options: T, cause: AbortSignal): T {
  return {
    ...options,
    signal: options.signal ? AbortSignal.any([options.signal, cause]) : cause,
    abort: options.abort ? AbortSignal.any([options.abort, cause]) : cause,
  };
}

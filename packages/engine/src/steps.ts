/**
 * Executing the step of one custom resource: check, diff, decide (plan.ts), then, outside
 * preview, the provider call between `writer.begin` and `writer.end` so a crash at any instant
 * leaves either the result or a pending operation in state. (A crash after `end` is queued but
 * before it is flushed leaves the pending operation: the next run resolves it, see pending.ts.)
 */
import { type DiffResult, type PropertyMap, type Provider, type ProviderContext } from "@iac/sdk/provider";
import type { RegistrationResult, ResourceRegistration } from "@iac/sdk/runtime";
import type { StepInfo } from "./api.js";
import { type Deployment, stepInfo } from "./deployment.js";
import { adjustDiff, defaultDiff } from "./diff.js";
import { INTERRUPTED } from "./delete-first.js";
import { CheckFailedError, EngineError, PendingCreateError, ProtectedResourceError, StepInterruptedError, StepSkippedError } from "./errors.js";
import { assertNever, type Decision, decide, stepKindOf } from "./plan.js";
import { updatePreviewOutputs } from "./preview-outputs.js";
import { recordChanged, recordOf } from "./records.js";
import { condemnedDependents, deleteCondemned } from "./replace-dependents.js";
import type { OperationHandle, PendingOperation, ResourceState } from "./state/types.js";
import { applyIgnoreChanges, unwrapMap, wrapPaths } from "./values.js";

/** What {@link registerCustom} needs besides the registration. */
export interface CustomStepInput {
  readonly reg: ResourceRegistration;
  /** The old state, found by URN or by an alias. */
  readonly old?: ResourceState;
}

/**
 * Plans and (outside preview) executes the step of one custom resource; returns what the program
 * sees. Emits the step's events; on failure emits step-failed and rethrows.
 */
export async function registerCustom(dep: Deployment, input: CustomStepInput): Promise<RegistrationResult> {
  const { reg, old } = input;
  const t0 = performance.now();
  const ctx = dep.providerContext({ urn: reg.urn, type: reg.type, name: reg.name, timeouts: reg.options.customTimeouts });
  // Built only when needed: a step that fails before its plan is known reports this one.
  let info: StepInfo | undefined;
  // What the step's info is made of, once the plan is known (a quiet run builds the info only on failure).
  let described: Parameters<typeof stepInfo>[0] | undefined;
  let start: StepStart | undefined;
  try {
    // Admitted after the user interrupted: plan nothing, start nothing.
    if (dep.interrupted) throw new StepInterruptedError(reg.urn);
    const pendingCreate = dep.pendingCreates.get(reg.urn);
    if (pendingCreate !== undefined) {
      // Reported here, once (not again by reportUnresolvedCreates at the end of the run).
      dep.pendingCreates.delete(reg.urn);
      throw new PendingCreateError(reg.urn, pendingCreate);
    }
    const provider = dep.providers.cached(reg.provider, reg.type) ?? (await dep.providers.get(reg.provider, reg.type));
    const { plain, secretPaths } = unwrapMap(reg.inputs);
    const oldInputs = old ? unwrapMap(old.inputs).plain : undefined;
    const oldOutputs = old ? unwrapMap(old.outputs).plain : undefined;
    const news0 = applyIgnoreChanges(plain, oldInputs, reg.options.ignoreChanges);
    let news = await checkInputs(provider, { reg, news: news0, olds: oldInputs, ctx });
    const diff = old && oldInputs && oldOutputs ? await diffInputs(provider, { reg, old, oldInputs, oldOutputs, news, ctx }) : undefined;
    const first = decide({
      exists: old !== undefined,
      oldId: old?.id,
      diff,
      importId: reg.options.import,
      protect: old?.protect === true || reg.options.protect === true,
      deleteBeforeReplace: reg.options.deleteBeforeReplace === true,
    });
    let decision: Decision = first;
    if (first.kind === "replace" && reg.options.deleteBeforeReplace !== true) {
      // As Pulumi's step generator does: a replacement is a new object, so `check` runs again
      // without the old inputs and the provider makes fresh autonames (a name the user set stays).
      // The new object then never collides with the old one it is created next to. Whether the
      // provider still needs the old one gone first (a user-set unique name that stays the same)
      // is the second diff's answer; the reasons shown stay the first diff's (the real cause).
      news = await checkInputs(provider, { reg, news: news0, olds: undefined, ctx });
      const second = await diffInputs(provider, { reg, old: old!, oldInputs: oldInputs!, oldOutputs: oldOutputs!, news, ctx });
      decision = { kind: "replace", diff: first.diff, deleteBeforeReplace: second.deleteBeforeReplace === true };
    }
    const secretOutputs = secretPatternsOf(secretPaths, provider, reg.options.additionalSecretOutputs);
    // Secrets stay where they were, at the finest path (not promoted to the top-level property), and
    // so do the paths the cloud treats as secret (`secretInputs`) even when given as plain values.
    // An input echoed by a secret output is secret too: showing it in the step's `news` would leak it.
    const inputs = wrapPaths(news, secretOutputs);
    // A resource deleted earlier in this run because a dependency was replaced delete-before-replace:
    // its create is the second half of that replace.
    const recreated = decision.kind === "create" && dep.recreating.has(reg.urn);
    const kind = recreated ? "replace" : stepKindOf(decision);
    const changed = decision.kind === "update" || decision.kind === "replace" || decision.kind === "blocked";
    const shownDiff = decision.kind === "update" || decision.kind === "replace" || decision.kind === "blocked" ? decision.diff : undefined;
    described = {
      urn: reg.urn,
      type: reg.type,
      name: reg.name,
      parent: reg.parent,
      kind,
      deleteBeforeReplace: decision.kind === "replace" ? decision.deleteBeforeReplace : recreated ? true : undefined,
      diffs: shownDiff?.detailed,
      olds: changed ? old?.inputs : undefined,
      news: changed || decision.kind === "create" || decision.kind === "import" ? inputs : undefined,
    };
    if (dep.quiet && dep.preview) {
      // The planning pass of `up`: nobody listens to planned steps (masked copies of 10,000
      // inputs); a failure is still reported with its full info (see the catch below).
      if (decision.kind === "blocked") throw new ProtectedResourceError(reg.urn, "replace");
      dep.count(kind);
      return previewResult(decision, { inputs, old, stableOutputs: provider.stableOutputs });
    }
    info = stepInfo(described);
    dep.planned(info);
    if (decision.kind === "blocked") throw new ProtectedResourceError(reg.urn, "replace");
    if (dep.preview) {
      dep.count(kind);
      return previewResult(decision, { inputs, old, stableOutputs: provider.stableOutputs });
    }
    if (dep.deleteFirst && old && (decision.kind === "update" || decision.kind === "replace")) {
      // Resources no longer declared that depended on this one go first (delete-first.ts).
      const held = dep.deleteFirst.before(old.urn, reg.urn);
      const why = held && (await held);
      if (why === INTERRUPTED) throw new StepInterruptedError(reg.urn);
      if (why !== undefined) {
        dep.skipped(info, why);
        throw new StepSkippedError(reg.urn, why);
      }
    }
    // `step-start` is emitted when the step takes its first --parallel slot (inSlot), not here:
    // a step waiting for a slot has not started, and does not start once the run is interrupted.
    start = new StepStart(dep, info);
    const step: StepContext = { dep, reg, old, provider, ctx, news, inputs, secretOutputs, oldInputs, oldOutputs, start };
    const result = await execute(step, decision, (diffs) => {
      info = { ...info!, diffs };
    });
    dep.count(kind);
    dep.done(info, start.since(t0));
    return result;
  } catch (error) {
    const failed = info ?? stepInfo(described ?? { urn: reg.urn, type: reg.type, name: reg.name, parent: reg.parent, kind: old ? "update" : "create" });
    if (error instanceof StepInterruptedError) dep.notStarted(failed);
    else if (error instanceof StepSkippedError) {
      // Reported as skipped above.
    } else if (dep.isRefusedWrite(error) && start?.sent !== true) {
      // Its `begin` could not be written, so nothing was sent to the cloud: not started, not failed
      // (the failed write is reported once, at the end). Dependents are then skipped too.
      dep.notStarted(failed);
      throw new StepInterruptedError(reg.urn);
    } else if (dep.isRefusedWrite(error)) dep.unrecorded(failed, error, t0);
    else dep.stepFailed(failed, error, t0);
    throw error;
  }
}

/** The provider's `check`; failures fail the step, naming the resource, the properties and the rules. */
async function checkInputs(
  provider: Provider,
  o: { readonly reg: ResourceRegistration; readonly news: PropertyMap; readonly olds: PropertyMap | undefined; readonly ctx: ProviderContext },
): Promise<PropertyMap> {
  const checked = await provider.check(o.news, o.olds, o.ctx);
  if (checked.failures.length > 0) {
    const list = checked.failures.map((f) => `property ${f.property}: ${f.reason}`).join("; ");
    throw new CheckFailedError(`${o.reg.type} ${o.reg.urn} has invalid inputs: ${list}`);
  }
  return checked.inputs;
}

/** The provider's diff (or the default one) of the old state against `news`, with the engine's adjustments. */
async function diffInputs(
  provider: Provider,
  o: {
    readonly reg: ResourceRegistration;
    readonly old: ResourceState;
    readonly oldInputs: PropertyMap;
    readonly oldOutputs: PropertyMap;
    readonly news: PropertyMap;
    readonly ctx: ProviderContext;
  },
): Promise<DiffResult> {
  const raw = provider.diff
    ? await provider.diff(o.old.id ?? "", { inputs: o.oldInputs, outputs: o.oldOutputs }, o.news, o.ctx)
    : defaultDiff(o.oldInputs, o.news);
  return adjustDiff(raw, { news: o.news, olds: o.oldInputs, replaceOnChanges: o.reg.options.replaceOnChanges });
}

/**
 * The paths to keep secret in a step's inputs and outputs: where the program's secrets were, the
 * provider's `secretInputs` and `secretOutputs`, and `additionalSecretOutputs`. The program's
 * paths alone (often none) in the common case.
 */
function secretPatternsOf(secretPaths: readonly string[], provider: Provider, fromOptions: readonly string[] | undefined): readonly string[] {
  const { secretInputs, secretOutputs } = provider;
  if (!secretInputs?.length && !secretOutputs?.length && !fromOptions?.length) return secretPaths;
  return [...secretPaths, ...(secretInputs ?? []), ...(secretOutputs ?? []), ...(fromOptions ?? [])];
}

interface StepContext {
  readonly dep: Deployment;
  readonly reg: ResourceRegistration;
  readonly old: ResourceState | undefined;
  readonly provider: Provider;
  readonly ctx: ProviderContext;
  /** Checked inputs, plain (what the provider gets). */
  readonly news: PropertyMap;
  /** Checked inputs with secrets wrapped (what state holds). */
  readonly inputs: PropertyMap;
  /** Paths (patterns) kept secret in inputs and outputs (see secretPatternsOf). */
  readonly secretOutputs: readonly string[];
  readonly oldInputs: PropertyMap | undefined;
  readonly oldOutputs: PropertyMap | undefined;
  readonly start: StepStart;
}

/**
 * When a step really starts: the first time it holds a `--parallel` slot (see {@link inSlot}).
 * Emits `step-start` then, so elapsed times do not include the wait for a slot; a step that has
 * not started when the run is interrupted never starts ({@link StepInterruptedError}). Later slots
 * of the same step (a delete-before-replace: delete, then create) go on: the step is running.
 */
export class StepStart {
  readonly #dep: Deployment;
  readonly #info: StepInfo;
  #at: number | undefined;
  #first: (() => Promise<void>) | undefined;
  /** True once a provider call of this step was sent (its `begin` is durable). */
  sent = false;

  constructor(dep: Deployment, info: StepInfo) {
    this.#dep = dep;
    this.#info = info;
  }

  /** Work to do once the step has started, before its first state write (see {@link enter}). */
  first(fn: () => Promise<void>): void {
    this.#first = fn;
  }

  /** True while work registered with {@link first} is still to do. */
  get hasFirst(): boolean {
    return this.#first !== undefined;
  }

  /** True once the step has started ({@link enter}). */
  get started(): boolean {
    return this.#at !== undefined;
  }

  /**
   * Called holding a `--parallel` slot, before the provider call (and before any state write of a
   * step with {@link first} work); true the first time.
   */
  enter(): boolean {
    if (this.#at !== undefined) return false;
    if (this.#dep.interrupted) throw new StepInterruptedError(this.#info.urn);
    this.#at = performance.now();
    this.#dep.started(this.#info);
    return true;
  }

  /** The work registered with {@link first}, once. */
  takeFirst(): (() => Promise<void>) | undefined {
    const fn = this.#first;
    this.#first = undefined;
    return fn;
  }

  /** When the step started, or `fallback` for a step that never needed a slot (state only). */
  since(fallback: number): number {
    return this.#at ?? fallback;
  }
}

function execute(step: StepContext, decision: Decision, reportDiffs: (d: DiffResult["detailed"]) => void): Promise<RegistrationResult> {
  switch (decision.kind) {
    case "same":
      return same(step);
    case "create":
      return create(step);
    case "import":
      return importStep(step, decision.id, reportDiffs);
    case "update":
      return update(step);
    case "replace":
      return replace(step, decision.deleteBeforeReplace);
    case "blocked":
      throw new ProtectedResourceError(step.reg.urn, "replace");
    default:
      return assertNever(decision);
  }
}

/** In preview: outputs only where they are known; everything a create or update may produce is unknown. */
function previewResult(
  decision: Decision,
  o: { readonly inputs: PropertyMap; readonly old: ResourceState | undefined; readonly stableOutputs: readonly string[] | undefined },
): RegistrationResult {
  switch (decision.kind) {
    case "same":
      return { ...(o.old?.id === undefined ? {} : { id: o.old.id }), outputs: o.old?.outputs ?? {} };
    case "create":
    case "import":
    case "replace":
    case "blocked":
      return { outputs: o.inputs };
    case "update": {
      // Exact where the provider says an update cannot change the output, unknown where it may
      // (never a stale guess): see preview-outputs.ts.
      const outputs = updatePreviewOutputs({ oldOutputs: o.old?.outputs ?? {}, inputs: o.inputs, stableOutputs: o.stableOutputs });
      return { ...(o.old?.id === undefined ? {} : { id: o.old.id }), outputs };
    }
    default:
      return assertNever(decision);
  }
}

function record(step: StepContext, id: string | undefined, outputs: PropertyMap, created?: string, inputs: PropertyMap = step.inputs): ResourceState {
  return recordOf({
    reg: step.reg,
    ...(id === undefined ? {} : { id }),
    inputs,
    outputs: wrapPaths(outputs, step.secretOutputs),
    ...(created === undefined ? {} : { created }),
    now: step.dep.isoNow(),
  });
}

/** After a write under the new URN, the record under an alias goes. */
async function dropAlias(step: StepContext): Promise<void> {
  if (step.old && step.old.urn !== step.reg.urn) {
    await step.dep.write().remove(step.old.urn);
    step.dep.olds.delete(step.old.urn);
  }
}

async function same(step: StepContext): Promise<RegistrationResult> {
  const old = step.old!;
  const next = record(step, old.id, step.oldOutputs ?? {}, old.created);
  if (recordChanged(old, next)) {
    await step.dep.write().put(next);
    await dropAlias(step);
    return { ...(next.id === undefined ? {} : { id: next.id }), outputs: next.outputs };
  }
  return { ...(old.id === undefined ? {} : { id: old.id }), outputs: old.outputs };
}

async function create(step: StepContext): Promise<RegistrationResult> {
  const w = step.dep.write();
  const { handle, outcome } = await inSlot(step.dep, pendingOf(step, "create"), () => step.provider.create(step.news, step.ctx), step.start);
  if (!outcome.ok) {
    const partial = partialOf(outcome.error);
    // The cloud made something before failing: keep it in state so nothing is orphaned; the next run updates or replaces it.
    await w.end(handle, partial ? { upsert: record(step, partial.id, partial.outputs) } : { none: true });
    throw outcome.error;
  }
  const created = outcome.value;
  const next = record(step, created.id, created.outputs);
  // Queued; awaited only while steps queue for slots (see Deployment.handOff).
  await step.dep.handOff(w.end(handle, { upsert: next }));
  return { id: created.id, outputs: next.outputs };
}

async function importStep(step: StepContext, id: string, reportDiffs: (d: DiffResult["detailed"]) => void): Promise<RegistrationResult> {
  const w = step.dep.write();
  const { handle, outcome } = await inSlot(step.dep, { ...pendingOf(step, "import"), id }, () =>
    step.provider.read(id, { inputs: step.news, outputs: {} }, step.ctx),
  step.start);
  if (!outcome.ok) {
    await w.end(handle, { none: true });
    throw outcome.error;
  }
  const read = outcome.value;
  if (!read) {
    await w.end(handle, { none: true });
    throw new EngineError(
      `Cannot import ${step.reg.urn}: no ${step.reg.type} with id ${id} exists. Check the id in the \`import\` option.`,
      { code: "ImportNotFound" },
    );
  }
  const diff = step.provider.diff ? await step.provider.diff(id, read, step.news, step.ctx) : defaultDiff(read.inputs, step.news);
  if (diff.changes) {
    reportDiffs(diff.detailed);
    step.dep.diagnostic(
      "warning",
      `Imported ${step.reg.urn} (id ${id}), but the program's inputs differ from the cloud object's in: ${diff.detailed.map((d) => d.path).join(", ")}. ` +
        "The next `iac up` updates the object to the program's values; change the program to match if that is not intended.",
      step.reg.urn,
    );
  }
  const next = record(step, id, read.outputs, undefined, wrapPaths(read.inputs, step.secretOutputs));
  await step.dep.handOff(w.end(handle, { upsert: next }));
  return { id, outputs: next.outputs };
}

async function update(step: StepContext): Promise<RegistrationResult> {
  const w = step.dep.write();
  const old = step.old!;
  const { handle, outcome } = await inSlot(step.dep, { ...pendingOf(step, "update"), ...(old.id === undefined ? {} : { id: old.id }) }, () =>
    step.provider.update(old.id ?? "", { inputs: step.oldInputs ?? {}, outputs: step.oldOutputs ?? {} }, step.news, step.ctx),
  step.start);
  if (!outcome.ok) {
    await w.end(handle, { none: true });
    throw outcome.error;
  }
  const next = record(step, old.id, outcome.value.outputs, old.created);
  await step.dep.handOff(w.end(handle, { upsert: next }));
  await dropAlias(step);
  return { ...(old.id === undefined ? {} : { id: old.id }), outputs: next.outputs };
}

async function replace(step: StepContext, deleteBeforeReplace: boolean): Promise<RegistrationResult> {
  const old = step.old!;
  const w = step.dep.write();
  if (deleteBeforeReplace) {
    // What references the old resource and must be replaced with it goes first (replace-dependents.ts).
    await deleteCondemned(step.dep, old, await condemnedDependents(step.dep, old), step.start);
    await deleteInCloud(step.dep, { resource: old, provider: step.provider, ctx: step.ctx, start: step.start });
    step.dep.olds.delete(old.urn);
    return create(step);
  }
  // Create before delete: the old copy stays in state, marked, until the end of the run deletes it.
  // (The writer turns the live entry with this id into the copy, so an alias URN keeps no live entry.)
  // Marked once the step holds its slot: a replace interrupted before it starts leaves the old one as it was.
  step.start.first(async () => {
    const copy: ResourceState = { ...old, pendingDelete: true };
    await w.put(copy);
    step.dep.pendingDeletes.push(copy);
    step.dep.olds.delete(old.urn);
  });
  return create(step);
}

/** What {@link inSlot} returns: the pending operation's handle and the call's outcome. */
type SlotResult<T> = { readonly handle: OperationHandle; readonly outcome: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown } };

/**
 * `begin`, then the provider call in a `--parallel` slot. The slot bounds the calls in the cloud,
 * not the journal's flushes: a step writes its `begin` in a slot of {@link Deployment.lookahead}
 * (four times `--parallel`) and takes a `--parallel` slot once it is durable, so the begins of up to
 * three times `--parallel` steps beyond those in the cloud share a flush with the running ones' records, and a
 * slot that frees passes to a step whose `begin` is already durable (with a provider answering at
 * once, a slot held through its own flush made the run wait on about one flush per `--parallel`
 * steps; decisions/0012). The cost: a crash may leave up to four times `--parallel` operations pending
 * that never reached the cloud (it was `--parallel`: those whose `begin` was being flushed); each
 * resolves as any pending operation does (pending.ts: a create's `find` finds nothing and it is
 * cleared with a note; an update or delete reads the object back), except a create of a provider
 * without `find`, which stays pending until `iac refresh`, as before.
 * A step starts (`step-start`) when it takes the `--parallel` slot; one interrupted (Ctrl-C, a lost
 * lock) while it waited for it never starts, and its `begin` is ended with nothing done. A step
 * with work to do first (a replace's marking of the old copy) takes both slots before it starts,
 * as all steps did. The `end` write happens after both slots are released. A successful `end` is then queued and,
 * while no step queues for a slot, not waited for (Deployment.handOff): the step's result goes to
 * its dependents at once, and their own `begin`, awaited before their cloud call, is durable only
 * after it (the journal is flushed in order).
 */
export function inSlot<T>(dep: Deployment, op: PendingOperation, call: () => Promise<T>, start?: StepStart): Promise<SlotResult<T>> {
  // A step with work to do first (a replace marks the old copy): all of it in one `--parallel`
  // slot as the step starts, so a replace interrupted before it starts leaves the old one as it was.
  if (start?.hasFirst === true) return dep.lookahead.run(() => dep.limiter.run(() => startAndCall(dep, op, call, start)));
  return dep.lookahead.run(async () => {
    // Ctrl-C: a step that has not started writes nothing more.
    if (start !== undefined && !start.started && dep.interrupted) throw new StepInterruptedError(op.urn);
    const handle = await dep.write().begin(op);
    return dep.limiter.run(async () => {
      try {
        start?.enter();
      } catch (error) {
        // Interrupted while it waited for a slot: it never started, and its `begin` is undone.
        await dep.write().end(handle, { none: true });
        throw error;
      }
      return callInSlot(dep, op, handle, call, start);
    });
  });
}

/** Holding a `--parallel` slot: start the step (its first work), `begin`, then the call. */
async function startAndCall<T>(dep: Deployment, op: PendingOperation, call: () => Promise<T>, start: StepStart): Promise<SlotResult<T>> {
  if (start.enter()) await start.takeFirst()?.();
  const handle = await dep.write().begin(op);
  return callInSlot(dep, op, handle, call, start);
}

/** The provider call, its `begin` durable, holding a `--parallel` slot. */
async function callInSlot<T>(dep: Deployment, op: PendingOperation, handle: OperationHandle, call: () => Promise<T>, start: StepStart | undefined): Promise<SlotResult<T>> {
  if (start) start.sent = true;
  const key = {};
  dep.inFlight.set(key, { urn: op.urn, op: op.op });
  try {
    return { handle, outcome: { ok: true, value: await call() } } as const;
  } catch (error) {
    return { handle, outcome: { ok: false, error } } as const;
  } finally {
    dep.inFlight.delete(key);
  }
}

/** The provider delete of one resource, between begin and end (no events). */
export async function deleteInCloud(
  dep: Deployment,
  o: { readonly resource: ResourceState; readonly provider: Provider; readonly ctx: ProviderContext; readonly start?: StepStart },
): Promise<void> {
  const r = o.resource;
  const op: PendingOperation = {
    urn: r.urn,
    type: r.type,
    op: "delete",
    ...(r.id === undefined ? {} : { id: r.id }),
    ...(r.provider === undefined ? {} : { provider: r.provider }),
    time: dep.isoNow(),
  };
  const { handle, outcome } = await inSlot(dep, op, () =>
    o.provider.delete(r.id ?? "", { inputs: unwrapMap(r.inputs).plain, outputs: unwrapMap(r.outputs).plain }, o.ctx),
  o.start);
  if (!outcome.ok) {
    await dep.write().end(handle, { none: true });
    throw outcome.error;
  }
  await dep.handOff(dep.write().end(handle, { remove: r.urn }));
}

function pendingOf(step: StepContext, op: "create" | "update" | "import") {
  return {
    urn: step.reg.urn,
    type: step.reg.type,
    op,
    inputs: step.inputs,
    ...(step.reg.provider === undefined ? {} : { provider: step.reg.provider }),
    time: step.dep.isoNow(),
  } as const;
}

/** A PartialCreateError, recognised by shape: the provider may hold another copy of the SDK. */
function partialOf(error: unknown): { id: string; outputs: PropertyMap } | undefined {
  if (error !== null && typeof error === "object" && (error as { code?: unknown }).code === "PartialCreate") {
    const e = error as { id?: unknown; outputs?: unknown };
    if (typeof e.id === "string") return { id: e.id, outputs: (e.outputs as PropertyMap | undefined) ?? {} };
  }
  return undefined;
}

/**
 * The engine's {@link Monitor}: what `new SomeResource(...)` talks to. Each registration waits for
 * the steps it depends on (not for a "wave"), takes a slot of the `--parallel` limiter, and runs
 * its step; a failed dependency skips it while independent registrations go on.
 */
import { randomUUID } from "node:crypto";
import type { PropertyMap, PropertyValue } from "@iac/sdk/provider";
import type { Monitor, RegistrationResult, ResourceRegistration } from "@iac/sdk/runtime";
import type { StepInfo } from "./api.js";
import { type Deployment, stepInfo } from "./deployment.js";
import { DependencyCycleError, errorMessage, type ProgramError, ProgramStuckError, StepInterruptedError, StepSkippedError } from "./errors.js";
import { isProviderType } from "./providers.js";
import { recordChanged, recordOf } from "./records.js";
import { ok, type Outcome, Registrations } from "./registrations.js";
import type { ResourceState } from "./state/types.js";
import { registerCustom } from "./steps.js";
import { deepEqual } from "./values.js";

export { StepSkippedError };

/** Options of {@link DeploymentMonitor}. */
export interface DeploymentMonitorOptions {
  /** Keep each registration's edges for {@link DeploymentMonitor.edgesOf} (the `--target` probe only). */
  readonly recordEdges?: boolean;
}

/** The monitor of one run (a program is run once per monitor). */
export class DeploymentMonitor implements Monitor {
  readonly project: string;
  readonly stack: string;
  readonly preview: boolean;
  readonly config: Readonly<Record<string, PropertyValue>>;
  readonly projectDir: string;
  readonly #dep: Deployment;
  readonly #regs = new Registrations();
  /** Component records written in this run (for registerOutputs). */
  readonly #components = new Map<string, ResourceState>();
  readonly #stashedOutputs = new Map<string, PropertyMap>();
  readonly #providerInputs = new Map<string, PropertyMap>();
  readonly #edges: Map<string, readonly string[]> | undefined;
  /**
   * Errors this monitor's registrations rejected with, by the URN that failed: when the SDK
   * abandons a dependent because of one, the reason names that URN and it is not a new failure.
   */
  readonly #ownErrors = new WeakMap<object, { readonly urn: string; readonly failed: boolean }>();

  constructor(dep: Deployment, options: DeploymentMonitorOptions = {}) {
    this.#dep = dep;
    this.project = dep.project;
    this.stack = dep.stack;
    this.preview = dep.preview;
    this.config = dep.config;
    this.projectDir = dep.projectDir;
    this.#edges = options.recordEdges ? new Map() : undefined;
  }

  /** Old URNs this run accounts for: everything else in state is deleted once the program completes. */
  get claimed(): ReadonlySet<string> {
    return this.#dep.claimed;
  }

  /** What a registered resource needs to exist first (only with `recordEdges`). */
  edgesOf(urn: string): readonly string[] | undefined {
    return this.#edges?.get(urn);
  }

  /** Every URN the program declared (reserved), registered or not. */
  get declared(): Iterable<string> {
    return this.#regs.urns();
  }

  /** True when the program declared (reserved) `urn`, registered or not. */
  declares(urn: string): boolean {
    return this.#regs.has(urn);
  }

  /** The inputs of explicit provider resources registered in this run. */
  providerInputs(urn: string): PropertyMap | undefined {
    return this.#providerInputs.get(urn);
  }

  reserve(urn: string): void {
    this.#regs.reserve(urn);
    this.#dep.youngGeneration?.tick();
  }

  async registerResource(reg: ResourceRegistration): Promise<RegistrationResult> {
    this.#regs.register(reg.urn);
    this.#edges?.set(reg.urn, [...reg.dependencies, ...(reg.parent ? [reg.parent] : []), ...(reg.provider?.urn ? [reg.provider.urn] : [])]);
    try {
      // Synchronous when nothing it depends on is still running (roots, a no-op preview): no promise.
      const waiting = this.#blockedNow(reg);
      const blocked = waiting instanceof Promise ? await waiting : waiting;
      const reason = this.#dep.interrupted ? "interrupted" : blocked;
      if (reason !== undefined) {
        const info = stepInfo({ urn: reg.urn, type: reg.type, name: reg.name, parent: reg.parent, kind: "create" });
        if (blocked === undefined) this.#dep.notStarted(info);
        else this.#dep.skipped(info, blocked);
        this.#regs.settle(reg.urn, { kind: "skipped", reason });
        const error = new StepSkippedError(reg.urn, reason);
        this.#ownErrors.set(error, { urn: reg.urn, failed: false });
        throw error;
      }
      const result = await this.#step(reg);
      this.#regs.settle(reg.urn, ok());
      return result;
    } catch (error) {
      if (error instanceof StepInterruptedError) {
        // Reported as skipped by the step; a dependent is skipped, not failed.
        this.#regs.settle(reg.urn, { kind: "skipped", reason: "interrupted" });
        this.#ownErrors.set(error, { urn: reg.urn, failed: false });
        throw error;
      }
      if (error instanceof StepSkippedError) {
        // Skipped by its step (a delete it waited for did not happen: delete-first.ts): so are its dependents.
        this.#regs.settle(reg.urn, { kind: "skipped", reason: error.message });
        if (!this.#ownErrors.has(error)) this.#ownErrors.set(error, { urn: reg.urn, failed: false });
        throw error;
      }
      this.#regs.settle(reg.urn, { kind: "failed", reason: `${reg.urn} failed` });
      if (error !== null && typeof error === "object" && !this.#ownErrors.has(error)) this.#ownErrors.set(error, { urn: reg.urn, failed: true });
      throw error;
    }
  }

  /**
   * The SDK will never register `urn`: its inputs failed (most often an Output of a resource whose
   * step failed or was skipped) or its constructor threw. Reported as a skipped step.
   */
  abandon(urn: string, error: unknown): void {
    if (!this.#regs.isPendingRegistration(urn)) return;
    const cause = this.#causeOf(error, urn, true);
    const reason = cause
      ? `it depends on ${cause.urn}, which ${cause.failed ? "failed" : "was not deployed"}`
      : `its inputs could not be resolved: ${errorMessage(error)}`;
    const { type, name } = partsOfUrn(urn);
    this.#dep.skipped(stepInfo({ urn, type, name, kind: "create" }), reason);
    this.#regs.settle(urn, { kind: "skipped", reason });
  }

  registerOutputs(urn: string, outputs: PropertyMap): void {
    const rec = this.#components.get(urn);
    if (!rec) {
      this.#stashedOutputs.set(urn, outputs);
      return;
    }
    const next = { ...rec, outputs };
    this.#components.set(urn, next);
    if (!this.preview && !deepEqual(rec.outputs, outputs)) {
      this.#track(this.#dep.write().put(next));
    }
  }

  reportError(error: unknown): void {
    // An abandoned dependent of a failed step: reported by `abandon` as skipped, not a new failure.
    if (this.#causeOf(error, undefined, false)) return;
    this.#dep.failed++;
    this.#dep.diagnostic("error", `The program reported an error: ${errorMessage(error)}`);
  }

  /** A warning about the program: each distinct message once per run, however often the program says it. */
  warn(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#dep.diagnostic("warning", message);
  }

  readonly #warned = new Set<string>();

  /**
   * Resolves once every declared resource has settled: registered and stepped, or abandoned by the
   * SDK. No timer: the SDK accounts for every URN it reserves. Then waits for component writes.
   */
  async settle(): Promise<void> {
    await this.#regs.idle();
    while (this.#writes.size > 0) await Promise.all(this.#writes);
  }

  readonly #writes = new Set<Promise<void>>();
  #track(p: Promise<void>): void {
    const q = p.catch((error: unknown) => this.reportError(error)).finally(() => this.#writes.delete(q));
    this.#writes.add(q);
  }

  /**
   * The failed or skipped resource (of another URN than `self`) an error comes from: an error one
   * of our registrations rejected with, found along the `cause` chain; with `viaUrns`, also an SDK
   * error naming (in `urn`) a resource that did not deploy.
   */
  #causeOf(error: unknown, self: string | undefined, viaUrns: boolean): { readonly urn: string; readonly failed: boolean } | undefined {
    let e: unknown = error;
    for (let depth = 0; depth < 16 && e !== null && typeof e === "object"; depth++) {
      const own = this.#ownErrors.get(e);
      if (own) return own.urn === self ? undefined : own;
      const urn = (e as { urn?: unknown }).urn;
      if (viaUrns && typeof urn === "string" && urn !== self && this.#regs.has(urn) && this.#regs.isSettledNotOk(urn)) return { urn, failed: false };
      e = (e as { cause?: unknown }).cause;
    }
    return undefined;
  }

  /**
   * Why the program cannot finish, once nothing is left to run (the runner asks when the event
   * loop empties while resources are unsettled): a cycle of registrations waiting for each other,
   * found along what each waits for; else a chain ending at a resource still waiting for its inputs
   * (the SDK registers it once they resolve, so its own edge is not known here) closed back onto
   * the chain when every registered waiting resource is on it; else a generic "stuck" error.
   */
  stuckError(): ProgramError {
    const unsettled = this.#regs.unsettled();
    const registered = new Set(unsettled.filter((u) => u.registered).map((u) => u.urn));
    const waits = this.#waitingOn;
    let longest: string[] = [];
    for (const start of waits.keys()) {
      const path = [start];
      let cur = waits.get(start);
      while (cur !== undefined && !path.includes(cur)) {
        path.push(cur);
        cur = waits.get(cur);
      }
      if (cur !== undefined) return new DependencyCycleError(path.slice(path.indexOf(cur)));
      if (path.length > longest.length) longest = path;
    }
    const last = longest[longest.length - 1];
    if (last !== undefined && !registered.has(last) && this.#regs.isPendingRegistration(last) && [...registered].every((u) => longest.includes(u))) {
      const first = longest.findIndex((u) => registered.has(u));
      return new DependencyCycleError(longest.slice(Math.max(0, first)), { openEnd: true });
    }
    return new ProgramStuckError(unsettled.map((u) => u.urn));
  }

  /** Registrations waiting for a dependency, and which (for {@link stuckError}). */
  readonly #waitingOn = new Map<string, string>();

  /** Why `reg` cannot run (a dependency failed or was skipped), undefined when it can: at once when every dependency has settled, else a promise. */
  #blockedNow(reg: ResourceRegistration): string | undefined | Promise<string | undefined> {
    const deps = reg.dependencies;
    const provider = reg.provider?.urn;
    for (let i = 0; i <= deps.length; i++) {
      const d = i < deps.length ? deps[i]! : provider;
      if (d === undefined || d === reg.urn) continue;
      const outcome = this.#regs.peek(d);
      if (outcome === "pending") return this.#waitForDependencies(reg);
      if (outcome !== undefined && outcome.kind !== "ok") return `it depends on ${d}, which ${outcome.kind === "failed" ? "failed" : "was not deployed"}`;
    }
    return undefined;
  }

  async #waitForDependencies(reg: ResourceRegistration): Promise<string | undefined> {
    const deps = reg.provider?.urn ? [...reg.dependencies, reg.provider.urn] : reg.dependencies;
    for (const d of deps) {
      if (d === reg.urn) continue;
      const pending = this.#regs.outcomeOf(d);
      if (pending === undefined) continue;
      let outcome: Outcome;
      if (pending instanceof Promise) {
        this.#waitingOn.set(reg.urn, d);
        outcome = await pending;
        this.#waitingOn.delete(reg.urn);
      } else {
        outcome = pending;
      }
      if (outcome.kind !== "ok") return `it depends on ${d}, which ${outcome.kind === "failed" ? "failed" : "was not deployed"}`;
    }
    return undefined;
  }

  /** The old state of a registration: by URN, else by the first alias the state holds. */
  #findOld(reg: ResourceRegistration): ResourceState | undefined {
    const olds = this.#dep.olds;
    let old = olds.get(reg.urn);
    if (!old) {
      for (const a of reg.options.aliases ?? []) {
        const candidate = olds.get(a);
        if (candidate && !this.#dep.claimed.has(a) && !this.#regs.isRegistered(a)) {
          old = candidate;
          break;
        }
      }
    }
    if (old) this.#dep.claimed.add(old.urn);
    return old;
  }

  async #step(reg: ResourceRegistration): Promise<RegistrationResult> {
    const dep = this.#dep;
    const old = this.#findOld(reg);
    if (!dep.isTargeted(reg.urn)) return this.#untargeted(reg, old);
    if (!reg.custom) return this.#component(reg, old);
    if (isProviderType(reg.type)) return this.#providerResource(reg, old);
    // Not inside a --parallel slot: check and diff never touch the cloud; only provider calls that
    // do take a slot (steps.ts inSlot), so slots are never held while writing state or planning.
    return dep.admission.run(() => registerCustom(dep, { reg, ...(old === undefined ? {} : { old }) }));
  }

  /** Under `--target`, what is not targeted keeps its old state as is (no diff, no write). */
  #untargeted(reg: ResourceRegistration, old: ResourceState | undefined): RegistrationResult {
    const dep = this.#dep;
    if (old) {
      if (isProviderType(old.type)) this.#providerInputs.set(reg.urn, old.inputs);
      if (!old.custom) this.#components.set(reg.urn, old);
      dep.planned(stepInfo({ urn: reg.urn, type: reg.type, name: reg.name, parent: reg.parent, kind: "same" }));
      dep.count("same");
      return { ...(old.id === undefined ? {} : { id: old.id }), outputs: old.outputs };
    }
    dep.untargetedMissing = true;
    dep.skipped(
      stepInfo({ urn: reg.urn, type: reg.type, name: reg.name, parent: reg.parent, kind: "create" }),
      "it is not targeted (--target), so it is not created",
    );
    return { outputs: reg.inputs };
  }

  async #component(reg: ResourceRegistration, old: ResourceState | undefined): Promise<RegistrationResult> {
    const dep = this.#dep;
    const t0 = performance.now();
    const outputs = this.#stashedOutputs.get(reg.urn) ?? old?.outputs ?? {};
    this.#stashedOutputs.delete(reg.urn);
    const rec = recordOf({ reg, inputs: reg.inputs, outputs, ...(old?.created ? { created: old.created } : {}), now: new Date().toISOString() });
    this.#components.set(reg.urn, rec);
    const kind = old ? "same" : "create";
    const info = stepInfo({ urn: reg.urn, type: reg.type, name: reg.name, parent: reg.parent, kind });
    await this.#recordWithoutCloud({ old, rec, info, kind, t0 });
    return { outputs: rec.outputs };
  }

  /**
   * A step that only writes state (a component, an explicit provider): planned, written when new or
   * changed (and moved when it was found under an alias), counted and done.
   */
  async #recordWithoutCloud(step: { readonly old: ResourceState | undefined; readonly rec: ResourceState; readonly info: StepInfo; readonly kind: "same" | "create" | "update"; readonly t0: number }): Promise<void> {
    const dep = this.#dep;
    const { old, rec, info, kind, t0 } = step;
    dep.planned(info);
    if (!dep.preview && (!old || recordChanged(old, rec))) {
      await dep.write().put(rec);
      if (old && old.urn !== rec.urn) {
        await dep.write().remove(old.urn);
        dep.olds.delete(old.urn);
      }
    }
    dep.count(kind);
    if (!dep.preview) dep.done(info, t0);
  }

  /** An explicit provider resource: state only (its inputs configure the provider), no cloud call. */
  async #providerResource(reg: ResourceRegistration, old: ResourceState | undefined): Promise<RegistrationResult> {
    const dep = this.#dep;
    const t0 = performance.now();
    this.#providerInputs.set(reg.urn, reg.inputs);
    const kind = !old ? "create" : deepEqual(old.inputs, reg.inputs) ? "same" : "update";
    // New inputs, new configuration: the resources that use this provider (they wait for this step)
    // are checked, diffed and changed by a provider configured with them, not with the old ones.
    if (kind === "update") dep.providers.reconfigure(reg.urn);
    const id = old?.id ?? randomUUID();
    const rec = recordOf({ reg, id, inputs: reg.inputs, outputs: reg.inputs, ...(old?.created ? { created: old.created } : {}), now: new Date().toISOString() });
    const info = stepInfo({ urn: reg.urn, type: reg.type, name: reg.name, parent: reg.parent, kind });
    await this.#recordWithoutCloud({ old, rec, info, kind, t0 });
    return { id, outputs: rec.outputs };
  }
}

/** Type and name of a URN (`urn:iac:<stack>::<project>::<qualifiedType>::<name>`). */
function partsOfUrn(urn: string): { readonly type: string; readonly name: string } {
  const parts = urn.split("::");
  const qualified = parts.length >= 4 ? parts[2]! : "";
  return { type: qualified.slice(qualified.lastIndexOf("$") + 1), name: parts.length >= 4 ? parts.slice(3).join("::") : urn };
}

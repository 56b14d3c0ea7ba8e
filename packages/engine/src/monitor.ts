/**
 * The engine's {@link Monitor}: what `new SomeResource(...)` talks to. Each registration waits for
 * the steps it depends on (not for a "wave"), takes a slot of the `--parallel` limiter, and runs
 * its step; a failed dependency skips it while independent registrations go on.
 */
import { randomUUID } from "node:crypto";
import type { PropertyMap, PropertyValue } from "@iac/sdk/provider";
import type { Monitor, RegistrationResult, ResourceRegistration } from "@iac/sdk/runtime";
import { type Deployment, stepInfo } from "./deployment.js";
import { DuplicateUrnError, EngineError, errorMessage } from "./errors.js";
import { isProviderType } from "./providers.js";
import { recordChanged, recordOf } from "./records.js";
import type { ResourceState } from "./state/types.js";
import { registerCustom } from "./steps.js";
import { deepEqual } from "./values.js";

type Outcome = { readonly kind: "ok" } | { readonly kind: "failed" | "skipped"; readonly reason: string };

interface Entry {
  registered: boolean;
  outcome: Outcome | undefined;
  readonly settled: Promise<Outcome>;
  readonly settle: (o: Outcome) => void;
}

function newEntry(): Entry {
  let settle!: (o: Outcome) => void;
  const settled = new Promise<Outcome>((resolve) => (settle = resolve));
  const entry: Entry = {
    registered: false,
    outcome: undefined,
    settled,
    settle: (o) => {
      if (entry.outcome) return;
      entry.outcome = o;
      settle(o);
    },
  };
  return entry;
}

/** The error a registration rejects with when its step did not run; the program's Outputs carry it. */
export class StepSkippedError extends EngineError {
  constructor(urn: string, reason: string) {
    super(`${urn} was not deployed: ${reason}`, { code: "StepSkipped" });
    this.name = "StepSkippedError";
  }
}

/** The monitor of one run (a program is run once per monitor). */
export class DeploymentMonitor implements Monitor {
  readonly project: string;
  readonly stack: string;
  readonly preview: boolean;
  readonly config: Readonly<Record<string, PropertyValue>>;
  readonly projectDir: string;
  readonly #dep: Deployment;
  readonly #entries = new Map<string, Entry>();
  /** URNs of old state accounted for by this run's registrations (own URN or alias). */
  readonly #claimed = new Set<string>();
  /** Component records written in this run (for registerOutputs). */
  readonly #components = new Map<string, ResourceState>();
  readonly #stashedOutputs = new Map<string, PropertyMap>();
  readonly #providerInputs = new Map<string, PropertyMap>();
  readonly #edges = new Map<string, readonly string[]>();
  /** Registrations past their dependency wait (running or queued for a slot). */
  #running = 0;
  #progress = 0;
  #errors = 0;

  constructor(dep: Deployment) {
    this.#dep = dep;
    this.project = dep.project;
    this.stack = dep.stack;
    this.preview = dep.preview;
    this.config = dep.config;
    this.projectDir = dep.projectDir;
  }

  /** Old URNs this run accounts for: everything else in state is deleted once the program completes. */
  get claimed(): ReadonlySet<string> {
    return this.#claimed;
  }

  /** What a registered resource needs to exist first: dependencies, parent, explicit provider. */
  edgesOf(urn: string): readonly string[] | undefined {
    return this.#edges.get(urn);
  }

  /** Every URN the program declared (reserved), registered or not. */
  get declared(): Iterable<string> {
    return this.#entries.keys();
  }

  /** The inputs of explicit provider resources registered in this run. */
  providerInputs(urn: string): PropertyMap | undefined {
    return this.#providerInputs.get(urn);
  }

  reserve(urn: string): void {
    if (this.#entries.has(urn)) throw new DuplicateUrnError(urn);
    this.#entries.set(urn, newEntry());
  }

  async registerResource(reg: ResourceRegistration): Promise<RegistrationResult> {
    let entry = this.#entries.get(reg.urn);
    if (!entry) {
      entry = newEntry();
      this.#entries.set(reg.urn, entry);
    }
    if (entry.registered) throw new DuplicateUrnError(reg.urn);
    entry.registered = true;
    this.#edges.set(reg.urn, [...reg.dependencies, ...(reg.parent ? [reg.parent] : []), ...(reg.provider?.urn ? [reg.provider.urn] : [])]);
    this.#progress++;
    try {
      const blocked = await this.#waitForDependencies(reg);
      const reason = blocked ?? (this.#dep.interrupted ? "the operation was interrupted" : undefined);
      if (reason !== undefined) {
        this.#dep.skipped(stepInfo({ urn: reg.urn, type: reg.type, name: reg.name, parent: reg.parent, kind: "create" }), reason);
        entry.settle({ kind: "skipped", reason });
        throw new StepSkippedError(reg.urn, reason);
      }
      this.#running++;
      try {
        const result = await this.#step(reg);
        entry.settle({ kind: "ok" });
        return result;
      } finally {
        this.#running--;
      }
    } catch (error) {
      entry.settle({ kind: "failed", reason: `${reg.urn} failed` });
      throw error;
    } finally {
      this.#progress++;
    }
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
    this.#errors++;
    this.#dep.failed++;
    this.#dep.diagnostic("error", `The program reported an error: ${errorMessage(error)}`);
  }

  /**
   * Resolves once every registered resource's step has settled. Resources that were reserved but
   * never registered (their inputs failed) are given up on once nothing else can make progress
   * after a failure.
   */
  async settle(): Promise<void> {
    for (;;) {
      const pending: Promise<Outcome>[] = [];
      const unregistered: [string, Entry][] = [];
      for (const [urn, e] of this.#entries) {
        if (e.outcome) continue;
        if (e.registered) pending.push(e.settled);
        else unregistered.push([urn, e]);
      }
      if (pending.length === 0 && unregistered.length === 0) break;
      const before = this.#progress;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pending),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, unregistered.length > 0 ? 20 : 250))),
      ]);
      clearTimeout(timer);
      // Give up on never-registered resources only when nothing runs, nothing moved, and something
      // already failed (their inputs are then most likely rejected Outputs of the failed resource).
      if (unregistered.length === 0 || this.#running > 0 || this.#progress !== before) continue;
      if (this.#dep.failed === 0 && this.#errors === 0) continue;
      for (const [urn, e] of unregistered) {
        const reason = "its inputs never resolved (they depend on something that failed)";
        this.#dep.diagnostic("warning", `${urn} was not registered: ${reason}.`, urn);
        e.settle({ kind: "skipped", reason });
      }
    }
    await Promise.all(this.#writes);
  }

  readonly #writes = new Set<Promise<void>>();
  #track(p: Promise<void>): void {
    const q = p.catch((error: unknown) => this.reportError(error)).finally(() => this.#writes.delete(q));
    this.#writes.add(q);
  }

  async #waitForDependencies(reg: ResourceRegistration): Promise<string | undefined> {
    const deps = reg.provider?.urn ? [...reg.dependencies, reg.provider.urn] : reg.dependencies;
    for (const d of deps) {
      const e = this.#entries.get(d);
      if (!e || e === this.#entries.get(reg.urn)) continue;
      const outcome = e.outcome ?? (await e.settled);
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
        if (candidate && !this.#claimed.has(a) && !this.#entries.get(a)?.registered) {
          old = candidate;
          break;
        }
      }
    }
    if (old) this.#claimed.add(old.urn);
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
    return registerCustom(dep, { reg, ...(old === undefined ? {} : { old }) });
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
    dep.planned(info);
    if (!dep.preview && (!old || recordChanged(old, rec))) {
      await dep.write().put(rec);
      if (old && old.urn !== reg.urn) {
        await dep.write().remove(old.urn);
        dep.olds.delete(old.urn);
      }
    }
    dep.count(kind);
    if (!dep.preview) dep.done(info, t0);
    return { outputs: rec.outputs };
  }

  /** An explicit provider resource: state only (its inputs configure the provider), no cloud call. */
  async #providerResource(reg: ResourceRegistration, old: ResourceState | undefined): Promise<RegistrationResult> {
    const dep = this.#dep;
    const t0 = performance.now();
    this.#providerInputs.set(reg.urn, reg.inputs);
    const kind = !old ? "create" : deepEqual(old.inputs, reg.inputs) ? "same" : "update";
    const id = old?.id ?? randomUUID();
    const rec = recordOf({ reg, id, inputs: reg.inputs, outputs: reg.inputs, ...(old?.created ? { created: old.created } : {}), now: new Date().toISOString() });
    const info = stepInfo({ urn: reg.urn, type: reg.type, name: reg.name, parent: reg.parent, kind });
    dep.planned(info);
    if (!dep.preview && (!old || recordChanged(old, rec))) {
      await dep.write().put(rec);
      if (old && old.urn !== reg.urn) {
        await dep.write().remove(old.urn);
        dep.olds.delete(old.urn);
      }
    }
    dep.count(kind);
    if (!dep.preview) dep.done(info, t0);
    return { id, outputs: rec.outputs };
  }
}

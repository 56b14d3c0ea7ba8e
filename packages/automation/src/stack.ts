/**
 * `Stack`: one stack of a {@link LocalWorkspace}, and its operations. Each operation is one
 * engine `run` in this process, with the CLI's state, journal and lock: an `up` here and an
 * `iac up` in a shell exclude each other, and a crash leaves what the CLI's would.
 */
import { DEFAULT_PARALLEL, run, type ConfirmedPlan, type EngineEvent, type HistoryEntry, type Operation, type StackCrypter } from "@iac/engine";
import type { PropertyMap } from "@iac/sdk/provider";
import { UpdateFailedError, UpdateInterruptedError } from "./errors.js";
import { gitRevision, historyEntry, recordHistory, RunDetails } from "./history.js";
import { inlineEntry, type InlineEntry } from "./inline-program.js";
import { startLocalCloud } from "./local-cloud.js";
import type { LocalWorkspace } from "./local-workspace.js";
import { toOutputMap } from "./outputs.js";
import {
  getAllStackConfig,
  getRawStackConfig,
  getStackConfig,
  listStackConfig,
  removeStackConfig,
  setStackConfig,
  type ConfigEntry,
  type ConfigValue,
  type RawConfigValue,
  type StackConfigTarget,
} from "./stack-config.js";
import type { OutputMap, UpdateResult } from "./results.js";

/** Options of every operation. */
export interface OperationOptions {
  /** Every engine event of the run, as the CLI renders them (`--json` streams the same). A throwing callback does not stop the run. */
  readonly onEvent?: (event: EngineEvent) => void;
  /**
   * Stops the run as a first Ctrl-C does: no new step starts; cloud calls already sent finish and
   * are recorded. The operation then rejects with an `UpdateInterruptedError` (code `Interrupted`).
   */
  readonly signal?: AbortSignal;
  /**
   * Aborts the cloud calls in flight as well (a second Ctrl-C): they are left as pending
   * operations in the state, which the next run reports and resolves.
   */
  readonly abort?: AbortSignal;
  /** Most resource operations at once (default 16). */
  readonly parallel?: number;
  /** Only these URNs (and, for up, what they need that the stack does not have yet). */
  readonly targets?: readonly string[];
  /** Refresh the state from the cloud first (not for `refresh` itself). */
  readonly refresh?: boolean;
  /** How the run is described to whoever finds the stack locked, and in its history. Default `automation <operation>`. */
  readonly command?: string;
  /**
   * How the run is described in the stack's history, when not as `command` (the CLI records its
   * flag names there, `iac up --yes --local`, and names only the command in the lock).
   */
  readonly historyCommand?: string;
  /** Called once the run's history entry is written (not for a preview, nor when it could not be written). */
  readonly onRecorded?: (entry: HistoryEntry) => unknown;
}

export type PreviewOptions = OperationOptions;
export interface UpOptions extends OperationOptions {
  /**
   * The `plan` of the preview the user confirmed: while the state under the lock is still the one
   * it was planned against, the up carries it out without running the program again to plan;
   * otherwise it plans again.
   */
  readonly plan?: ConfirmedPlan;
}
export type DestroyOptions = Omit<OperationOptions, "refresh"> & { readonly refresh?: boolean };
export type RefreshOptions = Omit<OperationOptions, "refresh">;
/** Options of {@link Stack.previewRefresh}: nothing is recorded, so there is no history to describe. */
export type PreviewRefreshOptions = Omit<OperationOptions, "refresh" | "historyCommand" | "onRecorded">;

export class Stack {
  /** The stack's crypter once asked for: a passphrase's key is derived (scrypt) once per Stack object. */
  #crypter: Promise<StackCrypter> | undefined;

  constructor(
    readonly name: string,
    readonly workspace: LocalWorkspace,
  ) {}

  /**
   * @internal The stack's crypter (its key created on first use), derived or read once for this
   * Stack object and kept: an operation after a preview, a config read and a state read of one
   * CLI command share it. A Stack object is not to be kept across a removal and re-creation of its
   * stack (the new stack has a new key). A failure (no passphrase, a wrong one) is not kept.
   */
  crypter(): Promise<StackCrypter> {
    if (this.#crypter === undefined) {
      const pending = this.workspace.crypter(this.name);
      this.#crypter = pending;
      pending.catch(() => {
        if (this.#crypter === pending) this.#crypter = undefined;
      });
    }
    return this.#crypter;
  }

  /** Sets a config value (`secret: true` encrypts it before it is written). */
  setConfig(key: string, value: ConfigValue): Promise<void> {
    return setStackConfig(this.#config, key, value);
  }

  /** A config value as a string, secrets decrypted; undefined when not set. */
  getConfig(key: string): Promise<ConfigValue | undefined> {
    return getStackConfig(this.#config, key);
  }

  /** A config value as the stack config holds it (a number or an object stays one), a secret decrypted; undefined when not set. */
  getRawConfig(key: string): Promise<RawConfigValue | undefined> {
    return getRawStackConfig(this.#config, key);
  }

  removeConfig(key: string): Promise<boolean> {
    return removeStackConfig(this.#config, key);
  }

  /** Every config value (`ns:key`) as a string, secrets decrypted. */
  getAllConfig(): Promise<Record<string, ConfigValue>> {
    return getAllStackConfig(this.#config);
  }

  /**
   * Every config key, sorted, with the values as the stack config holds them; secrets decrypted
   * with `showSecrets`, else `"[secret]"` (then the stack's key is not needed: no passphrase, no key file).
   */
  listConfig(options: { readonly showSecrets?: boolean } = {}): Promise<ConfigEntry[]> {
    return listStackConfig(this.#config, { showSecrets: options.showSecrets === true });
  }

  get #config(): StackConfigTarget {
    const ws = this.workspace;
    return { projectDir: ws.project.dir, project: ws.project.name, stack: this.name, crypter: () => this.crypter() };
  }

  /** What `up` would change; changes nothing (no lock, no state write). */
  preview(options: PreviewOptions = {}): Promise<UpdateResult> {
    return this.#run("preview", options);
  }

  /** Makes the cloud match the program. @throws UpdateFailedError, UpdateInterruptedError, ProgramError, StateError (e.g. `StackLocked`) */
  up(options: UpOptions = {}): Promise<UpdateResult> {
    return this.#run("up", options);
  }

  /** Deletes every resource of the stack (the program is not run). */
  destroy(options: DestroyOptions = {}): Promise<UpdateResult> {
    return this.#run("destroy", options);
  }

  /** Reads every resource from the cloud and updates the state. */
  refresh(options: RefreshOptions = {}): Promise<UpdateResult> {
    return this.#run("refresh", options);
  }

  /**
   * What `refresh` would record: reads every resource from the cloud and reports the drift (as
   * `refresh` steps with their diffs, through `onEvent`), and writes nothing: no lock, no state, no
   * history (`iac refresh --preview-only`). `summary.kind` is `refresh`; `summary.changes` says
   * whether there is drift to record.
   */
  previewRefresh(options: PreviewRefreshOptions = {}): Promise<UpdateResult> {
    return this.#run("refresh", options, { previewOnly: true });
  }

  /** The stack outputs recorded by the last `up`; secrets as `{ value, secret: true }`. */
  async outputs(): Promise<OutputMap> {
    return toOutputMap(await this.stateOutputs());
  }

  /**
   * The stack outputs recorded by the last `up` as the state holds them: decrypted, each secret
   * part wrapped where it is (`isSecretValue` of `@iac/sdk/runtime`), so a caller can mask only
   * the secret parts of an output (`iac stack output` does) where {@link outputs} marks a whole
   * output secret.
   */
  async stateOutputs(): Promise<PropertyMap> {
    const snapshot = await this.workspace.backend.read(this.name, await this.crypter());
    return snapshot.outputs;
  }

  /** The stack's recorded `up`, `destroy` and `refresh` runs, newest first (what `iac stack history` lists). */
  async history(options: { readonly limit?: number } = {}): Promise<HistoryEntry[]> {
    const backend = this.workspace.backend;
    if (backend.listHistory === undefined) return [];
    return backend.listHistory(this.name, options.limit !== undefined ? { limit: options.limit } : {});
  }

  async #run(operation: Operation, options: UpOptions, how: { readonly previewOnly?: boolean } = {}): Promise<UpdateResult> {
    const ws = this.workspace;
    const start = new Date();
    const crypter = await this.crypter();
    // Read for each run (not kept like the key): a confirmed preview's plan holds only while the config is unchanged.
    const config = await ws.config(this.name, crypter);
    const command = options.command ?? `automation ${operation}`;
    const failures: string[] = [];
    // The resources that failed, as the CLI counts them: the engine's `failed` also counts the
    // program's own error (it threw, or reported one), which is no resource's failure.
    const failedUrns = new Set<string>();
    // A preview (of an up, or of a refresh) writes nothing, and is not recorded in the history.
    const preview = operation === "preview" || how.previewOnly === true;
    const details = new RunDetails();
    // Only the prelude comes before the lock and the state are taken (the CLI's rule): a run that
    // failed with nothing after it did nothing, and is not recorded in the history.
    let preluded = false;
    let started = false;
    let summary: Extract<EngineEvent, { kind: "summary" }> | undefined;
    const onEvent = (event: EngineEvent): void => {
      if (event.kind === "prelude") preluded = true;
      else if (preluded) started = true;
      if (event.kind === "summary") summary = event;
      if (!preview) details.observe(event);
      if (event.kind === "step-failed") failedUrns.add(event.step.urn);
      if (event.kind === "diagnostic" && event.severity === "error" && event.urn !== undefined) failedUrns.add(event.urn);
      if (event.kind === "step-failed") failures.push(`${event.step.urn}: ${event.error.message.replace(/\.$/, "")}`);
      if (event.kind === "diagnostic" && event.severity === "error") failures.push((event.urn ? `${event.urn}: ${event.message}` : event.message).replace(/\.$/, ""));
      try {
        options.onEvent?.(event);
      } catch {
        // The caller's callback must not break a deployment half-way: its failure is its own.
      }
    };
    const runsProgram = operation === "preview" || operation === "up";
    let entry: InlineEntry | undefined;
    let local: { close(): Promise<void> } | undefined;
    // Looked up beside the run (it never rejects), as the program is read: not after it, on its critical path.
    const git = preview ? undefined : gitRevision(ws.project.dir);
    const record = async (result: "succeeded" | "failed" | "interrupted", counts: Readonly<Partial<Record<string, number>>>, failed: number) => {
      if (preview) return;
      const entry = await historyEntry({ operation, command: options.historyCommand ?? command, start, end: new Date(), result, counts, failed, env: ws.env, details, ...(git !== undefined ? { git } : { cwd: ws.project.dir }) });
      await recordHistory(ws.backend, this.name, entry, { warn: (m) => ws.warn(m), ...(options.onRecorded ? { onRecorded: options.onRecorded } : {}) });
    };
    let outcome;
    try {
      if (runsProgram && ws.program) entry = await inlineEntry(ws.project.dir, ws.program);
      if (ws.local) local = await startLocalCloud({ projectDir: ws.project.dir, say: (m) => onEvent({ kind: "diagnostic", severity: "info", message: m, time: Date.now() }) });
      outcome = await run({
        project: entry ? { ...ws.project, main: entry.main } : ws.project,
        stack: this.name,
        operation,
        backend: ws.backend,
        crypter,
        config,
        parallel: options.parallel ?? DEFAULT_PARALLEL,
        ...(options.targets && options.targets.length > 0 ? { targets: [...options.targets] } : {}),
        refresh: options.refresh === true,
        ...(how.previewOnly === true ? { previewOnly: true } : {}),
        onEvent,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.abort ? { abort: options.abort } : {}),
        command,
        ...(operation === "up" && options.plan ? { plan: options.plan } : {}),
      });
    } catch (error) {
      // A run refused for the lock, or that failed before it began, did nothing: not recorded.
      if (started && (error as { code?: unknown }).code !== "StackLocked") {
        details.failedWith(error);
        await record(options.signal?.aborted ? "interrupted" : "failed", summary?.counts ?? {}, splitFailures(summary?.failed ?? 0, failedUrns).failed);
      }
      throw error;
    } finally {
      await entry?.dispose();
      await local?.close();
    }
    const resultKind = outcome.interrupted ? "interrupted" : outcome.failed > 0 ? "failed" : "succeeded";
    const { failed, programError } = splitFailures(outcome.failed, failedUrns);
    await record(resultKind, outcome.counts, failed);
    const end = new Date();
    const result: UpdateResult = {
      summary: { kind: operation, result: resultKind, resourceChanges: outcome.counts, changes: outcome.changes, failed, programError, startTime: start, endTime: end, durationMs: outcome.durationMs },
      outputs: toOutputMap(outcome.outputs as PropertyMap),
      ...(outcome.plan ? { plan: outcome.plan } : {}),
    };
    if (outcome.interrupted) {
      throw new UpdateInterruptedError(
        `The ${operation} of stack ${this.name} was interrupted: no new step was started, and the cloud operations already sent were finished and recorded. Run ${operation} again to carry on.`,
        result,
      );
    }
    if (outcome.failed > 0) {
      const shown = failures.slice(0, 5).join("; ");
      const more = failures.length > 5 ? ` (and ${failures.length - 5} more)` : "";
      const what = preview ? "The preview changed nothing." : "What succeeded is recorded in the state.";
      const kinds = [failed > 0 ? `${failed} resource failure(s)` : undefined, programError ? "a program error" : undefined].filter((k) => k !== undefined).join(" and ");
      throw new UpdateFailedError(
        `The ${operation} of stack ${this.name} had ${kinds}${shown ? `: ${shown}${more}` : ""}. ${what} Fix the cause and run ${operation} again.`,
        result,
      );
    }
    return result;
  }
}

/**
 * The engine's `failed` count split in two: the resources that failed (a failed step, or an error
 * the engine reported about a resource: `failedUrns`), and whether the program itself failed (it
 * threw, reported an error, or does not compile), which is no resource's failure. The CLI's
 * renderers count with it too, so the summary, the history and the CLI agree.
 */
export function splitFailures(engineFailed: number, failedUrns: ReadonlySet<string>): { readonly failed: number; readonly programError: boolean } {
  const failed = Math.min(engineFailed, failedUrns.size);
  return { failed, programError: engineFailed > failed };
}

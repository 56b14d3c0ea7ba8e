/**
 * `iac preview | up | destroy | refresh`: run the stack operation through the automation API
 * (@iac/automation: the engine run, the local cloud, the history entry) and render its events.
 *
 * `up`, `destroy` and `refresh` change the cloud or the state, so without `--yes` they first show
 * what they would do (a preview; for destroy, the resources in the state; for refresh, the drift
 * it would record) and ask on the terminal; without a terminal they are refused with exit 2.
 */
import { startLocalCloud, UpdateFailedError, UpdateInterruptedError, type LocalCloudHandle, type UpdateResult, type UpOptions } from "@iac/automation";
import { DEFAULT_PARALLEL, type ConfirmedPlan, type Operation } from "@iac/engine";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode } from "../errors.js";
import { changedOutputNames } from "../render/output-changes.js";
import { createRenderer, type RenderMode } from "../render/renderer.js";
import { failedResource } from "../render/run-view.js";
import { assertSameCloud } from "../stack-cloud.js";
import { checkProgramTypes, type StartedTypecheck } from "../typecheck.js";
import { openWorkspace, type Workspace } from "../workspace.js";
import { DeclinedError, confirmOrRefuse, runCommand, type CommandContext, type CommandOptions } from "./command.js";
import { historyCommandLine } from "./stack-history.js";
import { printConsoleLink } from "./console.js";

/** Options of the deployment commands (flags of the same names). */
export interface DeployOptions extends CommandOptions {
  /** Skip the confirmation of `up` and `destroy`. */
  readonly yes?: boolean;
  /** NDJSON engine events on stdout. */
  readonly json?: boolean;
  /** Most resource operations at once (default 16). */
  readonly parallel?: number;
  /** Only these URNs (and what they depend on). */
  readonly targets?: readonly string[];
  /** Refresh the state from the cloud before planning. */
  readonly refresh?: boolean;
  /** Show old and new values in diffs. */
  readonly diff?: boolean;
  /** Exit 3 when the run finds changes. */
  readonly expectNoChanges?: boolean;
  /** Run against the local cloud. */
  readonly local?: boolean;
  /** `refresh --preview-only`: show the drift the refresh would record, and record nothing. */
  readonly previewOnly?: boolean;
  /** Type-check the program first (`--no-typecheck`: false; default: `typecheck:` in iac.yaml, else true). */
  readonly typecheck?: boolean;
  /** The command line, for the lock holder's description (default `iac <operation>`). */
  readonly command?: string;
  /** The type-check `main` started before this module was loaded (typecheck.ts, startTypecheck). */
  readonly typecheckStarted?: Promise<StartedTypecheck | undefined>;
}

/** `iac preview`: show what `up` would change; changes nothing. */
export function preview(options: DeployOptions): Promise<number> {
  return runCommand(options, (ctx) => deploy(ctx, "preview", options));
}

/** `iac up`: make the cloud match the program. */
export function up(options: DeployOptions): Promise<number> {
  return runCommand(options, (ctx) => deploy(ctx, "up", options));
}

/** `iac destroy`: delete every resource of the stack. */
export function destroy(options: DeployOptions): Promise<number> {
  return runCommand(options, (ctx) => deploy(ctx, "destroy", options));
}

/** `iac refresh`: read every resource from the cloud and update the state. */
export function refresh(options: DeployOptions): Promise<number> {
  return runCommand(options, (ctx) => deploy(ctx, "refresh", options));
}

async function deploy(ctx: CommandContext, operation: Operation, options: DeployOptions): Promise<number> {
  const ws = await openWorkspace(ctx);
  const previewOnly = operation === "refresh" && options.previewOnly === true;
  let asks = (operation === "up" || operation === "destroy" || (operation === "refresh" && !previewOnly)) && options.yes !== true;
  const cannotAsk = !ctx.io.interactive || options.json === true;
  if (asks && cannotAsk && (operation === "up" || operation === "refresh")) {
    // Refuse before running anything: a CI job must not hang on a prompt or change the cloud unasked.
    await confirmOrRefuse(ctx, { yes: false, question: "", what: `\`iac ${operation}\``, canAsk: false });
  }
  // Before a stack is created, a prompt shown or the local cloud started: a program with type
  // errors stops here with exit 2. destroy and refresh do not run the program, so they do not check it.
  if (operation === "preview" || operation === "up") {
    await checkProgramTypes({ projectDir: ws.project.dir, main: ws.project.main, flag: options.typecheck, signal: ctx.signal, warn: ctx.say, ...(options.typecheckStarted ? { started: options.typecheckStarted } : {}) });
  }
  const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: true });
  if (asks && operation === "destroy") {
    // A destroy of an empty stack deletes nothing in the cloud: there is nothing to confirm.
    if (await hasNoResources(ws, stack)) {
      ctx.say(`Stack ${stack} has no resources: there is nothing to destroy.`);
      asks = false;
    } else if (cannotAsk) {
      await confirmOrRefuse(ctx, { yes: false, question: "", what: `\`iac ${operation}\``, canAsk: false });
    }
  }
  // A stack deployed with --local is not to be run against the real cloud, nor the other way round.
  await assertSameCloud({ backend: ws.backend, stack, command: operation, local: options.local === true, hasResources: async () => !(await hasNoResources(ws, stack)) });
  let local: LocalCloudHandle | undefined;
  try {
    if (options.local === true) local = await startLocalCloud({ projectDir: ws.project.dir, say: ctx.say });
    return await runWithLocal(ctx, ws, { operation, stack, options, asks });
  } finally {
    await local?.close();
  }
}

/** What the CLI needs of one operation's result. */
interface RunOutcome {
  readonly changes: boolean;
  readonly failed: number;
  readonly interrupted: boolean;
  /** A preview without failures: its plan, for the `up` the user confirms. */
  readonly plan?: ConfirmedPlan;
}

function outcomeOf(result: UpdateResult): RunOutcome {
  const { summary } = result;
  // `failed` here decides whether the run failed: a program error (not in summary.failed) is one.
  return { changes: summary.changes, failed: summary.failed + (summary.programError ? 1 : 0), interrupted: summary.result === "interrupted", ...(result.plan ? { plan: result.plan } : {}) };
}

async function runWithLocal(ctx: CommandContext, ws: Workspace, run: { readonly operation: Operation; readonly stack: string; readonly options: DeployOptions; readonly asks: boolean }): Promise<number> {
  const { operation, stack, options } = run;
  // The stack outputs the last run added, changed or removed (for --expect-no-changes).
  let changedOutputs: readonly string[] = [];
  // The resources the last run failed on (its `failed` also counts the program's own errors).
  let failedUrns = new Set<string>();
  const mode: RenderMode = options.json === true ? "json" : ctx.io.out.isTTY === true ? "tree" : "plain";
  // The preview shown before the confirmation is the up's plan (the up does not plan a second time).
  let confirmed: ConfirmedPlan | undefined;
  const target = ws.stack(stack);
  /** One operation of the automation API, rendered; its failures are in the outcome, as the engine counts them. */
  const engineRun = async (op: Operation, showDiffs: boolean, previewOnly = false): Promise<RunOutcome> => {
    const renderer = createRenderer({ mode, out: ctx.io.out, style: ctx.style, showValues: options.diff === true, showDiffs, verbose: ctx.verbose });
    failedUrns = new Set();
    const operationOptions: UpOptions = {
      parallel: options.parallel ?? DEFAULT_PARALLEL,
      targets: options.targets ?? [],
      refresh: options.refresh === true,
      onEvent: (event) => {
        if (event.kind === "outputs") changedOutputs = changedOutputNames(event);
        const failedUrn = failedResource(event);
        if (failedUrn !== undefined) failedUrns.add(failedUrn);
        renderer.onEvent(event);
      },
      signal: ctx.signal,
      command: options.command ?? `iac ${operation}`,
      // Every up, destroy and refresh is recorded in the stack's history, with the flag names only.
      ...(operation === "preview" ? {} : { historyCommand: historyCommandLine(operation, flagNames(options)) }),
      onRecorded: (entry) => printConsoleLink(ctx, { backendUrl: ws.backend.url, stack, entry }),
      ...(op === "up" && confirmed ? { plan: confirmed } : {}),
    };
    try {
      switch (op) {
        case "preview":
          return outcomeOf(await target.preview(operationOptions));
        case "up":
          return outcomeOf(await target.up(operationOptions));
        case "destroy":
          return outcomeOf(await target.destroy(operationOptions));
        case "refresh": {
          const { refresh: _refresh, ...refreshOptions } = operationOptions;
          return outcomeOf(await (previewOnly ? target.previewRefresh(refreshOptions) : target.refresh(refreshOptions)));
        }
        default: {
          const never: never = op;
          throw new Error(`unknown operation ${String(never)}`);
        }
      }
    } catch (error) {
      // Failed steps and an interruption were rendered as they happened: the CLI says the rest.
      if (error instanceof UpdateFailedError || error instanceof UpdateInterruptedError) return outcomeOf(error.result);
      throw error;
    } finally {
      renderer.close();
    }
  };

  if (run.asks) {
    let hasWork = true;
    if (operation === "up") {
      const planned = await engineRun("preview", true);
      if (planned.interrupted) return ExitCode.interrupted;
      if (planned.failed > 0) return reportFailed(ctx, failedUrns.size, "preview");
      hasWork = planned.changes;
      confirmed = planned.plan;
    } else if (operation === "refresh") {
      // What the refresh would record, read from the cloud and shown with its diffs; nothing written.
      const planned = await engineRun("refresh", true, true);
      if (planned.interrupted) return ExitCode.interrupted;
      if (planned.failed > 0) return reportFailed(ctx, failedUrns.size, "preview");
      hasWork = planned.changes;
    } else {
      hasWork = await showDestroyPlan(ctx, ws, stack, await ws.crypter(stack));
    }
    if (hasWork) {
      const verb = operation === "up" ? "update" : operation === "refresh" ? "record this drift in the state of" : "destroy";
      const yes = await confirmOrRefuse(ctx, { yes: false, question: `Do you want to ${verb} stack ${stack}?`, what: `\`iac ${operation}\`` });
      if (!yes) throw new DeclinedError(`\`iac ${operation}\``);
    }
  }

  // After a confirmed preview, the diffs were just shown: the run itself shows the tree and summary.
  const result = await engineRun(operation, !run.asks, operation === "refresh" && options.previewOnly === true);
  if (ctx.verbose && options.json !== true) ctx.print(ctx.style("dim", `State: ${stateLocation(ws.backend.url, stack)}`));
  if (result.interrupted) {
    ctx.say(ctx.errStyle("yellow", "Interrupted: the steps that had started were finished and recorded in the state. Run the command again to carry on."));
    return ExitCode.interrupted;
  }
  if (result.failed > 0) return reportFailed(ctx, failedUrns.size, operation);
  // A changed stack output counts as a change (the reference notes do not say whether Pulumi's
  // check counts it): a drift check must not pass while what other stacks and scripts read changed.
  if (options.expectNoChanges === true && (result.changes || changedOutputs.length > 0)) {
    const what = result.changes ? "changes" : `changes to the stack outputs (${changedOutputs.join(", ")})`;
    ctx.say(ctx.errStyle("red", `error: \`iac ${operation}\` found ${what}, and --expect-no-changes was given (exit 3).`));
    return ExitCode.changes;
  }
  return ExitCode.ok;
}

/**
 * The names of the flags given, for the history: never their values, which may name a secret
 * (a URN with a key in it) and say nothing the entry needs.
 */
function flagNames(options: DeployOptions): string[] {
  const given: readonly (readonly [string, boolean])[] = [
    ["--stack", options.stack !== undefined],
    ["--cwd", options.cwd !== undefined],
    ["--yes", options.yes === true],
    ["--json", options.json === true],
    ["--parallel", options.parallel !== undefined && options.parallel !== DEFAULT_PARALLEL],
    ["--target", (options.targets?.length ?? 0) > 0],
    ["--refresh", options.refresh === true],
    ["--diff", options.diff === true],
    ["--expect-no-changes", options.expectNoChanges === true],
    ["--local", options.local === true],
    ["--preview-only", options.previewOnly === true],
    ["--no-typecheck", options.typecheck === false],
    ["--verbose", options.verbose === true],
  ];
  return given.filter(([, yes]) => yes).map(([name]) => name);
}

/** After a run with failures: `failedResources` of them were resources'; the others, the program's own (it threw). */
function reportFailed(ctx: CommandContext, failedResources: number, operation: Operation): number {
  // A preview writes no state, so only a run that changes the cloud can say what it recorded.
  const recorded = operation === "preview" ? "the preview changed nothing." : "what succeeded is recorded in the state.";
  const what = failedResources > 0 ? `${failedResources} resource operation(s) failed` : "the program failed";
  ctx.say(ctx.errStyle("red", `error: ${what} during ${operation}; see the messages above. Fix the cause and run the command again: ${recorded}`));
  return ExitCode.failure;
}

/** True when the stack's state holds no resource (nor one left to delete by an earlier run). */
async function hasNoResources(ws: Workspace, stack: string): Promise<boolean> {
  const snapshot = await ws.backend.read(stack, await ws.crypter(stack));
  return snapshot.resources.length === 0;
}

/** Before a destroy: list what it deletes. Returns false when the stack holds nothing. */
async function showDestroyPlan(ctx: CommandContext, ws: Workspace, stack: string, crypter: Awaited<ReturnType<Workspace["crypter"]>>): Promise<boolean> {
  const snapshot = await ws.backend.read(stack, crypter);
  const doomed = [...snapshot.resources].reverse();
  if (doomed.length === 0) return false;
  ctx.print(ctx.style("bold", `Destroying stack ${stack} (project ${ws.project.name}) deletes ${doomed.length} resource(s):`));
  for (const r of doomed) {
    const name = r.urn.slice(r.urn.lastIndexOf("::") + 2);
    ctx.print(ctx.style("red", `  -  ${r.type}  ${name}${r.protect ? "  (protected: the destroy will fail on it)" : ""}${r.retainOnDelete ? "  (retained in the cloud)" : ""}`));
  }
  return true;
}

/**
 * Where the stack's state lives, for `--verbose`: the snapshot file of a `file://` backend (its
 * layout is in docs/state-format.md), else the backend URL without query or credentials, which may
 * carry a key or token.
 */
export function stateLocation(backendUrl: string, stack: string): string {
  let url: URL;
  try {
    url = new URL(backendUrl);
  } catch {
    return `${backendUrl} (stack ${stack})`;
  }
  if (url.protocol === "file:") return join(fileURLToPath(url), "stacks", stack, "snapshot.json");
  url.search = "";
  url.username = "";
  url.password = "";
  return `${url.href} (stack ${stack})`;
}

/**
 * Lines every human-readable renderer prints the same way: the run's heading, diagnostics, the
 * warning about unfinished operations, and the closing diff section and summary.
 */
import type { EngineEvent } from "@iac/engine";
import type { Styler } from "../io.js";
import { formatStepDiff, formatSummary } from "./format.js";
import { formatOutputChanges } from "./output-changes.js";
import { splitFailures, type RunView } from "./run-view.js";

/** The heading of a run: `Updating stack dev (project demo)`. */
export function preludeLine(view: Pick<RunView, "operation" | "preview" | "stack" | "project">): string {
  const verb = view.preview
    ? "Previewing"
    : view.operation === "destroy"
      ? "Destroying"
      : view.operation === "refresh"
        ? "Refreshing"
        : "Updating";
  const what = view.preview && view.operation === "destroy" ? "destroy of " : view.preview && view.operation === "refresh" ? "refresh of " : view.preview ? "update of " : "";
  return `${verb} ${what}stack ${view.stack} (project ${view.project})`;
}

/** Lines that name a diagnostic; `undefined` when it is not shown (debug without --verbose). */
export function diagnosticLine(event: Extract<EngineEvent, { kind: "diagnostic" }>, options: { readonly verbose: boolean; readonly style: Styler }): string | undefined {
  if (event.severity === "debug" && !options.verbose) return undefined;
  const where = event.urn ? `${event.urn.split("::").pop()}: ` : "";
  const style = event.severity === "error" ? "red" : event.severity === "warning" ? "yellow" : "dim";
  return options.style(style, `${event.severity}: ${where}${event.message}`);
}

/**
 * The block shown when a previous run left operations unfinished. `up`, `destroy` and `refresh`
 * resolve them before anything else (engine `resolvePendingOperations`), so only a preview tells
 * the user to run something.
 */
export function pendingLines(operations: readonly { readonly urn: string; readonly op: string; readonly id?: string }[], style: Styler, options: { readonly preview: boolean } = { preview: true }): string[] {
  if (operations.length === 0) return [];
  return [
    style("yellow", `warning: a previous run was interrupted with ${operations.length} operation(s) unfinished; the cloud may hold resources the state does not name:`),
    ...operations.map((op) => style("yellow", `    ${op.op} ${op.urn}${op.id ? ` (id ${op.id})` : ""}`)),
    style("yellow", options.preview ? "  Run `iac up` or `iac refresh` to resolve them." : "  This run resolves them first."),
  ];
}

/** The diff section, the stack outputs and the summary line printed at the end of every run. */
export function closingLines(view: RunView, options: { readonly showDiffs: boolean; readonly showValues: boolean; readonly style: Styler }): string[] {
  const lines: string[] = [];
  const changed = view.changedSteps();
  if (options.showDiffs && changed.length > 0) {
    lines.push("", options.style("bold", view.preview ? "Planned changes:" : "Changes:"));
    for (const step of changed) lines.push(...formatStepDiff(step, { showValues: options.showValues, style: options.style }));
  }
  // As Pulumi does, before the summary: after an up every output (the changed ones marked),
  // otherwise only the changes.
  const outputs = view.outputs ? formatOutputChanges(view.outputs, { all: view.operation === "up" && !view.preview, style: options.style }) : [];
  if (outputs.length > 0) lines.push("", ...outputs);
  if (view.summary) {
    // Failed resources only: a program that threw or does not compile is its own error, shown as such.
    const { failed } = splitFailures(view.summary.failed, view.failedUrns);
    lines.push("", options.style("bold", formatSummary({ ...view.summary, failed, preview: view.preview })));
  }
  return lines;
}

const RUNNING: Readonly<Record<string, string>> = {
  create: "creating",
  update: "updating",
  replace: "replacing",
  delete: "deleting",
  read: "reading",
  import: "importing",
  refresh: "refreshing",
  same: "checking",
};

/** What the step is doing, for a running row: `creating`. */
export function runningLabel(kind: string): string {
  return RUNNING[kind] ?? kind;
}


/**
 * Off a terminal (CI logs, pipes): plain lines, one per step start, done, failure or skip, then
 * the diffs and the summary. No cursor movement, so logs read top to bottom.
 */
import type { EngineEvent, StepInfo } from "@iac/engine";
import { doneLabel, formatDuration, stepStyle, stepSymbol } from "./format.js";
import { closingLines, diagnosticLine, pendingLines, preludeLine, runningLabel } from "./lines.js";
import { LineBuffer } from "./line-buffer.js";
import type { Renderer, RendererOptions } from "./renderer.js";
import { RunView, SKIPPED_MARK, failedCheck } from "./run-view.js";

/** Off a terminal: one line per step start, done, failure or skip; then the diffs and the summary. */
export class PlainRenderer implements Renderer {
  private readonly view = new RunView();
  private closed = false;
  /** Steps that made a cloud call (a `step-start` came): the others are components and explicit providers. */
  private readonly started = new Set<string>();
  /**
   * The "done" lines of components (steps without a cloud call), held until the run ends: a
   * component is done when its children are, and a log line cannot be taken back (issue 12).
   */
  private readonly held: string[] = [];
  /** One write per tick, not per line (line-buffer.ts). */
  private readonly lines: LineBuffer;
  constructor(private readonly options: RendererOptions) {
    this.lines = new LineBuffer(options.out);
  }

  onEvent(event: EngineEvent): void {
    if (this.closed) return;
    // Asked before the event is folded in: afterwards the row is the replace either way.
    const oldCopy = (event.kind === "step-start" || event.kind === "step-done") && this.view.isReplacedCopy(event.step);
    this.view.apply(event);
    const { style } = this.options;
    switch (event.kind) {
      case "prelude":
        this.write(style("bold", preludeLine(this.view)));
        return;
      case "pending-operations":
        for (const line of pendingLines(event.operations, style, { preview: this.view.preview })) this.write(line);
        return;
      case "step-start":
        this.started.add(event.step.urn);
        if (oldCopy) this.write(`${stepSymbol(this.rowStep(event.step)).padEnd(2)} ${name(event.step)} deleting the replaced copy...`);
        else if (event.step.kind !== "same") this.write(`${stepSymbol(event.step).padEnd(2)} ${name(event.step)} ${runningLabel(event.step.kind)}...`);
        return;
      case "step-done":
        if (oldCopy) this.write(style(stepStyle("replace"), `${stepSymbol(this.rowStep(event.step)).padEnd(2)} ${name(event.step)} deleted the replaced copy (${formatDuration(event.durationMs)})`));
        else if (event.step.kind !== "same") {
          const line = style(stepStyle(event.step.kind), `${stepSymbol(event.step).padEnd(2)} ${name(event.step)} ${doneLabel(event.step.kind)} (${formatDuration(event.durationMs)})`);
          if (this.started.has(event.step.urn)) this.write(line);
          else this.held.push(line);
        }
        return;
      case "step-failed":
        if (failedCheck({ status: "failed", error: event.error })) this.write(style("red", `✗  ${name(event.step)} check failed: ${event.error.message}`));
        else this.write(style("red", `${stepSymbol(event.step).padEnd(2)} ${name(event.step)} ${event.step.kind} failed: ${event.error.message}`));
        return;
      case "step-skipped":
        // Not the step symbol: a skipped dependent may already exist, and its step never ran.
        this.write(style("dim", `${SKIPPED_MARK.padEnd(2)} ${name(event.step)} skipped: ${event.reason}`));
        return;
      case "diagnostic": {
        const line = diagnosticLine(event, this.options);
        if (line !== undefined) this.write(line);
        return;
      }
      case "summary":
        this.flushHeld();
        for (const line of closingLines(this.view, this.options)) this.write(line);
        this.lines.flush();
        return;
      case "step-planned":
      case "outputs":
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown event ${JSON.stringify(never)}`);
      }
    }
  }

  close(): void {
    // A run that threw ends without a summary: what was done is still said.
    if (!this.closed) this.flushHeld();
    this.closed = true;
    this.lines.flush();
  }

  private flushHeld(): void {
    for (const line of this.held.splice(0)) this.write(line);
  }

  /** The step a resource's row shows (a replace, for the delete of its old copy). */
  private rowStep(step: StepInfo): StepInfo {
    return this.view.rows.get(step.urn)?.step ?? step;
  }

  private write(line: string): void {
    this.lines.line(line);
  }
}

/** `<type> <name>` of a step's line (a module function: tsx's keepNames makes a closure per event cost a `defineProperty`). */
function name(step: { readonly type: string; readonly name: string }): string {
  return `${step.type} ${step.name}`;
}

/**
 * Off a terminal (CI logs, pipes): plain lines, one per step start, done, failure or skip, then
 * the diffs and the summary. No cursor movement, so logs read top to bottom.
 */
import type { EngineEvent, StepInfo } from "@iac/engine";
import { doneLabel, formatDuration, stepStyle, stepSymbol } from "./format.js";
import { closingLines, diagnosticLine, pendingLines, preludeLine, runningLabel } from "./lines.js";
import type { Renderer, RendererOptions } from "./renderer.js";
import { RunView, SKIPPED_MARK, failedCheck } from "./run-view.js";

/** Off a terminal: one line per step start, done, failure or skip; then the diffs and the summary. */
export class PlainRenderer implements Renderer {
  private readonly view = new RunView();
  private closed = false;
  constructor(private readonly options: RendererOptions) {}

  onEvent(event: EngineEvent): void {
    if (this.closed) return;
    // Asked before the event is folded in: afterwards the row is the replace either way.
    const oldCopy = (event.kind === "step-start" || event.kind === "step-done") && this.view.isReplacedCopy(event.step);
    this.view.apply(event);
    const { style } = this.options;
    const name = (step: { type: string; name: string }) => `${step.type} ${step.name}`;
    switch (event.kind) {
      case "prelude":
        this.write(style("bold", preludeLine(this.view)));
        return;
      case "pending-operations":
        for (const line of pendingLines(event.operations, style, { preview: this.view.preview })) this.write(line);
        return;
      case "step-start":
        if (oldCopy) this.write(`${stepSymbol(this.rowStep(event.step)).padEnd(2)} ${name(event.step)} deleting the replaced copy...`);
        else if (event.step.kind !== "same") this.write(`${stepSymbol(event.step).padEnd(2)} ${name(event.step)} ${runningLabel(event.step.kind)}...`);
        return;
      case "step-done":
        if (oldCopy) this.write(style(stepStyle("replace"), `${stepSymbol(this.rowStep(event.step)).padEnd(2)} ${name(event.step)} deleted the replaced copy (${formatDuration(event.durationMs)})`));
        else if (event.step.kind !== "same") {
          this.write(style(stepStyle(event.step.kind), `${stepSymbol(event.step).padEnd(2)} ${name(event.step)} ${doneLabel(event.step.kind)} (${formatDuration(event.durationMs)})`));
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
        for (const line of closingLines(this.view, this.options)) this.write(line);
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
    this.closed = true;
  }

  /** The step a resource's row shows (a replace, for the delete of its old copy). */
  private rowStep(step: StepInfo): StepInfo {
    return this.view.rows.get(step.urn)?.step ?? step;
  }

  private write(line: string): void {
    this.options.out.write(`${line}\n`);
  }
}

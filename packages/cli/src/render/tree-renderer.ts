/**
 * On a terminal: a live tree of resources (children under their parent) with a status symbol, the
 * step kind and the elapsed time, redrawn in place at most 10 times a second; then the diffs and
 * the summary, printed once below the final frame.
 */
import type { EngineEvent } from "@iac/engine";
import type { Styler } from "../io.js";
import { doneLabel, formatDuration, stepStyle, stepSymbol } from "./format.js";
import { closingLines, diagnosticLine, pendingLines, preludeLine, runningLabel } from "./lines.js";
import type { Renderer, RendererOptions } from "./renderer.js";
import { RunView, SKIPPED_MARK, failedCheck, type Row } from "./run-view.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** ANSI: move the cursor up `n` lines to column 0 and clear to the end of the screen. */
function eraseLines(n: number): string {
  return n > 0 ? `\r\x1b[${n}A\x1b[J` : "";
}

export class TreeRenderer implements Renderer {
  private readonly view = new RunView();
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  /** Lines of the frame currently on screen (so the next frame can overwrite them). */
  private drawn = 0;
  private dirty = false;
  private frame = 0;
  private closed = false;
  private heading: string | undefined;

  constructor(private readonly options: RendererOptions) {
    this.now = options.now ?? Date.now;
    // Throttled redraw: events only mark the frame dirty; a burst of 1,000 step events costs one draw.
    this.timer = setInterval(() => this.tick(), options.frameMs ?? 100);
    this.timer.unref();
  }

  onEvent(event: EngineEvent): void {
    if (this.closed) return;
    if (this.view.apply(event)) this.dirty = true;
    switch (event.kind) {
      case "prelude":
        this.heading = this.options.style("bold", preludeLine(this.view));
        return;
      case "pending-operations":
        this.printAbove(pendingLines(event.operations, this.options.style, { preview: this.view.preview }));
        return;
      case "diagnostic": {
        const line = diagnosticLine(event, this.options);
        if (line !== undefined) this.printAbove([line]);
        return;
      }
      case "summary":
        this.finish();
        return;
      case "step-planned":
      case "step-start":
      case "step-done":
      case "step-failed":
      case "step-skipped":
      case "outputs":
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown event ${JSON.stringify(never)}`);
      }
    }
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    this.closed = true;
    // Ended without a summary (the run threw): leave the last state of the tree on screen.
    this.redraw();
  }

  /** The current frame's lines (exported through the class for tests). */
  frameLines(): string[] {
    const { style } = this.options;
    // A terminal of unknown size (some CI pseudo-terminals report 0) is taken as 100x24.
    const columns = Math.max(40, this.options.out.columns || 100);
    const rows = Math.max(5, this.options.out.rows || 24);
    let entries = this.view.tree();
    const lines: string[] = [];
    if (this.heading !== undefined) lines.push(this.heading);
    // A tree taller than the terminal cannot be redrawn in place (the top scrolls away), so show
    // the rows still in progress and count the rest.
    const room = rows - 2 - lines.length;
    let hidden = 0;
    if (entries.length > room) {
      const active = entries.filter((e) => e.row.status === "running" || e.row.status === "failed");
      const keep = active.slice(0, Math.max(0, room - 1));
      hidden = entries.length - keep.length;
      entries = keep;
    }
    const busy = this.busyParents();
    for (const { row, depth } of entries) {
      // A component's own step is done as soon as it registers; it is done for the user only when
      // its children are: until then it shows as running (issue 12).
      const shown = row.status === "done" && busy.has(row.step.urn) ? { ...row, status: "running" as const, started: row.started ?? this.now() } : row;
      lines.push(this.rowLine(shown, depth, columns, style));
    }
    if (hidden > 0) lines.push(style("dim", `  ... and ${hidden} more resource(s)`));
    return lines;
  }

  private rowLine(row: Row, depth: number, columns: number, style: Styler): string {
    const step = row.step;
    const status = this.statusSymbol(row, style);
    // A failed check or a skip never had the step the engine guessed for it: no step symbol.
    const symbol = (failedCheck(row) || row.status === "skipped" ? "" : stepSymbol(step)).padEnd(2);
    let state = this.stateText(row);
    const indent = "  ".repeat(depth + 1);
    // A row fits the terminal's width: the state (an error message, mostly) gives way first, then
    // the name, then the rest of the state. The type is never cut (issue 12): it says what the
    // resource is. A row that still does not fit (a long type, deep in a narrow terminal) wraps,
    // and the redraw counts the rows it takes (physicalRows).
    const STATE_MIN = 12;
    const NAME_MIN = 8;
    const room = columns - 1 - (indent.length + 2 + symbol.length + 1 + 2) - step.type.length - 2;
    let name = step.name;
    if (name.length + state.length > room) {
      state = clip(state, Math.max(Math.min(state.length, STATE_MIN), room - name.length));
      if (name.length + state.length > room) name = clip(name, Math.max(Math.min(name.length, NAME_MIN), room - state.length));
      if (name.length + state.length > room) state = clip(state, Math.max(0, room - name.length));
    }
    const label = `${step.type}  ${name}`;
    const colouredLabel = step.kind === "same" ? style("dim", label) : label;
    const colouredState = row.status === "failed" ? style("red", state) : style("dim", state);
    return `${indent}${status} ${style(stepStyle(step.kind), symbol)} ${colouredLabel}  ${colouredState}`;
  }

  /**
   * After the run: each failure with its whole message, which its row had to cut to one line of
   * the terminal (the plain renderer prints it whole as it happens).
   */
  private failureLines(): string[] {
    const { style } = this.options;
    const failed = [...this.view.rows.values()].filter((r) => r.status === "failed" && r.error !== undefined);
    if (failed.length === 0) return [];
    const lines = ["", style("bold", "Failures:")];
    for (const row of failed) {
      const what = failedCheck(row) ? "check" : row.step.kind;
      const [first, ...rest] = row.error!.message.split("\n");
      lines.push(style("red", `  ✗ ${row.step.type}  ${row.step.name}  ${what} failed: ${first}`));
      for (const line of rest) lines.push(style("red", `      ${line}`));
    }
    return lines;
  }

  /** The URNs of rows with a descendant still planned or running. */
  private busyParents(): Set<string> {
    const busy = new Set<string>();
    for (const row of this.view.rows.values()) {
      if (row.status !== "planned" && row.status !== "running") continue;
      let parent = row.step.parent;
      // Bounded by the number of rows: a parent cycle cannot come from the engine, but must not hang.
      for (let hops = 0; parent !== undefined && hops < this.view.rows.size && !busy.has(parent); hops++) {
        busy.add(parent);
        parent = this.view.rows.get(parent)?.step.parent;
      }
    }
    return busy;
  }

  private statusSymbol(row: Row, style: Styler): string {
    switch (row.status) {
      case "planned":
        return style("dim", "·");
      case "running":
        return style("cyan", SPINNER[this.frame % SPINNER.length]);
      case "done":
        return style(row.step.kind === "same" ? "dim" : "green", "✓");
      case "failed":
        return style("red", "✗");
      case "skipped":
        return style("dim", SKIPPED_MARK);
      default: {
        const never: never = row.status;
        throw new Error(`unknown status ${String(never)}`);
      }
    }
  }

  private stateText(row: Row): string {
    const step = row.step;
    switch (row.status) {
      case "planned":
        return step.kind === "same" ? "" : step.kind === "replace" && step.deleteBeforeReplace ? "replace (delete first)" : step.kind;
      case "running":
        return `${runningLabel(step.kind)} ${formatDuration(this.now() - (row.started ?? this.now()))}`;
      case "done":
        return step.kind === "same" ? "" : `${doneLabel(step.kind)} ${formatDuration(row.durationMs ?? 0)}`;
      case "failed":
        return `${failedCheck(row) ? "check" : step.kind} failed: ${firstLine(row.error?.message ?? "")}`;
      case "skipped":
        return `skipped: ${row.skipReason ?? ""}`;
      default: {
        const never: never = row.status;
        throw new Error(`unknown status ${String(never)}`);
      }
    }
  }

  private tick(): void {
    const running = [...this.view.rows.values()].some((r) => r.status === "running");
    if (!this.dirty && !running) return;
    this.frame++;
    this.redraw();
  }

  /** Draw the current frame now, over the previous one (the timer calls this; so can tests). */
  redraw(): void {
    const lines = this.frameLines();
    this.options.out.write(eraseLines(this.drawn) + lines.map((l) => `${l}\n`).join(""));
    // The terminal's own width (not the 40 the rows are laid out for at least): where it wraps.
    const columns = this.options.out.columns || 100;
    this.drawn = lines.reduce((n, l) => n + physicalRows(l, columns), 0);
    this.dirty = false;
  }

  /** Print lines that stay (diagnostics) above the live frame. */
  private printAbove(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.options.out.write(eraseLines(this.drawn) + lines.map((l) => `${l}\n`).join(""));
    this.drawn = 0;
    this.dirty = true;
  }

  private finish(): void {
    clearInterval(this.timer);
    this.redraw();
    this.closed = true;
    const tail = [...this.failureLines(), ...closingLines(this.view, this.options)];
    if (tail.length > 0) this.options.out.write(tail.map((l) => `${l}\n`).join(""));
  }
}

/** `text` in at most `width` characters, an ellipsis marking a cut. */
function clip(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 0 ? "" : `${text.slice(0, width - 1)}…`;
}

/** The terminal rows a line takes once it wraps at `columns` (colour codes take none). */
export function physicalRows(line: string, columns: number): number {
  // eslint-disable-next-line no-control-regex
  const visible = line.replace(/\x1b\[[0-9;]*m/g, "").length;
  return Math.max(1, Math.ceil(visible / columns));
}

function firstLine(text: string): string {
  const i = text.indexOf("\n");
  return i < 0 ? text : `${text.slice(0, i)} ...`;
}

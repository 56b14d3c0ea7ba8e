/**
 * Lines for a stream, written in batches: one `write` per tick (or per 64 KB) instead of one per
 * line. Off a terminal stdout is a pipe or a file, and node writes those synchronously, one system
 * call each: an `up` of 10,000 resources prints 20,000 lines, and writing them one by one was about
 * a tenth of its CPU time (issue 12). The lines of a tick go out in that tick's `setImmediate`, so a
 * log still follows the run as it goes; `flush` writes what is held at once (the renderers call it
 * at the summary and at close, before anything else is printed).
 */
import type { OutStream } from "../io.js";

/** Held text beyond this is written at once. */
const MAX_HELD = 64 * 1024;

export class LineBuffer {
  private held = "";
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly out: OutStream) {}

  /** Queue one line (without its newline). */
  line(text: string): void {
    this.held += `${text}\n`;
    if (this.held.length >= MAX_HELD) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Write what is held now. */
  flush(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.held === "") return;
    const text = this.held;
    this.held = "";
    this.out.write(text);
  }
}

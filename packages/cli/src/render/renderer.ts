/**
 * Renderers turn the engine's events into output. Three kinds: the live tree on a terminal, plain
 * lines off a terminal (CI logs), and NDJSON for `--json`. Only the CLI prints (DESIGN.md).
 */
import type { EngineEvent } from "@iac/engine";
import type { OutStream, Styler } from "../io.js";
import { maskDeep } from "./format.js";
import { LineBuffer } from "./line-buffer.js";
import { PlainRenderer } from "./plain-renderer.js";
import { failedResource, splitFailures } from "./run-view.js";
import { TreeRenderer } from "./tree-renderer.js";

/** Receives the events of one engine run. */
export interface Renderer {
  onEvent(event: EngineEvent): void;
  /** Stop timers and leave the output complete. Safe to call more than once. */
  close(): void;
}

export type RenderMode = "tree" | "plain" | "json";

export interface RendererOptions {
  readonly mode: RenderMode;
  readonly out: OutStream;
  readonly style: Styler;
  /** `--diff`: show old and new values of changed properties. */
  readonly showValues: boolean;
  /** Print the per-resource diff section before the summary (off for an `up` whose preview was just shown). */
  readonly showDiffs: boolean;
  /** `--verbose`: debug diagnostics too. */
  readonly verbose: boolean;
  /** Clock for elapsed times (tests pass a fixed one). */
  readonly now?: () => number;
  /** Redraw interval of the live tree in ms (default 100, i.e. 10 frames a second). */
  readonly frameMs?: number;
}

export function createRenderer(options: RendererOptions): Renderer {
  switch (options.mode) {
    case "json":
      return new JsonRenderer(options.out);
    case "plain":
      return new PlainRenderer(options);
    case "tree":
      return new TreeRenderer(options);
    default: {
      const never: never = options.mode;
      throw new Error(`unknown render mode ${String(never)}`);
    }
  }
}

/**
 * `--json`: every event as one JSON line; secret values masked even if an event carried one. The
 * `summary` counts as the text summary does: `failed` the resources that failed, and
 * `programError` (true or false) whether the program itself failed (it threw or does not compile),
 * which the engine's own count includes.
 */
export class JsonRenderer implements Renderer {
  readonly #failedUrns = new Set<string>();
  /** One write per tick, not per event (line-buffer.ts). */
  readonly #lines: LineBuffer;
  constructor(out: OutStream) {
    this.#lines = new LineBuffer(out);
  }
  onEvent(event: EngineEvent): void {
    const urn = failedResource(event);
    if (urn !== undefined) this.#failedUrns.add(urn);
    const line = event.kind === "summary" ? { ...event, ...splitFailures(event.failed, this.#failedUrns) } : event;
    this.#lines.line(JSON.stringify(maskDeep(line)));
    if (event.kind === "summary") this.#lines.flush();
  }
  close(): void {
    this.#lines.flush();
  }
}


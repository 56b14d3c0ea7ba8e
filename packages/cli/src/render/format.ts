/**
 * Pure text formatting of engine events: step symbols, property diffs, the summary line and stack
 * outputs. The renderers decide when to print; these functions decide what. No colour codes are
 * built here except through the {@link Styler} passed in, so tests can read plain text.
 */
import { UNKNOWN } from "@iac/sdk/provider";
import { isSecretValue } from "@iac/sdk/runtime";
import type { Operation, StepInfo, StepKind } from "@iac/engine";
import type { Style, Styler } from "../io.js";

/** The display prefix of a step, as Pulumi shows them (reference/notes/pulumi-engine.md, 1.2). */
export function stepSymbol(step: Pick<StepInfo, "kind" | "deleteBeforeReplace">): string {
  switch (step.kind) {
    case "same":
      return " ";
    case "create":
      return "+";
    case "update":
      return "~";
    case "replace":
      return step.deleteBeforeReplace === true ? "-+" : "+-";
    case "delete":
      return "-";
    case "read":
      return ">";
    case "import":
      return "=";
    case "refresh":
      return "~";
    default:
      return assertNever(step.kind);
  }
}

/** The colour a step kind is shown in. */
export function stepStyle(kind: StepKind): Style {
  switch (kind) {
    case "same":
      return "gray";
    case "create":
    case "import":
      return "green";
    case "update":
    case "refresh":
    case "read":
      return "yellow";
    case "replace":
      return "magenta";
    case "delete":
      return "red";
    default:
      return assertNever(kind);
  }
}

/** How a step kind reads in a resource line: `create`, `replace (delete first)`, ... */
export function stepLabel(step: Pick<StepInfo, "kind" | "deleteBeforeReplace">): string {
  if (step.kind === "replace" && step.deleteBeforeReplace === true) return "replace (delete first)";
  return step.kind;
}

/** The past tense used in summaries and plain "done" lines. */
function pastTense(kind: StepKind): string {
  switch (kind) {
    case "same":
      return "unchanged";
    case "create":
      return "created";
    case "update":
      return "updated";
    case "replace":
      return "replaced";
    case "delete":
      return "deleted";
    case "read":
      return "read";
    case "import":
      return "imported";
    case "refresh":
      return "refreshed";
    default:
      return assertNever(kind);
  }
}

/** The form a preview uses: `to create`. */
function futureForm(kind: StepKind): string {
  return kind === "same" ? "unchanged" : `to ${kind}`;
}

/** What a plain "done" line says: `created`, `replaced`, ... */
export function doneLabel(kind: StepKind): string {
  return pastTense(kind);
}

/** The order of kinds in the summary: changes first, unchanged last. */
const SUMMARY_ORDER: readonly StepKind[] = ["create", "update", "replace", "delete", "import", "read", "refresh", "same"];

/** `1.2s`, `45.0s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

/**
 * The summary line, e.g. `Resources: 3 created, 1 updated, 4 unchanged. Duration: 2.1s`; a preview
 * says `3 to create`. Failed steps are counted apart (`1 failed`).
 */
export function formatSummary(summary: {
  readonly operation: Operation;
  readonly preview: boolean;
  readonly counts: Readonly<Partial<Record<StepKind, number>>>;
  readonly failed: number;
  readonly durationMs: number;
}): string {
  const parts: string[] = [];
  for (const kind of SUMMARY_ORDER) {
    const n = summary.counts[kind] ?? 0;
    if (n > 0) parts.push(`${n} ${summary.preview ? futureForm(kind) : pastTense(kind)}`);
  }
  if (summary.failed > 0) parts.push(`${summary.failed} failed`);
  const resources = parts.length > 0 ? parts.join(", ") : "none";
  return `Resources: ${resources}. Duration: ${formatDuration(summary.durationMs)}`;
}

/** A property value as the diff shows it: JSON, with secrets and unknowns spelled out. */
export function formatValue(value: unknown): string {
  if (value === UNKNOWN || value === "(known after apply)") return "(known after apply)";
  if (value === "[secret]" || isSecretValue(value)) return "[secret]";
  if (value === undefined) return "(none)";
  return JSON.stringify(maskDeep(value));
}

/** A copy of `value` where every wrapped secret is `"[secret]"` and every unknown is `"(known after apply)"`. */
export function maskDeep(value: unknown): unknown {
  if (value === UNKNOWN) return "(known after apply)";
  if (isSecretValue(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(maskDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskDeep(v)]));
  }
  return value;
}

/**
 * The value at a property path (`tags.env`, `containers[0].image`) in an olds/news record. The
 * engine may key these records by the full path or by top-level property, so both are tried.
 */
export function valueAtPath(record: Readonly<Record<string, unknown>> | undefined, path: string): unknown {
  if (record === undefined) return undefined;
  if (Object.hasOwn(record, path)) return record[path];
  let current: unknown = record;
  for (const segment of path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "")) {
    // Inside a secret (masked as "[secret]" in events): the part is secret too, not absent.
    if (current === "[secret]" || isSecretValue(current)) return "[secret]";
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Options of {@link formatStepDiff}. */
export interface DiffFormatOptions {
  /** `--diff`: show old and new values. */
  readonly showValues: boolean;
  readonly style: Styler;
  /** Leading spaces of the resource line. */
  readonly indent?: number;
}

/**
 * The lines that describe one changed resource: a header (`+- random:index:RandomPet pet replace`)
 * and one line per changed property, with `[replace: <reason>]` on those that force replacement.
 */
export function formatStepDiff(step: StepInfo, options: DiffFormatOptions): string[] {
  const pad = " ".repeat(options.indent ?? 2);
  const style = stepStyle(step.kind);
  const header = `${pad}${options.style(style, `${stepSymbol(step).padEnd(2)} ${step.type}  ${step.name}`)}  ${options.style("dim", stepLabel(step))}`;
  const lines = [header];
  const propPad = `${pad}    `;
  const diffs = step.diffs ?? [];
  if (diffs.length > 0) {
    for (const d of diffs) {
      const symbol = d.kind === "add" ? "+" : d.kind === "delete" ? "-" : "~";
      let line = `${propPad}${symbol} ${d.path}`;
      if (options.showValues) {
        const oldValue = valueAtPath(step.olds, d.path);
        const newValue = valueAtPath(step.news, d.path);
        if (d.kind === "add") line += `: ${formatValue(newValue)}`;
        else if (d.kind === "delete") line += `: ${formatValue(oldValue)}`;
        else line += `: ${formatValue(oldValue)} => ${formatValue(newValue)}`;
      }
      if (d.replace) line += ` ${options.style("magenta", d.reason ? `[replace: ${d.reason}]` : "[replace]")}`;
      else if (d.reason) line += ` ${options.style("dim", `(${d.reason})`)}`;
      lines.push(d.replace ? line : options.style(d.kind === "add" ? "green" : d.kind === "delete" ? "red" : "yellow", line));
    }
  } else if (options.showValues) {
    // A create or delete has no property diff; with --diff show what is created or deleted.
    const values = step.kind === "delete" ? step.olds : step.kind === "create" ? step.news : undefined;
    const symbol = step.kind === "delete" ? "-" : "+";
    for (const [key, value] of Object.entries(values ?? {})) {
      lines.push(`${propPad}${symbol} ${key}: ${formatValue(value)}`);
    }
  }
  return lines;
}

/** True for the steps the diff section lists: everything that changes something. */
export function isChange(kind: StepKind): boolean {
  return kind !== "same" && kind !== "read";
}

/**
 * Stack outputs, one per line (`    name: "value"`), secrets as `[secret]` unless `showSecrets`.
 * Returns no lines when there are no outputs.
 */
export function formatOutputs(outputs: Readonly<Record<string, unknown>>, options: { readonly showSecrets: boolean; readonly style: Styler }): string[] {
  const keys = Object.keys(outputs).sort();
  if (keys.length === 0) return [];
  const width = Math.max(...keys.map((k) => k.length));
  const lines = [options.style("bold", "Outputs:")];
  for (const key of keys) {
    const value = outputs[key];
    const shown = options.showSecrets ? JSON.stringify(unwrapDeep(value)) : formatValue(value);
    lines.push(`    ${`${key}:`.padEnd(width + 1)} ${shown}`);
  }
  return lines;
}

/** A copy of `value` with every wrapped secret replaced by its plaintext (for `--show-secrets`). */
export function unwrapDeep(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapDeep(value.value);
  if (Array.isArray(value)) return value.map(unwrapDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, unwrapDeep(v)]));
  }
  return value;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}: this is a bug in iac, please report it`);
}

/**
 * The "Outputs:" section of a preview or up: the stack outputs against those recorded before the
 * run, as Pulumi shows them (`+ name: value`, `~ name: old => new`, `- name: old`). Without it a
 * run that changes only an output (a config value exported as is) would read "N unchanged".
 */
import type { EngineEvent } from "@iac/engine";
import type { Styler } from "../io.js";
import { formatValue } from "./format.js";

/** The engine's `outputs` event. */
export type OutputsEvent = Extract<EngineEvent, { kind: "outputs" }>;

/**
 * Names of the outputs the run added, changed or removed. The engine names them (it compares
 * before masking, so a secret whose value changed counts); an engine that does not falls back to
 * comparing the masked values.
 */
export function changedOutputNames(event: OutputsEvent): readonly string[] {
  if (event.changed !== undefined) return event.changed;
  const previous = event.previous ?? {};
  const names = new Set([...Object.keys(previous), ...Object.keys(event.outputs)]);
  return [...names].filter((k) => !Object.hasOwn(previous, k) || !Object.hasOwn(event.outputs, k) || JSON.stringify(previous[k]) !== JSON.stringify(event.outputs[k])).sort();
}

/**
 * The lines of the "Outputs:" section. `all` (after an up) lists every output, the changed ones
 * marked; otherwise (a preview) only the changes. Values are those of the event, already masked:
 * secrets "[secret]", unknowns "(known after apply)". Empty when there is nothing to show.
 */
export function formatOutputChanges(event: OutputsEvent, options: { readonly all: boolean; readonly style: Styler }): string[] {
  const { style } = options;
  const previous = event.previous ?? {};
  const changed = new Set(changedOutputNames(event));
  const names = [...new Set([...Object.keys(previous), ...Object.keys(event.outputs)])].sort();
  const lines: string[] = [];
  for (const name of names) {
    const had = Object.hasOwn(previous, name);
    const has = Object.hasOwn(event.outputs, name);
    if (!changed.has(name)) {
      if (options.all && has) lines.push(`    ${name}: ${formatValue(event.outputs[name])}`);
    } else if (!had) {
      lines.push(style("green", `  + ${name}: ${formatValue(event.outputs[name])}`));
    } else if (!has) {
      lines.push(style("red", `  - ${name}: ${formatValue(previous[name])}`));
    } else {
      lines.push(style("yellow", `  ~ ${name}: ${formatValue(previous[name])} => ${formatValue(event.outputs[name])}`));
    }
  }
  return lines.length > 0 ? [style("bold", "Outputs:"), ...lines] : [];
}

/**
 * The text of a data file: valid JSON with one entry of each map per line, so a regeneration's
 * diff shows only the entries that changed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { IndexSpec, ModuleSpec } from "../src/format.js";

/** Writes `text` to `file` unless it already holds exactly that; says whether it wrote. */
export function writeIfChanged(file: string, text: string): boolean {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return true;
}


export function moduleText(spec: ModuleSpec): string {
  const lines: string[] = ["{"];
  lines.push(`"format": ${spec.format},`);
  lines.push(`"module": ${JSON.stringify(spec.module)},`);
  lines.push(`"namespace": ${JSON.stringify(spec.namespace)},`);
  lines.push(`"sources": ${JSON.stringify(spec.sources)},`);
  lines.push(...mapLines("resources", spec.resources, ","));
  lines.push(...mapLines("functions", spec.functions, ","));
  lines.push(...mapLines("types", spec.types, ""));
  lines.push("}");
  return lines.join("\n") + "\n";
}

export function indexText(index: IndexSpec): string {
  const lines: string[] = ["{"];
  lines.push(`"format": ${index.format},`);
  lines.push(`"source": ${JSON.stringify(index.source)},`);
  lines.push(...mapLines("modules", index.modules, ""));
  lines.push("}");
  return lines.join("\n") + "\n";
}

function mapLines(name: string, map: Readonly<Record<string, unknown>>, trailer: string): string[] {
  const entries = Object.entries(map);
  if (entries.length === 0) return [`${JSON.stringify(name)}: {}${trailer}`];
  return [
    `${JSON.stringify(name)}: {`,
    ...entries.map(([k, v], i) => `${JSON.stringify(k)}: ${JSON.stringify(v)}${i < entries.length - 1 ? "," : ""}`),
    `}${trailer}`,
  ];
}

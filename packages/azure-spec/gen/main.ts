/**
 * `npm run gen:azure` (data step): reads `../shared/reference/azure/bicep-types/**\/types.json`
 * (or the folder given as the first argument / IAC_BICEP_TYPES) and writes
 * `packages/azure-spec/data/<module>.json` plus `data/index.json`, then (unless `--data-only`)
 * the generated class modules of `@iac/azure` (generate-classes.ts).
 *
 * Files are rewritten only when their text changes, so a regeneration touches only what changed.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FORMAT_VERSION, type IndexSpec } from "../src/format.js";
import { moduleOfNamespace } from "../src/naming.js";
import { compactModule, type CompactedModule, type SourceFile } from "./compact.js";
import { cmp } from "./order.js";
import { indexText, moduleText, writeIfChanged } from "./write.js";

const here = dirname(fileURLToPath(import.meta.url));
export const specRoot = resolve(here, "..");
export const repoRoot = resolve(specRoot, "../..");

/** The bicep-types files under `root`, grouped by module, each group sorted by path. */
export function readSources(root: string): Map<string, SourceFile[]> {
  const byModule = new Map<string, SourceFile[]>();
  for (const folder of readdirSync(root).sort(cmp)) {
    const folderPath = join(root, folder);
    if (!statSync(folderPath).isDirectory()) continue;
    for (const ns of readdirSync(folderPath).sort(cmp)) {
      const nsPath = join(folderPath, ns);
      if (!statSync(nsPath).isDirectory()) continue;
      for (const version of readdirSync(nsPath).sort(cmp)) {
        const file = join(nsPath, version, "types.json");
        if (!existsSync(file)) continue;
        const module = moduleOfNamespace(ns);
        const list = byModule.get(module) ?? [];
        list.push({ path: relative(root, dirname(file)).split("\\").join("/"), nodes: JSON.parse(readFileSync(file, "utf8")) });
        byModule.set(module, list);
      }
    }
  }
  return byModule;
}

export function generateData(sourceRoot: string, dataDir: string): Map<string, CompactedModule> {
  const sources = readSources(sourceRoot);
  const modules = new Map<string, CompactedModule>();
  for (const [module, files] of [...sources.entries()].sort(([a], [b]) => cmp(a, b))) {
    const compacted = compactModule(files);
    if (compacted) modules.set(module, compacted);
  }
  const index: IndexSpec = {
    format: FORMAT_VERSION,
    source: "Azure/bicep-types-az generated/ at 1f896de2db966ad91e8f7d7d981e11d32e4f5d8d (MIT), via ../shared/reference/azure/bicep-types",
    modules: Object.fromEntries(
      [...modules.entries()].map(([m, { spec }]) => {
        const rs = Object.values(spec.resources);
        return [m, { namespace: spec.namespace, resources: rs.filter((r) => r.writableScopes !== 0).length, readOnlyResources: rs.filter((r) => r.writableScopes === 0).length, functions: Object.keys(spec.functions).length }];
      }),
    ),
  };
  let written = 0;
  for (const [module, { spec }] of modules) if (writeIfChanged(join(dataDir, `${module}.json`), moduleText(spec))) written++;
  if (writeIfChanged(join(dataDir, "index.json"), indexText(index))) written++;
  // A module that no longer exists in the definitions goes away with its file.
  for (const f of readdirSync(dataDir)) {
    if (f !== "index.json" && f.endsWith(".json") && !modules.has(f.slice(0, -5))) {
      rmSync(join(dataDir, f));
      written++;
    }
  }
  process.stderr.write(`azure-spec: ${modules.size} modules, ${written} data files written\n`);
  return modules;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dataOnly = args.includes("--data-only");
  const positional = args.filter((a) => !a.startsWith("--"));
  const sourceRoot = resolve(positional[0] ?? process.env.IAC_BICEP_TYPES ?? join(repoRoot, "../shared/reference/azure/bicep-types"));
  if (!existsSync(sourceRoot)) {
    throw new Error(`bicep-types definitions not found at ${sourceRoot}: pass their folder as the first argument or set IAC_BICEP_TYPES`);
  }
  const started = performance.now();
  const modules = generateData(sourceRoot, join(specRoot, "data"));
  const dataMs = performance.now() - started;
  process.stderr.write(`azure-spec: data in ${Math.round(dataMs)} ms\n`);
  if (!dataOnly) {
    const { generateClasses } = await import("./generate-classes.js");
    const t = performance.now();
    generateClasses(modules, join(repoRoot, "packages/azure"));
    process.stderr.write(`azure-spec: classes in ${Math.round(performance.now() - t)} ms\n`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

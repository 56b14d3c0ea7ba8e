/**
 * `iac gen crd <file-or-url> [--out dir]`: typed classes from CustomResourceDefinitions, as
 * crd2pulumi does (docs/cli.md). The generator is @iac/kubernetes's (`@iac/kubernetes/crd`),
 * resolved from the project as the program's own import would, and loaded only when this command
 * runs. Per served group-version it writes `<out>/<group>/<version>.js`, `.d.ts` and `.json`.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError, UsageError } from "../errors.js";
import { runCommand, type CommandOptions } from "./command.js";

export interface GenCrdOptions extends CommandOptions {
  /** A file (YAML or JSON, several documents) or an http(s) URL. */
  readonly source: string;
  /** Output folder; default `crds` in the project directory. */
  readonly outDir?: string;
}

/** The part of `@iac/kubernetes/crd` this command uses. */
interface CrdGenerator {
  generateCrdModules(o: { text: string; from: string }): readonly { module: string; version: string; kinds: readonly string[]; files: Readonly<Record<string, string>> }[];
}

const MODULE = "@iac/kubernetes/crd";

async function loadGenerator(projectDir: string): Promise<CrdGenerator> {
  let url: string;
  try {
    url = pathToFileURL(createRequire(join(projectDir, "package.json")).resolve(MODULE)).href;
  } catch {
    try {
      url = import.meta.resolve(MODULE);
    } catch (cause) {
      throw new CliError(`iac gen crd needs @iac/kubernetes, which is not installed in ${projectDir}: run \`npm install @iac/kubernetes\` there.`, { code: "KubernetesNotInstalled", cause });
    }
  }
  return (await import(url)) as CrdGenerator;
}

async function readSource(source: string, cwd: string, signal: AbortSignal): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal });
    } catch (cause) {
      throw new CliError(`Could not download ${source}: ${(cause as Error).message}. Check the URL, or download the file and give its path.`, { code: "CrdDownload", cause });
    }
    if (!res.ok) throw new CliError(`Downloading ${source} failed: HTTP ${res.status}. Check the URL, or download the file and give its path.`, { code: "CrdDownload" });
    return res.text();
  }
  if (/^[a-z]+:\/\//i.test(source)) throw new UsageError(`${source}: iac gen crd reads a file path or an http(s) URL.`);
  try {
    return await readFile(resolve(cwd, source), "utf8");
  } catch (cause) {
    throw new CliError(`Could not read ${source}: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message}. Give the path of a CRD manifest (YAML or JSON) or an http(s) URL.`, { code: "CrdRead", cause });
  }
}

export function genCrd(options: GenCrdOptions): Promise<number> {
  return runCommand(options, async (ctx) => {
    const text = await readSource(options.source, ctx.cwd, ctx.signal);
    const generator = await loadGenerator(ctx.cwd);
    const modules = generator.generateCrdModules({ text, from: options.source });
    const out = resolve(ctx.cwd, options.outDir ?? "crds");
    for (const m of modules) {
      for (const [p, contents] of Object.entries(m.files)) {
        const file = join(out, p);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, contents);
      }
    }
    const shown = isAbsolute(options.outDir ?? "") ? out : `./${relative(ctx.cwd, out) || "."}`;
    for (const m of modules) ctx.print(`import { ${m.kinds.join(", ")} } from "${shown}/${m.module}/${m.version}.js";`);
    ctx.say(`Wrote ${modules.length} module${modules.length === 1 ? "" : "s"} (${modules.reduce((n, m) => n + m.kinds.length, 0)} kinds) to ${shown}.`);
    return 0;
  });
}

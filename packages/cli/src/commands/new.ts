/**
 * `iac new [template] [dir]`: a new project from a template: package.json, iac.yaml, tsconfig.json,
 * index.ts and .gitignore. The programs are in packages/cli/templates/<name>/index.ts (shipped in
 * the package); the rest is written here, so every template gets the same project setup.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode, UsageError } from "../errors.js";
import { TEMPLATE_NAMES, type TemplateName } from "../template-names.js";
import { cliVersion } from "../version.js";
import { runCommand, type CommandOptions } from "./command.js";

/** The templates `iac new` knows, with what each program needs besides @iac/sdk. */
export const TEMPLATES: Readonly<Record<TemplateName, { readonly describe: string; readonly packages: readonly string[] }>> = {
  empty: { describe: "An empty program", packages: [] },
  random: { describe: "Random strings and passwords: no cloud, no credentials", packages: [] },
  azure: { describe: "A container group on Azure Container Instances (try it with --local)", packages: ["@iac/azure"] },
  "flux-gitops": { describe: "Flux v2 on Kubernetes, managing itself and an app from git (try it with --local)", packages: ["@iac/kubernetes"] },
};

export interface NewOptions extends CommandOptions {
  /** Default `empty`. */
  readonly template?: string;
  /** The project's directory, relative to `cwd` (created when missing); default `cwd`. */
  readonly dir?: string;
  /** The project's name (iac.yaml, package.json); default the directory's name. */
  readonly name?: string;
  /** Write into a directory that is not empty (files of the same names are replaced). */
  readonly force?: boolean;
}

/** The compiler options of a new project: strict, and what iac's program runner accepts. */
export const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: "es2023",
    lib: ["es2023"],
    types: ["node"],
    module: "preserve",
    moduleResolution: "bundler",
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
  },
};

/** `iac new`. */
export function newProject(options: NewOptions): Promise<number> {
  return runCommand(options, async (ctx) => {
    const template = options.template ?? "empty";
    if (!Object.hasOwn(TEMPLATES, template)) {
      throw new UsageError(`There is no template "${template}". Choose one of: ${TEMPLATE_NAMES.join(", ")} (e.g. \`iac new random\`).`, { code: "UnknownTemplate" });
    }
    const dir = resolve(ctx.cwd, options.dir ?? ".");
    const present = existsSync(dir) ? (await readdir(dir)).filter((e) => e !== ".git") : [];
    if (present.length > 0 && options.force !== true) {
      throw new UsageError(
        `${dir} is not empty (it holds ${present.slice(0, 5).join(", ")}${present.length > 5 ? ", ..." : ""}): create the project in a new directory (\`iac new ${template} <dir>\`), or pass --force to write into it (files of the same names are replaced).`,
        { code: "DirectoryNotEmpty" },
      );
    }
    const name = options.name ?? packageName(basename(dir));
    const version = `^${cliVersion()}`;
    const spec = TEMPLATES[template as TemplateName];
    const files: Record<string, string> = {
      "package.json": json({
        name: packageName(name),
        private: true,
        type: "module",
        dependencies: Object.fromEntries(["@iac/sdk", ...spec.packages].sort().map((p) => [p, version])),
        devDependencies: { "@iac/cli": version, "@types/node": "^24.0.0" },
        // npm 11.16+ lists dependencies whose install scripts were not reviewed, and npm 12 skips
        // them: esbuild's (tsx compiles the program with it) only checks its binary, reviewed here.
        allowScripts: { esbuild: true },
      }),
      "iac.yaml": `# ${spec.describe} (\`iac new ${template}\`).\nname: ${name}\nmain: index.ts\n`,
      "tsconfig.json": json(TSCONFIG),
      ".gitignore": "node_modules/\n# The state of the file backend (secrets in it are encrypted, but it is per machine).\n.iac/\n",
      "index.ts": await readFile(templateFile(template), "utf8"),
    };
    await mkdir(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
    ctx.print(`Created project ${name} from the template ${template} in ${dir}: ${Object.keys(files).join(", ")}.`);
    const cd = dir === resolve(ctx.cwd) ? "" : `cd ${options.dir} && `;
    ctx.print(`Next: ${cd}npm install && npx iac preview${template === "azure" || template === "flux-gitops" ? " --local" : ""}`);
    return ExitCode.ok;
  });
}

/** The program of a template: `templates/<name>/index.ts` next to src/ (checkout) or dist/ (installed). */
function templateFile(template: string): string {
  return join(fileURLToPath(new URL("../../templates/", import.meta.url)), template, "index.ts");
}

/** A valid npm package name from a directory name: lowercase, URL-safe characters. */
export function packageName(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|[-]+$/g, "");
  return name === "" ? "iac-project" : name;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

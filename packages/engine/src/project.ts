/**
 * The project: `iac.yaml` in a directory names the project and its program.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { NoProjectError } from "./errors.js";
import { cachedYaml } from "./yaml-file.js";

/** A project as `iac.yaml` describes it. */
export interface ProjectInfo {
  /** Absolute path of the directory holding `iac.yaml`. */
  readonly dir: string;
  readonly name: string;
  /** The program's entry file, relative to `dir` (default `index.ts`). */
  readonly main: string;
  /** Backend URL (`file://...`, `azblob://...`); absent: the CLI's default. */
  readonly backend?: string;
}

const EXAMPLE = "  name: my-infra\n  main: index.ts        # optional, default index.ts\n";

/**
 * Reads `<dir>/iac.yaml` (`{ name, main?, backend? }`).
 *
 * @throws NoProjectError when the file is missing, is not YAML, or has no `name`.
 * @example
 * const project = await loadProject(process.cwd());
 */
export async function loadProject(dir: string): Promise<ProjectInfo> {
  const absDir = resolve(dir);
  const { file, doc } = await readProjectFile(absDir);
  const record = (doc ?? {}) as Record<string, unknown>;
  if (typeof record !== "object" || Array.isArray(record) || typeof record.name !== "string" || record.name === "") {
    throw new NoProjectError(`${file} has no \`name\`. It should look like:\n${EXAMPLE}`);
  }
  const main = record.main === undefined ? "index.ts" : record.main;
  if (typeof main !== "string" || main === "") {
    throw new NoProjectError(`${file}: \`main\` must be a file name such as index.ts.`);
  }
  const backend = record.backend;
  if (backend !== undefined && typeof backend !== "string") {
    throw new NoProjectError(`${file}: \`backend\` must be a URL such as file://./state or azblob://container/prefix.`);
  }
  return { dir: absDir, name: record.name, main, ...(backend === undefined ? {} : { backend }) };
}

/**
 * `<dir>/iac.yaml` parsed (plain data, unchecked), through the project's YAML cache (yaml-file.ts):
 * the loader above and the CLI's type-check settings read it without loading a YAML parser while
 * the file is unchanged.
 *
 * @throws NoProjectError when the file is missing or is not YAML.
 */
export async function readProjectFile(dir: string): Promise<{ readonly file: string; readonly doc: unknown }> {
  const absDir = resolve(dir);
  const file = join(absDir, "iac.yaml");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new NoProjectError(
      `No iac project in ${absDir}: ${file} does not exist. Create it, for example:\n${EXAMPLE}` +
        "or run the command from the project's directory (or pass -C <dir>).",
      { cause },
    );
  }
  const doc = await cachedYaml({
    projectDir: absDir,
    file,
    text,
    parse: async (t) => {
      const { parse } = await import("yaml");
      try {
        return parse(t) as unknown;
      } catch (cause) {
        throw new NoProjectError(`${file} is not valid YAML (${(cause as Error).message}). It should look like:\n${EXAMPLE}`, { cause });
      }
    },
  });
  return { file, doc };
}

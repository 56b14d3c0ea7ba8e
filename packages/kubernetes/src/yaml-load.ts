/**
 * Loading objects from YAML: multi-document files and folders of them, as `kubectl apply -f` and
 * Flux (a path without kustomization.yaml) read them.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { KubernetesError } from "./errors.js";
import { asKubeObject, type KubeObject } from "./objects.js";

/**
 * Every object in a multi-document YAML text, in file order. Empty documents are skipped, and a
 * `List` (`kind: List` / `*List` with `items`) is flattened, as kubectl does.
 *
 * @param source - where the text came from, for messages (a file path)
 */
export function parseObjects(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: true });
  // parseAllDocuments returns an EmptyStream for an empty text, not an array.
  if (!Array.isArray(docs)) return out;
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw new KubernetesError(`${source}: document ${i + 1} is not valid YAML: ${doc.errors[0].message}`, { code: "InvalidYaml" });
    }
    // Kubernetes YAML is YAML 1.1-ish in practice, but its users quote what they mean; plain JSON values suffice.
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return;
    const where = `${source}: document ${i + 1}`;
    const v = value as Record<string, unknown>;
    if (typeof v.kind === "string" && v.kind.endsWith("List") && Array.isArray(v.items)) {
      v.items.forEach((item, j) => out.push(asKubeObject(item, `${where}, item ${j + 1}`)));
      return;
    }
    out.push(asKubeObject(value, where));
  });
  return out;
}

/** Every object of one YAML file. */
export function loadFile(path: string): KubeObject[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new KubernetesError(`Reading the YAML file ${path} failed: ${(cause as Error).message}. Check the path (relative paths are resolved from the project directory).`, { code: "FileNotFound", cause });
  }
  return parseObjects(text, path);
}

/** A file of a directory, with the objects it holds. */
export interface LoadedFile {
  /** Path relative to the directory, with `/` separators. */
  readonly file: string;
  readonly objects: readonly KubeObject[];
}

const YAML_FILE = /\.ya?ml$/i;

/**
 * Every YAML file under `dir` (recursively, sorted by path so the result is stable), as Flux's
 * kustomize-controller treats a path that has no kustomization.yaml: it generates one listing
 * every manifest below it. Hidden files and folders are skipped.
 */
export function loadDirectory(dir: string, options: { recursive?: boolean } = {}): LoadedFile[] {
  return listYamlFiles(dir, options).map((file) => ({ file, objects: loadFile(join(dir, file)) }));
}

/** The YAML files under `dir` (paths relative to it, `/`-separated, sorted), hidden ones skipped. */
export function listYamlFiles(dir: string, options: { recursive?: boolean } = {}): string[] {
  const recursive = options.recursive ?? true;
  let top: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    top = readdirSync(dir);
  } catch (cause) {
    throw new KubernetesError(`Reading the directory ${dir} failed: ${(cause as Error).message}. Check the path (relative paths are resolved from the project directory).`, { code: "FileNotFound", cause });
  }
  const files: string[] = [];
  const walk = (d: string, names: string[]): void => {
    for (const name of names.sort()) {
      if (name.startsWith(".")) continue;
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) {
        if (recursive) walk(full, readdirSync(full));
      } else if (YAML_FILE.test(name)) {
        files.push(full);
      }
    }
  };
  walk(dir, top);
  files.sort();
  return files.map((f) => relative(dir, f).split("\\").join("/"));
}

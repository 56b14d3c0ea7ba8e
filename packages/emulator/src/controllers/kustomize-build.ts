/**
 * Building a Kustomization's manifests as kustomize-controller does (fluxcd/pkg `kustomize`
 * generator and `SecureBuild`, observed against the real controller in the real cluster,
 * docs/local-cloud-conformance.md): the whole revision is checked out into a temporary folder (so
 * bases outside `spec.path` resolve), a `kustomization.yaml` is generated where the path has none,
 * the Kustomization's own `targetNamespace`, `namePrefix`, `nameSuffix`, `patches`, `images`,
 * `components` and `commonMetadata` are merged into it, and a real kustomize builds it with load
 * restrictions off (as Flux builds). Without a kustomize the build fails, saying so: the local cloud
 * never applies a partial build.
 */
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { parseAllDocuments, parseDocument, stringify } from "yaml";
import type { GitFile } from "../git/index.js";
import type { KubeObject } from "./objects.js";

/** Recognised kustomization file names, in kustomize's order (`konfig.RecognizedKustomizationFileNames`). */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

/** A build failed; `message` is what Flux puts in the Ready condition (reason BuildFailed). */
export class KustomizeBuildError extends Error {
  readonly code = "KustomizeBuildFailed";
  constructor(message: string) {
    super(message);
    this.name = "KustomizeBuildError";
  }
}

/** How to run kustomize: `kubectl kustomize <dir>` or `kustomize build <dir>`. */
export interface KustomizeTool {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * The kustomize the local cloud builds with: `IAC_KUSTOMIZE` (a `kustomize` or `kubectl` binary;
 * `none` for no kustomize at all), else `kustomize` on PATH, else `kubectl` on PATH (kustomize v5
 * is built into kubectl). Undefined when there is none.
 */
export function findKustomize(env: NodeJS.ProcessEnv = process.env): KustomizeTool | undefined {
  const flags = ["--load-restrictor", "LoadRestrictionsNone"];
  const forBinary = (path: string): KustomizeTool =>
    /(^|\/)kubectl[^/]*$/.test(path) ? { command: path, args: ["kustomize", ...flags] } : { command: path, args: ["build", ...flags] };
  const explicit = env["IAC_KUSTOMIZE"];
  if (explicit !== undefined && explicit !== "") return explicit === "none" ? undefined : forBinary(explicit);
  for (const name of ["kustomize", "kubectl"]) {
    for (const dir of (env["PATH"] ?? "").split(delimiter)) {
      if (dir === "") continue;
      const p = join(dir, name);
      try {
        if (statSync(p).isFile()) return forBinary(p);
      } catch {
        // not in this folder
      }
    }
  }
  return undefined;
}

/** What of a Kustomization's spec goes into the kustomization.yaml Flux builds. */
export interface BuildOverlay {
  readonly targetNamespace?: string;
  readonly namePrefix?: string;
  readonly nameSuffix?: string;
  readonly patches?: readonly { readonly patch?: string; readonly target?: Record<string, unknown> }[];
  readonly images?: readonly Record<string, unknown>[];
  readonly components?: readonly string[];
  readonly commonMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
}

/** The overlay fields of a Kustomization's spec. */
export function overlayOf(spec: Readonly<Record<string, unknown>> | undefined): BuildOverlay {
  const s = spec ?? {};
  const str = (k: string) => (typeof s[k] === "string" && s[k] !== "" ? (s[k] as string) : undefined);
  const arr = <T>(k: string) => (Array.isArray(s[k]) ? (s[k] as T[]) : undefined);
  const out: Record<string, unknown> = {
    targetNamespace: str("targetNamespace"),
    namePrefix: str("namePrefix"),
    nameSuffix: str("nameSuffix"),
    patches: arr("patches"),
    images: arr("images"),
    components: arr("components"),
    commonMetadata: typeof s["commonMetadata"] === "object" && s["commonMetadata"] !== null ? s["commonMetadata"] : undefined,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as BuildOverlay;
}

export interface BuildOptions {
  /** Every file of the revision (the whole tree). */
  readonly files: readonly GitFile[];
  /** `spec.path`, cleaned (`a/b`, `` for the root). */
  readonly path: string;
  readonly overlay: BuildOverlay;
  /** Undefined: no kustomize is available, and the build fails saying so. */
  readonly kustomize: KustomizeTool | undefined;
  /** Shown in messages in place of the temporary folder (Flux's `/tmp/kustomization-<n>`), so they are stable. */
  readonly displayRoot: string;
}

/** Build the objects of a revision at a path, as kustomize-controller would. Throws {@link KustomizeBuildError}. */
export async function kustomizeBuild(options: BuildOptions): Promise<KubeObject[]> {
  if (options.kustomize === undefined) {
    throw new KustomizeBuildError(
      "kustomize build failed: no kustomize is available to the local cloud, so nothing was applied: install kubectl (kustomize is built in) or kustomize, or point IAC_KUSTOMIZE at either binary",
    );
  }
  const root = await mkdtemp(join(tmpdir(), "kustomization-"));
  const shown = (text: string) => text.split(root).join(options.displayRoot);
  try {
    for (const f of options.files) {
      const target = join(root, f.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, f.content);
    }
    const dir = join(root, options.path);
    try {
      await generateKustomization(dir);
      await mergeOverlay(dir, options.overlay);
    } catch (err) {
      throw new KustomizeBuildError(shown((err as Error).message));
    }
    const yaml = await run(options.kustomize, dir).catch((err: Error) => {
      throw new KustomizeBuildError(`kustomize build failed: ${shown(err.message)}`);
    });
    const objects: KubeObject[] = [];
    for (const doc of parseAllDocuments(yaml)) {
      const value = doc.toJS() as unknown;
      if (value !== null && typeof value === "object") objects.push(value as KubeObject);
    }
    return objects;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function run(tool: KustomizeTool, dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool.command, [...tool.args, dir], { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, KUBECONFIG: "/dev/null" } }, (err, stdout, stderr) => {
      if (err === null) {
        resolve(stdout);
        return;
      }
      reject(new Error(kustomizeError(String(stderr)) || err.message));
    });
  });
}

/**
 * The error text of a failed build: `kustomize build` prints `Error: <text>`, kubectl logs
 * `E... run.go:72] "command failed" err="<text, Go-quoted>"`.
 */
function kustomizeError(stderr: string): string {
  const logged = /err=("(?:[^"\\]|\\.)*")\s*$/s.exec(stderr.trim());
  if (logged !== null) {
    try {
      return JSON.parse(logged[1]!) as string;
    } catch {
      return logged[1]!.slice(1, -1);
    }
  }
  return stderr.trim().replace(/^Error: /, "");
}

function kustomizationFile(dir: string): string | undefined {
  for (const name of KUSTOMIZATION_FILES) {
    const p = join(dir, name);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/**
 * What fluxcd/pkg `kustomize.Generator` does for a folder without a kustomization file: list
 * every `.yaml`/`.yml` file below it (a sub-folder with its own kustomization file is listed as a
 * folder and not descended into), refusing a file that is not Kubernetes YAML.
 */
async function generateKustomization(dir: string): Promise<void> {
  if (kustomizationFile(dir) !== undefined) return;
  const resources: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(at, e.name);
      if (e.isDirectory()) {
        if (kustomizationFile(p) !== undefined) resources.push(`./${relative(dir, p)}`);
        else await walk(p);
        continue;
      }
      if (!e.name.endsWith(".yaml") && !e.name.endsWith(".yml")) continue;
      const problem = notKubernetesYaml(await readFile(p, "utf8"));
      if (problem !== undefined) throw new Error(`failed to decode Kubernetes YAML from ${p}: ${problem}`);
      resources.push(`./${relative(dir, p)}`);
    }
  };
  await walk(dir);
  await writeFile(join(dir, "kustomization.yaml"), stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources }));
}

/** Why a file is not Kubernetes YAML as kustomize's resource factory reads it, or undefined. */
function notKubernetesYaml(text: string): string | undefined {
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) return doc.errors[0]!.message;
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) return "missing Resource metadata";
    const v = value as Record<string, unknown>;
    // kyaml `GetMeta`: ErrMissingMetadata when apiVersion, kind and metadata are all absent.
    if (v["apiVersion"] === undefined && v["kind"] === undefined && v["metadata"] === undefined) return "missing Resource metadata";
  }
  return undefined;
}

/** fluxcd/pkg `Generator.WriteFile`: the Kustomization's spec fields merged into the kustomization file. */
async function mergeOverlay(dir: string, overlay: BuildOverlay): Promise<void> {
  if (Object.keys(overlay).length === 0) return;
  const file = kustomizationFile(dir)!;
  const doc = parseDocument(await readFile(file, "utf8"));
  if (doc.errors.length > 0) throw new Error(`kustomize build failed: ${file}: ${doc.errors[0]!.message}`);
  const kus = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (overlay.targetNamespace !== undefined) kus["namespace"] = overlay.targetNamespace;
  if (overlay.patches !== undefined) kus["patches"] = [...(Array.isArray(kus["patches"]) ? kus["patches"] : []), ...overlay.patches];
  if (overlay.components !== undefined) kus["components"] = [...(Array.isArray(kus["components"]) ? kus["components"] : []), ...overlay.components];
  if (overlay.images !== undefined) {
    const images = Array.isArray(kus["images"]) ? [...(kus["images"] as Record<string, unknown>[])] : [];
    for (const image of overlay.images) {
      const at = images.findIndex((i) => i["name"] === image["name"]);
      if (at >= 0) images[at] = image;
      else images.push(image);
    }
    kus["images"] = images;
  }
  if (overlay.namePrefix !== undefined) kus["namePrefix"] = overlay.namePrefix;
  if (overlay.nameSuffix !== undefined) kus["nameSuffix"] = overlay.nameSuffix;
  const cm = overlay.commonMetadata;
  if (cm?.annotations !== undefined) kus["commonAnnotations"] = { ...((kus["commonAnnotations"] as object) ?? {}), ...cm.annotations };
  if (cm?.labels !== undefined) kus["labels"] = [...(Array.isArray(kus["labels"]) ? kus["labels"] : []), { pairs: cm.labels }];
  await writeFile(file, stringify(kus));
}

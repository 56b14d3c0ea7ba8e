/**
 * Where the provider finds its cluster. Precedence: the local cloud when `IAC_LOCAL_ENDPOINTS`
 * names its endpoints.json (docs/decisions/0002-local-cloud-wiring.md; a `kubeconfig` given as
 * contents for the local cloud's own API is then used as given), then the `kubeconfig`
 * config key (contents or a path), then `KUBECONFIG`, then `~/.kube/config`; `context` picks a
 * context and `namespace` the default namespace of namespaced objects that name none.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { PropertyValue } from "@iac/sdk/provider";
import { KubernetesError } from "./errors.js";

/** Resolved settings: a kubeconfig as text, and what to pick from it. */
export interface KubeSettings {
  /** Kubeconfig YAML. */
  readonly kubeconfig: string;
  /** Where it came from, for messages (a path, "config", or "local cloud"). */
  readonly source: string;
  readonly context?: string;
  readonly namespace?: string;
  /** The local cloud's endpoints when running against it. */
  readonly local?: LocalEndpoints;
}

/** The fields of the local cloud's endpoints.json this package reads. */
export interface LocalEndpoints {
  readonly kubernetes: string;
  readonly git: string;
  readonly ca: string;
  readonly kubeconfig: string;
}

export interface ResolveOptions {
  /** The package's config (`kubernetes:*` keys without the prefix, or a Provider's inputs). */
  readonly config: Readonly<Record<string, PropertyValue>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative kubeconfig paths are resolved from here (the project directory). */
  readonly baseDir?: string;
}

function str(config: Readonly<Record<string, PropertyValue>>, key: string): string | undefined {
  const v = config[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") {
    throw new KubernetesError(`kubernetes:${key} must be a string (got ${typeof v}); fix it with \`iac config set kubernetes:${key} <value>\`.`, { code: "InvalidConfig" });
  }
  return v;
}

/** Reads the local cloud's endpoints.json. */
export function readLocalEndpoints(path: string): LocalEndpoints {
  let parsed: Partial<LocalEndpoints>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LocalEndpoints>;
  } catch (cause) {
    throw new KubernetesError(`Cannot read the local cloud's endpoints from ${path} (IAC_LOCAL_ENDPOINTS): ${(cause as Error).message}. Start it with \`iac local serve\` or run with --local.`, { code: "LocalCloudUnavailable", cause });
  }
  if (!parsed.kubernetes || !parsed.kubeconfig) {
    throw new KubernetesError(`${path} (IAC_LOCAL_ENDPOINTS) has no Kubernetes endpoint: the local cloud was started without its Kubernetes service.`, { code: "LocalCloudUnavailable" });
  }
  return parsed as LocalEndpoints;
}

function readKubeconfigFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    throw new KubernetesError(`Cannot read the kubeconfig ${path} (${what}): ${(cause as Error).message}. Set kubernetes:kubeconfig or KUBECONFIG to a readable file.`, { code: "NoKubeconfig", cause });
  }
}

/** Whether a `kubeconfig` value is the file's contents (YAML with a kubeconfig key) rather than a path. */
function isKubeconfigText(given: string): boolean {
  return /^\s*(apiVersion|clusters|kind|contexts|users|current-context)\s*:/m.test(given) && given.includes("\n");
}

/** The `server:` URLs of a kubeconfig's clusters. */
function serversOf(kubeconfig: string): string[] {
  return [...kubeconfig.matchAll(/^\s*server:\s*["']?([^\s"']+)/gm)].map((m) => m[1]!);
}

const sameServer = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "");

/** Resolve the settings (see the module comment for the precedence). */
export function resolveSettings({ config, env, baseDir }: ResolveOptions): KubeSettings {
  const namespace = str(config, "namespace");
  const localPath = env.IAC_LOCAL_ENDPOINTS;
  if (localPath) {
    const local = readLocalEndpoints(localPath);
    // A kubeconfig given as contents whose server is the local cloud's own Kubernetes API (an AKS
    // cluster's credentials read from the local ARM) is used as given: the program's provider then
    // really goes through the credentials its cluster handed out. Any other kubeconfig belongs to a
    // real cluster and is ignored under --local, as is a context named in config.
    const given = str(config, "kubeconfig");
    if (given !== undefined && isKubeconfigText(given) && serversOf(given).some((s) => sameServer(s, local.kubernetes))) {
      return { kubeconfig: given, source: "kubernetes:kubeconfig (the local cloud's API)", namespace, local };
    }
    return { kubeconfig: readKubeconfigFile(local.kubeconfig, "the local cloud's"), source: "local cloud", namespace, local };
  }
  const context = str(config, "context");
  const given = str(config, "kubeconfig");
  if (given !== undefined) {
    // Contents (YAML with a clusters: key) or a path.
    if (isKubeconfigText(given)) {
      return { kubeconfig: given, source: "kubernetes:kubeconfig", context, namespace };
    }
    const path = given.startsWith("~/") ? join(homedir(), given.slice(2)) : isAbsolute(given) ? given : resolve(baseDir ?? process.cwd(), given);
    return { kubeconfig: readKubeconfigFile(path, "kubernetes:kubeconfig"), source: path, context, namespace };
  }
  if (env.KUBECONFIG) {
    // Like kubectl, the first file of the list; client-node would merge the rest, which is rarely meant.
    const path = env.KUBECONFIG.split(delimiter).find((p) => p !== "") ?? env.KUBECONFIG;
    return { kubeconfig: readKubeconfigFile(path, "KUBECONFIG"), source: path, context, namespace };
  }
  const home = join(env.HOME ?? homedir(), ".kube", "config");
  if (!existsSync(home)) {
    throw new KubernetesError(
      "No kubeconfig found: set kubernetes:kubeconfig (`iac config set kubernetes:kubeconfig <path>`), set KUBECONFIG, create ~/.kube/config, or run with --local against the local cloud.",
      { code: "NoKubeconfig" },
    );
  }
  return { kubeconfig: readKubeconfigFile(home, "~/.kube/config"), source: home, context, namespace };
}

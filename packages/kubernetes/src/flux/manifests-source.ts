/**
 * Where the Flux install manifests come from (reference/notes/flux.md §4.1): a local file
 * (`manifests`: a release's install.yaml or a gotk-components.yaml), or the release's `install.yaml`
 * downloaded from GitHub for `version` and cached under the user's cache directory
 * (`$XDG_CACHE_HOME/iac/flux/<version>/install.yaml`, else `~/.cache/...`), so later runs are offline.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { KubernetesError } from "../errors.js";

/** Release downloads; `IAC_FLUX_RELEASES_URL` overrides it (a mirror). */
export const RELEASES_URL = "https://github.com/fluxcd/flux2/releases/download";

/** Where manifests come from. */
export type ManifestsSource = { readonly kind: "file"; readonly path: string } | { readonly kind: "release"; readonly version: string };

/** The cache file of a release's install.yaml. */
export function cachePath(version: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "iac", "flux", version, "install.yaml");
}

/** A local manifests path resolved from the project directory. */
export function resolveManifestsPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** sha256 of a text (to notice a changed manifests file whose path stayed the same). */
export function digestOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Reads the manifests text from a file or the release (downloading it once). */
export async function loadManifests(source: ManifestsSource, o: { signal?: AbortSignal; env?: Readonly<Record<string, string | undefined>> } = {}): Promise<string> {
  switch (source.kind) {
    case "file":
      try {
        return readFileSync(source.path, "utf8");
      } catch (cause) {
        throw new KubernetesError(`Reading the Flux install manifests ${source.path} failed: ${(cause as Error).message}. Set manifests to a release's install.yaml (or a gotk-components.yaml).`, { code: "ManifestsUnavailable", cause });
      }
    case "release":
      return download(source.version, o);
    default:
      return source satisfies never;
  }
}

async function download(version: string, o: { signal?: AbortSignal; env?: Readonly<Record<string, string | undefined>> }): Promise<string> {
  const env = o.env ?? process.env;
  const cached = cachePath(version, env);
  if (existsSync(cached)) return readFileSync(cached, "utf8");
  const url = `${env.IAC_FLUX_RELEASES_URL || RELEASES_URL}/${version}/install.yaml`;
  let text: string;
  try {
    const res = await fetch(url, { signal: o.signal ?? AbortSignal.timeout(60_000), redirect: "follow" });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    text = await res.text();
  } catch (cause) {
    const why = (cause as Error & { cause?: Error }).cause?.message ?? (cause as Error).message;
    throw new KubernetesError(
      `Downloading the Flux ${version} install manifests from ${url} failed: ${why}. Check the version (e.g. v2.9.4) and the network, or install offline: download install.yaml of the release and pass its path as manifests.`,
      { code: "ManifestsUnavailable", cause },
    );
  }
  mkdirSync(dirname(cached), { recursive: true });
  // Write then rename, so a concurrent run never reads half a file.
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, cached);
  return text;
}

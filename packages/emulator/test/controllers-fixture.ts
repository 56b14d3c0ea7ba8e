/**
 * Shared setup of the emulated controllers' tests (controllers-*.test.ts): a git runner isolated
 * from the user's configuration, polling, and Flux as `flux bootstrap` would install it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import type { KubeStore } from "../src/kube/kube-store.js";
import type { KubeObject } from "../src/kube/types.js";

const exec = promisify(execFile);
const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url);

/** The Deployments whose presence makes Flux's emulated controllers act, as on a real cluster. */
export const FLUX_CONTROLLERS = ["source-controller", "kustomize-controller"] as const;

/** An object as the tests read it: status and spec left loose. */
export type Obj = KubeObject & { status?: Record<string, any>; spec?: Record<string, any> };

/** The `Ready` condition of an object, when it has one. */
export const ready = (o: Obj | undefined) => (o?.status?.conditions as { type: string; status: string; reason: string; message: string }[] | undefined)?.find((c) => c.type === "Ready");

/**
 * `git` in `cwd` with a fixed author and no system or global configuration (`home` as HOME), so
 * the user's settings cannot change what the tests see.
 */
export function gitRunner(options: { readonly cwd: string; readonly home: string }): (...args: string[]) => Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env, HOME: options.home, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" };
  return (...args) => exec("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: options.cwd, env });
}

/** Poll until `read` gives a value `ok` accepts; fails with the last value after a generous deadline. */
export async function until<T>(what: string, read: () => T, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Flux's GitRepository and Kustomization CRDs and the `flux-system` namespace, as `flux bootstrap`
 * would install them: the emulator does not preinstall them.
 */
export async function installFluxCrds(store: KubeStore): Promise<void> {
  for (const doc of parseAllDocuments(await readFile(GOTK, "utf8"))) {
    const o = doc.toJS() as KubeObject | null;
    if (o?.kind === "CustomResourceDefinition" && /^(gitrepositories|kustomizations)\./.test(o.metadata.name!)) store.apply(o, { fieldManager: "flux", force: true });
  }
  store.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } }, { fieldManager: "test" });
  // The credentials GitRepositories clone with (`secretRef: { name: "flux-system" }`, as flux bootstrap
  // writes them): the local git host, like a real one, refuses anonymous clones.
  store.apply(GIT_CREDENTIALS, { fieldManager: "test" });
}

/** The Secret `flux-system/flux-system` with a user and a token the local git host accepts. */
export const GIT_CREDENTIALS: KubeObject = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "flux-system", namespace: "flux-system" },
  data: { username: Buffer.from("git").toString("base64"), password: Buffer.from("local-token").toString("base64") },
} as KubeObject;

/** The Deployment of one of Flux's controllers in `flux-system`. */
export function fluxControllerDeployment(name: string): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "flux-system" },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "manager", image: `ghcr.io/fluxcd/${name}` }] } } },
  } as KubeObject;
}

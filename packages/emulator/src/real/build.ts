/**
 * Build the real cluster's binaries from source (Go modules under `tools/real-cluster/go/`) into a
 * cache outside git: `<cache>/<module>-<key>/bin/`, where the key hashes that module's files and the
 * Go version, so a version change builds again and anything else reuses the cache. Go's own build
 * cache sits beside them (`<cache>/gocache`) and is shared by all components, so a rebuild after a
 * version bump compiles only what changed. Every `go` runs under `nice` (it is a long, CPU-bound job).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { COMPONENTS, type Component } from "./components.js";

/** Errors of the real cluster (build and start), with a stable `code`. */
export class RealClusterError extends Error {
  readonly code: string;
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RealClusterError";
    this.code = options.code;
  }
}

/** The cache root: `$IAC_REAL_CLUSTER_CACHE`, else `$XDG_CACHE_HOME/iac/real-cluster`, else `~/.cache/iac/real-cluster`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IAC_REAL_CLUSTER_CACHE) return resolve(env.IAC_REAL_CLUSTER_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "iac", "real-cluster");
}

/** The Go modules: `$IAC_REAL_CLUSTER_SRC`, else `tools/real-cluster/go` of this repository. */
export function defaultSourceDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IAC_REAL_CLUSTER_SRC) return resolve(env.IAC_REAL_CLUSTER_SRC);
  // packages/emulator/{src,dist}/real/build.* -> the repository root.
  return fileURLToPath(new URL("../../../../tools/real-cluster/go/", import.meta.url));
}

export type BuildEvent =
  | { readonly kind: "cached"; readonly component: Component; readonly dir: string }
  | { readonly kind: "start"; readonly component: Component; readonly index: number; readonly total: number }
  | { readonly kind: "progress"; readonly component: Component; readonly packages: number; readonly elapsedMs: number }
  | { readonly kind: "done"; readonly component: Component; readonly dir: string; readonly elapsedMs: number }
  | { readonly kind: "failed"; readonly component: Component; readonly error: RealClusterError };

export interface BuildOptions {
  readonly cacheDir?: string;
  readonly sourceDir?: string;
  /** Only these modules (folder names under the source dir); all by default. */
  readonly only?: readonly string[];
  /** Go's build cache (default `<cacheDir>/gocache`); tests share the real one to skip compiling Go's std again. */
  readonly goCacheDir?: string;
  /** The components (default {@link COMPONENTS}); tests pass small modules of their own. */
  readonly components?: readonly Component[];
  readonly onEvent?: (event: BuildEvent) => void;
  /** Build the remaining components when one fails (default true): the control plane alone is useful. */
  readonly keepGoing?: boolean;
  /** False: build nothing, report the components the cache lacks as failed (`NotBuilt`). Default true. */
  readonly buildMissing?: boolean;
  /** How often progress events come (default 15 s). */
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
}

export interface BuildResult {
  /** Binary name to absolute path, for every binary available (built now or cached). */
  readonly binaries: Readonly<Record<string, string>>;
  /** Data files next to them (`kwok-stages.yaml`). */
  readonly files: Readonly<Record<string, string>>;
  readonly failed: readonly { readonly module: string; readonly error: RealClusterError }[];
}

function run(cmd: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal; onStderrLine?: (line: string) => void }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], signal: opts.signal });
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) opts.onStderrLine?.(l);
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

function hashModule(dir: string, goVersion: string, recipe: number | undefined): string {
  const h = createHash("sha256").update(goVersion);
  if (recipe !== undefined) h.update(`recipe ${recipe}`);
  for (const f of readdirSync(dir).sort()) {
    if (f === "go.mod" || f === "go.sum" || f.endsWith(".go")) h.update(f).update("\0").update(readFileSync(join(dir, f))).update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

async function goVersion(env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const r = await run("go", ["env", "GOVERSION"], { cwd: process.cwd(), env });
    if (r.code === 0) return r.stdout.trim();
  } catch {
    // reported below
  }
  throw new RealClusterError("The real cluster is built from source with Go (1.26 or newer), and `go` was not found on PATH. Install Go, or point PATH at it.", { code: "GoMissing" });
}

/** The directory of a component's cached build, whether it exists yet or not. */
export function componentDir(cacheDir: string, sourceDir: string, component: Component, goVer: string): string {
  return join(cacheDir, `${component.module}-${hashModule(join(sourceDir, component.module), goVer, component.recipe)}`);
}

/**
 * Build every component whose cache entry is missing, and return the paths of all binaries.
 * A component builds into a temporary folder renamed into place at the end, so an interrupted
 * build leaves no half-filled cache entry.
 */
export async function buildRealCluster(options: BuildOptions = {}): Promise<BuildResult> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const sourceDir = options.sourceDir ?? defaultSourceDir();
  const emit = options.onEvent ?? (() => {});
  if (!existsSync(sourceDir)) {
    throw new RealClusterError(`The real cluster's Go modules are not at ${sourceDir}. Run from a checkout of the iac repository, or set IAC_REAL_CLUSTER_SRC to its tools/real-cluster/go folder.`, { code: "SourceMissing" });
  }
  const gocache = options.goCacheDir ?? join(cacheDir, "gocache");
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(gocache, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, GOCACHE: gocache, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "local", GOFLAGS: "-buildvcs=false" };
  const goVer = await goVersion(env);
  const components = (options.components ?? COMPONENTS).filter((c) => options.only === undefined || options.only.includes(c.module));
  const binaries: Record<string, string> = {};
  const files: Record<string, string> = {};
  const failed: { module: string; error: RealClusterError }[] = [];
  removeAbandonedBuilds(cacheDir);
  let index = 0;
  for (const component of components) {
    index++;
    const dir = componentDir(cacheDir, sourceDir, component, goVer);
    const collect = () => {
      for (const b of component.binaries) binaries[b.name] = join(dir, "bin", b.name);
      for (const f of readdirSync(join(dir, "bin"))) if (f.endsWith(".yaml")) files[f] = join(dir, "bin", f);
    };
    if (existsSync(join(dir, "done.json"))) {
      collect();
      emit({ kind: "cached", component, dir });
      continue;
    }
    if (options.buildMissing === false) {
      const error = new RealClusterError(`${component.upstream} is not built (building is off: IAC_REAL_CLUSTER_NO_BUILD). Build it with \`npm run real-cluster -- build ${component.module}\`.`, { code: "NotBuilt" });
      failed.push({ module: component.module, error });
      emit({ kind: "failed", component, error });
      continue;
    }
    emit({ kind: "start", component, index, total: components.length });
    const started = Date.now();
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, "bin"), { recursive: true });
    try {
      await buildComponent(component, { moduleDir: join(sourceDir, component.module), out: join(tmp, "bin"), env, signal: options.signal, onPackages: (n) => emit({ kind: "progress", component, packages: n, elapsedMs: Date.now() - started }), intervalMs: options.progressIntervalMs ?? 15_000 });
      writeFileSync(join(tmp, "done.json"), JSON.stringify({ upstream: component.upstream, go: goVer, builtAt: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000) }, null, 2) + "\n");
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      collect();
      emit({ kind: "done", component, dir, elapsedMs: Date.now() - started });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      const error = err instanceof RealClusterError ? err : new RealClusterError(`Building ${component.upstream} failed: ${(err as Error).message}`, { code: "BuildFailed", cause: err });
      if (options.signal?.aborted) throw error;
      failed.push({ module: component.module, error });
      emit({ kind: "failed", component, error });
      if (options.keepGoing === false) break;
    }
  }
  return { binaries, files, failed };
}

/** Temporary build folders (`<module>-<key>.tmp-<pid>`) of builds whose process is gone. */
function removeAbandonedBuilds(cacheDir: string): void {
  for (const entry of readdirSync(cacheDir)) {
    const pid = Number(/\.tmp-(\d+)$/.exec(entry)?.[1]);
    if (!pid || pid === process.pid) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) rmSync(join(cacheDir, entry), { recursive: true, force: true });
  }
}

async function buildComponent(component: Component, o: { moduleDir: string; out: string; env: NodeJS.ProcessEnv; signal?: AbortSignal; onPackages: (n: number) => void; intervalMs: number }): Promise<void> {
  const ldflags = ["-s", "-w", ...(component.ldflagsX ?? []).map((x) => `-X=${x}`)].join(" ");
  let packages = 0;
  const timer = setInterval(() => o.onPackages(packages), o.intervalMs);
  try {
    for (const b of component.binaries) {
      // One `go build` per binary: `-o <file>` names it whatever its package's folder is called.
      const args = ["-n", "15", "go", "build", "-v", "-trimpath", `-ldflags=${ldflags}`, "-o", join(o.out, b.name), b.pkg];
      const r = await run("nice", args, { cwd: o.moduleDir, env: { ...o.env, CGO_ENABLED: component.cgo ? "1" : "0" }, signal: o.signal, onStderrLine: (l) => { if (/^[\w.-]+(\/[\w.~-]+)*$/.test(l.trim())) packages++; } });
      if (r.code !== 0) {
        const tail = r.stderr.split("\n").filter((l) => !/^[\w.-]+(\/[\w.~-]+)*$/.test(l.trim())).slice(-15).join("\n");
        throw new RealClusterError(`Building ${b.name} from ${component.upstream} failed (go build exit ${r.code}):\n${tail}\nThe other components are still built; see docs/real-cluster.md for the modules the Go proxy does not serve.`, { code: "BuildFailed" });
      }
    }
    if (component.module === "kwok") await writeKwokStages(o.moduleDir, o.out, o.env);
  } finally {
    clearInterval(timer);
  }
}

/**
 * kwok needs Stages (how fake nodes and pods move through their lifecycle). These are kwokctl's
 * defaults, taken from the kwok module itself: node initialisation, heartbeat with a lease, and the
 * fast pod stages (ready, complete, delete).
 */
async function writeKwokStages(moduleDir: string, out: string, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await run("go", ["list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok"], { cwd: moduleDir, env });
  const kwokDir = r.stdout.trim();
  if (r.code !== 0 || !kwokDir) throw new RealClusterError(`Cannot find the kwok module's files: ${r.stderr.trim()}`, { code: "BuildFailed" });
  const stages = [
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
  ].map((f) => readFileSync(join(kwokDir, f), "utf8").trim());
  writeFileSync(join(out, "kwok-stages.yaml"), stages.join("\n---\n") + "\n");
}

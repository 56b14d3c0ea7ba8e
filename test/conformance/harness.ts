/**
 * The conformance suite's harness: run one iac program, as a user would (`iac local serve`, then
 * `iac up --local`), against the emulated local cloud and against the real cluster
 * (`--kubernetes=real`), observe what matters as a flat record of JSON values, and compare. Every
 * divergence must be listed in docs/local-cloud-conformance.md, and every listed one must still
 * diverge, so the list can only shrink.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { KubeClient, resolveSettings } from "@iac/kubernetes";
import { finish } from "../cli-fixture.js";
import { ROOT, spawnIac } from "../iac-run.js";

const exec = promisify(execFile);

export type Target = "emulated" | "real";

/**
 * The targets this run compares: `IAC_CONFORMANCE_TARGETS` (comma-separated), default both. A run
 * with one target cannot compare; its comparison test says so as a skip with the reason.
 */
export function targets(env: NodeJS.ProcessEnv = process.env): readonly Target[] {
  const raw = env.IAC_CONFORMANCE_TARGETS ?? "emulated,real";
  const list = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const t of list) if (t !== "emulated" && t !== "real") throw new Error(`IAC_CONFORMANCE_TARGETS names ${t}: use emulated, real or both (comma-separated).`);
  return list as Target[];
}

export interface Stack {
  readonly target: Target;
  readonly endpointsFile: string;
  readonly git: string;
  /** The container registry's base URL (`http://127.0.0.1:<port>`), when the local cloud serves one. */
  readonly registry: string | undefined;
  readonly client: KubeClient;
  /** What `iac local serve` printed to stderr (build progress, controllers started). */
  log(): string;
  stop(): Promise<void>;
}

export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

/** `iac local serve --port 0 [--kubernetes=real]` in the project, until it prints that it runs. */
export async function startStack(projectDir: string, target: Target): Promise<Stack> {
  const args = ["local", "serve", "--port", "0", ...(target === "real" ? ["--kubernetes", "real"] : [])];
  const child = spawnIac(args, { cwd: projectDir, stdin: "ignore" });
  const done = finish(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  let exited = false;
  void done.then(() => (exited = true));
  // A cold cache builds first (npm run test:conformance builds before the tests, so this is a start).
  await waitUntil(`iac local serve (${target}) to run`, async () => {
    if (exited) throw new Error(`iac local serve exited:\n${stderr}`);
    return stderr.includes("Press Ctrl-C") ? true : undefined;
  }, 10 * 60_000, 250).catch((err: unknown) => {
    child.kill("SIGINT");
    throw err;
  });
  const endpointsFile = join(projectDir, ".iac", "local", "endpoints.json");
  const endpoints = JSON.parse(await readFile(endpointsFile, "utf8")) as { git: string; registry?: string };
  const client = new KubeClient(resolveSettings({ config: {}, env: { IAC_LOCAL_ENDPOINTS: endpointsFile } }));
  return {
    target,
    endpointsFile,
    git: endpoints.git,
    registry: endpoints.registry,
    client,
    log: () => stderr,
    async stop() {
      child.kill("SIGINT");
      const r = await done;
      if (r.code !== 0) throw new Error(`iac local serve (${target}) exited ${r.code}:\n${r.stderr}`);
    },
  };
}

/** Push the files of `from` as one commit to `<git>/<repo>` (branch main); returns the commit. */
export async function pushRepo(git: string, repo: string, from: string, tmpUnder: string): Promise<string> {
  const work = await mkdtemp(join(tmpUnder, "repo-"));
  try {
    await cp(from, work, { recursive: true });
    const env = { ...process.env, HOME: work, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
    const g = (...a: string[]) => exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: work, env });
    await g("init", "--quiet");
    await g("add", "-A");
    await g("commit", "--quiet", "-m", `${repo} content`);
    await g("push", "--quiet", `${git.replace("http://", "http://dev:token@")}/${repo}`, "HEAD:refs/heads/main");
    return (await g("rev-parse", "HEAD")).stdout.trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What a run observed: a flat record, key to JSON value. */
export type Observation = Record<string, unknown>;

export interface Divergence {
  readonly id: string;
  readonly emulated: unknown;
  readonly real: unknown;
}

/** The keys whose values differ between the two observations, as `<scenario>/<key>`. */
export function diverging(scenario: string, emulated: Observation, real: Observation): Divergence[] {
  const keys = [...new Set([...Object.keys(emulated), ...Object.keys(real)])].sort();
  return keys.filter((k) => canonical(emulated[k]) !== canonical(real[k])).map((k) => ({ id: `${scenario}/${k}`, emulated: emulated[k], real: real[k] }));
}

/** JSON with object keys sorted: the order of a map's keys is not an observation. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/** The divergences listed in docs/local-cloud-conformance.md: table rows starting with | `id` |. */
export async function listedDivergences(): Promise<Set<string>> {
  const text = await readFile(join(ROOT, "docs", "local-cloud-conformance.md"), "utf8");
  return new Set([...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
}

/** The condition `type` of a live object, as `status/reason`. */
export function condition(obj: Record<string, unknown> | undefined, type: string): { status?: string; reason?: string; message?: string } | undefined {
  const conditions = ((obj?.["status"] as { conditions?: { type: string; status?: string; reason?: string; message?: string }[] } | undefined)?.conditions ?? []);
  return conditions.find((c) => c.type === type);
}

export { ROOT };

export interface HelmRepositoryServer {
  /** `http://127.0.0.1:<port>` (index.yaml and the chart archives under it). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A Helm repository on loopback serving the charts under `chartsDir` (one folder per chart):
 * each is packaged as `helm package` would (`<name>-<version>.tgz` of the chart folder) and listed
 * in `index.yaml` with its sha256 digest.
 */
export async function serveHelmRepository(chartsDir: string, workDir: string): Promise<HelmRepositoryServer> {
  const { readdir, readFile: read } = await import("node:fs/promises");
  const { createHash } = await import("node:crypto");
  const { createServer } = await import("node:http");
  const files = new Map<string, Buffer>();
  const entries: string[] = [];
  const server = createServer((req, res) => {
    const body = files.get((req.url ?? "/").split("?")[0]!);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": req.url?.endsWith(".yaml") ? "application/x-yaml" : "application/gzip", "content-length": body.length }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  for (const name of await readdir(chartsDir)) {
    const chartYaml = await read(join(chartsDir, name, "Chart.yaml"), "utf8");
    const version = /^version:\s*(\S+)/m.exec(chartYaml)?.[1];
    const appVersion = /^appVersion:\s*"?([^"\s]+)"?/m.exec(chartYaml)?.[1] ?? "";
    const archive = `${name}-${version}.tgz`;
    await exec("tar", ["-czf", join(workDir, archive), "-C", chartsDir, name]);
    const data = await read(join(workDir, archive));
    files.set(`/${archive}`, data);
    const digest = createHash("sha256").update(data).digest("hex");
    entries.push(`  ${name}:\n  - apiVersion: v2\n    name: ${name}\n    version: ${version}\n    appVersion: "${appVersion}"\n    created: "2026-01-01T00:00:00Z"\n    digest: ${digest}\n    urls:\n    - ${url}/${archive}`);
  }
  files.set("/index.yaml", Buffer.from(`apiVersion: v1\nentries:\n${entries.join("\n")}\ngenerated: "2026-01-01T00:00:00Z"\n`));
  return { url, close: () => new Promise<void>((done) => server.close(() => done())) };
}

/** One commit of {@link pushHistory}: files to write (null: delete), and a tag to put on it. */
export interface CommitSpec {
  readonly files: Readonly<Record<string, string | null>>;
  readonly tag?: string;
}

/**
 * Push commits one after the other to `<git>/<repo>` (branch main, and the tags), as a developer
 * would; `work` is the clone, kept so that later calls add to the same history. Returns the commits.
 */
export async function pushHistory(git: string, repo: string, work: string, commits: readonly CommitSpec[]): Promise<string[]> {
  const { mkdir: mkdirp, writeFile: write } = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  const env = { ...process.env, HOME: work, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const g = async (...a: string[]) => (await exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: work, env })).stdout.trim();
  await mkdirp(work, { recursive: true });
  await g("init", "--quiet");
  const shas: string[] = [];
  for (const [i, c] of commits.entries()) {
    for (const [path, content] of Object.entries(c.files)) {
      if (content === null) await rm(join(work, path), { force: true });
      else {
        await mkdirp(dirname(join(work, path)), { recursive: true });
        await write(join(work, path), content);
      }
    }
    await g("add", "-A");
    await g("commit", "--quiet", "--allow-empty", "-m", `${repo} change ${i + 1}`);
    if (c.tag) await g("tag", c.tag);
    shas.push(await g("rev-parse", "HEAD"));
  }
  await g("push", "--quiet", "--tags", `${git.replace("http://", "http://dev:token@")}/${repo}`, "HEAD:refs/heads/main");
  return shas;
}

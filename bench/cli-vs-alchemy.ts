/**
 * The issue-12 targets, measured as a user meets them: the `iac` a user installs (every package
 * built and packed by scripts/pack.mjs, the tarballs installed offline into a project outside the
 * checkout, as test/install.test.ts does; its bin started as a user starts it, no flag added) on
 * 10,000 resources, beside alchemy (the npm package, installed into bench/node_modules by
 * `npm ci --prefix bench`) running the same topology with a resource that touches no cloud and its
 * default file state store, in the same run, as ratios. The checkout's `iac` (packages/cli/bin/iac.js,
 * which runs the TypeScript sources through tsx: how the project's developers and tests run it) is
 * measured too, for information (decisions/0012, decision 7).
 *
 * Each command is a fresh process, timed from spawn to exit (node's start included on both sides);
 * its peak RSS is read by a probe module (`--import`) that writes `process.resourceUsage().maxRSS`
 * at exit. `iac` runs in the process node started, with node's defaults (no flag, no re-exec:
 * decisions/0012), so every iac row is also the literal reading of the RSS target.
 *
 * Topology (as engine.bench.ts): 10 roots per block of 100; every other resource depends on the one
 * 10 before it in its block (chains of depth 10). The provider/handler does nothing but return its
 * inputs and an id.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CHECKOUT_IAC = join(ROOT, "packages/cli/bin/iac.js");
const ALCHEMY = join(ROOT, "bench/node_modules/alchemy/package.json");

/** Targets of issue 12 (ms, MB). */
export const TARGETS = { version: 150, emptyPreview: 400, up: 2000, noopPreview: 800, destroy: 1500, rss: 250 } as const;

const PROBE = `import { writeFileSync } from "node:fs";
process.on("exit", () => { if (process.env.BENCH_RSS_FILE) writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)); });
`;

const PROVIDER = `
import type { ProviderModule, Provider } from "@iac/sdk/provider";
export const iacProviders: ProviderModule = {
  package: "bench",
  configure() {
    let next = 0;
    const p: Provider = {
      async check(news) { return { inputs: news, failures: [] }; },
      async create(news) { const id = "r" + next++; return { id, outputs: { ...news, id } }; },
      async read(_id, olds) { return olds; },
      async update(_id, _olds, news) { return { outputs: news }; },
      async delete() {},
    };
    return { provider: (type) => (type === "bench:index:Res" ? p : undefined) };
  },
};
`;

function iacProgram(n: number): string {
  return `
import { CustomResource, type Output } from "@iac/sdk";
class Res extends CustomResource {
  declare readonly id: Output<string>;
  constructor(name: string, args: Record<string, unknown>) {
    super("bench:index:Res", name, args, {}, { module: "./bench-provider.ts", outputs: [] });
  }
}
const all: Res[] = [];
for (let i = 0; i < ${n}; i++) {
  const parent = i % 100 >= 10 ? all[i - 10] : undefined;
  all.push(new Res("r" + i, { index: i, ...(parent ? { after: parent.id } : {}) }));
}
export const count = all.length;
`;
}

/** The same program for alchemy: a resource is a promise; a dependent awaits its parent's. */
function alchemyProgram(n: number): string {
  return `
import alchemy from "alchemy";
import { Resource } from "alchemy";
let next = 0;
const Res = Resource("bench::Res", async function (this: any, _id: string, props: { index: number; after?: string }) {
  if (this.phase === "delete") return this.destroy();
  if (this.phase === "update") return { ...props, id: this.output.id };
  return { ...props, id: "r" + next++ };
});
const app = await alchemy("bench", { stage: "dev", phase: process.argv.includes("--destroy") ? "destroy" : "up", quiet: true });
const all: Promise<{ id: string }>[] = [];
for (let i = 0; i < ${n}; i++) {
  const parent = i % 100 >= 10 ? all[i - 10] : undefined;
  all.push(parent ? parent.then((p) => Res("r" + i, { index: i, after: p.id })) : Res("r" + i, { index: i }));
}
await Promise.all(all);
await app.finalize();
`;
}

/** One command's figures. */
export interface Measured {
  readonly ms: number;
  readonly rssMb: number;
  /** For a command timed several times ({@link measureRepeated}): every time, in order (`ms` is their median). */
  readonly samplesMs?: readonly number[];
}

/** The figures of one tool on one N. */
export interface ToolFigures {
  readonly up: Measured;
  readonly noopPreview: Measured;
  readonly destroy: Measured;
}

/** One `iac` (installed or the checkout's): its start and the 10,000-resource cycle. */
export interface IacFigures {
  /** `iac --version` and `iac preview` of an empty program. */
  readonly version: Measured;
  readonly emptyPreview: Measured;
  readonly run: ToolFigures;
}

export interface CliComparison {
  readonly n: number;
  /** The `iac` a user installs (the targets are read here). */
  readonly installed: IacFigures;
  /** The checkout's `iac` (sources through tsx), for information. */
  readonly checkout?: IacFigures;
  /** Absent when alchemy is not installed (`npm ci --prefix bench`). */
  readonly alchemy?: ToolFigures;
}

function measure(command: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; probe: string; what: string }): Measured {
  const rssFile = join(options.cwd, `.rss-${Math.random().toString(36).slice(2)}`);
  const t0 = performance.now();
  const p = spawnSync(process.execPath, ["--import", options.probe, ...command], { cwd: options.cwd, env: { ...options.env, BENCH_RSS_FILE: rssFile }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (p.status !== 0) throw new Error(`${options.what} failed (exit ${p.status}):\n${p.stdout.slice(-2000)}\n${p.stderr.slice(-2000)}`);
  // Written by the probe at the child's exit (spawnSync has returned: it is there).
  const rssKb = existsSync(rssFile) ? Number(readFileSync(rssFile, "utf8")) : 0;
  return { ms: Math.round(ms), rssMb: Math.round((rssKb * 1024) / 1e6) };
}

/**
 * Times of one command that changes nothing (`--version`, a preview), run {@link REPEATS} times in
 * a row: `ms` is the median, the peak RSS the highest. One run is at the mercy of a slow second
 * on a shared machine (the same no-op preview took 0.58 s and 0.85 s an hour apart here); the
 * median of five says what the command costs, and the samples show the spread.
 */
function measureRepeated(command: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; probe: string; what: string }): Measured {
  const runs = Array.from({ length: REPEATS }, () => measure(command, options));
  const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { ms: sorted[Math.floor(sorted.length / 2)]!, rssMb: Math.max(...runs.map((r) => r.rssMb)), samplesMs: runs.map((r) => r.ms) };
}

/** How many times {@link measureRepeated} runs a command. */
const REPEATS = 5;

/** The environment of the children: none of the caller's iac or node settings; telemetry off. */
function childEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, IAC_HOME: home, NO_COLOR: "1", ALCHEMY_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
  for (const k of ["NODE_OPTIONS", "IAC_NODE_FLAGS", "IAC_NODE_FLAGS_APPLIED", "IAC_BACKEND_URL", "IAC_CONFIG_PASSPHRASE", "NODE_TEST_CONTEXT", "FORCE_COLOR"]) delete env[k];
  return env;
}

/** Time one `iac` in `root` (a folder whose node_modules resolve `@iac/sdk`): version, empty preview, up, no-op preview, destroy. */
async function measureIac(iac: string, root: string, n: number, env: NodeJS.ProcessEnv, probe: string): Promise<IacFigures> {
  // An empty project: the fixed cost of the CLI.
  const empty = join(root, "empty");
  await mkdir(empty);
  await writeFile(join(empty, "iac.yaml"), "name: empty\n");
  await writeFile(join(empty, "package.json"), JSON.stringify({ name: "empty", private: true, type: "module" }));
  await writeFile(join(empty, "index.ts"), "export {};\n");
  const version = measureRepeated([iac, "--version"], { cwd: empty, env, probe, what: "iac --version" });
  measure([iac, "preview"], { cwd: empty, env, probe, what: "iac preview (empty, first: creates the stack)" });
  const emptyPreview = measureRepeated([iac, "preview"], { cwd: empty, env, probe, what: "iac preview (empty)" });

  const proj = join(root, "big");
  await mkdir(proj);
  await writeFile(join(proj, "bench-provider.ts"), PROVIDER);
  await writeFile(join(proj, "index.ts"), iacProgram(n));
  await writeFile(join(proj, "iac.yaml"), "name: bench\n");
  await writeFile(join(proj, "package.json"), JSON.stringify({ name: "bench", private: true, type: "module" }));
  const run: ToolFigures = {
    up: measure([iac, "up", "--yes"], { cwd: proj, env, probe, what: "iac up --yes" }),
    noopPreview: measureRepeated([iac, "preview", "--expect-no-changes"], { cwd: proj, env, probe, what: "iac preview" }),
    destroy: measure([iac, "destroy", "--yes"], { cwd: proj, env, probe, what: "iac destroy --yes" }),
  };
  return { version, emptyPreview, run };
}

/**
 * The `iac` a user installs: every package built and packed (scripts/pack.mjs), the tarballs
 * installed offline into `dir` (outside the checkout); returns its bin.
 */
async function installIac(dir: string): Promise<string> {
  const pack = (await import(join(ROOT, "scripts", "pack.mjs"))) as { packAll: (out: string) => string[]; installInto: (dir: string, tarballs: string[]) => void };
  const tarballs = pack.packAll(join(dir, "tarballs"));
  pack.installInto(join(dir, "project"), tarballs);
  return join(dir, "project", "node_modules", "@iac", "cli", "bin", "iac.js");
}

export async function compareCli(n: number, options: { checkout?: boolean } = {}): Promise<CliComparison> {
  const home = await mkdtemp(join(tmpdir(), "iac-bench-home-"));
  const probe = join(home, "rss-probe.mjs");
  await writeFile(probe, PROBE);
  const env = childEnv(home);
  // The same folder on every run (emptied first and last): node's compile cache and tsx's cache key
  // their entries by path, so a new folder per run would leave ~10 MB of entries behind each time.
  const outside = join(tmpdir(), `iac-bench-installed-${process.getuid?.() ?? "user"}`);
  await rm(outside, { recursive: true, force: true });
  await mkdir(outside, { recursive: true });
  let dir: string | undefined;
  try {
    if (relative(ROOT, outside).split(/[\\/]/)[0] !== "..") throw new Error(`${outside} is inside the checkout: set TMPDIR to a folder outside it`);
    const installed = await measureIac(await installIac(outside), join(outside, "project"), n, env, probe);
    let checkout: IacFigures | undefined;
    if (options.checkout !== false) {
      await mkdir(join(ROOT, ".bench"), { recursive: true });
      dir = await mkdtemp(join(ROOT, ".bench", "cli-"));
      checkout = await measureIac(CHECKOUT_IAC, dir, n, env, probe);
    }

    let alchemy: ToolFigures | undefined;
    if (existsSync(ALCHEMY)) {
      // Inside bench/ so that `import "alchemy"` resolves to bench/node_modules.
      await mkdir(join(ROOT, "bench", ".tmp"), { recursive: true });
      const adir = await mkdtemp(join(ROOT, "bench", ".tmp", "alchemy-"));
      try {
        await writeFile(join(adir, "alchemy.run.ts"), alchemyProgram(n));
        await writeFile(join(adir, "package.json"), JSON.stringify({ name: "bench-alchemy", private: true, type: "module" }));
        // Node 24 strips the types itself, as a user of alchemy on Node runs it.
        alchemy = {
          up: measure(["alchemy.run.ts"], { cwd: adir, env, probe, what: "alchemy up" }),
          noopPreview: measureRepeated(["alchemy.run.ts"], { cwd: adir, env, probe, what: "alchemy re-run (no-op)" }),
          destroy: measure(["alchemy.run.ts", "--destroy"], { cwd: adir, env, probe, what: "alchemy destroy" }),
        };
      } finally {
        await rm(adir, { recursive: true, force: true });
      }
    }
    return { n, installed, ...(checkout ? { checkout } : {}), ...(alchemy ? { alchemy } : {}) };
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  }
}

/** The table: iac, its target, alchemy, and iac/alchemy; then the checkout's iac. */
export function formatComparison(c: CliComparison): string[] {
  const lines: string[] = [];
  const mark = (v: number, target: number) => (v <= target ? "ok" : "OVER");
  const spread = (m: Measured) => (m.samplesMs ? ` (median of ${m.samplesMs.length}: ${m.samplesMs.join(", ")})` : "");
  const rows: [string, keyof ToolFigures, number][] = [
    ["up", "up", TARGETS.up],
    ["no-op preview", "noopPreview", TARGETS.noopPreview],
    ["destroy", "destroy", TARGETS.destroy],
  ];
  const i = c.installed;
  lines.push(`CLI, installed from the packed tarballs (N=${c.n}):`);
  lines.push(`  iac --version  ${i.version.ms}ms (target ${TARGETS.version}, ${mark(i.version.ms, TARGETS.version)})${spread(i.version)}`);
  lines.push(`  empty preview  ${i.emptyPreview.ms}ms (target ${TARGETS.emptyPreview}, ${mark(i.emptyPreview.ms, TARGETS.emptyPreview)})${spread(i.emptyPreview)}`);
  for (const [label, key, target] of rows) {
    const m = i.run[key];
    const a = c.alchemy?.[key];
    const ratio = a ? `  iac/alchemy=${(m.ms / a.ms).toFixed(2)} (alchemy ${a.ms}ms, ${a.rssMb}MB)` : "  (alchemy not installed: npm ci --prefix bench)";
    lines.push(`  ${label.padEnd(14)} iac=${m.ms}ms (target ${target}, ${mark(m.ms, target)})  peakRSS=${m.rssMb}MB (target ${TARGETS.rss}, ${mark(m.rssMb, TARGETS.rss)})${ratio}${spread(m)}`);
  }
  const k = c.checkout;
  if (k) {
    lines.push(`CLI of the checkout (sources through tsx, for information):  iac --version=${k.version.ms}ms  empty preview=${k.emptyPreview.ms}ms`);
    for (const [label, key] of rows) lines.push(`  ${label.padEnd(14)} iac=${k.run[key].ms}ms  peakRSS=${k.run[key].rssMb}MB`);
  }
  return lines;
}

/**
 * Engine benchmark: `up`, no-op `preview` and `destroy` of N generated resources against a test
 * provider with configurable latency, on the file backend in a temp project.
 *
 * Graph: 10 roots per block of 100; every other resource depends on the one 10 before it in its
 * block, so there are chains of depth 10 (fan-out plus chains). Each N runs in its own child
 * process so peak RSS is that run's. The critical-path bound at latency L with `parallel` P is
 * max(depth * L, ceil(N / P) * L): no scheduler can beat it.
 *
 * Prints a table, then one JSON line. Targets (DESIGN/engine brief): N=10,000 at 0 ms: up < 3 s,
 * peak RSS < 300 MB, no-op preview < 1.5 s; N=1,000 at 20 ms: up and destroy within 1.2x of the bound.
 * The row at 20 ms with `parallel` 1,000 has the chain bound (depth x L) dominate: how close `up`
 * comes to the pure critical path (its excess over the bound is mostly fixed cost: loading the
 * program, opening and compacting the state).
 *
 * `npm run bench -- --latency 20` runs only the cases at that latency; `--cli-only` only the CLI
 * comparison with alchemy (bench/cli-vs-alchemy.ts, run first; `BENCH_CLI_N` sets its N, default
 * 10,000; the targets are read on the installed CLI, the checkout's is measured too unless
 * `--installed-only`), `--engine-only` everything but it.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "@iac/engine";
import type { RunResult } from "@iac/engine";
import { compareCli, formatComparison } from "./cli-vs-alchemy.ts";
import { crypterFromKey } from "../packages/engine/src/secrets.ts";
import { createFileBackend } from "../packages/engine/src/state/file-backend.ts";
import type { Backend, StateWriter } from "../packages/engine/src/state/types.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DEPTH = 10;
/** `--parallel` of the runs (the engine's default) unless a case says otherwise. */
const PARALLEL = 16;
/** The node flags `iac` runs with: none (packages/cli/bin/iac.js, decisions/0012). */
const IAC_NODE_FLAGS: string[] = [];

const PROVIDER = `
import type { ProviderModule, Provider } from "@iac/sdk/provider";
export const iacProviders: ProviderModule = {
  package: "bench",
  configure(config) {
    const latency = Number(config.latencyMs ?? 0);
    const wait = () => (latency > 0 ? new Promise((r) => setTimeout(r, latency)) : Promise.resolve());
    let next = 0;
    const p: Provider = {
      async check(news) { return { inputs: news, failures: [] }; },
      async create(news) { await wait(); const id = "r" + next++; return { id, outputs: { ...news, id } }; },
      async read(_id, olds) { await wait(); return olds; },
      async update(_id, _olds, news) { await wait(); return { outputs: news }; },
      async delete() { await wait(); },
    };
    return { provider: (type) => (type === "bench:index:Res" ? p : undefined) };
  },
};
`;

function program(n: number, providerPath: string): string {
  return `
import { CustomResource, type Output } from "@iac/sdk";
class Res extends CustomResource {
  declare readonly id: Output<string>;
  constructor(name: string, args: Record<string, unknown>) {
    super("bench:index:Res", name, args, {}, { module: ${JSON.stringify(providerPath)}, outputs: [] });
  }
}
const all: Res[] = [];
for (let i = 0; i < ${n}; i++) {
  const inBlock = i % 100;
  const parent = inBlock >= 10 ? all[i - 10] : undefined;
  all.push(new Res("r" + i, { index: i, ...(parent ? { after: parent.id } : {}) }));
}
export const count = all.length;
`;
}

/** The fixed costs of one run (see `once` in {@link child}). */
interface Phases {
  readonly beforeFirstStepMs: number;
  readonly afterLastStepMs: number;
}

interface ChildResult {
  readonly n: number;
  readonly latencyMs: number;
  readonly parallel: number;
  /** Extra latency of every state write's acknowledgement (see {@link measuringBackend}). */
  readonly syncMs?: number;
  readonly upMs: number;
  readonly upPhases: Phases;
  /** Journal flushes (write + fdatasync) and records of `up`. */
  readonly upJournal?: { readonly flushes: number; readonly records: number };
  readonly previewMs?: number;
  readonly destroyMs: number;
  /** Peak RSS of the process up to the end of `up` (the target's measure). */
  readonly upPeakRssMb: number;
  /** Peak RSS over up, preview and destroy. */
  readonly peakRssMb: number;
  readonly journalBytesPerStep?: number;
  readonly boundMs?: number;
  readonly upVsBound?: number;
  /** How much longer than the bound `up` took. */
  readonly upOverBoundMs?: number;
  readonly destroyVsBound?: number;
}

/**
 * Counts the journal's size at close (before compaction removes it). With `syncMs` > 0, every
 * write is acknowledged that much later than the local disk does it (the record is still queued
 * when called, in order): a slower store, such as a network disk or the azblob backend's append
 * blob, where waiting for durability costs more than this machine's fdatasync (~0.1 ms).
 */
function measuringBackend(inner: Backend, journalPath: string, sizes: number[], syncMs: number, flushes: { flushes: number; records: number }[]): Backend {
  const slow = <A extends unknown[], R>(f: (...a: A) => Promise<R>): ((...a: A) => Promise<R>) =>
    syncMs > 0 ? async (...a) => { const r = await f(...a); await new Promise((ok) => setTimeout(ok, syncMs)); return r; } : f;
  return {
    ...inner,
    url: inner.url,
    listStacks: () => inner.listStacks(),
    stackExists: (s) => inner.stackExists(s),
    createStack: (s) => inner.createStack(s),
    removeStack: (s, o) => inner.removeStack(s, o),
    lock: (s, c) => inner.lock(s, c),
    lockStatus: (s) => inner.lockStatus(s),
    breakLock: (s, o) => inner.breakLock(s, o),
    read: (s, c) => inner.read(s, c),
    write: (s, snap, c) => inner.write(s, snap, c),
    async open(s, c): Promise<StateWriter> {
      const w = await inner.open(s, c);
      const close = w.close.bind(w);
      return Object.assign(Object.create(Object.getPrototypeOf(w) as object) as StateWriter, w, {
        base: w.base,
        begin: slow(w.begin.bind(w)),
        end: slow(w.end.bind(w)),
        put: slow(w.put.bind(w)),
        remove: slow(w.remove.bind(w)),
        clearPending: slow(w.clearPending.bind(w)),
        setOutputs: slow(w.setOutputs.bind(w)),
        current: w.current.bind(w),
        async close() {
          sizes.push(await stat(journalPath).then((x) => x.size, () => 0));
          const stats = (w as { stats?: { flushes: number; records: number } }).stats;
          if (stats) flushes.push(stats);
          await close();
        },
      });
    },
  };
}

async function child(n: number, latencyMs: number, parallel: number, syncMs: number): Promise<ChildResult> {
  await mkdir(join(ROOT, ".bench"), { recursive: true });
  const dir = await mkdtemp(join(ROOT, ".bench", "engine-"));
  try {
    const providerPath = join(dir, "bench-provider.ts");
    await writeFile(providerPath, PROVIDER);
    await writeFile(join(dir, "index.ts"), program(n, providerPath));
    await writeFile(join(dir, "iac.yaml"), "name: bench\n");
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "bench", private: true, type: "module" }));
    const sizes: number[] = [];
    /** The journal's flushes and records per run (group commit: fewer flushes than records). */
    const flushes: { flushes: number; records: number }[] = [];
    const backend = measuringBackend(createFileBackend({ projectDir: dir, project: "bench" }), join(dir, ".iac", "stacks", "dev", "journal.ndjson"), sizes, syncMs, flushes);
    const crypter = crypterFromKey(randomBytes(32), { describe: "bench key", remedy: "none" });
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const once = async (operation: "up" | "preview" | "destroy"): Promise<{ ms: number; r: RunResult; phases: Phases }> => {
      const t0 = performance.now();
      // Where the time outside the steps goes: before the first step starts (program load, state
      // open) and after the last one is done (deletes walk, outputs, durability, compaction).
      let first: number | undefined;
      let last = t0;
      const r = await run({
        project: { dir, name: "bench", main: "index.ts" },
        stack: "dev",
        operation,
        backend,
        crypter,
        config: { "bench:latencyMs": latencyMs },
        parallel,
        onEvent: (e) => {
          if (e.kind === "step-start") first ??= performance.now();
          else if (e.kind === "step-done") last = performance.now();
        },
      });
      if (r.failed > 0) throw new Error(`${operation} had ${r.failed} failures`);
      const end = performance.now();
      return { ms: end - t0, r, phases: { beforeFirstStepMs: Math.round((first ?? end) - t0), afterLastStepMs: Math.round(end - last) } };
    };
    const up = await once("up");
    const upPeak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const steps = Object.values(up.r.counts).reduce((a, b) => a + (b ?? 0), 0);
    const upJournal = flushes.at(-1);
    const journalBytes = sizes.at(-1) ?? 0;
    const preview = latencyMs === 0 ? await once("preview") : undefined;
    const destroy = await once("destroy");
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const boundMs = Math.max(DEPTH * latencyMs, Math.ceil(n / parallel) * latencyMs);
    return {
      n,
      latencyMs,
      parallel,
      ...(syncMs > 0 ? { syncMs } : {}),
      upMs: Math.round(up.ms),
      upPhases: up.phases,
      ...(upJournal ? { upJournal } : {}),
      ...(preview ? { previewMs: Math.round(preview.ms) } : {}),
      destroyMs: Math.round(destroy.ms),
      upPeakRssMb: Math.round(upPeak / 1e6),
      peakRssMb: Math.round(peak / 1e6),
      ...(latencyMs === 0 ? { journalBytesPerStep: Math.round(journalBytes / Math.max(1, steps)) } : {}),
      ...(latencyMs > 0 ? { boundMs, upVsBound: +(up.ms / boundMs).toFixed(2), upOverBoundMs: Math.round(up.ms - boundMs), destroyVsBound: +(destroy.ms / boundMs).toFixed(2) } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    const r = await child(Number(args[1]), Number(args[2]), Number(args[3] ?? PARALLEL), Number(args[4] ?? 0));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  // Children start as `iac` starts: node's defaults, no flag (packages/cli/bin/iac.js; the engine
  // holds V8's young generation itself, decisions/0010 and 0012), so the figures are what users get.
  const all: [n: number, latency: number, flags: string[], parallel: number, syncMs: number][] = [
    [1000, 0, IAC_NODE_FLAGS, PARALLEL, 0],
    [10000, 0, IAC_NODE_FLAGS, PARALLEL, 0],
    [1000, 20, IAC_NODE_FLAGS, PARALLEL, 0],
    [1000, 20, IAC_NODE_FLAGS, 1000, 0],
    // A store slower to acknowledge than this machine's disk: what waiting for durability costs.
    [1000, 20, IAC_NODE_FLAGS, 1000, 5],
  ];
  // First the issue-12 targets through the real CLI, beside alchemy (bench/cli-vs-alchemy.ts).
  const cli = args.includes("--engine-only") || args.includes("--latency") ? undefined : await compareCli(Number(process.env.BENCH_CLI_N ?? 10000), { checkout: !args.includes("--installed-only") });
  if (cli) for (const line of formatComparison(cli)) console.log(line);
  if (args.includes("--cli-only")) {
    console.log(JSON.stringify({ bench: "engine", cli }));
    return;
  }
  const only = args.indexOf("--latency");
  const cases = only < 0 ? all : all.filter(([, latency]) => latency === Number(args[only + 1]));
  const results: (ChildResult & { readonly nodeFlags: string })[] = [];
  for (const [n, latency, flags, parallel, syncMs] of cases) {
    const p = spawnSync(process.execPath, [...flags, "--import", "tsx", fileURLToPath(import.meta.url), "--child", String(n), String(latency), String(parallel), String(syncMs)], { encoding: "utf8", cwd: ROOT });
    if (p.status !== 0) throw new Error(`bench child N=${n} failed:\n${p.stderr}`);
    const child = JSON.parse(p.stdout.trim().split("\n").at(-1)!) as ChildResult;
    const r = { ...child, nodeFlags: flags.length > 0 ? flags.join(" ") : "(node defaults)" };
    results.push(r);
    const cols = [
      `N=${r.n}`,
      `latency=${r.latencyMs}ms`,
      `parallel=${r.parallel}`,
      r.syncMs !== undefined ? `sync+${r.syncMs}ms` : "",
      `up=${r.upMs}ms (first step +${r.upPhases.beforeFirstStepMs}ms, after last ${r.upPhases.afterLastStepMs}ms${r.upJournal ? `, ${r.upJournal.records} records in ${r.upJournal.flushes} flushes` : ""})`,
      r.previewMs !== undefined ? `preview(no-op)=${r.previewMs}ms` : "",
      `destroy=${r.destroyMs}ms`,
      `peakRSS(up)=${r.upPeakRssMb}MB peakRSS(all)=${r.peakRssMb}MB`,
      r.journalBytesPerStep !== undefined ? `state bytes/step=${r.journalBytesPerStep}` : "",
      r.boundMs !== undefined ? `bound=${r.boundMs}ms up/bound=${r.upVsBound} (+${r.upOverBoundMs}ms) destroy/bound=${r.destroyVsBound}` : "",
      `node ${r.nodeFlags}`,
    ];
    console.log(cols.filter(Boolean).join("  "));
  }
  console.log(JSON.stringify({ bench: "engine", depth: DEPTH, ...(cli ? { cli } : {}), results }));
}

await main();

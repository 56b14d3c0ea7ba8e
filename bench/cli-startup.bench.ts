/**
 * CLI startup benchmark (issue 12): wall time of `iac --version` and of `iac preview` of an empty
 * program, through the real binary, as a user has it: the packages packed and installed into a
 * project outside the checkout (compiled JavaScript), next to the same commands run from the
 * checkout (TypeScript through tsx) and `node -e 0` for the floor of any node process.
 *
 * The installed copy is kept in .bench/cli-install and redone only when the tarballs change. Each
 * case runs once unmeasured (warm file cache, warm type-check stamp), then `--runs` times (default
 * 9); the table shows the median and the fastest wall time, and the median CPU time (user +
 * system, through /usr/bin/time where it exists). Targets: --version <= 150 ms, empty preview
 * <= 400 ms (Node 24).
 *
 * `npm run bench:cli [-- --runs 15]`. Prints a table, then one JSON line.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BENCH_DIR = join(ROOT, ".bench");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 9;

interface Case {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly target?: number;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** GNU time, when the machine has it: CPU time (user + system) is what a loaded machine distorts least. */
const GNU_TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

function time(c: Case, env: NodeJS.ProcessEnv): { wall: number[]; cpu: number[] } {
  const once = (): [number, number] => {
    const start = process.hrtime.bigint();
    const [cmd, args] = GNU_TIME ? [GNU_TIME, ["-f", "iac-bench-cpu %U %S", c.cmd, ...c.args]] : [c.cmd, [...c.args]];
    const r = spawnSync(cmd, args, { cwd: c.cwd, env, encoding: "utf8" });
    const took = ms(start);
    if (r.status !== 0) throw new Error(`${c.name} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    const m = /iac-bench-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
    return [took, m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN];
  };
  once();
  const runs = Array.from({ length: RUNS }, once);
  return { wall: runs.map((r) => r[0]).sort((a, b) => a - b), cpu: runs.map((r) => r[1]).sort((a, b) => a - b) };
}

async function installed(): Promise<string> {
  const pack = (await import(join(ROOT, "scripts", "pack.mjs"))) as { packAll: (out: string) => string[]; installInto: (dir: string, tarballs: string[]) => void };
  const tarballs = pack.packAll(join(BENCH_DIR, "cli-pack"));
  const hash = createHash("sha256");
  for (const t of tarballs) hash.update(readFileSync(t));
  const digest = hash.digest("hex");
  const dir = join(BENCH_DIR, "cli-install");
  const mark = join(dir, ".tarballs-sha256");
  if (!existsSync(mark) || readFileSync(mark, "utf8") !== digest) {
    rmSync(dir, { recursive: true, force: true });
    pack.installInto(dir, tarballs);
    writeFileSync(mark, digest);
  }
  return dir;
}

function emptyProject(dir: string): string {
  const project = join(dir, "empty-program");
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "iac.yaml"), "name: empty\n");
  writeFileSync(join(project, "package.json"), '{ "name": "empty", "private": true, "type": "module" }\n');
  writeFileSync(join(project, "index.ts"), "export const greeting: string = \"hello\";\n");
  return project;
}

const install = await installed();
const installedProject = emptyProject(install);
const checkoutProject = emptyProject(join(ROOT, "test", ".tmp", "cli-startup-bench"));
const bin = join(install, "node_modules", ".bin", "iac");
const checkoutBin = join(ROOT, "packages", "cli", "bin", "iac.js");
// A clean environment: no NODE_OPTIONS from npm scripts, the key file and config in the bench dir.
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", IAC_HOME: join(BENCH_DIR, "cli-home"), NODE_OPTIONS: "" };

const cases: Case[] = [
  { name: "node -e 0 (floor)", cmd: process.execPath, args: ["-e", "0"], cwd: install },
  { name: "iac --version (installed)", cmd: bin, args: ["--version"], cwd: installedProject, target: 150 },
  { name: "iac --help (installed)", cmd: bin, args: ["--help"], cwd: installedProject },
  { name: "iac preview, empty program (installed)", cmd: bin, args: ["preview"], cwd: installedProject, target: 400 },
  { name: "iac preview --no-typecheck (installed)", cmd: bin, args: ["preview", "--no-typecheck"], cwd: installedProject },
  { name: "iac --version (checkout, tsx)", cmd: process.execPath, args: [checkoutBin, "--version"], cwd: checkoutProject },
  { name: "iac preview, empty program (checkout, tsx)", cmd: process.execPath, args: [checkoutBin, "preview"], cwd: checkoutProject },
];

const rows = cases.map((c) => {
  const { wall, cpu } = time(c, env);
  const median = (xs: number[]) => Math.round(xs[Math.floor(xs.length / 2)]!);
  return { name: c.name, medianMs: median(wall), minMs: Math.round(wall[0]!), cpuMedianMs: median(cpu), targetMs: c.target };
});
rmSync(join(ROOT, "test", ".tmp", "cli-startup-bench"), { recursive: true, force: true });

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`CLI startup, Node ${process.version}, ${RUNS} runs each (after one unmeasured run)`);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} CPUs (wall times grow with it; CPU time less so)`);
console.log(`${pad("case", 46)} ${pad("median", 8)} ${pad("min", 8)} ${pad("cpu", 8)} target`);
for (const r of rows) {
  const verdict = r.targetMs === undefined ? "" : `${r.targetMs} ms ${r.medianMs <= r.targetMs ? "ok" : "MISSED"}`;
  console.log(`${pad(r.name, 46)} ${pad(`${r.medianMs} ms`, 8)} ${pad(`${r.minMs} ms`, 8)} ${pad(`${r.cpuMedianMs} ms`, 8)} ${verdict}`);
}
console.log(JSON.stringify({ bench: "cli-startup", node: process.version, runs: RUNS, rows }));

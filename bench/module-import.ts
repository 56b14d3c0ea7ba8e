/**
 * What the module benches (azure-modules, kubernetes-modules) share: time a program's imports in a
 * fresh `node --import tsx` child (as `iac` runs a program), with a monitor that registers nothing.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const MONITOR = `
import { setMonitor } from "@iac/sdk/runtime";
setMonitor({ project: "b", stack: "b", preview: true, config: {}, projectDir: "/tmp", reserve() {}, async registerResource(r) { return { outputs: r.inputs }; }, registerOutputs() {}, reportError() {} });
`;

/** Milliseconds from the child's start to the end of `body` (imports and declarations). */
export function importTime(root: string, body: string): number {
  const script = `${MONITOR}\n${body}\nprocess.stdout.write(String(performance.now()));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Bytes of the files under `dir`. */
export function sizeOf(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const st = statSync(p);
    total += st.isDirectory() ? sizeOf(p) : st.size;
  }
  return total;
}

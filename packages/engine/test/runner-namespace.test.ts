/**
 * The tsx namespace of a program's run: fresh modules for each run in a process (a second run
 * evaluates the program and its local imports again), and the same module URLs from one process to
 * the next, so that node's compile cache (enabled by bin/iac.js, keyed by URL) finds a run's
 * modules: with a random namespace each command compiled the SDK and the program afresh and added
 * ~80 cache entries that were never read (decisions/0012, decision 5).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { DeploymentMonitor } from "../src/monitor.js";
import { runProgram } from "../src/runner.js";

const RUNNER = fileURLToPath(new URL("../src/runner.ts", import.meta.url));

/** A monitor for a program that declares no resources. */
const monitor = { project: "p", stack: "s", preview: true, config: {}, projectDir: "", settle: async () => undefined, stuckError: () => new Error("stuck") } as unknown as DeploymentMonitor;

async function program(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "iac-ns-"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "ns", private: true, type: "module" }));
  await writeFile(join(dir, "count.ts"), "export const evaluated = ((globalThis as any).__iacNsCount = ((globalThis as any).__iacNsCount ?? 0) + 1);\n");
  await writeFile(join(dir, "index.ts"), 'import { evaluated } from "./count.ts";\nexport const url = import.meta.url;\nexport const n = evaluated;\n');
  return dir;
}

test("each run of a program in a process gets fresh modules", async () => {
  const dir = await program();
  try {
    const run = () => runProgram({ projectDir: dir, main: "index.ts", monitor, onProgramError: (e) => assert.fail(String(e)) });
    const first = await run();
    const second = await run();
    assert.notEqual(first?.url, second?.url);
    assert.equal(second?.n, (first?.n as number) + 1, "the local import was evaluated again");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a program's modules have the same URLs in every process (node's compile cache can find them)", async () => {
  const dir = await program();
  try {
    const script = `
      const { runProgram } = await import(${JSON.stringify(RUNNER)});
      const monitor = { project: "p", stack: "s", preview: true, config: {}, projectDir: "", settle: async () => undefined, stuckError: () => new Error("stuck") };
      const out = await runProgram({ projectDir: ${JSON.stringify(dir)}, main: "index.ts", monitor, onProgramError: (e) => { throw e; } });
      process.stdout.write(out.url);`;
    const urlOf = () => execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    const a = urlOf();
    const b = urlOf();
    assert.match(a, /index\.ts\?tsx-namespace=/);
    assert.equal(a, b);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

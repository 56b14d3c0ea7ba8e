/**
 * The type-check cache: an unchanged program is not checked again (the compiler is not run), an
 * edited one is; the arguments it ran with are part of the cache key.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { checkProgramTypes, startTypecheck, typecheckProgram, TypecheckError } from "../src/typecheck.js";

// Under the checkout (gitignored test/.tmp/, which no tsconfig includes), so that @types/node
// resolves as in a real project.
const dir = join(fileURLToPath(new URL("../../../test/.tmp/", import.meta.url)), `tc-${randomBytes(4).toString("hex")}`);
after(() => rm(dir, { recursive: true, force: true }));

test("a clean check is reused while no file it read changed, and redone when one did", async () => {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "index.ts"), 'import { two } from "./two";\nexport const n: number = two + 1;\n');
  await writeFile(join(dir, "two.ts"), "export const two = 2;\n");
  const cold = await typecheckProgram({ projectDir: dir, main: "index.ts" });
  assert.deepEqual(cold, { diagnostics: [], foreign: [], cached: false });
  const warm = await typecheckProgram({ projectDir: dir, main: "index.ts" });
  assert.equal(warm.cached, true);
  await writeFile(join(dir, "two.ts"), 'export const two = "2";\n');
  const edited = await typecheckProgram({ projectDir: dir, main: "index.ts" });
  assert.equal(edited.cached, false);
  assert.deepEqual(
    edited.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`),
    ["index.ts:2:14 TS2322"],
  );
  // A failed check leaves no stamp behind: the next run checks again.
  assert.equal((await typecheckProgram({ projectDir: dir, main: "index.ts" })).cached, false);
});

test("a project's own tsconfig.json is used, and a change to it invalidates the cache", async () => {
  await writeFile(join(dir, "two.ts"), "export const two = 2;\n");
  await writeFile(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "preserve", moduleResolution: "bundler", types: ["node"], noEmit: true }, files: ["index.ts"] }));
  assert.equal((await typecheckProgram({ projectDir: dir, main: "index.ts" })).cached, false);
  assert.equal((await typecheckProgram({ projectDir: dir, main: "index.ts" })).cached, true);
  await writeFile(join(dir, "index.ts"), 'import { two } from "./two";\nexport const n = two as unknown as string;\nconst unused: any = 1;\n');
  await writeFile(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noUnusedLocals: true, module: "preserve", moduleResolution: "bundler", types: ["node"], noEmit: true }, files: ["index.ts"] }));
  const r = await typecheckProgram({ projectDir: dir, main: "index.ts" });
  assert.equal(r.cached, false);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ["TS6133"]);
});

test("a check started before the command loads is the command's check: found from a subdirectory, its errors reported where the command checks", async () => {
  const project = join(dir, "early");
  await mkdir(join(project, "src"), { recursive: true });
  await writeFile(join(project, "iac.yaml"), "name: early\nmain: main.ts\n");
  await writeFile(join(project, "main.ts"), 'export const n: number = "x";\n');
  const started = startTypecheck({ cwd: join(project, "src") });
  const s = await started;
  assert.ok(s, "started for the project above the working directory");
  assert.equal(s.projectDir, project);
  assert.equal(s.main, "main.ts");
  const outcome = await s.result;
  assert.ok("ok" in outcome);
  assert.deepEqual(outcome.ok.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`), ["main.ts:1:14 TS2322"]);
  const warnings: string[] = [];
  await assert.rejects(checkProgramTypes({ projectDir: project, main: "main.ts", warn: (l) => warnings.push(l), started }), (e: unknown) => e instanceof TypecheckError && /main\.ts:1:14/.test(e.message));
  // Not started where the check is off, or where there is no program to check.
  assert.equal(await startTypecheck({ cwd: project, flag: false }), undefined);
  await writeFile(join(project, "iac.yaml"), "name: early\nmain: main.ts\ntypecheck: false\n");
  assert.equal(await startTypecheck({ cwd: project }), undefined);
  await writeFile(join(project, "iac.yaml"), "name: early\nmain: missing.ts\n");
  assert.equal(await startTypecheck({ cwd: project }), undefined);
});

test("a started check of another entry file is not used: the command checks its own program", async () => {
  const project = join(dir, "other");
  await mkdir(project, { recursive: true });
  await writeFile(join(project, "iac.yaml"), "name: other\n");
  await writeFile(join(project, "index.ts"), "export const n: number = 1;\n");
  await writeFile(join(project, "bad.ts"), 'export const n: number = "x";\n');
  const started = startTypecheck({ cwd: project });
  assert.equal((await started)?.main, "index.ts");
  await assert.rejects(checkProgramTypes({ projectDir: project, main: "bad.ts", warn: () => undefined, started }), (e: unknown) => e instanceof TypecheckError && /bad\.ts:1:14/.test(e.message));
});

/** The compilers this process has started and that are still running (Linux: /proc). */
function runningCompilers(): number {
  const tasks = `/proc/${process.pid}/task`;
  let n = 0;
  for (const tid of readdirSync(tasks)) {
    for (const child of readFileSync(join(tasks, tid, "children"), "utf8").split(" ").filter(Boolean)) {
      const cmdline = readFileSync(`/proc/${child}/cmdline`, "utf8");
      if (/typescript/.test(cmdline) && cmdline.includes("--noEmit")) n++;
    }
  }
  return n;
}

test("a started check has its compiler running when startTypecheck settles (the command's loading, which keeps the event loop busy, comes after)", { skip: !existsSync(`/proc/${process.pid}/task/${process.pid}/children`) && "needs /proc/<pid>/task/<tid>/children (Linux)" }, async () => {
  const project = join(dir, "spawned");
  await mkdir(project, { recursive: true });
  await writeFile(join(project, "iac.yaml"), "name: spawned\n");
  await writeFile(join(project, "index.ts"), "export const n: number = 1;\n");
  const s = await startTypecheck({ cwd: project });
  assert.ok(s);
  // Checked synchronously, as the command's module loading would hold the event loop here.
  assert.equal(runningCompilers(), 1, "the compiler was started before startTypecheck settled");
  const outcome = await s.result;
  assert.ok("ok" in outcome && outcome.ok.cached === false);
  // An unchanged program starts no compiler: settled with the stamp's answer.
  const again = await startTypecheck({ cwd: project });
  assert.equal(runningCompilers(), 0);
  const warm = await again!.result;
  assert.ok("ok" in warm && warm.ok.cached === true);
});

test("onSpawn is called once the compiler runs, before the result; not when the stamp says nothing changed", async () => {
  const project = join(dir, "onspawn");
  await mkdir(project, { recursive: true });
  await writeFile(join(project, "index.ts"), "export const n: number = 1;\n");
  const calls: string[] = [];
  const p = typecheckProgram({ projectDir: project, main: "index.ts", onSpawn: () => calls.push("spawn") }).then(() => calls.push("result"));
  await p;
  assert.deepEqual(calls, ["spawn", "result"]);
  calls.length = 0;
  await typecheckProgram({ projectDir: project, main: "index.ts", onSpawn: () => calls.push("spawn") }).then(() => calls.push("result"));
  assert.deepEqual(calls, ["result"]);
});

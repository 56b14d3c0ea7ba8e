/**
 * Every file-system failure is one clear error: permission denied, a read-only file system or a
 * full disk while taking the lock or writing the state, the journal or the stack config exits 1
 * with one `error:` line that names the path and the fix, prints no stack trace, and leaves no temp
 * file behind. A full disk in the middle of an `up` stops the run and is reported once.
 *
 * The read-only and full file systems are small tmpfs mounts on the project's `.iac/` (skipped
 * where `mount` is not allowed); permission denied is `chmod 000` with the DAC override
 * capabilities dropped (`setpriv`), since the tests run as root, where chmod alone denies nothing.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chmod, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { IAC, TestProject, finish, show, type IacResult } from "./cli-fixture.js";

const isRoot = process.getuid?.() === 0;

function tryExec(cmd: string, args: readonly string[]): string | undefined {
  try {
    execFileSync(cmd, args, { stdio: "pipe" });
    return undefined;
  } catch (error) {
    return `${cmd} ${args.join(" ")}: ${((error as { stderr?: Buffer }).stderr ?? "").toString().trim() || (error as Error).message}`;
  }
}

/** Why mounting a tmpfs is not possible here (the mount tests then skip), or undefined. */
const mountSkip = await (async () => {
  if (!isRoot) return "mounting a tmpfs needs root";
  const probe = join(import.meta.dirname, ".tmp", `mount-probe-${process.pid}`);
  await mkdir(probe, { recursive: true });
  const failed = tryExec("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
  if (failed === undefined) tryExec("umount", [probe]);
  await rm(probe, { recursive: true, force: true });
  return failed;
})();

/** Why `setpriv` cannot drop root's DAC override here, or undefined (not needed when not root). */
const setprivSkip = isRoot ? tryExec("setpriv", ["--bounding-set=-dac_override,-dac_read_search", "true"]) : undefined;

const mounted: string[] = [];
after(() => {
  for (const dir of mounted.reverse()) tryExec("umount", [dir]);
});

/** A project whose `.iac/` is a tmpfs of `size`; removed (and unmounted) when the test ends. */
async function projectOnTmpfs(t: { after(fn: () => Promise<void>): void }, size: string): Promise<{ project: TestProject; stateDir: string }> {
  const project = await TestProject.create({ files: { "index.ts": PROGRAM } });
  const stateDir = join(project.dir, ".iac");
  await mkdir(stateDir, { recursive: true });
  const failed = tryExec("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", stateDir]);
  if (failed) throw new Error(failed);
  mounted.push(stateDir);
  t.after(async () => {
    if (tryExec("umount", [stateDir]) === undefined) mounted.splice(mounted.indexOf(stateDir), 1);
    await project.remove();
  });
  return { project, stateDir };
}

/** `iac <args>` in the project; as root, without the capabilities that let root ignore file modes. */
function runUnprivileged(project: TestProject, args: readonly string[]): Promise<IacResult> {
  const [cmd, pre] = isRoot ? ["setpriv", ["--bounding-set=-dac_override,-dac_read_search", process.execPath]] : [process.execPath, []];
  return finish(spawn(cmd, [...pre, IAC, ...args], { cwd: project.dir, env: project.env(), stdio: ["pipe", "pipe", "pipe"] }));
}

/** Every file under `dir` whose name marks it as a temp file of an atomic write or a lock. */
async function tempFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && /\.tmp(-|$)|\.tmp\b|\.lock$|\.stale$|\.broken$/.test(e.name) && e.name !== "lock.json").map((e) => join(e.parentPath, e.name));
}

/** One clear error: exit 1, one `error:` line naming `path` and matching `fix`, no stack trace. */
function assertOneClearError(r: IacResult, o: { readonly path: string; readonly why: RegExp; readonly fix: RegExp }): void {
  assert.equal(r.code, 1, show(r));
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(errors.length, 1, `one error line\n${show(r)}`);
  assert.ok(errors[0]!.includes(o.path), `the error names ${o.path}\n${show(r)}`);
  assert.match(errors[0]!, o.why);
  assert.match(errors[0]!, o.fix);
  assert.doesNotMatch(r.stderr + r.stdout, /internal error|\n\s+at |ENOSPC:|EROFS:|EACCES:/, show(r));
}

const PROGRAM = `
import { RandomString } from "@iac/sdk/random";
const n = Number(process.env.COUNT ?? "1");
for (let i = 0; i < n; i++) new RandomString("s" + i, { length: 8, keepers: { pad: "x".repeat(400) } });
export const count = n;
`;

describe("a full disk", { skip: mountSkip ?? false }, () => {
  test("in the middle of an up stops the run, prints the error once, leaves no temp file, and the next up on a disk with room carries on", { timeout: 120_000 }, async (t) => {
    const { project, stateDir } = await projectOnTmpfs(t, "160k");
    const r = await project.run(["up", "--yes"], { env: { COUNT: "300" } });
    assert.equal(r.code, 1, show(r));
    const all = (r.stdout + r.stderr).split("\n");
    const full = all.filter((l) => /disk is full/.test(l) && !l.startsWith("warning:"));
    assert.equal(full.length, 1, `the disk-full error is printed once\n${show(r)}`);
    // The history entry of the failed run may not fit either: one warning says so, without a raw ENOSPC.
    assert.ok(all.filter((l) => /not recorded in the history/.test(l)).length <= 1, `at most one history warning\n${show(r)}`);
    assertOneClearError(r, { path: join(stateDir, "stacks", "dev"), why: /the disk is full/, fix: /Free some space/ });
    const lines = r.stdout.split("\n");
    const notRecorded = new Set(lines.flatMap((l) => (/result is not recorded/.test(l) ? [/RandomString (s\d+)/.exec(l)?.[1]] : [])));
    // Only the steps whose cloud call was already sent (at most 64 admitted at once) fail, each with
    // a short line saying the next run resolves it; every step not started says so, and why.
    assert.ok(notRecorded.size <= 64, `only the steps in progress are caught by the failure (${[...notRecorded].join(", ")})`);
    assert.doesNotMatch(r.stdout, /Not recorded: writing the state journal/, "the long per-record message is not repeated per step");
    const skipped = lines.filter((l) => /skipped/.test(l));
    assert.ok(skipped.length > 0, show(r));
    assert.deepEqual([...new Set(skipped.map((l) => l.replace(/.*skipped: /, "")))], ["not started: the state could not be written"]);
    const stopped = (r.stdout + r.stderr).split("\n").filter((l) => /The run stopped because the state could not be written/.test(l));
    assert.equal(stopped.length, 1, `what happened to the steps is said once\n${show(r)}`);
    assert.match(stopped[0]!, new RegExp(`${skipped.length} step\\(s\\) were not started`));
    assert.doesNotMatch(r.stdout + r.stderr, /Interrupted:/, "a full disk is not an interruption");
    assert.deepEqual(await tempFiles(project.dir), [], "no temp file is left");

    tryExec("mount", ["-o", "remount,size=4m", stateDir]);
    const again = await project.run(["up", "--yes"], { env: { COUNT: "300" } });
    assert.equal(again.code, 0, show(again));
    const ls = await project.run(["state", "ls", "--json"]);
    assert.equal(ls.code, 0, show(ls));
    assert.equal(ls.stdout.split("random:index:RandomString::").length - 1, 300, "every resource is in the state once");
  });
});

describe("a read-only file system", { skip: mountSkip ?? false }, () => {
  test("refuses up, state changes and stack commands with one clear error naming the path", { timeout: 120_000 }, async (t) => {
    const { project, stateDir } = await projectOnTmpfs(t, "4m");
    const first = await project.run(["up", "--yes"]);
    assert.equal(first.code, 0, show(first));
    const failed = tryExec("mount", ["-o", "remount,ro", stateDir]);
    assert.equal(failed, undefined, failed);

    const lockPath = join(stateDir, "stacks", "dev", "lock.json");
    for (const args of [["up", "--yes"], ["destroy", "--yes"], ["refresh", "--yes"], ["state", "unprotect", "urn:iac:dev::clitest::random:index:RandomString::s0"]]) {
      const r = await project.run(args);
      assertOneClearError(r, { path: lockPath, why: /read-only/, fix: /writable copy of the project/ });
      assert.doesNotMatch(r.stderr, /not recorded in the history/, "a run that could not start is not recorded, nor warned about");
    }
    assertOneClearError(await project.run(["stack", "init", "prod"]), { path: join(stateDir, "stacks", "prod"), why: /read-only/, fix: /writable copy/ });
    assertOneClearError(await project.run(["stack", "select", "dev"]), { path: join(stateDir, "workspace.json"), why: /read-only/, fix: /writable copy/ });
    const preview = await project.run(["preview"]);
    assert.equal(preview.code, 0, `a preview writes nothing and still works\n${show(preview)}`);
  });
});

describe("permission denied (chmod 000)", { skip: setprivSkip ?? false }, () => {
  test("on the stack's state directory, the stack config and the key directory: one clear error naming the path and the fix", { timeout: 120_000 }, async (t) => {
    const project = await TestProject.create({ files: { "index.ts": PROGRAM } });
    t.after(async () => {
      await chmod(join(project.dir, ".iac", "stacks", "dev"), 0o755).catch(() => undefined);
      await chmod(project.dir, 0o755).catch(() => undefined);
      await project.remove();
    });
    const first = await project.run(["up", "--yes"]);
    assert.equal(first.code, 0, show(first));

    const stackDir = join(project.dir, ".iac", "stacks", "dev");
    await chmod(stackDir, 0o000);
    const up = await runUnprivileged(project, ["up", "--yes"]);
    assertOneClearError(up, { path: stackDir, why: /permission denied/, fix: /write access/ });
    await chmod(stackDir, 0o555);
    const locked = await runUnprivileged(project, ["up", "--yes"]);
    assertOneClearError(locked, { path: join(stackDir, "lock.json"), why: /permission denied/, fix: /chmod u\+w/ });
    await chmod(stackDir, 0o755);

    await writeFile(join(project.dir, "iac.dev.yaml"), "config: {}\n");
    await chmod(project.dir, 0o555);
    const config = await runUnprivileged(project, ["config", "set", "region", "westeurope"]);
    assertOneClearError(config, { path: join(project.dir, "iac.dev.yaml"), why: /permission denied/, fix: /write access/ });
    await chmod(project.dir, 0o755);
    assert.deepEqual(await tempFiles(project.dir), [], "no temp file is left");
  });
});

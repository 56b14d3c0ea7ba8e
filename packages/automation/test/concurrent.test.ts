/**
 * Programs run concurrently in one process: each program waits (after declaring its first
 * resources) until the test has seen every program start, so they are all in flight together. Had
 * programs run one at a time, the first would wait forever: the tests' timeouts are hang guards,
 * not timing assertions.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Config, getProject, getStack } from "@iac/sdk";
import { RandomString } from "@iac/sdk/random";
import { LocalWorkspace, type Stack } from "../src/index.js";

const execFileAsync = promisify(execFile);
const TMP = fileURLToPath(new URL("./.tmp/", import.meta.url));
const envVars = { IAC_CONFIG_PASSPHRASE: "automation concurrency test passphrase" };
const HANG_GUARD = { timeout: 180_000 };

async function tempDir(): Promise<string> {
  await mkdir(TMP, { recursive: true });
  return mkdtemp(join(TMP, "c-"));
}

/**
 * A meeting point: `arrive(tag)` resolves once `n` distinct tags have arrived. (An `up` runs its
 * program twice, to plan and then to deploy: the first round is the one that meets.)
 */
function meeting(n: number): { arrive(tag: string): Promise<void>; readonly arrived: Set<string> } {
  const arrived = new Set<string>();
  let all!: () => void;
  const together = new Promise<void>((resolve) => (all = resolve));
  return {
    arrived,
    arrive(tag) {
      arrived.add(tag);
      if (arrived.size === n) all();
      return together;
    },
  };
}

async function urnsOf(stack: Stack): Promise<string[]> {
  const state = await stack.workspace.backend.read(stack.name, await stack.workspace.crypter(stack.name));
  return state.resources.map((r) => r.urn.split("::").pop()!).sort();
}

describe("automation: programs of several stacks run at the same time in one process", () => {
  let dir: string;
  before(async () => (dir = await tempDir()));
  after(() => rm(dir, { recursive: true, force: true }));

  test("inline programs in flight together each record exactly their own resources, config and outputs", HANG_GUARD, async () => {
    const meet = meeting(3);
    const program = (tag: string) => async () => {
      const first = new RandomString(`first-${tag}`, { length: 6 });
      // Declared from an Output callback, once the first resource exists.
      const fromCallback = first.result.apply((v) => new RandomString(`cb-${tag}`, { length: v.length + 1 }));
      await meet.arrive(tag);
      // From a timer, after every program has started.
      const late = await new Promise<RandomString>((resolve) => setTimeout(() => resolve(new RandomString(`late-${tag}`, { length: 5 })), 0));
      return { tag, stack: getStack(), project: getProject(), greeting: new Config().require("greeting"), cb: fromCallback.apply((r) => r.result), late: late.result };
    };
    const stacks = await Promise.all(
      ["a", "b", "c"].map(async (tag) => {
        const s = await LocalWorkspace.createOrSelectStack({ stackName: `inline-${tag}`, projectName: "conc", program: program(tag) }, { workDir: dir, envVars });
        await s.setConfig("greeting", { value: `hello ${tag}` });
        return s;
      }),
    );
    const results = await Promise.all(stacks.map((s) => s.up()));
    assert.deepEqual([...meet.arrived].sort(), ["a", "b", "c"]);
    for (const [i, tag] of ["a", "b", "c"].entries()) {
      const r = results[i]!;
      assert.deepEqual(r.summary.resourceChanges, { create: 3 }, `stack ${tag}`);
      assert.equal(r.summary.failed, 0);
      assert.deepEqual(r.outputs.tag, { value: tag, secret: false });
      assert.deepEqual(r.outputs.stack, { value: `inline-${tag}`, secret: false });
      assert.deepEqual(r.outputs.project, { value: "conc", secret: false });
      assert.deepEqual(r.outputs.greeting, { value: `hello ${tag}`, secret: false });
      assert.equal((r.outputs.cb?.value as string).length, 7);
      assert.deepEqual(await urnsOf(stacks[i]!), [`cb-${tag}`, `first-${tag}`, `late-${tag}`]);
    }
  });

  test("a program that throws fails its own run only; the run in flight beside it succeeds", HANG_GUARD, async () => {
    const meet = meeting(2);
    const ok = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "fine",
        projectName: "conc",
        program: async () => {
          new RandomString("fine-1", { length: 4 });
          await meet.arrive("fine");
          return { n: new RandomString("fine-2", { length: 4 }).result };
        },
      },
      { workDir: dir, envVars },
    );
    const broken = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "broken",
        projectName: "conc",
        program: async () => {
          new RandomString("broken-1", { length: 4 });
          await meet.arrive("broken");
          throw new Error("no region given to the broken stack");
        },
      },
      { workDir: dir, envVars },
    );
    const [good, bad] = await Promise.allSettled([ok.up(), broken.up()]);
    assert.equal(good.status, "fulfilled");
    assert.deepEqual(good.value.summary.resourceChanges, { create: 2 });
    assert.equal(bad.status, "rejected");
    assert.match((bad.reason as Error).message, /no region given to the broken stack/);
    assert.equal((bad.reason as { code?: string }).code, "UpdateFailed");
    assert.deepEqual(await urnsOf(ok), ["fine-1", "fine-2"]);
    // An up plans first: the program failed while planning, so the broken stack changed nothing.
    assert.deepEqual(await urnsOf(broken), []);
    assert.equal((await ok.history())[0]?.result, "succeeded");
    assert.equal((await broken.history())[0]?.result, "failed");
  });

  test("an unhandled rejection is charged to the run whose program started it", HANG_GUARD, async () => {
    // In its own process: node's test runner would charge the rejection to this test.
    const script = fileURLToPath(new URL("./fixtures/unhandled-two-runs.ts", import.meta.url));
    const { stdout } = await execFileAsync(process.execPath, ["--import", "tsx", script, dir], { encoding: "utf8" });
    const result = JSON.parse(stdout.trim().split("\n").pop()!) as { quiet: string; leaky: string; said: Record<string, string[]> };
    assert.equal(result.quiet, "succeeded");
    assert.match(result.leaky, /^failed: .*a promise the leaky program forgot/);
    assert.ok(result.said.leaky!.some((m) => m.includes("a promise the leaky program forgot")));
    assert.ok(!result.said.quiet!.some((m) => m.includes("forgot")), result.said.quiet!.join("\n"));
  });

  test("when the event loop empties, the run that started first fails as stuck; the one it was holding up then succeeds", HANG_GUARD, async () => {
    // In its own process: the check is the event loop emptying, which this test runner's never does.
    const script = fileURLToPath(new URL("./fixtures/stuck-two-runs.ts", import.meta.url));
    const { stdout } = await execFileAsync(process.execPath, ["--import", "tsx", script, dir], { encoding: "utf8" });
    const result = JSON.parse(stdout.trim().split("\n").pop()!) as { a: string; b: string };
    assert.match(result.a, /^failed: .*can never finish/);
    assert.equal(result.b, "succeeded");
  });

  test("a resource declared after its run has ended is refused, and reaches no other run", HANG_GUARD, async () => {
    let releaseLate!: () => void;
    const lateGate = new Promise<void>((resolve) => (releaseLate = resolve));
    let lateOutcome!: Promise<unknown>;
    const early = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "early",
        projectName: "conc",
        program: async () => {
          new RandomString("early-1", { length: 4 });
          // A callback the program leaves behind: it runs, in this run's context, after the run ended.
          lateOutcome = lateGate.then(() => new RandomString("too-late", { length: 4 })).then(() => "declared", (error: unknown) => error);
          return {};
        },
      },
      { workDir: dir, envVars },
    );
    await early.up();
    let started!: () => void;
    const otherStarted = new Promise<void>((resolve) => (started = resolve));
    let releaseOther!: () => void;
    const otherGate = new Promise<void>((resolve) => (releaseOther = resolve));
    const other = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "other",
        projectName: "conc",
        program: async () => {
          new RandomString("other-1", { length: 4 });
          started();
          await otherGate;
          return {};
        },
      },
      { workDir: dir, envVars },
    );
    const running = other.up();
    await otherStarted;
    releaseLate();
    const outcome = await lateOutcome;
    releaseOther();
    await running;
    assert.match((outcome as Error).message ?? String(outcome), /declared after the run of stack early had finished/);
    assert.deepEqual(await urnsOf(other), ["other-1"]);
    assert.deepEqual(await urnsOf(early), ["early-1"]);
  });
});

describe("automation: project directories run at the same time in one process", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test("two projects' programs, from their files, each deploy their own resources while both are in flight", HANG_GUARD, async () => {
    const meet = meeting(2);
    (globalThis as Record<symbol, unknown>)[Symbol.for("iac.automation.test.meeting")] = meet;
    try {
      const stacks = await Promise.all(
        ["p", "q"].map(async (tag) => {
          const dir = await tempDir();
          dirs.push(dir);
          await writeFile(join(dir, "iac.yaml"), `name: proj-${tag}\n`);
          await writeFile(join(dir, "package.json"), JSON.stringify({ name: `proj-${tag}`, private: true, type: "module" }));
          await writeFile(
            join(dir, "index.ts"),
            `import { getProject } from "@iac/sdk";\nimport { RandomString } from "@iac/sdk/random";\n` +
              `const first = new RandomString("first", { length: 4 });\n` +
              `await (globalThis as any)[Symbol.for("iac.automation.test.meeting")].arrive(${JSON.stringify(tag)});\n` +
              `const second = new RandomString("second", { length: 4 });\n` +
              `export const project = getProject();\nexport const both = [first.result, second.result];\n`,
          );
          return LocalWorkspace.createOrSelectStack({ stackName: "dev", workDir: dir }, { envVars });
        }),
      );
      const [p, q] = await Promise.all(stacks.map((s) => s.up()));
      assert.deepEqual(p!.outputs.project, { value: "proj-p", secret: false });
      assert.deepEqual(q!.outputs.project, { value: "proj-q", secret: false });
      for (const s of stacks) {
        assert.deepEqual(await urnsOf(s), ["first", "second"]);
      }
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("iac.automation.test.meeting")];
    }
  });
});

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Config, secret } from "@iac/sdk";
import { RandomString } from "@iac/sdk/random";
import { isSecretValue } from "@iac/sdk/runtime";
import { LocalWorkspace, UpdateInterruptedError, type EngineEvent } from "../src/index.js";
import { closeGate, Step, world } from "./fixtures/gate.js";

// Under the package (not the OS temp dir), so programs and providers resolve @iac/sdk from the repository.
const TMP = fileURLToPath(new URL("./.tmp/", import.meta.url));
// A passphrase, so the stacks' keys are not written into the user's real config directory.
const envVars = { IAC_CONFIG_PASSPHRASE: "automation test passphrase" };

async function tempDir(): Promise<string> {
  await mkdir(TMP, { recursive: true });
  return mkdtemp(join(TMP, "w-"));
}

/** Every file under `dir`, as text. */
async function allText(dir: string): Promise<string> {
  let text = "";
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) text += await readFile(join(entry.parentPath, entry.name), "utf8");
  }
  return text;
}

describe("automation: an inline program", () => {
  let dir: string;
  before(async () => (dir = await tempDir()));
  after(() => rm(dir, { recursive: true, force: true }));

  test("previews, deploys, reports outputs and history, and destroys, in this process", async () => {
    const program = async () => {
      const s = new RandomString("s", { length: 10 });
      return { result: s.result, fixed: "hello" };
    };
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", projectName: "inline", program }, { workDir: dir, envVars });
    assert.equal(stack.name, "dev");

    const preview = await stack.preview();
    assert.deepEqual(preview.summary.resourceChanges, { create: 1 });
    assert.equal(preview.summary.result, "succeeded");
    assert.deepEqual(await stack.outputs(), {}, "a preview records nothing");

    const events: EngineEvent[] = [];
    const up = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(up.summary.resourceChanges, { create: 1 });
    assert.equal(up.summary.changes, true);
    assert.equal(typeof up.outputs.result?.value, "string");
    assert.equal((up.outputs.result.value as string).length, 10);
    assert.deepEqual(up.outputs.fixed, { value: "hello", secret: false });
    assert.deepEqual(events.map((e) => e.kind).filter((k) => k === "prelude" || k === "summary"), ["prelude", "summary"]);
    assert.ok(events.some((e) => e.kind === "step-done" && e.step.kind === "create" && e.step.name === "s"));

    const again = await stack.up();
    assert.deepEqual(again.summary.resourceChanges, { same: 1 });
    assert.equal(again.summary.changes, false);
    assert.deepEqual(await stack.outputs(), up.outputs);

    const destroyed = await stack.destroy();
    assert.deepEqual(destroyed.summary.resourceChanges, { delete: 1 });
    assert.deepEqual(await stack.outputs(), {});

    const history = await stack.history();
    assert.deepEqual(history.map((h) => `${h.operation} ${h.result}`), ["destroy succeeded", "up succeeded", "up succeeded"]);
    assert.equal(history[2]!.command, "automation up");
    // The generated entry modules are removed after each run.
    assert.deepEqual(await readdir(join(dir, ".iac", "inline")), []);
  });

  test("config as the file holds it: raw values, and a listing that masks secrets without needing the key", async () => {
    const args = { stackName: "rawconfig", projectName: "inline", program: async () => ({}) };
    const stack = await LocalWorkspace.createOrSelectStack(args, { workDir: dir, envVars });
    await stack.setConfig("token", { value: "tok-raw-5e1", secret: true });
    await stack.setConfig("region", { value: "westeurope" });
    // A number written by hand stays a number as the file holds it; getConfig gives Pulumi's string.
    const file = join(dir, "iac.rawconfig.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace(/^config:\n/m, "config:\n  inline:count: 3\n"));
    assert.deepEqual(await stack.getRawConfig("count"), { value: 3, secret: false });
    assert.deepEqual(await stack.getConfig("count"), { value: "3", secret: false });
    assert.deepEqual(await stack.getRawConfig("token"), { value: "tok-raw-5e1", secret: true });
    assert.equal(await stack.getRawConfig("missing"), undefined);
    assert.deepEqual((await stack.listConfig({ showSecrets: true })).find((e) => e.key === "inline:token"), { key: "inline:token", value: "tok-raw-5e1", secret: true });

    // Without the passphrase: listing masks the secret and asks for no key; showing it needs the key.
    const keyless = await LocalWorkspace.selectStack(args, { workDir: dir, envVars: { IAC_CONFIG_PASSPHRASE: undefined } });
    assert.deepEqual(await keyless.listConfig(), [
      { key: "inline:count", value: 3, secret: false },
      { key: "inline:region", value: "westeurope", secret: false },
      { key: "inline:token", value: "[secret]", secret: true },
    ]);
    await assert.rejects(keyless.listConfig({ showSecrets: true }), { code: "SecretsKeyMissing" });
  });

  test("a secret config value is encrypted in the config file and the state, and an output holding it is secret", async () => {
    const password = "correct-horse-battery-staple-42";
    const program = async () => {
      const config = new Config();
      return { password: config.requireSecret("dbPassword"), plain: config.require("region"), wrapped: secret("also-secret-7f3a") };
    };
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "secrets", projectName: "inline", program }, { workDir: dir, envVars });
    await stack.setConfig("dbPassword", { value: password, secret: true });
    await stack.setConfig("region", { value: "westeurope" });
    assert.deepEqual(await stack.getConfig("dbPassword"), { value: password, secret: true });
    assert.deepEqual(await stack.getConfig("inline:region"), { value: "westeurope", secret: false });
    assert.equal(await stack.getConfig("missing"), undefined);

    const events: EngineEvent[] = [];
    const up = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(up.outputs.password, { value: password, secret: true });
    assert.deepEqual(up.outputs.wrapped, { value: "also-secret-7f3a", secret: true });
    assert.deepEqual(up.outputs.plain, { value: "westeurope", secret: false });
    assert.deepEqual((await stack.outputs()).password, { value: password, secret: true });
    // As the state holds them: the secret wrapped where it is, the plain value as it is.
    const held = await stack.stateOutputs();
    assert.ok(isSecretValue(held.password) && held.password.value === password);
    assert.equal(held.plain, "westeurope");

    const onDisk = await allText(dir);
    assert.ok(onDisk.includes("westeurope"), "the plain value is written as it is");
    assert.ok(!onDisk.includes(password), "no plaintext secret in the config file or the state");
    assert.ok(!onDisk.includes("also-secret-7f3a"), "no plaintext secret output in the state");
    assert.ok(!JSON.stringify(events).includes(password), "no plaintext secret in the events");
  });

  test("a signal stops the up as a first Ctrl-C does: the create in flight finishes and is recorded, nothing new starts", async () => {
    const w = world();
    closeGate();
    const program = async () => {
      const first = new Step("first", { value: "1" });
      const second = new Step("second", { value: first.value.apply((v) => `${v}+2`) });
      return { second: second.value };
    };
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "abort", projectName: "inline", program }, { workDir: dir, envVars });
    const controller = new AbortController();
    w.onWaiting = (name) => {
      if (name !== "first") return;
      controller.abort(new Error("interrupted by the test"));
      w.open();
    };
    const events: EngineEvent[] = [];
    const error = await stack.up({ signal: controller.signal, onEvent: (e) => events.push(e) }).then(
      () => assert.fail("the up should have been interrupted"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof UpdateInterruptedError);
    assert.equal(error.code, "Interrupted");
    assert.equal(error.result.summary.result, "interrupted");
    assert.deepEqual([...w.created], ["first"], "the call in flight finished; the dependent did not start");
    assert.ok(events.some((e) => e.kind === "step-done" && e.step.name === "first"));
    assert.deepEqual((await stack.history({ limit: 1 }))[0]?.result, "interrupted");

    w.onWaiting = undefined;
    const resumed = await stack.up();
    assert.deepEqual(resumed.summary.resourceChanges, { same: 1, create: 1 });
    assert.deepEqual(resumed.outputs.second, { value: "1+2", secret: false });
    assert.deepEqual([...w.created].sort(), ["first", "second"]);
    await stack.destroy();
    assert.deepEqual([...w.created], []);
  });

  test("abort stops the calls in flight as a second Ctrl-C does, and the next up finishes the work with nothing duplicated", async () => {
    const w = world();
    closeGate();
    const program = async () => {
      const first = new Step("first", { value: "1" });
      const second = new Step("second", { value: first.value.apply((v) => `${v}+2`) });
      return { second: second.value };
    };
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "abort-hard", projectName: "inline", program }, { workDir: dir, envVars });
    const stop = new AbortController();
    const abort = new AbortController();
    w.onWaiting = (name) => {
      if (name !== "first") return;
      stop.abort(new Error("first Ctrl-C"));
      abort.abort(new Error("second Ctrl-C"));
    };
    await assert.rejects(stack.up({ signal: stop.signal, abort: abort.signal }), (e: { code?: string }) => e.code === "Interrupted" || e.code === "UpdateFailed");
    assert.deepEqual([...w.created], [], "the aborted create made nothing");
    w.onWaiting = undefined;
    w.open();
    const resumed = await stack.up();
    assert.equal(resumed.summary.result, "succeeded");
    assert.deepEqual(resumed.outputs.second, { value: "1+2", secret: false });
    assert.deepEqual([...w.created].sort(), ["first", "second"]);
    const state = await stack.workspace.backend.read("abort-hard", await stack.workspace.crypter("abort-hard"));
    assert.deepEqual(state.pendingOperations, []);
    assert.deepEqual(state.resources.map((r) => r.urn.split("::").pop()).sort(), ["first", "second"]);
    await stack.destroy();
  });

  test("a run while another holds the stack's lock is refused with the engine's error code, and is not recorded", async () => {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "locked", projectName: "inline", program: async () => ({ a: 1 }) }, { workDir: dir, envVars });
    const lock = await stack.workspace.backend.lock("locked", "iac up (another process)");
    try {
      await assert.rejects(stack.up(), (e: { code?: string; message: string }) => e.code === "StackLocked" && e.message.includes("iac up (another process)"));
    } finally {
      await lock.release();
    }
    assert.deepEqual(await stack.history(), []);
    assert.deepEqual((await stack.up()).outputs.a, { value: 1, secret: false });
  });

  test("a program that throws rejects with UpdateFailed naming the error, changes nothing, and is recorded as failed", async () => {
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "broken", projectName: "inline", program: async () => { throw new Error("no region given"); } },
      { workDir: dir, envVars },
    );
    await assert.rejects(stack.up(), (e: { code?: string; message: string }) => e.code === "UpdateFailed" && e.message.includes("no region given"));
    assert.equal((await stack.history())[0]?.result, "failed");
  });

  test("a program's own error is not counted as a failed resource, in the summary and the history (as the CLI counts)", async () => {
    const stack = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "own-error",
        projectName: "inline",
        program: async () => {
          const s = new RandomString("fine", { length: 4 });
          // An Output callback that throws: the program reports an error, no resource failed.
          s.result.apply(() => {
            throw new Error("the callback's own bug");
          });
          return {};
        },
      },
      { workDir: dir, envVars },
    );
    const error = await stack.up().then(
      () => assert.fail("the up should fail"),
      (e: { code?: string; message: string; result: { summary: { failed: number; programError: boolean; result: string } } }) => e,
    );
    assert.equal(error.code, "UpdateFailed");
    assert.match(error.message, /had a program error: .*the callback's own bug/);
    assert.doesNotMatch(error.message, /resource failure/);
    assert.deepEqual({ failed: error.result.summary.failed, programError: error.result.summary.programError, result: error.result.summary.result }, { failed: 0, programError: true, result: "failed" });
    const [entry] = await stack.history();
    assert.equal(entry?.result, "failed");
    assert.equal(entry?.failed, 0);
    assert.ok(entry?.diagnostics?.some((d) => d.severity === "error" && d.message.includes("the callback's own bug")));
  });

  test("two stacks' ups started together in one process both deploy their own program", async () => {
    // Each program waits between its two resources, so the runs overlap while they declare them.
    const make = (tag: string) => async () => {
      const first = new RandomString(`s-${tag}`, { length: 8 });
      await first.result.apply((v) => v);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = new RandomString(`t-${tag}`, { length: 8 });
      return { tag, result: second.result };
    };
    const a = await LocalWorkspace.createOrSelectStack({ stackName: "par-a", projectName: "inline", program: make("a") }, { workDir: dir, envVars });
    const b = await LocalWorkspace.createOrSelectStack({ stackName: "par-b", projectName: "inline", program: make("b") }, { workDir: dir, envVars });
    const [ra, rb] = await Promise.all([a.up(), b.up()]);
    assert.deepEqual(ra.outputs.tag, { value: "a", secret: false });
    assert.deepEqual(rb.outputs.tag, { value: "b", secret: false });
    assert.deepEqual(ra.summary.resourceChanges, { create: 2 });
    assert.deepEqual(rb.summary.resourceChanges, { create: 2 });
    const state = await a.workspace.backend.read("par-a", await a.workspace.crypter("par-a"));
    assert.deepEqual(state.resources.map((r) => r.urn.split("::").pop()).sort(), ["s-a", "t-a"]);
  });

  test("a callback that throws does not stop the run", async () => {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "cb", projectName: "inline", program: async () => ({ n: new RandomString("n", { length: 4 }).result }) }, { workDir: dir, envVars });
    const up = await stack.up({ onEvent: () => { throw new Error("the caller's bug"); } });
    assert.deepEqual(up.summary.resourceChanges, { create: 1 });
    assert.equal(up.summary.result, "succeeded");
  });

  test("an up given the plan of the preview just confirmed does not run the program again to plan", async () => {
    let runs = 0;
    const program = async () => {
      runs++;
      return { n: new RandomString("n", { length: 5 }).result };
    };
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "confirmed", projectName: "inline", program }, { workDir: dir, envVars });
    const preview = await stack.preview();
    assert.ok(preview.plan, "a preview without failures has a plan");
    assert.equal(runs, 1);
    const up = await stack.up({ plan: preview.plan });
    assert.deepEqual(up.summary.resourceChanges, { create: 1 });
    assert.equal(runs, 2, "the preview's run and the up's own, no planning run between");
    const plain = await stack.up();
    assert.deepEqual(plain.summary.resourceChanges, { same: 1 });
    assert.equal(runs, 4, "without a plan, the up plans first (one run) and then runs the program");
  });

  test("previewRefresh reads without writing; refresh and up record history entries with their changes, the historyCommand, and call onRecorded", async () => {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "refreshing", projectName: "inline", program: async () => ({ n: new RandomString("n", { length: 6 }).result }) }, { workDir: dir, envVars });
    const recorded: string[] = [];
    const up = await stack.up({ command: "iac up", historyCommand: "iac up --yes --local", onRecorded: (entry) => recorded.push(`${entry.operation} ${entry.result}`) });
    assert.deepEqual(up.summary.resourceChanges, { create: 1 });
    const state = join(dir, ".iac", "stacks", "refreshing", "snapshot.json");
    const before = await readFile(state, "utf8");

    const events: EngineEvent[] = [];
    const preview = await stack.previewRefresh({ onEvent: (e) => events.push(e) });
    assert.equal(preview.summary.kind, "refresh");
    assert.deepEqual(preview.summary.resourceChanges, { same: 1 });
    assert.equal(preview.summary.changes, false);
    assert.ok(events.some((e) => e.kind === "prelude" && e.preview && e.operation === "refresh"));
    assert.equal(await readFile(state, "utf8"), before, "nothing written");

    const refreshed = await stack.refresh({ onRecorded: (entry) => recorded.push(`${entry.operation} ${entry.result}`) });
    assert.deepEqual(refreshed.summary.resourceChanges, { same: 1 });
    assert.deepEqual(recorded, ["up succeeded", "refresh succeeded"], "the preview is not recorded");
    const [refresh, first] = await stack.history();
    assert.equal(refresh!.operation, "refresh");
    assert.equal(first!.command, "iac up --yes --local", "the history says the historyCommand; the lock said `iac up`");
    assert.deepEqual(first!.changes?.map((c) => `${c.kind} ${c.name} ${c.status}`), ["create n done"]);
    assert.deepEqual(first!.diagnostics, []);
  });

  test("bad arguments are refused with a message saying what to give", async () => {
    await assert.rejects(
      LocalWorkspace.createOrSelectStack({ stackName: "dev", projectName: "has space", program: async () => ({}) }, { workDir: dir }),
      (e: { code?: string; message: string }) => e.code === "AutomationOptionsInvalid" && e.message.includes("projectName"),
    );
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", projectName: "inline", program: async () => ({}) }, { workDir: dir, envVars });
    await assert.rejects(stack.setConfig("k", { value: 3 as unknown as string }), (e: { code?: string }) => e.code === "AutomationOptionsInvalid");
  });
});

describe("automation: a project directory", () => {
  let dir: string;
  before(async () => {
    dir = await tempDir();
    await writeFile(join(dir, "iac.yaml"), "name: fromdir\n");
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "fromdir", private: true, type: "module" }));
    await writeFile(
      join(dir, "index.ts"),
      `import { Config } from "@iac/sdk";\nimport { RandomString } from "@iac/sdk/random";
import { isSecretValue } from "@iac/sdk/runtime";\n` +
        `const config = new Config();\nconst s = new RandomString("name", { length: Number(config.require("length")) });\n` +
        `export const name = s.result;\n`,
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("runs the program of iac.yaml with the stack config, state in the project's .iac/ as the CLI keeps it", async () => {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", workDir: dir }, { envVars });
    await stack.setConfig("length", { value: "7" });
    assert.match(await readFile(join(dir, "iac.dev.yaml"), "utf8"), /fromdir:length: "?7"?/);
    const up = await stack.up();
    assert.deepEqual(up.summary.resourceChanges, { create: 1 });
    assert.equal((up.outputs.name?.value as string).length, 7);
    assert.equal(await stack.workspace.currentStack(), "dev");
    // The same state the CLI reads: the file backend's snapshot in the project.
    const snapshot = JSON.parse(await readFile(join(dir, ".iac", "stacks", "dev", "snapshot.json"), "utf8")) as { resources: { type: string }[] };
    assert.deepEqual(snapshot.resources.map((r) => r.type), ["random:index:RandomString"]);

    // A second workspace on the same directory sees the same stack.
    const again = await LocalWorkspace.selectStack({ stackName: "dev", workDir: dir }, { envVars });
    assert.deepEqual(await again.outputs(), up.outputs);
    await again.destroy();
    assert.deepEqual(await stack.outputs(), {});
  });

  test("a directory without iac.yaml is refused with the engine's NoProject error", async () => {
    const empty = await tempDir();
    try {
      await assert.rejects(LocalWorkspace.createOrSelectStack({ stackName: "dev", workDir: empty }), (e: { code?: string }) => e.code === "NoProject");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

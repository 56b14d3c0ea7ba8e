import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { ExitCode } from "../src/errors.js";
import { localImports, watch } from "../src/commands/watch.js";

// Under the package, so the programs resolve @iac/sdk from the repository.
const TMP = fileURLToPath(new URL("./.tmp/", import.meta.url));
const GATE = Symbol.for("iac.cli.test.watch.gate");
const env = { ...process.env, IAC_CONFIG_PASSPHRASE: "watch test passphrase", IAC_BACKEND_URL: undefined, NO_COLOR: "1" };

/** A stream that remembers what was written and lets a test wait for a line to appear. */
function recorder() {
  let text = "";
  const waiters: { re: RegExp; done: () => void }[] = [];
  return {
    write(chunk: string) {
      text += chunk;
      if (process.env.WATCH_TEST_ECHO) process.stderr.write(chunk);
      for (const w of [...waiters]) {
        if (w.re.test(text)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done();
        }
      }
      return true;
    },
    text: () => text,
    until(re: RegExp): Promise<void> {
      if (re.test(text)) return Promise.resolve();
      return new Promise((done) => waiters.push({ re, done }));
    },
  };
}

/** A promise the test program awaits at its top level, opened by the test. */
function closeGate(): () => void {
  let open!: () => void;
  (globalThis as Record<symbol, unknown>)[GATE] = new Promise<void>((r) => (open = r));
  return open;
}

async function outputs(dir: string): Promise<Record<string, unknown>> {
  const snapshot = JSON.parse(await readFile(join(dir, ".iac", "stacks", "dev", "snapshot.json"), "utf8")) as { outputs: Record<string, unknown> };
  return snapshot.outputs;
}

describe("iac watch", () => {
  let dir: string;
  before(async () => {
    await mkdir(TMP, { recursive: true });
    dir = await mkdtemp(join(TMP, "watch-"));
    await writeFile(join(dir, "iac.yaml"), "name: watched\n");
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "watched", private: true, type: "module" }));
    await writeFile(join(dir, "lib.ts"), `export const value = "one";\n`);
    await writeFile(
      join(dir, "index.ts"),
      // lib.ts is read after the gate opens: a test holding the gate edits it before the run reads it.
      `await (globalThis as Record<symbol, unknown>)[Symbol.for("iac.cli.test.watch.gate")];\n` +
        `const { value } = await import("./lib.js");\n` +
        `export const v = value;\n`,
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("finds the program's local imports, not packages", async () => {
    const files = await localImports(join(dir, "index.ts"));
    assert.deepEqual([...files].sort(), [join(dir, "index.ts"), join(dir, "lib.ts")]);
  });

  test("follows local imports out of the project and into folders, by NodeNext's rules, and skips packages", async () => {
    const root = await mkdtemp(join(TMP, "imports-"));
    try {
      const project = join(root, "project");
      await mkdir(join(project, "parts"), { recursive: true });
      await mkdir(join(root, "shared"), { recursive: true });
      await mkdir(join(project, "node_modules", "x"), { recursive: true });
      await writeFile(
        join(project, "index.ts"),
        `import { a } from "./parts/index.js";\nimport * as sdk from "@iac/sdk";\nimport "./node_modules/x/y.js";\nexport { b } from "../shared/b.js";\nconst later = await import("./later.ts");\n`,
      );
      await writeFile(join(project, "parts", "index.ts"), `export const a = 1;\nexport * from "./more.js";\n`);
      await writeFile(join(project, "parts", "more.ts"), `export const m = 2;\n`);
      await writeFile(join(project, "later.ts"), `export const l = 3;\n`);
      await writeFile(join(project, "node_modules", "x", "y.js"), `export {};\n`);
      await writeFile(join(root, "shared", "b.ts"), `import { a } from "../project/parts/index.js";\nexport const b = a;\n`);
      const files = await localImports(join(project, "index.ts"));
      assert.deepEqual(
        [...files].map((f) => f.slice(root.length + 1)).sort(),
        ["project/index.ts", "project/later.ts", "project/parts/index.ts", "project/parts/more.ts", "shared/b.ts"],
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test("runs up, again after a local import changes, once for a burst of changes during a run, and stops on Ctrl-C after the run in progress", async (t) => {
    (globalThis as Record<symbol, unknown>)[GATE] = undefined;
    const out = recorder();
    const err = recorder();
    const ctrlC = new AbortController();
    const watching = watch({ cwd: dir, out, err, env, typecheck: false, signal: ctrlC.signal });
    // A failed assertion must not leave the watch (and its file watches) running.
    t.after(() => ctrlC.abort());

    await err.until(/\[watch\] Run 1 succeeded/);
    assert.equal((await outputs(dir)).v, "one");

    // A change of a file the program imports runs it again.
    await writeFile(join(dir, "lib.ts"), `export const value = "two";\n`);
    await err.until(/\[watch\] Run 2 succeeded/);
    assert.match(err.text(), /Run 2: iac up \(after changes to lib\.ts\)/);
    assert.equal((await outputs(dir)).v, "two");

    // Three changes while run 3 is held at the gate: one more run (4), with the last content.
    const open = closeGate();
    await writeFile(join(dir, "lib.ts"), `export const value = "three";\n`);
    await err.until(/\[watch\] Run 3: iac up/);
    for (const v of ["four", "five", "six"]) await writeFile(join(dir, "lib.ts"), `export const value = "${v}";\n`);
    await err.until(/Files changed during run 3/);
    open();
    await err.until(/\[watch\] Run 4 succeeded/);
    assert.equal((await outputs(dir)).v, "six");
    // The next change is run 5: the burst gave exactly one run.
    await writeFile(join(dir, "lib.ts"), `export const value = "seven";\n`);
    await err.until(/\[watch\] Run 5 succeeded/);
    assert.equal((await outputs(dir)).v, "seven");

    // Ctrl-C during run 6: the run ends the safe way, and the watch ends with it.
    const release = closeGate();
    await writeFile(join(dir, "lib.ts"), `export const value = "eight";\n`);
    await err.until(/\[watch\] Run 6: iac up/);
    ctrlC.abort(new Error("interrupted by the test (Ctrl-C)"));
    release();
    assert.equal(await watching, ExitCode.interrupted);
    assert.doesNotMatch(err.text(), /Run 7/);
    (globalThis as Record<symbol, unknown>)[GATE] = undefined;
  });

  test("--preview-only previews and writes no state", async (t) => {
    const fresh = await mkdtemp(join(TMP, "watch-preview-"));
    try {
      await writeFile(join(fresh, "iac.yaml"), "name: previewed\n");
      await writeFile(join(fresh, "package.json"), JSON.stringify({ name: "previewed", private: true, type: "module" }));
      await writeFile(join(fresh, "index.ts"), `export const v = "a";\n`);
      const out = recorder();
      const err = recorder();
      const ctrlC = new AbortController();
      const watching = watch({ cwd: fresh, out, err, env, typecheck: false, previewOnly: true, signal: ctrlC.signal });
      t.after(() => ctrlC.abort());
      await err.until(/\[watch\] Run 1 succeeded/);
      await writeFile(join(fresh, "index.ts"), `export const v = "b";\n`);
      await err.until(/\[watch\] Run 2 succeeded/);
      assert.match(err.text(), /Run 2: iac preview \(after changes to index\.ts\)/);
      ctrlC.abort();
      assert.equal(await watching, ExitCode.interrupted);
      await assert.rejects(readFile(join(fresh, ".iac", "stacks", "dev", "snapshot.json")), { code: "ENOENT" });
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

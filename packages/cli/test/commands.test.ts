import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError, ExitCode, UsageError, exitCodeOf, formatError } from "../src/errors.js";
import { confirm, readSecret } from "../src/prompt.js";
import { up, destroy, preview, stateLocation } from "../src/commands/deploy.js";
import { main } from "../src/main.js";
import { backendUrlOf } from "../src/workspace.js";
import { consoleServe } from "../src/commands/console.js";

function sink() {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join("") };
}

test("an expected error is one line without a stack trace, unless verbose", () => {
  const error = Object.assign(new Error("Stack \"dev\" is locked by `iac up`."), { code: "StackLocked" });
  assert.equal(formatError(error, { verbose: false }), "error: Stack \"dev\" is locked by `iac up`.");
  assert.match(formatError(error, { verbose: true }), /^error: .*\n.*at /s);
  assert.equal(exitCodeOf(error), ExitCode.failure);
  assert.equal(exitCodeOf(new UsageError("bad flag")), ExitCode.usage);
});

test("an unexpected error asks to be reported and shows the stack", () => {
  const text = formatError(new TypeError("x is undefined"), { verbose: false });
  assert.match(text, /^internal error, please report/);
  assert.match(text, /TypeError: x is undefined\n\s+at /);
  const system = Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
  assert.match(formatError(system, { verbose: false }), /^internal error/);
  assert.match(formatError(new CliError("nope", { code: "X", cause: new Error("inner") }), { verbose: true }), /caused by: Error: inner/);
});

test("confirm is yes only for an explicit yes", async () => {
  for (const [answer, expected] of [["y\n", true], ["yes\n", true], ["YES\n", true], ["n\n", false], ["\n", false], ["maybe\n", false]] as const) {
    const input = new PassThrough();
    const output = sink();
    const pending = confirm("Go?", { input, output });
    input.end(answer);
    assert.equal(await pending, expected, `answer ${JSON.stringify(answer)}`);
    assert.equal(output.text(), "Go? [y/N] ");
  }
});

test("confirm is no when the input ends without an answer", async () => {
  const input = new PassThrough();
  const pending = confirm("Go?", { input, output: sink() });
  input.end();
  assert.equal(await pending, false);
});

test("a secret is read from all of stdin when it is not a terminal, without its trailing newline", async () => {
  const input = new PassThrough();
  const pending = readSecret("Value: ", { input, output: sink(), interactive: false });
  input.end("s3cr3t\n");
  assert.equal(await pending, "s3cr3t");
  const empty = new PassThrough();
  const none = readSecret("Value: ", { input: empty, output: sink(), interactive: false });
  empty.end();
  assert.equal(await none, undefined);
});

test("up without a terminal and without --yes is refused with exit 2 before anything runs", async () => {
  const dir = await mkdtemp(join(tmpdir(), "iac-cli-"));
  try {
    await writeFile(join(dir, "iac.yaml"), "name: refused\n");
    // The program would throw if it ran: the refusal must come first.
    await writeFile(join(dir, "index.ts"), "throw new Error('the program ran');\n");
    const out = sink();
    const err = sink();
    const code = await up({ cwd: dir, yes: false, json: false, out, err, stdin: new PassThrough(), env: { IAC_HOME: join(dir, "home") } });
    assert.equal(code, ExitCode.usage);
    assert.match(err.text(), /needs confirmation.*Pass --yes/);
    assert.equal(out.text(), "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("destroy of a stack with no resources, without a terminal and without --yes, says there is nothing to destroy and exits 0", async () => {
  const dir = await mkdtemp(join(tmpdir(), "iac-cli-"));
  try {
    await writeFile(join(dir, "iac.yaml"), "name: empty\n");
    await writeFile(join(dir, "index.ts"), "throw new Error('the program ran');\n");
    const err = sink();
    const code = await destroy({ cwd: dir, yes: false, json: false, out: sink(), err, stdin: new PassThrough(), env: { IAC_HOME: join(dir, "home") } });
    assert.equal(code, ExitCode.ok, err.text());
    assert.match(err.text(), /Stack dev has no resources: there is nothing to destroy\./);
    assert.doesNotMatch(err.text(), /needs confirmation/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a command outside a project says where iac.yaml was looked for", async () => {
  const dir = await mkdtemp(join(tmpdir(), "iac-cli-"));
  try {
    const err = sink();
    const code = await up({ cwd: dir, yes: true, out: sink(), err, env: { IAC_HOME: join(dir, "home") } });
    assert.equal(code, ExitCode.failure);
    assert.match(err.text(), new RegExp(`error: No iac project in ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.doesNotMatch(err.text(), /internal error/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("main returns 2 for an unknown command or flag, and 0 for --help", async () => {
  const write = process.stderr.write;
  const outWrite = process.stdout.write;
  const captured: string[] = [];
  const capture = ((s: string) => captured.push(s) > 0) as unknown as typeof process.stderr.write;
  process.stderr.write = capture;
  process.stdout.write = capture;
  try {
    assert.equal(await main(["frobnicate"]), ExitCode.usage);
    assert.equal(await main(["up", "--no-such-flag"]), ExitCode.usage);
    assert.equal(await main(["up", "--parallel", "0"]), ExitCode.usage);
    assert.equal(await main(["stack"]), ExitCode.usage);
    assert.equal(await main(["--help"]), ExitCode.ok);
  } finally {
    process.stderr.write = write;
    process.stdout.write = outWrite;
  }
  const text = captured.join("");
  assert.match(text, /Unknown argument|Unknown command/i);
  assert.match(text, /--parallel must be a positive integer/);
  assert.match(text, /iac up/);
});

/** `main(argv)` with stdout and stderr captured. */
async function mainCaptured(argv: readonly string[]): Promise<{ readonly code: number; readonly text: string }> {
  const write = process.stderr.write;
  const outWrite = process.stdout.write;
  const captured: string[] = [];
  const capture = ((s: string) => captured.push(s) > 0) as unknown as typeof process.stderr.write;
  process.stderr.write = capture;
  process.stdout.write = capture;
  try {
    return { code: await main(argv), text: captured.join("") };
  } finally {
    process.stderr.write = write;
    process.stdout.write = outWrite;
  }
}

test("a flag without its value, or with a value it does not take, exits 2 naming the flag and what it takes", async () => {
  const cases: readonly (readonly [readonly string[], RegExp])[] = [
    [["up", "--parallel", "abc"], /--parallel must be a positive integer \(e\.g\. 8\), not "abc"/],
    [["up", "--parallel", "0"], /--parallel must be a positive integer .*not "0"/],
    [["preview", "-p", "-1"], /--parallel must be a positive integer .*not "-1"/],
    [["preview", "--parallel", "1.5"], /--parallel must be a positive integer .*not "1\.5"/],
    [["preview", "--parallel"], /--parallel needs a value: a positive integer/],
    [["preview", "--parallel", "--yes"], /--parallel needs a value/],
    [["preview", "-s"], /-s\/--stack needs a value: a stack name/],
    [["stack", "output", "-s"], /-s\/--stack needs a value/],
    [["stack", "ls", "-s", "dev"], /Unknown argument: s/],
    [["state", "ls", "--stack", ""], /--stack needs a value/],
    [["preview", "-C"], /-C\/--cwd needs a value/],
    [["preview", "--target"], /--target needs a value: a resource URN/],
    [["stack", "history", "--limit", "abc"], /--limit must be a positive integer .*not "abc"/],
    [["stack", "history", "--limit"], /--limit needs a value/],
    [["local", "serve", "--port", "abc"], /--port must be a port number from 0 to 65535 .*not "abc"/],
    [["local", "serve", "--port", "70000"], /--port must be a port number/],
  ];
  for (const [argv, message] of cases) {
    const { code, text } = await mainCaptured(argv);
    assert.equal(code, ExitCode.usage, `iac ${argv.join(" ")}: ${text}`);
    assert.match(text, message, `iac ${argv.join(" ")}`);
    assert.doesNotMatch(text, /NaN|internal error|YError/, `iac ${argv.join(" ")}`);
  }
});

test("the state location of --verbose is the snapshot file for file://, and a remote URL without query or credentials", () => {
  assert.equal(stateLocation("file:///work/p/.iac", "dev"), "/work/p/.iac/stacks/dev/snapshot.json");
  assert.equal(stateLocation("azblob://user:pw@state/prefix?sas=sig%3Dsecret", "prod"), "azblob://state/prefix (stack prod)");
});

test("IAC_BACKEND_URL overrides backend: in iac.yaml, and neither means the default", () => {
  const project = { dir: "/p", name: "p", main: "index.ts", backend: "file://./yaml" };
  assert.deepEqual(backendUrlOf(project, { IAC_BACKEND_URL: " azblob://c/x " }), { url: "azblob://c/x", source: "the environment variable IAC_BACKEND_URL" });
  assert.equal(backendUrlOf(project, { IAC_BACKEND_URL: "" }).url, "file://./yaml");
  assert.match(backendUrlOf(project, {}).source, /`backend:` in \/p\/iac\.yaml/);
  assert.deepEqual(backendUrlOf({ dir: "/p", name: "p", main: "index.ts" }, {}), { source: "the default" });
});

test("a command run in a subdirectory of a project works on the project (iac.yaml found above)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "iac-cli-"));
  try {
    await writeFile(join(dir, "iac.yaml"), "name: nested\n");
    await writeFile(join(dir, "package.json"), '{ "type": "module" }\n');
    await writeFile(join(dir, "index.ts"), "export const where = 'top';\n");
    await mkdir(join(dir, "src", "deep"), { recursive: true });
    const out = sink();
    const err = sink();
    const code = await preview({ cwd: join(dir, "src", "deep"), typecheck: false, out, err, env: { IAC_HOME: join(dir, "home") } });
    assert.equal(code, ExitCode.ok, err.text());
    assert.match(err.text(), /project nested/);
    assert.match(out.text(), /where: +"top"/);
    assert.equal(existsSync(join(dir, ".iac")), true, "the state is the project's");
    assert.equal(existsSync(join(dir, "src", "deep", ".iac")), false);
    assert.equal(existsSync(join(dir, "home", "keys", "nested", "dev.key")), true, "the stack's key is in the test's IAC_HOME, not the user's ~/.config");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("iac console run in a subdirectory of a project serves the project's stacks", async () => {
  const dir = await mkdtemp(join(tmpdir(), "iac-cli-"));
  const stop = new AbortController();
  try {
    await writeFile(join(dir, "iac.yaml"), "name: nested-console\n");
    await mkdir(join(dir, "src"), { recursive: true });
    const out = sink();
    const err = sink();
    let listening: string | undefined;
    const running = consoleServe({ cwd: join(dir, "src"), port: 0, open: false, out, err, env: { IAC_HOME: join(dir, "home") }, signal: stop.signal, onListening: (s) => {
      listening = s.url;
      stop.abort();
    } });
    assert.equal(await running, ExitCode.ok, err.text());
    assert.ok(listening !== undefined, err.text());
    assert.match(out.text(), /iac console for nested-console/);
  } finally {
    stop.abort();
    await rm(dir, { recursive: true, force: true });
  }
});

test("each command's help lists only the flags it takes", async () => {
  const help = async (argv: readonly string[]) => {
    const { code, text } = await mainCaptured([...argv, "--help"]);
    assert.equal(code, ExitCode.ok, text);
    return text;
  };
  const newHelp = await help(["new"]);
  assert.match(newHelp, /--force/);
  assert.doesNotMatch(newHelp, /--stack|--yes|--json|--version/);
  const init = await help(["stack", "init"]);
  assert.doesNotMatch(init, /--stack|--version/);
  const up = await help(["up"]);
  assert.match(up, /-s, --stack/);
  assert.match(up, /--no-typecheck|--typecheck/);
  assert.match(up, /--refresh/);
  // destroy and refresh do not run the program, so they take no --typecheck; a preview asks nothing.
  const destroy = await help(["destroy"]);
  assert.doesNotMatch(destroy, /typecheck|--preview-only/);
  const refresh = await help(["refresh"]);
  assert.match(refresh, /--preview-only/);
  assert.match(refresh, /--yes/);
  assert.doesNotMatch(refresh, /typecheck|--refresh /);
  const preview = await help(["preview"]);
  assert.doesNotMatch(preview, /--yes|--preview-only/);
  for (const argv of [["refresh", "--no-typecheck"], ["refresh", "--refresh"], ["destroy", "--typecheck"], ["up", "--preview-only"]]) {
    const refused = await mainCaptured(argv);
    assert.equal(refused.code, ExitCode.usage, `iac ${argv.join(" ")}: ${refused.text}`);
    assert.match(refused.text, /Unknown argument/, `iac ${argv.join(" ")}`);
  }
  assert.match(await help(["config", "set"]), /-s, --stack/);
  assert.match(await help([]), /--version/);
  const version = await mainCaptured(["--version", "-v"]);
  assert.equal(version.code, ExitCode.ok);
  assert.match(version.text, /^\d+\.\d+\.\d+\n$/);
});

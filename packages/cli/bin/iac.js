#!/usr/bin/env node
// The `iac` binary. Startup is on every command's path, so this file loads nothing it does not need
// (issue 12: `iac --version` <= 150 ms): the version is read here, the CLI's modules are imported
// only afterwards, and each command's own modules only when it runs (src/main.ts).
//
// Installed from npm, the package holds JavaScript (dist/); in a checkout (src/ beside bin/) the
// TypeScript sources are run through tsx, so there is no build step while developing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8")).version}\n`);
  process.exit(0);
}

const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  if (process.env.IAC_NODE_REEXEC) {
    console.error(`iac needs Node.js >= 22 (this is ${process.version}).`);
    process.exit(2);
  }
  const { spawnSync } = await import("node:child_process");
  const pkg = `node-${process.platform}-${process.arch}@24`;
  // Said once per machine (a marker in iac's config directory), not on every command: the user
  // knows after the first time, and a script's output stays clean.
  const home = process.env.IAC_HOME || (process.env.XDG_CONFIG_HOME ? join(process.env.XDG_CONFIG_HOME, "iac") : join(homedir(), ".config", "iac"));
  const marker = join(home, "node24-notice");
  if (!existsSync(marker)) {
    console.error(`iac needs Node.js >= 22 (this is ${process.version}); it runs itself under Node 24 from the npm registry (${pkg}). Install Node 24 to skip this step. (Said once.)`);
    try {
      mkdirSync(home, { recursive: true });
      writeFileSync(marker, `${new Date().toISOString()} ${process.version}\n`);
    } catch {
      // An unwritable config directory only means the notice is shown again next time.
    }
  }
  const r = spawnSync("npx", ["-y", "-p", pkg, "--", "node", fileURLToPath(import.meta.url), ...argv], {
    stdio: "inherit",
    env: { ...process.env, IAC_NODE_REEXEC: "1" },
  });
  process.exit(r.status ?? (r.signal === "SIGINT" ? 130 : 1));
}

// No second process on Node >= 22: memory needs no node flag (the engine holds V8's young
// generation itself: packages/engine/src/young-generation.ts, decisions/0010), so node is not
// re-run with one (decisions/0012). IAC_NODE_FLAGS="<flags>" still asks for it: the process is
// then replaced (process.execve: same pid, stdio, exit code and signals) by node with those flags,
// once (IAC_NODE_FLAGS_APPLIED), before anything is loaded; not for --help, nor where execve does
// not exist (Windows, Node < 22.15) or the user already gave the flags (execArgv, NODE_OPTIONS).
const nodeFlags = (process.env.IAC_NODE_FLAGS ?? "").split(" ").filter(Boolean);
const setByUser = (flag) => process.execArgv.some((a) => a.startsWith(flag.split("=")[0])) || (process.env.NODE_OPTIONS ?? "").includes(flag.split("=")[0]);
const helpOnly = argv.length === 0 || argv.includes("--help") || argv.includes("-h");
if (!helpOnly && !process.env.IAC_NODE_FLAGS_APPLIED && typeof process.execve === "function" && nodeFlags.length > 0 && !nodeFlags.every(setByUser)) {
  process.execve(process.execPath, [process.execPath, ...nodeFlags.filter((f) => !setByUser(f)), ...process.execArgv, fileURLToPath(import.meta.url), ...argv], {
    ...process.env,
    IAC_NODE_FLAGS_APPLIED: "1",
  });
}

// V8's code cache for every module loaded from here on (node >= 22.1; kept in the OS temp
// directory, NODE_DISABLE_COMPILE_CACHE=1 turns it off): most of a warm start is compiling the
// CLI's, the engine's and their dependencies' modules, which the cache skips.
const { enableCompileCache } = await import("node:module");
enableCompileCache?.();

let main;
if (existsSync(join(here, "..", "src", "main.ts"))) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/main.ts"));
} else {
  // Installed, the CLI is JavaScript and tsx compiles only the program's own TypeScript, through
  // esbuild's synchronous API, which by default runs esbuild in a worker thread: a second V8 isolate
  // that stays for the rest of the process (~30 MB of an `up`'s peak RSS, issue 12) to serve the few
  // files a run compiles (tsx keeps them on disk: later runs compile none). Without the worker,
  // esbuild runs as a child process per file: no slower for a first run of a 21-file program
  // (decisions/0012, decision 8). Not in a checkout, where tsx compiles the CLI's own hundreds of
  // files on a cold cache. A user's own setting is kept.
  process.env.ESBUILD_WORKER_THREADS ??= "0";
  ({ main } = await import("../dist/main.js"));
}
process.exitCode = await main(argv);

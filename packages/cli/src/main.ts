/**
 * `iac`'s entry: parse argv with yargs and dispatch to a command function. Returns the exit code
 * and never calls `process.exit` (bin/iac.js sets `process.exitCode`), so pending writes flush.
 */
import type { Argv } from "yargs";
import { ExitCode, UsageError, exitCodeOf, formatError } from "./errors.js";
import { consoleCommand } from "./commands/console-command.js";
import { controllerCommand } from "./commands/controller-command.js";
import { nonEmpty, portNumber, positiveInteger } from "./flags.js";
import { handleInterrupts } from "./interrupt.js";
import { guardOutput } from "./io.js";
import { startTypecheck } from "./typecheck.js";
import { TEMPLATE_NAMES } from "./template-names.js";
import { cliVersion } from "./version.js";
import type { DeployOptions } from "./commands/deploy.js";
import { DEPLOY_FLAGS, parseDeployArgv, type DeployArgs, type DeployCommand, type DeployFlag } from "./fast-argv.js";

// Each command's module (and what it pulls in: the engine, the state backends, the local cloud) is
// imported when that command runs, never at startup: `iac --help` or `iac stack ls` do not pay for
// the deployment machinery (issue 12: startup).
const deploy = () => import("./commands/deploy.js");
const stackCommands = () => import("./commands/stack.js");
const configCommands = () => import("./commands/config.js");
const stateCommands = () => import("./commands/state.js");

/** The formats of `iac stack graph` (kept here so its help does not load the command). */
const GRAPH_FORMATS = ["dot", "mermaid"] as const;

type Dispatch = (signal: AbortSignal) => Promise<number>;


function common(parsed: object): { cwd?: string; stack?: string; verbose: boolean } {
  // yargs types each subcommand's args without the global options; read them by name.
  const args = parsed as { readonly stack?: unknown; readonly cwd?: unknown; readonly verbose?: unknown };
  return {
    cwd: typeof args.cwd === "string" ? args.cwd : undefined,
    stack: typeof args.stack === "string" ? args.stack : undefined,
    verbose: args.verbose === true,
  };
}

/**
 * `-s/--stack`, on the commands that work on a stack (not on `new`, `local serve`, `stack ls`...):
 * each command's help lists only the flags it takes (issue 12).
 */
function stackFlag<T>(y: Argv<T>) {
  return y.option("stack", { alias: "s", type: "string", coerce: nonEmpty("stack", "s", "a stack name (e.g. dev)"), describe: "Stack to use (default: the selected one)" });
}

/**
 * The flags of a deployment command: each takes only what it uses (issue 12: help lists only
 * those), and fast-argv.ts reads the same table (DEPLOY_FLAGS). `preview --yes` is accepted and
 * hidden: a preview asks nothing, and scripts that pass it on every command keep working.
 */
function deployFlags<T>(y: Argv<T>, command: DeployCommand | "watch") {
  const takes = (flag: DeployFlag) => command === "watch" || DEPLOY_FLAGS[command].includes(flag);
  // One builder per command, each adding only what that command takes (yargs' types are not kept).
  let b: Argv = stackFlag(y as Argv)
    .option("yes", { alias: "y", type: "boolean", default: false, describe: "Do not ask for confirmation" })
    .option("json", { type: "boolean", default: false, describe: "Stream engine events as NDJSON on stdout (secrets masked)" })
    .option("parallel", { alias: "p", type: "string", coerce: positiveInteger("parallel", "p"), describe: "Most resource operations at once (a positive integer; default 16)" })
    .option("target", { alias: "t", type: "string", array: true, coerce: nonEmpty("target", "t", "a resource URN"), describe: "Only this resource URN (repeatable)" });
  if (takes("refresh")) b = b.option("refresh", { type: "boolean", default: false, describe: "Refresh the state from the cloud first" });
  b = b.option("diff", { type: "boolean", default: false, describe: "Show old and new values of changed properties" });
  if (takes("expect-no-changes")) b = b.option("expect-no-changes", { type: "boolean", default: false, describe: command === "refresh" ? "Exit 3 when the cloud has drifted from the state" : "Exit 3 when there are changes" });
  b = b.option("local", { type: "boolean", default: false, describe: "Run against the local cloud (started in-process if `iac local serve` is not running)" });
  if (takes("typecheck")) b = b.option("typecheck", { type: "boolean", describe: "Type-check the program before running it (default: on; --no-typecheck or `typecheck: false` in iac.yaml turns it off)" });
  if (command === "refresh") b = b.option("preview-only", { type: "boolean", default: false, describe: "Only show the drift the refresh would record; record nothing" });
  if (command === "preview") b = b.hide("yes");
  return b;
}

function deployOptions(args: DeployArgs, signal: AbortSignal): DeployOptions {
  return {
    ...common(args),
    yes: args.yes,
    json: args.json,
    parallel: args.parallel,
    targets: args.target ?? [],
    refresh: args.refresh,
    diff: args.diff,
    expectNoChanges: args.expectNoChanges,
    previewOnly: args.previewOnly,
    local: args.local,
    typecheck: args.typecheck,
    signal,
  };
}

/**
 * Run `iac` with these arguments (without the node and script paths).
 *
 * @returns the exit code: 0 ok, 1 failure, 2 usage, 3 unexpected changes, 130 interrupted
 */
export async function main(argv: readonly string[]): Promise<number> {
  // A reader that closes early (`iac up --json | head`) must not crash the run: see guardOutput.
  const stderr = guardOutput(process.stderr);
  guardOutput(process.stdout);
  let dispatch: Dispatch | undefined;
  // Only runs that can stop cleanly take over Ctrl-C; elsewhere the default (exit at once) is right.
  let interruptible = false;
  let verbose = argv.includes("--verbose") || argv.includes("-v");
  const set = (fn: Dispatch, options?: { readonly interruptible: boolean }) => {
    dispatch = fn;
    interruptible = options?.interruptible ?? false;
  };
  // `iac --version` (with no command): bin/iac.js answers the plain form before loading anything.
  if (argv.some((a) => a === "--version" || a === "-V") && argv.every((a) => a.startsWith("-"))) {
    process.stdout.write(`${cliVersion()}\n`);
    return ExitCode.ok;
  }
  const setDeploy = (command: DeployCommand, args: DeployArgs) => set((signal) => runDeploy(command, deployOptions(args, signal)), { interruptible: true });
  // The deployment commands' plain command lines skip yargs (fast-argv.ts); the rest goes to it.
  const fast = parseDeployArgv(argv);
  if (fast !== undefined) {
    verbose = fast.args.verbose;
    setDeploy(fast.command, fast.args);
  } else {
    const failed = await parseWithYargs(argv, { set, setDeploy, stderr, verbose: (v) => (verbose = v) });
    if (failed !== undefined) return failed;
  }
  // --help and --version print and set no command.
  if (dispatch === undefined) return ExitCode.ok;
  const interrupt = interruptible ? handleInterrupts({ err: stderr }) : undefined;
  try {
    return await dispatch(interrupt?.signal ?? new AbortController().signal);
  } catch (error) {
    // Commands report their own errors; this catches what fails before one starts (bad flag values).
    stderr.write(`${formatError(error, { verbose })}\n`);
    return exitCodeOf(error);
  } finally {
    interrupt?.dispose();
  }
}

async function runDeploy(command: DeployCommand, options: DeployOptions): Promise<number> {
  // The program's type-check (a separate process) starts now and runs while the command loads
  // (typecheck.ts, startTypecheck); the command reports it where it always did.
  // The command's modules are loaded once the compiler runs: loading them keeps the event loop busy
  // (~0.2 s), which would otherwise delay the spawn until the command awaits the result.
  const started = command === "preview" || command === "up" ? startTypecheck({ cwd: options.cwd ?? process.cwd(), flag: options.typecheck, signal: options.signal }) : undefined;
  try {
    await started;
    const commands = await deploy();
    return await commands[command]({ ...options, ...(started ? { typecheckStarted: started } : {}) });
  } finally {
    // A command that ended before it needed the result (a refusal, an error) leaves no compiler running.
    void started?.then((s) => s?.cancel());
  }
}

/**
 * Parse any command line with yargs and select its command through `set`/`setDeploy`. Returns
 * the exit code when the line was refused (after printing why), else undefined. (Exported for
 * packages/cli/test/fast-argv.test.ts.)
 */
export async function parseWithYargs(
  argv: readonly string[],
  hooks: {
    readonly set: (fn: Dispatch, options?: { readonly interruptible: boolean }) => void;
    readonly setDeploy: (command: DeployCommand, args: DeployArgs) => void;
    readonly stderr: { write(text: string): unknown };
    readonly verbose: (verbose: boolean) => void;
  },
): Promise<number | undefined> {
  const { set, setDeploy, stderr } = hooks;
  let verbose = argv.includes("--verbose") || argv.includes("-v");
  const { default: yargs } = await import("yargs");
  const parser = yargs([...argv])
    .scriptName("iac")
    .usage("$0 <command> [options]\n\nInfrastructure as code in TypeScript. Run `$0 <command> --help` for a command's options.")
    .option("cwd", { alias: "C", type: "string", global: true, coerce: nonEmpty("cwd", "C", "a project directory"), describe: "Project directory (default: the current one)" })
    .option("verbose", { alias: "v", type: "boolean", default: false, global: true, describe: "Show stack traces and debug messages" })
    .command("preview", "Show what `up` would change", (y) => deployFlags(y, "preview"), (a) => setDeploy("preview", a as unknown as DeployArgs))
    .command("up", "Create or update the stack's resources to match the program", (y) => deployFlags(y, "up"), (a) => setDeploy("up", a as unknown as DeployArgs))
    .command("destroy", "Delete every resource of the stack", (y) => deployFlags(y, "destroy"), (a) => setDeploy("destroy", a as unknown as DeployArgs))
    .command("refresh", "Read the resources from the cloud and update the state", (y) => deployFlags(y, "refresh"), (a) => setDeploy("refresh", a as unknown as DeployArgs))
    .command("watch", "Run `up` (or `preview`) again on every change of the program's files", (y) => deployFlags(y, "watch").hide("yes").hide("expect-no-changes").option("preview-only", { type: "boolean", default: false, describe: "Run `preview` instead of `up`" }).option("debounce", { type: "string", coerce: positiveInteger("debounce", undefined), describe: "Quiet milliseconds after the last change before a run (default 250)" }), (a) => set(async (signal) => (await import("./commands/watch.js")).watch({ ...deployOptions(a as unknown as DeployArgs, signal), previewOnly: Boolean(a.previewOnly), debounceMs: a.debounce as number | undefined }), { interruptible: true }))
    .command(
      "new [template] [dir]",
      "Create a project (package.json, iac.yaml, tsconfig.json, index.ts, .gitignore) from a template",
      (b) =>
        b
          .positional("template", { type: "string", choices: TEMPLATE_NAMES, default: "empty", describe: "empty, random, azure (a container group) or flux-gitops" })
          .positional("dir", { type: "string", describe: "The project's directory (created when missing; default: the current one)" })
          .option("name", { type: "string", coerce: nonEmpty("name", undefined, "a project name"), describe: "Project name (default: the directory's name)" })
          .option("force", { alias: "f", type: "boolean", default: false, describe: "Write into a directory that is not empty" }),
      (a) =>
        set(async () =>
          (await import("./commands/new.js")).newProject({ ...common(a), template: a.template, dir: a.dir, name: a.name === undefined ? undefined : String(a.name), force: Boolean(a.force) }),
        ),
    )
    .command("stack", "Manage stacks", (y) =>
      y
        .command("init <name>", "Create a stack and select it", {}, (a) => set(async () => (await stackCommands()).stackInit({ ...common(a), name: String(a.name) })))
        .command("select <name>", "Select the stack later commands use", {}, (a) => set(async () => (await stackCommands()).stackSelect({ ...common(a), name: String(a.name) })))
        .command(["ls", "list"], "List the project's stacks", (b) => b.option("json", { type: "boolean", default: false }), (a) => set(async () => (await stackCommands()).stackLs({ ...common(a), json: Boolean(a.json) })))
        .command(
          "rm <name>",
          "Remove a stack (its state and config)",
          (b) => b.option("force", { alias: "f", type: "boolean", default: false, describe: "Remove even when it still has resources (they are left in the cloud)" }).option("yes", { alias: "y", type: "boolean", default: false }),
          (a) => set(async () => (await stackCommands()).stackRm({ ...common(a), name: String(a.name), force: Boolean(a.force), yes: Boolean(a.yes) })),
        )
        .command(
          "output [name]",
          "Show the stack's outputs",
          (b) => stackFlag(b).option("json", { type: "boolean", default: false }).option("show-secrets", { type: "boolean", default: false, describe: "Show secret outputs in plaintext" }),
          (a) => set(async () => (await stackCommands()).stackOutput({ ...common(a), name: a.name === undefined ? undefined : String(a.name), json: Boolean(a.json), showSecrets: Boolean(a.showSecrets) })),
        )
        .command(
          "history",
          "Show the stack's recorded deployments (up, destroy, refresh), newest first",
          (b) => stackFlag(b).option("json", { type: "boolean", default: false, describe: "Print the entries as a JSON array" }).option("limit", { type: "string", coerce: positiveInteger("limit"), describe: "Only the newest N entries" }),
          (a) => set(async () => (await import("./commands/stack-history.js")).stackHistory({ ...common(a), json: Boolean(a.json), limit: a.limit === undefined ? undefined : Number(a.limit) })),
        )
        .command(
          "graph",
          "Print the graph of the stack's resources (dependencies solid, parent/child dashed), from the state",
          (b) =>
            stackFlag(b)
              .option("format", { type: "string", choices: GRAPH_FORMATS, default: "dot", describe: "Graph language" })
              .option("output", { alias: "o", type: "string", describe: "Write to this file instead of stdout" }),
          (a) => set(async () => (await import("./commands/stack-graph.js")).stackGraph({ ...common(a), format: String(a.format), output: a.output === undefined ? undefined : String(a.output) })),
        )
        .demandCommand(1, "Name a stack command: init, select, ls, rm, output, history or graph."),
    )
    .command("config", "Manage the stack's configuration (iac.<stack>.yaml)", (y) =>
      stackFlag(y)
        .command(["ls", "$0"], "List config values (secrets masked)", (b) => b.option("json", { type: "boolean", default: false }).option("show-secrets", { type: "boolean", default: false }), (a) =>
          set(async () => (await configCommands()).configList({ ...common(a), json: Boolean(a.json), showSecrets: Boolean(a.showSecrets) })),
        )
        .command(
          "set <key> [value]",
          "Set a config value (a secret's value is read from stdin when not given)",
          (b) => b.option("secret", { type: "boolean", default: false, describe: "Encrypt the value" }),
          (a) => set(async () => (await configCommands()).configSet({ ...common(a), key: String(a.key), value: a.value === undefined ? undefined : String(a.value), secret: Boolean(a.secret) })),
        )
        .command("get <key>", "Print a config value", (b) => b.option("json", { type: "boolean", default: false }), (a) =>
          set(async () => (await configCommands()).configGet({ ...common(a), key: String(a.key), json: Boolean(a.json) })),
        )
        .command(["rm <key>", "remove <key>"], "Remove a config value", {}, (a) => set(async () => (await configCommands()).configRm({ ...common(a), key: String(a.key) }))),
    )
    .command("state", "Inspect and repair the stack's state", (y) =>
      stackFlag(y)
        .command(["ls", "list"], "List the resources in the state", (b) => b.option("json", { type: "boolean", default: false }), (a) => set(async () => (await stateCommands()).stateLs({ ...common(a), json: Boolean(a.json) })))
        .command("show <urn>", "Show one resource's state (secrets masked)", (b) => b.option("show-secrets", { type: "boolean", default: false }), (a) =>
          set(async () => (await stateCommands()).stateShow({ ...common(a), urn: String(a.urn), showSecrets: Boolean(a.showSecrets) })),
        )
        .command(
          "delete <urn>",
          "Forget a resource (the cloud object is left alone)",
          (b) => b.option("force", { alias: "f", type: "boolean", default: false, describe: "Also when it is protected or others depend on it" }).option("yes", { alias: "y", type: "boolean", default: false }),
          (a) => set(async () => (await stateCommands()).stateDelete({ ...common(a), urn: String(a.urn), force: Boolean(a.force), yes: Boolean(a.yes) })),
        )
        .command("unprotect <urn>", "Clear a resource's protect flag", {}, (a) => set(async () => (await stateCommands()).stateUnprotect({ ...common(a), urn: String(a.urn) })))
        .command("export", "Print the state as JSON (secrets stay encrypted)", (b) => b.option("file", { type: "string", describe: "Write to this file instead of stdout" }), (a) =>
          set(async () => (await stateCommands()).stateExport({ ...common(a), file: a.file === undefined ? undefined : String(a.file) })),
        )
        .command("import <file>", "Replace the state with an exported one", (b) => b.option("yes", { alias: "y", type: "boolean", default: false }), (a) =>
          set(async () => (await stateCommands()).stateImport({ ...common(a), file: String(a.file), yes: Boolean(a.yes) })),
        )
        .demandCommand(1, "Name a state command: ls, show, delete, unprotect, export or import."),
    )
    .command(
      "import <type> <name> <id>",
      "Adopt an existing cloud object: read it and print the declaration to add to the program (the next `up` adopts it)",
      (b) =>
        stackFlag(b)
          .option("module", { type: "string", describe: "Provider module of the type (default: the iac package of the type's first segment)" })
          .option("json", { type: "boolean", default: false, describe: "Print { type, name, id, module, urn, code } as JSON" })
          .option("local", { type: "boolean", default: false, describe: "Read from the local cloud" }),
      (a) =>
        set(
          async (signal) =>
            (await import("./commands/import.js")).importResource({
              ...common(a),
              type: String(a.type),
              name: String(a.name),
              id: String(a.id),
              module: a.module === undefined ? undefined : String(a.module),
              json: Boolean(a.json),
              local: Boolean(a.local),
              signal,
            }),
          { interruptible: true },
        ),
    )
    .command(
      "cancel",
      "Break the stack's lock left by a process that is no longer running",
      (b) =>
        stackFlag(b)
          .option("yes", { alias: "y", type: "boolean", default: false, describe: "Do not ask for confirmation" })
          .option("force", { type: "boolean", default: false, describe: "Break it even when its holder is running or cannot be checked (two runs may then change the stack at once)" }),
      (a) => set(async () => (await import("./commands/cancel.js")).cancel({ ...common(a), yes: Boolean(a.yes), force: Boolean(a.force) })),
    )
    .command("gen crd <source>", "Generate typed classes from CustomResourceDefinitions (a file or an http(s) URL)", (b) => b.positional("source", { type: "string", demandOption: true }).option("out", { type: "string", describe: "Output folder (default: ./crds)" }), (a) => set(async () => (await import("./commands/gen-crd.js")).genCrd({ ...common(a), source: String(a.source), outDir: a.out === undefined ? undefined : String(a.out) })))
    .command(consoleCommand((run) => set(run, { interruptible: true }), common))
    .command(controllerCommand((run) => set(run, { interruptible: true }), common))
    .command("local", "The local cloud (ARM, Kubernetes API, git and a container registry on loopback)", (y) =>
      y
        .command("serve", "Run the local cloud until Ctrl-C and print its endpoints", (b) =>
          b
            .option("port", { type: "string", coerce: portNumber("port"), describe: "Port of the first endpoint (default: the ports used last time, else 4501; 0 for any free port)" })
            .option("kubernetes", { type: "string", choices: ["emulated", "real"], default: "emulated", describe: "emulated: the local cloud's Kubernetes API; real: a real kube-apiserver, kwok nodes and Flux's controllers built from source (docs/real-cluster.md)" })
            .option("timing", { type: "string", describe: "ARM's timing: fast (default) or azure (real durations, Retry-After and throttling; azure:<factor> scales the clock, e.g. azure:0.1)" }), (a) =>
          set(async (signal) => (await import("./commands/local.js")).localServe({ ...common(a), port: a.port === undefined ? undefined : Number(a.port), kubernetes: a.kubernetes === "real" ? "real" : "emulated", timing: a.timing === undefined ? undefined : String(a.timing), signal }), { interruptible: true }),
        )
        .command("push <image>", "Push an image tag (<name>:<tag>) to the local cloud's registry, as CI pushes a build (docs/local-cloud-registry.md)", (b) => b.positional("image", { type: "string", demandOption: true }), (a) =>
          set(async () => (await import("./commands/local-push.js")).localPush({ ...common(a), image: String(a.image) })),
        )
        .demandCommand(1, "Name a local command: serve or push."),
    )
    .demandCommand(1, "Name a command: new, preview, up, destroy, refresh, stack, config, state, import, cancel or local.")
    .strict()
    .recommendCommands()
    .help()
    // Not yargs' .version(): that one is global and would show in every command's help.
    .version(false)
    .option("version", { type: "boolean", global: false, describe: "Show the version number" })
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message: string | undefined, error: Error | undefined) => {
      // A flag's coerce function (flags.ts) throws a UsageError, which yargs wraps in a YError
      // carrying its message: it is a usage error all the same.
      if (error !== undefined && error.name !== "YError") throw error;
      throw new UsageError(message ?? error?.message ?? "invalid command line", error === undefined ? undefined : { cause: error });
    });

  try {
    const args = await parser.parseAsync();
    verbose = Boolean(args.verbose);
    hooks.verbose(verbose);
    return undefined;
  } catch (error) {
    stderr.write(`${formatError(error, { verbose })}\n`);
    stderr.write("Run `iac --help` for usage.\n");
    return ExitCode.usage;
  }
}

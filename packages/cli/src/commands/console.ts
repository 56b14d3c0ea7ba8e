/**
 * `iac console [--backend url] [--host h] [--port n] [--show-secrets] [--open]`: the history and
 * the graph of the backend's stacks in a local web page (@iac/console, loaded only by this command).
 * Also what `iac up` needs to print the link to the update it recorded when a console is running.
 */
import { configHome, loadProject, openBackend, type Backend, type ProjectInfo } from "@iac/engine";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { CliError, ExitCode, UsageError } from "../errors.js";
import { backendUrlOf, findProjectDir } from "../workspace.js";
import { runCommand, type CommandContext, type CommandOptions } from "./command.js";

export interface ConsoleOptions extends CommandOptions {
  /** A backend URL (file://, azblob://) instead of the project's. */
  readonly backend?: string;
  /** The project name, when `--backend` is used outside a project (azblob names hold it). */
  readonly project?: string;
  /** Interface to listen on (default 127.0.0.1: loopback only). */
  readonly host?: string;
  readonly port?: number;
  readonly showSecrets?: boolean;
  /** Open the page in the browser; default: when on a terminal. */
  readonly open?: boolean;
  /** Called once the server listens (tests). */
  readonly onListening?: (server: { readonly url: string; readonly loginUrl: string }) => void;
}

/** The project of the command's directory or the nearest one above it, as for every other command. */
async function projectOf(ctx: CommandContext): Promise<ProjectInfo | undefined> {
  return loadProject(findProjectDir(ctx.cwd)).catch((error: unknown) => {
    if ((error as { code?: string }).code === "NoProject") return undefined;
    throw error;
  });
}

export function consoleServe(options: ConsoleOptions): Promise<number> {
  return runCommand(options, async (ctx) => {
    const project = await projectOf(ctx);
    const name = options.project ?? project?.name;
    if (project === undefined && options.backend === undefined) {
      throw new UsageError(`${ctx.cwd} is not in an iac project (no iac.yaml): run \`iac console\` in one, or pass --backend <url> --project <name>.`, { code: "NoProject" });
    }
    if (name === undefined) throw new UsageError("--backend outside a project needs --project <name> (the project whose stacks to show).", { code: "MissingFlag" });
    if (options.showSecrets === true && project === undefined) {
      throw new UsageError("--show-secrets needs the project (its stack config holds how secrets are encrypted): run it in the project's directory.", { code: "ShowSecretsNeedsProject" });
    }
    const url = options.backend ?? (project !== undefined ? backendUrlOf(project, ctx.io.env).url : undefined);
    const backend: Backend = await openBackend(url, { projectDir: project?.dir ?? ctx.cwd, project: name, env: ctx.io.env });
    const lib = await import("@iac/console");
    const { createCrypter } = await import("@iac/engine");
    const view = {
      showSecrets: options.showSecrets === true,
      crypter: async (stack: string) =>
        options.showSecrets === true && project !== undefined ? createCrypter({ projectDir: project.dir, project: project.name, stack, env: ctx.io.env as NodeJS.ProcessEnv }) : lib.MASKING_CRYPTER,
    };
    const server = await lib.startConsoleServer({ backend, view, ...(options.host !== undefined ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}), project: name }).catch((error: unknown) => {
      throw new CliError(`The console could not listen on ${options.host ?? "127.0.0.1"}${options.port !== undefined ? `:${options.port}` : ""}: ${(error as Error).message}. Pick another --port or --host.`, { code: "ConsoleListen", cause: error });
    });
    const withdraw = await lib.announce(configHome(ctx.io.env as NodeJS.ProcessEnv), { pid: process.pid, backend: backend.url, url: server.url, token: server.token });
    try {
      ctx.print(ctx.style("bold", `iac console for ${name} (${backend.url}) is running at:`));
      // With -s, the URL opens on that stack's page.
      const loginUrl = options.stack !== undefined ? `${server.loginUrl}#/stacks/${encodeURIComponent(options.stack)}/updates` : server.loginUrl;
      ctx.print(`  ${loginUrl}`);
      if (options.host !== undefined && !["127.0.0.1", "localhost", "::1"].includes(options.host)) {
        ctx.say(ctx.errStyle("yellow", `warning: listening on ${options.host}, beyond this machine's loopback: anyone who can reach it and has the URL's token can read these stacks${options.showSecrets === true ? " and their secrets" : ""}.`));
      }
      if (options.showSecrets === true) ctx.say(ctx.errStyle("yellow", "Secrets are shown in this page (--show-secrets)."));
      ctx.say("The URL holds a one-time token: keep it to yourself. Press Ctrl-C to stop.");
      options.onListening?.({ url: server.url, loginUrl });
      if (options.open ?? (ctx.io.interactive && ctx.io.env.CI === undefined)) openBrowser(loginUrl);
      if (!ctx.signal.aborted) await once(ctx.signal, "abort");
    } finally {
      await withdraw();
      await server.close();
    }
    ctx.say("Console stopped.");
    return ExitCode.ok;
  });
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No browser opener: the URL is printed.
  }
}

/** After `iac up`, `destroy` or `refresh` recorded `entry`: the link to its page when a console is running. */
export async function printConsoleLink(ctx: CommandContext, options: { readonly backendUrl: string; readonly stack: string; readonly entry: { readonly operation: string; readonly startTime: string } }): Promise<void> {
  const link = await consoleLinkFor({ backendUrl: options.backendUrl, stack: options.stack, updateId: options.entry.startTime, env: ctx.io.env as NodeJS.ProcessEnv });
  if (link !== undefined) ctx.say(`View this ${options.entry.operation} in iac console: ${link}`);
}

/**
 * For `iac up`: the link to the page of the update just recorded, when a console reading the same
 * backend is running (it announces itself under the config home); undefined otherwise.
 */
export async function consoleLinkFor(options: { readonly backendUrl: string; readonly stack: string; readonly updateId: string; readonly env: NodeJS.ProcessEnv }): Promise<string | undefined> {
  const { findConsole, updateLink } = await import("@iac/console/discovery");
  const found = await findConsole(configHome(options.env), options.backendUrl).catch(() => undefined);
  return found === undefined ? undefined : updateLink(found, options.stack, options.updateId);
}

/**
 * The `iac console` command line: only yargs' builder and a handler that loads ./console.js (and
 * with it @iac/engine and @iac/console) when the command runs, so other commands never pay for it.
 */
import type { Argv, CommandModule } from "yargs";
import { nonEmpty, portNumber } from "../flags.js";
import type { CommandOptions } from "./command.js";

/** The yargs command; `set` registers what runs (interruptible: Ctrl-C stops the server). */
export function consoleCommand(set: (run: (signal: AbortSignal) => Promise<number>) => void, common: (a: object) => CommandOptions): CommandModule {
  return {
    command: "console",
    describe: "Show the stacks' history and resource graph in a local web page",
    builder: (y: Argv) =>
      y
        .option("backend", { type: "string", coerce: nonEmpty("backend", "backend", "a backend URL (file://..., azblob://...)"), describe: "Read this backend instead of the project's" })
        .option("project", { type: "string", coerce: nonEmpty("project", "project", "a project name"), describe: "Project name, with --backend outside a project" })
        .option("host", { type: "string", coerce: nonEmpty("host", "host", "an interface address"), describe: "Listen on this interface (default 127.0.0.1, loopback only)" })
        .option("port", { type: "string", coerce: portNumber("port"), describe: "Port (default: any free one)" })
        .option("show-secrets", { type: "boolean", default: false, describe: "Show secret values in this page (masked otherwise)" })
        .option("open", { type: "boolean", describe: "Open the page in a browser (default: when on a terminal)" }),
    handler: (a) => {
      const args = a as { backend?: string; project?: string; host?: string; port?: number; showSecrets?: boolean; open?: boolean };
      set(async (signal) => (await import("./console.js")).consoleServe({ ...common(a), backend: args.backend, project: args.project, host: args.host, port: args.port, showSecrets: args.showSecrets === true, open: args.open, signal }));
    },
  };
}

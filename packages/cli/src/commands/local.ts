/**
 * `iac local serve [--port] [--kubernetes=emulated|real] [--timing=fast|azure[:factor]]`: run the local cloud for this project
 * until Ctrl-C, so that several `iac ... --local` commands (and kubectl) share one cloud. With
 * `--kubernetes=real` the Kubernetes endpoint is a real control plane with Flux's controllers
 * (built from source on first use; see local-real.ts).
 */
import { once } from "node:events";
import { CliError, ExitCode } from "../errors.js";
import { loadProject } from "@iac/engine";
import { findProjectDir } from "../workspace.js";
import { runCommand, type CommandOptions } from "./command.js";
import { serveWithRealKubernetes } from "./local-real.js";

export function localServe(options: CommandOptions & { readonly port?: number; readonly kubernetes?: "emulated" | "real"; readonly timing?: string }): Promise<number> {
  return runCommand(options, async (ctx) => {
    if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535)) {
      throw new CliError(`--port must be a port number between 0 and 65535 (got ${String(options.port)}).`, { code: "Usage", exitCode: ExitCode.usage });
    }
    // The local cloud belongs to a project when there is one (its data under <project>/.iac/local), but
    // needs none: in any other directory it serves from ./.iac/local, so it can be tried on its own.
    const project = await loadProject(findProjectDir(ctx.cwd)).catch((err: unknown) => {
      if ((err as { code?: string }).code === "NoProject") return undefined;
      throw err;
    });
    const dir = project?.dir ?? ctx.cwd;
    const ports = options.port === undefined ? {} : { port: options.port };
    // --timing=fast|azure|azure:<factor>: ARM's durations, Retry-After values and throttling (docs/local-cloud-arm.md).
    const emulator = await import("@iac/emulator");
    if (options.timing !== undefined) {
      try {
        emulator.parseTiming(options.timing);
      } catch (err) {
        throw new CliError(`--timing: ${(err as Error).message}.`, { code: "Usage", exitCode: ExitCode.usage });
      }
      if (options.kubernetes === "real") throw new CliError("--timing is not supported with --kubernetes=real yet; leave one of them out.", { code: "Usage", exitCode: ExitCode.usage });
    }
    const timing = options.timing === undefined ? {} : { armTiming: options.timing };
    const server = options.kubernetes === "real" ? await serveWithRealKubernetes(ctx, { projectDir: dir, ...ports }) : await emulator.serveLocalCloud({ projectDir: dir, ...ports, ...timing });
    try {
      ctx.print(ctx.style("bold", project ? `Local cloud for project ${project.name} is running. Endpoints:` : `Local cloud is running (data in ${dir}/.iac/local). Endpoints:`));
      ctx.print(JSON.stringify(server.endpoints, null, 2));
      ctx.print(`(written to ${server.endpointsFile}; \`iac up --local\` and the other commands with --local use this server)`);
      ctx.say("Press Ctrl-C to stop.");
      if (!ctx.signal.aborted) await once(ctx.signal, "abort");
    } finally {
      await server.close();
    }
    ctx.say("Local cloud stopped.");
    return ExitCode.ok;
  });
}

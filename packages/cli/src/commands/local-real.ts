/**
 * `iac local serve --kubernetes=real`: build the real cluster when the cache is cold (printing the
 * build's progress, since a cold build takes long), then serve it in place of the emulated
 * Kubernetes API. The emulator does the work; this file only renders what it reports.
 */
import { CliError, ExitCode } from "../errors.js";
import type { CommandContext } from "./command.js";

export async function serveWithRealKubernetes(ctx: CommandContext, options: { readonly projectDir: string; readonly port?: number }): Promise<Awaited<ReturnType<typeof import("@iac/emulator").serveLocalCloudWithRealKubernetes>>> {
  const { serveLocalCloudWithRealKubernetes, describeBuildEvent } = await import("@iac/emulator");
  ctx.say("Starting the local cloud with a real Kubernetes control plane (the first start builds it from source: up to 40 minutes).");
  try {
    return await serveLocalCloudWithRealKubernetes({
      ...options,
      log: (m) => ctx.say(m),
      onBuildEvent: (e) => {
        if (e.kind !== "cached") ctx.say(describeBuildEvent(e));
      },
      build: { signal: ctx.signal },
    });
  } catch (err) {
    // The real cluster's errors (Go missing, a build or start that failed, a port in use) are expected
    // failures with a remedy in their message, not bugs of the CLI.
    if ((err as Error).name === "RealClusterError") {
      throw new CliError((err as Error).message, { code: (err as { code: string }).code, exitCode: ExitCode.failure, cause: err });
    }
    throw err;
  }
}

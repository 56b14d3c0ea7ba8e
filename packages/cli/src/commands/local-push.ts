/**
 * `iac local push <name>:<tag>`: push a placeholder image tag to the local cloud's container
 * registry, as a CI job pushes a build, so that Flux's image automation (ImageRepository,
 * ImagePolicy, ImageUpdateAutomation) picks it up. Uses the project's running local cloud, or
 * starts one in this process for the push (the registry's data persist under `.iac/local/registry`).
 */
import { CliError, ExitCode } from "../errors.js";
import { findProjectDir } from "../workspace.js";
import { runCommand, type CommandOptions } from "./command.js";

/** `team/app:1.0.1` or `<registry host>/team/app:1.0.1` -> repository and tag; undefined when it is neither. */
export function parseImageArg(image: string, registryHost: string): { repository: string; tag: string } | { error: string } {
  const at = image.lastIndexOf(":");
  const slash = image.lastIndexOf("/");
  if (at <= slash || at === image.length - 1) return { error: `"${image}" names no tag: write <name>:<tag>, e.g. team/app:1.0.1.` };
  let repository = image.slice(0, at);
  const tag = image.slice(at + 1);
  const first = repository.split("/")[0]!;
  if (repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) {
    if (first !== registryHost) return { error: `"${image}" names the registry ${first}; the local cloud's is ${registryHost}: push to it (or leave the host out).` };
    repository = repository.slice(first.length + 1);
  }
  return { repository, tag };
}

export function localPush(options: CommandOptions & { readonly image: string }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const emulator = await import("@iac/emulator");
    const dir = findProjectDir(ctx.cwd);
    const cloud = await emulator.ensureLocalCloud(dir);
    try {
      const registry = cloud.endpoints.registry;
      if (!registry) throw new CliError("The local cloud running for this project serves no registry (it predates it): stop it and start `iac local serve` again.", { code: "NoRegistry" });
      const parsed = parseImageArg(options.image, new URL(registry).host);
      if ("error" in parsed) throw new CliError(parsed.error, { code: "Usage", exitCode: ExitCode.usage });
      const pushed = await emulator.pushImage(registry, parsed.repository, parsed.tag).catch((err: unknown) => {
        throw new CliError(`Pushing ${options.image} to the local registry failed: ${(err as Error).message}`, { code: (err as { code?: string }).code ?? "PushFailed", cause: err });
      });
      ctx.print(`${pushed.image} ${pushed.digest}`);
      return ExitCode.ok;
    } finally {
      await cloud.close();
    }
  });
}

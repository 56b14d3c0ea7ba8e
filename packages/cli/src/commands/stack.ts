/**
 * `iac stack init | select | ls | rm | output`.
 */
import { CliError, ExitCode } from "../errors.js";
import { formatOutputs, maskDeep, unwrapDeep } from "../render/format.js";
import { openWorkspace } from "../workspace.js";
import { DeclinedError, confirmOrRefuse, runCommand, type CommandOptions } from "./command.js";

/** `iac stack init <name>`: create a stack and select it. */
export function stackInit(options: CommandOptions & { readonly name: string }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    await ws.initStack(options.name);
    ctx.say(`Created stack ${options.name} and selected it.`);
    return ExitCode.ok;
  });
}

/** `iac stack select <name>`: the stack later commands use when `-s` is not given. */
export function stackSelect(options: CommandOptions & { readonly name: string }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    await ws.selectStack(options.name);
    ctx.say(`Selected stack ${options.name}.`);
    return ExitCode.ok;
  });
}

/** `iac stack ls`: the project's stacks, the selected one marked with `*`. */
export function stackLs(options: CommandOptions & { readonly json?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    const stacks = await ws.backend.listStacks();
    const current = await ws.selectedStack();
    if (options.json === true) {
      ctx.print(JSON.stringify(stacks.map((s) => ({ ...s, current: s.name === current })), null, 2));
      return ExitCode.ok;
    }
    if (stacks.length === 0) {
      ctx.say(`Project ${ws.project.name} has no stacks yet. Create one with \`iac stack init <name>\` (or run \`iac up\`, which creates "dev").`);
      return ExitCode.ok;
    }
    const rows = [["NAME", "RESOURCES", "LAST UPDATE", "LOCKED BY"]];
    for (const s of stacks) {
      rows.push([
        `${s.name}${s.name === current ? "*" : ""}`,
        String(s.resourceCount),
        s.updated ?? "never",
        s.locked ? `${s.locked.command} (pid ${s.locked.pid} on ${s.locked.host})` : "",
      ]);
    }
    for (const line of table(rows)) ctx.print(line);
    return ExitCode.ok;
  });
}

/** `iac stack rm <name>`: remove a stack's state and config; refused while it has resources unless `force`. */
export function stackRm(options: CommandOptions & { readonly name: string; readonly force?: boolean; readonly yes?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    if (!(await ws.backend.stackExists(options.name))) {
      throw new CliError(`Stack "${options.name}" does not exist in project ${ws.project.name}; \`iac stack ls\` lists the stacks.`, { code: "StackNotFound" });
    }
    const ok = await confirmOrRefuse(ctx, {
      yes: options.yes === true,
      question: `Remove stack ${options.name} (its state and its config file iac.${options.name}.yaml)?`,
      what: `\`iac stack rm ${options.name}\``,
    });
    if (!ok) throw new DeclinedError(`\`iac stack rm ${options.name}\``);
    await ws.removeStack(options.name, { force: options.force === true });
    ctx.say(`Removed stack ${options.name}.`);
    return ExitCode.ok;
  });
}

/**
 * `iac stack output [name]`: the outputs of the last `up`. Secret outputs are shown as `[secret]`
 * unless `showSecrets`. With a name, the value alone (strings unquoted, for shell use).
 */
export function stackOutput(options: CommandOptions & { readonly name?: string; readonly json?: boolean; readonly showSecrets?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
    const outputs = await ws.stack(stack).stateOutputs();
    const show = (v: unknown) => (options.showSecrets === true ? unwrapDeep(v) : maskDeep(v));
    if (options.name !== undefined) {
      if (!Object.hasOwn(outputs, options.name)) {
        const known = Object.keys(outputs);
        throw new CliError(
          `Stack ${stack} has no output named "${options.name}". ${known.length > 0 ? `Its outputs are: ${known.join(", ")}.` : "It has no outputs (run `iac up` first, and export values from the program)."}`,
          { code: "OutputNotFound" },
        );
      }
      const value = show(outputs[options.name]);
      ctx.print(options.json === true || typeof value !== "string" ? JSON.stringify(value, null, options.json === true ? 2 : undefined) : value);
      return ExitCode.ok;
    }
    if (options.json === true) {
      ctx.print(JSON.stringify(show(outputs), null, 2));
      return ExitCode.ok;
    }
    const lines = formatOutputs(outputs, { showSecrets: options.showSecrets === true, style: ctx.style });
    if (lines.length === 0) ctx.say(`Stack ${stack} has no outputs.`);
    for (const line of lines) ctx.print(line);
    return ExitCode.ok;
  });
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd());
}

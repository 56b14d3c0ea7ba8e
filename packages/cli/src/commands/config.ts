/**
 * `iac config [ls] | set | get | rm`: the stack's configuration in `iac.<stack>.yaml`. Secrets are
 * encrypted before they are written (`--secret`), and read from stdin when no value is given, so
 * they need not appear in shell history.
 */
import { CliError, ExitCode, UsageError } from "../errors.js";
import { readSecret } from "../prompt.js";
import { openWorkspace } from "../workspace.js";
import { runCommand, type CommandOptions } from "./command.js";
import { table } from "./stack.js";

/** `iac config set <key> [value] [--secret]`. */
export function configSet(options: CommandOptions & { readonly key: string; readonly value?: string; readonly secret?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: true });
    const secret = options.secret === true;
    let value = options.value;
    if (value === undefined) {
      if (!secret) throw new UsageError(`Give the value: \`iac config set ${options.key} <value>\` (only a --secret value may come from stdin).`);
      value = await readSecret(`Value of ${options.key}: `, { input: ctx.io.stdin, output: ctx.io.err, interactive: ctx.io.interactive, signal: ctx.signal });
      if (value === undefined) {
        throw new UsageError(`No value for the secret ${options.key}: type it when asked, pipe it on stdin (\`printf %s "$VALUE" | iac config set --secret ${options.key}\`), or pass it as an argument.`);
      }
    }
    await ws.setConfig({ stack, key: options.key, value, secret });
    ctx.say(`Set ${secret ? "secret " : ""}${options.key} in stack ${stack}.`);
    return ExitCode.ok;
  });
}

/** `iac config get <key>`: the value (a secret decrypted: asking for one key is asking to see it). */
export function configGet(options: CommandOptions & { readonly key: string; readonly json?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
    const value = await ws.getConfig({ stack, key: options.key });
    if (value === undefined) {
      throw new CliError(`The config key "${options.key}" is not set in stack ${stack}. Set it with \`iac config set ${options.key} <value>\`.`, { code: "ConfigMissing" });
    }
    if (options.json === true) ctx.print(JSON.stringify({ value: value.value, secret: value.secret }, null, 2));
    else ctx.print(typeof value.value === "string" ? value.value : JSON.stringify(value.value));
    return ExitCode.ok;
  });
}

/** `iac config rm <key>`. Removing a key that is not set succeeds and says so. */
export function configRm(options: CommandOptions & { readonly key: string }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
    const removed = await ws.removeConfig({ stack, key: options.key });
    ctx.say(removed ? `Removed ${options.key} from stack ${stack}.` : `${options.key} was not set in stack ${stack}; nothing to remove.`);
    return ExitCode.ok;
  });
}

/** `iac config` / `iac config ls`: every key, secrets as `[secret]` unless `showSecrets`. */
export function configList(options: CommandOptions & { readonly json?: boolean; readonly showSecrets?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
    const entries = await ws.listConfig({ stack, decrypt: options.showSecrets === true });
    if (options.json === true) {
      ctx.print(JSON.stringify(Object.fromEntries(entries.map((e) => [e.key, { value: e.value, secret: e.secret }])), null, 2));
      return ExitCode.ok;
    }
    if (entries.length === 0) {
      ctx.say(`Stack ${stack} has no config. Set a value with \`iac config set <key> <value>\`.`);
      return ExitCode.ok;
    }
    const rows = [["KEY", "VALUE"], ...entries.map((e) => [e.key, typeof e.value === "string" ? e.value : JSON.stringify(e.value)])];
    for (const line of table(rows)) ctx.print(line);
    return ExitCode.ok;
  });
}

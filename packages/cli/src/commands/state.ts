/**
 * `iac state ls | show | delete | unprotect | export | import`: look at and repair a stack's state
 * without touching the cloud. Every change takes the stack's lock and replaces the state atomically.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  stateDelete as engineStateDelete,
  stateExport as engineStateExport,
  stateImport as engineStateImport,
  stateUnprotect as engineStateUnprotect,
  type ResourceState,
  type Snapshot,
  type StackCrypter,
} from "@iac/engine";
import { CliError, ExitCode } from "../errors.js";
import { maskDeep, unwrapDeep } from "../render/format.js";
import { openWorkspace, type Workspace } from "../workspace.js";
import { DeclinedError, confirmOrRefuse, runCommand, type CommandContext, type CommandOptions } from "./command.js";
import { table } from "./stack.js";

/** `iac state ls`: the resources in the state, in dependency order. */
export function stateLs(options: CommandOptions & { readonly json?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const { snapshot } = await readState(ctx, options);
    if (options.json === true) {
      ctx.print(JSON.stringify(snapshot.resources.map((r) => ({ urn: r.urn, type: r.type, id: r.id, parent: r.parent, protect: r.protect === true, pendingDelete: r.pendingDelete === true })), null, 2));
      return ExitCode.ok;
    }
    if (snapshot.resources.length === 0) ctx.say(`Stack ${snapshot.stack} has no resources.`);
    else {
      const rows = [["URN", "ID", "FLAGS"]];
      for (const r of snapshot.resources) rows.push([r.urn, r.id ?? "", flags(r)]);
      for (const line of table(rows)) ctx.print(line);
    }
    for (const op of snapshot.pendingOperations) {
      ctx.say(ctx.errStyle("yellow", `pending ${op.op} of ${op.urn}${op.id ? ` (id ${op.id})` : ""} since ${op.time}: interrupted; run \`iac refresh\` to resolve it.`));
    }
    return ExitCode.ok;
  });
}

function flags(r: ResourceState): string {
  return [r.protect ? "protected" : "", r.pendingDelete ? "pending-delete" : "", r.retainOnDelete ? "retain-on-delete" : "", r.custom ? "" : "component"].filter(Boolean).join(",");
}

/** `iac state show <urn>`: one resource's record (secrets masked unless `showSecrets`). */
export function stateShow(options: CommandOptions & { readonly urn: string; readonly showSecrets?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const { snapshot } = await readState(ctx, options);
    const resource = findResource(snapshot, options.urn);
    ctx.print(JSON.stringify(options.showSecrets === true ? unwrapDeep(resource) : maskDeep(resource), null, 2));
    return ExitCode.ok;
  });
}

/**
 * `iac state delete <urn>`: forget a resource; the cloud object is left alone. Refused for a
 * protected resource (unless `force`) and for one that others depend on.
 */
export function stateDelete(options: CommandOptions & { readonly urn: string; readonly force?: boolean; readonly yes?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const { ws, stack, crypter } = await target(ctx, options);
    const ok = await confirmOrRefuse(ctx, { yes: options.yes === true, question: `Remove ${options.urn} from the state of stack ${stack} (the cloud object is not deleted)?`, what: "`iac state delete`" });
    if (!ok) throw new DeclinedError("`iac state delete`");
    await engineStateDelete(ws.engine, { stack, crypter, urn: options.urn, force: options.force === true });
    ctx.say(`Removed ${options.urn} from the state of stack ${stack}; the cloud object was left as it is.`);
    return ExitCode.ok;
  });
}

/** `iac state unprotect <urn>`: clear the protect flag so the resource can be deleted or replaced. */
export function stateUnprotect(options: CommandOptions & { readonly urn: string }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const { ws, stack, crypter } = await target(ctx, options);
    await engineStateUnprotect(ws.engine, { stack, crypter, urn: options.urn });
    ctx.say(`${options.urn} is not protected any more.`);
    return ExitCode.ok;
  });
}

/** `iac state export [--file f]`: the state as JSON, secrets encrypted as they are at rest. */
export function stateExport(options: CommandOptions & { readonly file?: string }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const { ws, stack, crypter } = await target(ctx, options);
    const text = await engineStateExport(ws.engine, { stack, crypter });
    if (options.file === undefined) ctx.io.out.write(text);
    else {
      const path = resolve(ctx.cwd, options.file);
      await writeFile(path, text, { mode: 0o600 });
      ctx.say(`Exported the state of stack ${stack} to ${path}.`);
    }
    return ExitCode.ok;
  });
}

/** `iac state import <file>`: replace the state with an export (checked before anything is written). */
export function stateImport(options: CommandOptions & { readonly file: string; readonly yes?: boolean }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const { ws, stack, crypter } = await target(ctx, options);
    const path = resolve(ctx.cwd, options.file);
    let json: string;
    try {
      json = await readFile(path, "utf8");
    } catch (cause) {
      throw new CliError(`Cannot read ${path} (${(cause as Error).message}). Give a file written by \`iac state export\`.`, { code: "StateImportInvalid", cause });
    }
    const ok = await confirmOrRefuse(ctx, { yes: options.yes === true, question: `Replace the state of stack ${stack} with ${path}?`, what: "`iac state import`" });
    if (!ok) throw new DeclinedError("`iac state import`");
    await engineStateImport(ws.engine, { stack, crypter, json });
    ctx.say(`Imported ${path} as the state of stack ${stack}.`);
    return ExitCode.ok;
  });
}

async function target(ctx: CommandContext, options: CommandOptions): Promise<{ ws: Workspace; stack: string; crypter: StackCrypter }> {
  const ws = await openWorkspace(ctx);
  const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
  return { ws, stack, crypter: await ws.crypter(stack) };
}

async function readState(ctx: CommandContext, options: CommandOptions): Promise<{ ws: Workspace; stack: string; snapshot: Snapshot }> {
  const { ws, stack, crypter } = await target(ctx, options);
  return { ws, stack, snapshot: await ws.backend.read(stack, crypter) };
}

function findResource(snapshot: Snapshot, urn: string): ResourceState {
  const found = snapshot.resources.find((r) => r.urn === urn);
  if (found) return found;
  const similar = snapshot.resources.filter((r) => r.urn.endsWith(`::${urn}`) || r.urn.includes(urn)).map((r) => r.urn);
  throw new CliError(
    `Stack ${snapshot.stack} has no resource ${urn}.${similar.length > 0 ? ` Did you mean ${similar.slice(0, 3).join(" or ")}?` : ""} \`iac state ls\` lists the URNs.`,
    { code: "ResourceNotFound" },
  );
}

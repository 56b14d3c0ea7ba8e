/**
 * `iac import <type> <name> <id>`: adopt an existing cloud object, as `pulumi import` does.
 *
 * The engine adopts objects through the `import` resource option of a declaration in the program
 * (an `import` step of a normal `iac up`); a run cannot be given a registration the program does
 * not make. So this command reads the object through its provider and prints the declaration to
 * add to the program, with the inputs read from the cloud; the next `iac up` adopts the object
 * without changing it. Nothing is written here, to the cloud or to the state.
 */
import { makeUrn } from "@iac/sdk";
import { readResource } from "@iac/engine";
import { CliError, ExitCode, UsageError } from "../errors.js";
import { startLocalCloud, type LocalCloudHandle } from "@iac/automation";
import { declarationCode } from "../render/program-code.js";
import { openWorkspace } from "../workspace.js";
import { runCommand, type CommandOptions } from "./command.js";

/** Options of `iac import`. */
export interface ImportOptions extends CommandOptions {
  /** The type token, e.g. `azure:resources:ResourceGroup`. */
  readonly type: string;
  /** The logical name the resource gets in the program. */
  readonly name: string;
  /** The object's cloud id. */
  readonly id: string;
  /** The provider module; default from the type's package (`--module`). */
  readonly module?: string;
  /** Print `{ type, name, id, module, urn, inputs, code }` as JSON instead of the code alone. */
  readonly json?: boolean;
  /** Read from the local cloud. */
  readonly local?: boolean;
}

/** The provider module of the packages iac ships, by the first segment of the type token. */
const KNOWN_MODULES: Readonly<Record<string, string>> = {
  random: "@iac/sdk/random",
  azure: "@iac/azure",
  kubernetes: "@iac/kubernetes",
  flux: "@iac/kubernetes",
};

/** The provider module of `type`: `--module`, else the one iac ships for its package. */
export function moduleOf(type: string, explicit: string | undefined): string {
  if (explicit !== undefined && explicit !== "") return explicit;
  if (!/^[^:\s]+:[^:\s]*:[^:\s]+$/.test(type)) {
    throw new UsageError(`"${type}" is not a type token. Type tokens look like azure:resources:ResourceGroup (package:module:Kind).`);
  }
  const pkg = type.slice(0, type.indexOf(":"));
  const known = KNOWN_MODULES[pkg];
  if (known === undefined) {
    throw new UsageError(`No provider module is known for the package "${pkg}" of ${type}. Name it with --module <module> (the \`module\` its resource class passes to CustomResource).`, { code: "ModuleUnknown" });
  }
  return known;
}

/** `iac import <type> <name> <id>`: print the declaration that adopts the object on the next `iac up`. */
export function importResource(options: ImportOptions): Promise<number> {
  return runCommand(options, async (ctx) => {
    const module = moduleOf(options.type, options.module);
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: true });
    const crypter = await ws.crypter(stack);
    const urn = makeUrn({ stack, project: ws.project.name, qualifiedType: options.type, name: options.name });
    const snapshot = await ws.backend.read(stack, crypter);
    const sameUrn = snapshot.resources.find((r) => r.urn === urn && r.pendingDelete !== true);
    if (sameUrn !== undefined) {
      throw new CliError(`${urn} is already in the state of stack ${stack}${sameUrn.id === undefined ? "" : ` (id ${sameUrn.id})`}. Pick another name, or forget it first with \`iac state delete ${urn}\`.`, { code: "AlreadyInState" });
    }
    const sameId = snapshot.resources.find((r) => r.type === options.type && r.id === options.id && r.pendingDelete !== true);
    if (sameId !== undefined) {
      throw new CliError(`The ${options.type} with id ${options.id} is already managed by stack ${stack} as ${sameId.urn}: importing it again would let two declarations fight over it.`, { code: "AlreadyManaged" });
    }
    const config = await ws.config(stack, crypter);
    let local: LocalCloudHandle | undefined;
    let read;
    try {
      if (options.local === true) local = await startLocalCloud({ projectDir: ws.project.dir, say: ctx.say });
      read = await readResource({
        projectDir: ws.project.dir,
        project: ws.project.name,
        stack,
        config,
        module,
        type: options.type,
        name: options.name,
        id: options.id,
        signal: ctx.signal,
        log: (severity, message) => {
          if (severity !== "debug" || ctx.verbose) ctx.say(`${severity}: ${message}`);
        },
      });
    } finally {
      await local?.close();
    }
    if (read === undefined) {
      throw new CliError(`No ${options.type} with id ${options.id} exists${options.local === true ? " in the local cloud" : ""} (its provider, ${module}, found nothing). Check the id: it is the cloud's id of the object (for Azure, the full resource id).`, { code: "ImportNotFound" });
    }
    const code = declarationCode({ type: options.type, name: options.name, id: options.id, module, inputs: read.inputs, secretKeys: read.secretOutputs });
    if (options.json === true) {
      ctx.print(JSON.stringify({ type: options.type, name: options.name, id: options.id, module, urn: read.urn, code: code.join("\n") }, null, 2));
      return ExitCode.ok;
    }
    ctx.say(`Read ${options.type} ${options.id} through ${module}. Add this to the program (${ws.project.main}), then run \`iac up\`: it adopts the object into stack ${stack} as ${read.urn} without changing it.`);
    if (Object.keys(read.inputs).length === 0) ctx.say(ctx.errStyle("yellow", "warning: the provider returned no inputs for this object; fill in the arguments the program should manage, or the up will report a difference."));
    ctx.print(code.join("\n"));
    return ExitCode.ok;
  });
}

/**
 * A project as the CLI works with it: the automation API's `LocalWorkspace` (`iac.yaml`, its state
 * backend, the stacks' crypters and config, and the stack operations), plus what only the CLI does:
 * finding the project from a subdirectory, choosing the stack (`-s`, the selected one, or `dev`
 * created on first use) and listing config for a terminal.
 */
import { LocalWorkspace, Stack, backendUrlOf as automationBackendUrlOf, type ConfigEntry, type RawConfigValue } from "@iac/automation";
import { StateError, type Backend, type ProjectInfo, type StackCrypter, type Workspace as EngineWorkspace } from "@iac/engine";
import type { PropertyValue } from "@iac/sdk/provider";
import { CliError } from "./errors.js";
import { findProjectDir } from "./project-dir.js";
import type { CommandContext } from "./commands/command.js";

export { findProjectDir };

/** The default stack `iac` creates when a project has none. */
export const DEFAULT_STACK = "dev";

export class Workspace {
  constructor(
    private readonly ctx: CommandContext,
    /** The automation API's workspace: the CLI's deployments, config and history go through it. */
    readonly automation: LocalWorkspace,
  ) {}

  get project(): ProjectInfo {
    return this.automation.project;
  }

  get backend(): Backend {
    return this.automation.backend;
  }

  /** The automation API's Stack objects of this command, by name: each keeps its stack's key once derived. */
  readonly #stacks = new Map<string, Stack>();

  /**
   * A stack of the project, to run operations on (it is not selected). The same object for the
   * whole command, so that a passphrase's key is derived once per command (a preview, the
   * confirmation and the up; the list a destroy shows and the destroy).
   */
  stack(name: string): Stack {
    let stack = this.#stacks.get(name);
    if (stack === undefined) {
      stack = new Stack(name, this.automation);
      this.#stacks.set(name, stack);
    }
    return stack;
  }

  /** The engine's view of the project (for the stack and state functions). */
  get engine(): EngineWorkspace {
    return { projectDir: this.project.dir, project: this.project.name, backend: this.backend };
  }

  /** The selected stack, if any (and if it still exists). */
  async selectedStack(): Promise<string | undefined> {
    const name = await this.automation.currentStack();
    return name !== undefined && (await this.backend.stackExists(name)) ? name : undefined;
  }

  /** Create a stack and select it. */
  async initStack(name: string): Promise<void> {
    await this.automation.createStack(name);
  }

  /** Select an existing stack. */
  async selectStack(name: string): Promise<void> {
    await this.automation.selectStack(name);
  }

  /** Remove a stack, its state and config; clears the selection if it was selected. */
  removeStack(name: string, options: { readonly force: boolean }): Promise<void> {
    return this.automation.removeStack(name, options);
  }

  /**
   * The stack a command works on: `-s`, else the selected one, else the only one. With
   * `createIfNone`, a project without stacks gets `dev`, selected, and the user is told.
   */
  async resolveStack(options: { readonly explicit?: string; readonly createIfNone: boolean }): Promise<string> {
    if (options.explicit !== undefined) {
      if (await this.backend.stackExists(options.explicit)) return options.explicit;
      const stacks = await this.backend.listStacks();
      if (options.createIfNone && stacks.length === 0) return this.createDefault(options.explicit);
      throw new CliError(
        `Stack "${options.explicit}" does not exist in project ${this.project.name}. Create it with \`iac stack init ${options.explicit}\`${stacks.length > 0 ? `, or use one of: ${stacks.map((s) => s.name).join(", ")}` : ""}.`,
        { code: "StackNotFound" },
      );
    }
    const selected = await this.selectedStack();
    if (selected !== undefined) return selected;
    const stacks = await this.backend.listStacks();
    if (stacks.length === 1) return stacks[0].name;
    if (stacks.length === 0) {
      if (options.createIfNone) return this.createDefault(DEFAULT_STACK);
      throw new CliError(`Project ${this.project.name} has no stacks yet. Run \`iac up\` (which creates "${DEFAULT_STACK}") or \`iac stack init <name>\`.`, { code: "NoStackSelected" });
    }
    throw new CliError(`No stack is selected and project ${this.project.name} has ${stacks.length}: ${stacks.map((s) => s.name).join(", ")}. Run \`iac stack select <name>\` or pass -s <name>.`, { code: "NoStackSelected" });
  }

  private async createDefault(name: string): Promise<string> {
    try {
      await this.initStack(name);
    } catch (error) {
      // Another first run created it an instant ago: use it, as if it had been there.
      if (error instanceof StateError && error.code === "StackExists") return name;
      throw error;
    }
    this.ctx.say(`Created stack ${name} and selected it (project ${this.project.name} had no stack).`);
    return name;
  }

  crypter(stack: string): Promise<StackCrypter> {
    return this.stack(stack).crypter();
  }

  config(stack: string, crypter: StackCrypter): Promise<Record<string, PropertyValue>> {
    return this.automation.config(stack, crypter);
  }

  setConfig(options: { readonly stack: string; readonly key: string; readonly value: string; readonly secret: boolean }): Promise<void> {
    return this.automation.setConfig(options.stack, options.key, { value: options.value, secret: options.secret });
  }

  /** The value as the stack config holds it (a number or an object stays one: `config get --json` prints it so), a secret decrypted. */
  getConfig(options: { readonly stack: string; readonly key: string }): Promise<RawConfigValue | undefined> {
    return this.stack(options.stack).getRawConfig(options.key);
  }

  removeConfig(options: { readonly stack: string; readonly key: string }): Promise<boolean> {
    return this.automation.removeConfig(options.stack, options.key);
  }

  /** Every key, sorted; secrets `"[secret]"` unless `decrypt` (the stack's key is needed only then). */
  listConfig(options: { readonly stack: string; readonly decrypt: boolean }): Promise<ConfigEntry[]> {
    return this.stack(options.stack).listConfig({ showSecrets: options.decrypt });
  }
}

/** The backend URL of a project and where it comes from: `IAC_BACKEND_URL`, else `backend:` in `iac.yaml`, else the default (`.iac/` in the project). */
export function backendUrlOf(project: ProjectInfo, env: Readonly<Record<string, string | undefined>>): { readonly url?: string; readonly source: string } {
  return automationBackendUrlOf(project, {}, env);
}

/**
 * Load `iac.yaml` from the command's directory (or the nearest above it) and open the project's
 * backend, as an automation API workspace. Warnings that do not fail a run (a history entry that
 * could not be written) are printed as the CLI's warnings.
 */
export async function openWorkspace(ctx: CommandContext): Promise<Workspace> {
  const automation = await LocalWorkspace.create(
    { workDir: findProjectDir(ctx.cwd) },
    {
      envVars: ctx.io.env,
      onWarning: (message) => ctx.say(ctx.errStyle("yellow", `warning: ${message.charAt(0).toLowerCase()}${message.slice(1)}`)),
    },
  );
  return new Workspace(ctx, automation);
}

/**
 * A project as the CLI works with it: `iac.yaml`, its state backend, the selected stack, the
 * stack's crypter and config, and the engine run.
 */
import {
  createCrypter,
  currentStack,
  getConfigValue,
  initStack,
  isSecureValue,
  loadDecryptedConfig,
  loadProject,
  openBackend,
  readStackConfig,
  removeConfigValue,
  removeStack,
  run,
  selectStack,
  setConfigValue,
  StateError,
  type Backend,
  type ConfirmedPlan,
  type EngineEvent,
  type Operation,
  type ProjectInfo,
  type StackCrypter,
  type Workspace as EngineWorkspace,
} from "@iac/engine";
import type { PropertyValue } from "@iac/sdk/provider";
import type { SecretValue } from "@iac/sdk/runtime";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CliError } from "./errors.js";
import type { CommandContext } from "./commands/command.js";

/** What one engine run returns. */
export interface RunResult {
  readonly counts: Readonly<Record<string, number>>;
  readonly changes: boolean;
  readonly failed: number;
  readonly interrupted: boolean;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly durationMs: number;
  /** A preview without failures: its plan, for the `up` the user confirms. */
  readonly plan?: ConfirmedPlan;
}

export interface WorkspaceRunOptions {
  readonly stack: string;
  readonly operation: Operation;
  readonly crypter: StackCrypter;
  readonly config: Readonly<Record<string, PropertyValue>>;
  readonly parallel: number;
  readonly targets: readonly string[];
  readonly refresh: boolean;
  /** For `refresh`: only read and report the drift; no lock, nothing written. */
  readonly previewOnly?: boolean;
  readonly onEvent: (event: EngineEvent) => void;
  readonly signal: AbortSignal;
  readonly command: string;
  /** For `up`: the plan of the preview the user confirmed (the engine's `RunOptions.plan`). */
  readonly plan?: ConfirmedPlan;
}

export interface ConfigEntry {
  readonly key: string;
  /** `"[secret]"` for a secret unless decrypted. */
  readonly value: unknown;
  readonly secret: boolean;
}

/** The default stack `iac` creates when a project has none. */
export const DEFAULT_STACK = "dev";

export class Workspace {
  constructor(
    private readonly ctx: CommandContext,
    readonly project: ProjectInfo,
    readonly backend: Backend,
  ) {}

  /** The engine's view of the project (for the stack and state functions). */
  get engine(): EngineWorkspace {
    return { projectDir: this.project.dir, project: this.project.name, backend: this.backend };
  }

  /** The selected stack, if any (and if it still exists). */
  async selectedStack(): Promise<string | undefined> {
    const name = await currentStack(this.engine);
    return name !== undefined && (await this.backend.stackExists(name)) ? name : undefined;
  }

  /** Create a stack and select it. */
  initStack(name: string): Promise<void> {
    return initStack(this.engine, name);
  }

  /** Select an existing stack. */
  selectStack(name: string): Promise<void> {
    return selectStack(this.engine, name);
  }

  /** Remove a stack, its state and config; clears the selection if it was selected. */
  removeStack(name: string, options: { readonly force: boolean }): Promise<void> {
    return removeStack(this.engine, name, options);
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
    return createCrypter({ projectDir: this.project.dir, project: this.project.name, stack, env: this.ctx.io.env as NodeJS.ProcessEnv });
  }

  config(stack: string, crypter: StackCrypter): Promise<Record<string, PropertyValue>> {
    return loadDecryptedConfig({ projectDir: this.project.dir, stack, crypter });
  }

  async setConfig(options: { readonly stack: string; readonly key: string; readonly value: string; readonly secret: boolean }): Promise<void> {
    const crypter = options.secret ? await this.crypter(options.stack) : undefined;
    await setConfigValue({ projectDir: this.project.dir, stack: options.stack, project: this.project.name, key: options.key, value: options.value, secret: options.secret, crypter });
  }

  async getConfig(options: { readonly stack: string; readonly key: string }): Promise<PropertyValue | SecretValue | undefined> {
    return getConfigValue({ projectDir: this.project.dir, stack: options.stack, project: this.project.name, key: options.key, crypter: await this.crypter(options.stack) });
  }

  removeConfig(options: { readonly stack: string; readonly key: string }): Promise<boolean> {
    return removeConfigValue({ projectDir: this.project.dir, stack: options.stack, project: this.project.name, key: options.key });
  }

  async listConfig(options: { readonly stack: string; readonly decrypt: boolean }): Promise<ConfigEntry[]> {
    const { config } = await readStackConfig({ projectDir: this.project.dir, stack: options.stack });
    const crypter = options.decrypt ? await this.crypter(options.stack) : undefined;
    return Object.keys(config)
      .sort()
      .map((key) => {
        const value = config[key];
        if (!isSecureValue(value)) return { key, value, secret: false };
        return { key, value: crypter ? crypter.decrypt(value.secure) : "[secret]", secret: true };
      });
  }

  run(options: WorkspaceRunOptions): Promise<RunResult> {
    return run({
      project: this.project,
      stack: options.stack,
      operation: options.operation,
      backend: this.backend,
      crypter: options.crypter,
      config: options.config,
      parallel: options.parallel,
      targets: options.targets.length > 0 ? [...options.targets] : undefined,
      refresh: options.refresh,
      ...(options.previewOnly === true ? { previewOnly: true } : {}),
      onEvent: options.onEvent,
      signal: options.signal,
      command: options.command,
      ...(options.plan ? { plan: options.plan } : {}),
    });
  }
}

/** The environment variable that overrides `backend:` in `iac.yaml`, as PULUMI_BACKEND_URL does Pulumi's. */
export const BACKEND_URL_ENV = "IAC_BACKEND_URL";

/** The backend URL of a project and where it comes from: `IAC_BACKEND_URL`, else `backend:` in `iac.yaml`, else the default (`.iac/` in the project). */
export function backendUrlOf(project: ProjectInfo, env: Readonly<Record<string, string | undefined>>): { readonly url?: string; readonly source: string } {
  const fromEnv = env[BACKEND_URL_ENV]?.trim();
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, source: `the environment variable ${BACKEND_URL_ENV}` };
  if (project.backend !== undefined) return { url: project.backend, source: `\`backend:\` in ${join(project.dir, "iac.yaml")}` };
  return { source: "the default" };
}

/**
 * The project a command in `dir` works on: the nearest directory holding `iac.yaml`, `dir` itself
 * or one above it, as git finds its repository (so `iac up` works from `src/` of a project).
 * Returns `dir` when there is none, for the project loader to say where iac.yaml was looked for.
 */
export function findProjectDir(dir: string): string {
  let current = resolve(dir);
  for (;;) {
    if (existsSync(join(current, "iac.yaml"))) return current;
    const parent = dirname(current);
    if (parent === current) return resolve(dir);
    current = parent;
  }
}

/** Load `iac.yaml` from the command's directory (or the nearest above it) and open the project's backend. */
export async function openWorkspace(ctx: CommandContext): Promise<Workspace> {
  const project = await loadProject(findProjectDir(ctx.cwd));
  const { url, source } = backendUrlOf(project, ctx.io.env);
  try {
    return new Workspace(ctx, project, await openBackend(url, { projectDir: project.dir, project: project.name, env: ctx.io.env }));
  } catch (error) {
    // The backend's message says what is wrong with the URL or its credentials; add where the URL came from.
    if (error instanceof StateError && url !== undefined) {
      throw new StateError(error.code, `${error.message} (The backend URL comes from ${source}.)`, { cause: error });
    }
    throw error;
  }
}

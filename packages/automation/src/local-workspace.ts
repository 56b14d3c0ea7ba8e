/**
 * `LocalWorkspace`: a project (a directory with `iac.yaml`, or an inline program) and the state
 * backend its stacks live in, driven in this process: no CLI is spawned. Named as Pulumi's
 * automation API is, so its users feel at home.
 *
 * @example
 * const stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", workDir: "./infra" });
 * await stack.setConfig("azure:location", { value: "westeurope" });
 * const up = await stack.up({ onEvent: (e) => console.log(e.kind) });
 * console.log(up.summary.resourceChanges, up.outputs);
 */
import {
  createCrypter,
  currentStack,
  initStack,
  listStacks,
  loadDecryptedConfig,
  loadProject,
  openBackend,
  removeStack,
  selectStack,
  StateError,
  type Backend,
  type ProjectInfo,
  type StackCrypter,
  type StackSummary,
} from "@iac/engine";
import type { PropertyValue } from "@iac/sdk/provider";
import { join, resolve } from "node:path";
import { AutomationOptionsError } from "./errors.js";
import type { PulumiFn } from "./inline-program.js";
import type { ConfigValue } from "./stack-config.js";
import { Stack } from "./stack.js";

/** A project directory holding `iac.yaml` (its `main` is the program). */
export interface LocalProgramArgs {
  readonly stackName: string;
  readonly workDir: string;
}

/** An inline program: a function in this process that declares resources and returns the outputs. */
export interface InlineProgramArgs {
  readonly stackName: string;
  readonly projectName: string;
  readonly program: PulumiFn;
}

/** Options of a workspace. */
export interface LocalWorkspaceOptions {
  /**
   * For an inline program: the directory the project lives in (the stack config files
   * `iac.<stack>.yaml`, the default `file://` state in `.iac/`, provider packages resolved from
   * here). Default: `.iac/inline/<projectName>/` under the current directory.
   */
  readonly workDir?: string;
  /**
   * Environment of the workspace's operations, over `process.env` (`IAC_CONFIG_PASSPHRASE`,
   * `IAC_BACKEND_URL`, Azure credentials of an azblob backend). The program itself sees `process.env`.
   */
  readonly envVars?: Readonly<Record<string, string | undefined>>;
  /** The state backend URL (`file://...`, `azblob://...`); default: `IAC_BACKEND_URL`, else `backend:` in iac.yaml, else `.iac/` in the work directory. */
  readonly backendUrl?: string;
  /**
   * Run against the local cloud, as the CLI's `--local` does: the project's running local cloud
   * (`iac local serve`), or one started in this process for each operation.
   */
  readonly local?: boolean;
  /** Receives warnings that do not fail an operation (a history entry that could not be written). */
  readonly onWarning?: (message: string) => void;
}

/** The environment variable that overrides `backend:` in `iac.yaml`, as PULUMI_BACKEND_URL does Pulumi's. */
export const BACKEND_URL_ENV = "IAC_BACKEND_URL";

/**
 * The backend URL of a project and where it comes from (for messages): the `backendUrl` option,
 * else `IAC_BACKEND_URL`, else `backend:` in `iac.yaml`, else the default (`.iac/` in the project).
 */
export function backendUrlOf(
  project: ProjectInfo,
  options: Pick<LocalWorkspaceOptions, "backendUrl">,
  env: Readonly<Record<string, string | undefined>>,
): { readonly url?: string; readonly source: string } {
  if (options.backendUrl !== undefined) return { url: options.backendUrl, source: "the `backendUrl` option" };
  const fromEnv = env[BACKEND_URL_ENV]?.trim();
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, source: `the environment variable ${BACKEND_URL_ENV}` };
  if (project.backend !== undefined) return { url: project.backend, source: `\`backend:\` in ${join(project.dir, "iac.yaml")}` };
  return { source: "the default" };
}

export class LocalWorkspace {
  /** The project: its directory, name and program entry (for an inline program, generated per run). */
  readonly project: ProjectInfo;
  readonly backend: Backend;
  /** The inline program, when the workspace has one. */
  readonly program: PulumiFn | undefined;
  /** `process.env` with the workspace's `envVars` over it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly local: boolean;
  readonly #warn: (message: string) => void;

  private constructor(o: { project: ProjectInfo; backend: Backend; program: PulumiFn | undefined; env: Readonly<Record<string, string | undefined>>; options: LocalWorkspaceOptions }) {
    this.project = o.project;
    this.backend = o.backend;
    this.program = o.program;
    this.env = o.env;
    this.local = o.options.local === true;
    this.#warn = o.options.onWarning ?? (() => undefined);
  }

  /** The work directory: the project's directory. */
  get workDir(): string {
    return this.project.dir;
  }

  /**
   * A workspace for a project directory (`{ workDir }`) or an inline program
   * (`{ projectName, program }`).
   *
   * @throws NoProjectError when `workDir` holds no valid `iac.yaml`.
   */
  static async create(args: { readonly workDir: string } | { readonly projectName: string; readonly program: PulumiFn }, options: LocalWorkspaceOptions = {}): Promise<LocalWorkspace> {
    const env = { ...process.env, ...options.envVars };
    let project: ProjectInfo;
    let program: PulumiFn | undefined;
    if ("program" in args) {
      if (typeof args.program !== "function") throw new AutomationOptionsError("`program` must be a function that declares the resources and returns the stack outputs.");
      if (typeof args.projectName !== "string" || !/^[A-Za-z0-9_.-]+$/.test(args.projectName)) {
        throw new AutomationOptionsError(`\`projectName\` must be a project name of letters, digits, "-", "_" and "." (got ${JSON.stringify(args.projectName)}).`);
      }
      const dir = resolve(options.workDir ?? join(process.cwd(), ".iac", "inline", args.projectName));
      // Not written to disk: an inline program's project is the function, not an iac.yaml.
      project = { dir, name: args.projectName, main: "(inline program)" };
      program = args.program;
    } else {
      if (options.workDir !== undefined && resolve(options.workDir) !== resolve(args.workDir)) {
        throw new AutomationOptionsError("Give the project directory once: as `workDir` of the program arguments, not also as a different `workDir` option.");
      }
      project = await loadProject(args.workDir);
    }
    const { url, source } = backendUrlOf(project, options, env);
    let backend: Backend;
    try {
      backend = await openBackend(url, { projectDir: project.dir, project: project.name, env: env as NodeJS.ProcessEnv });
    } catch (error) {
      // The backend's message says what is wrong with the URL or its credentials; add where the URL came from.
      if (error instanceof StateError && url !== undefined) throw new StateError(error.code, `${error.message} (The backend URL comes from ${source}.)`, { cause: error });
      throw error;
    }
    return new LocalWorkspace({ project, backend, program, env, options });
  }

  /** Creates the stack (it must not exist yet) and selects it. */
  static async createStack(args: LocalProgramArgs | InlineProgramArgs, options: LocalWorkspaceOptions = {}): Promise<Stack> {
    const ws = await LocalWorkspace.create(args, options);
    return ws.createStack(args.stackName);
  }

  /** Selects an existing stack. @throws StateError `StackNotFound` */
  static async selectStack(args: LocalProgramArgs | InlineProgramArgs, options: LocalWorkspaceOptions = {}): Promise<Stack> {
    const ws = await LocalWorkspace.create(args, options);
    return ws.selectStack(args.stackName);
  }

  /** Selects the stack, creating it first when it does not exist. */
  static async createOrSelectStack(args: LocalProgramArgs | InlineProgramArgs, options: LocalWorkspaceOptions = {}): Promise<Stack> {
    const ws = await LocalWorkspace.create(args, options);
    return ws.createOrSelectStack(args.stackName);
  }

  async createStack(name: string): Promise<Stack> {
    await initStack(this.#engine, name);
    return new Stack(name, this);
  }

  async selectStack(name: string): Promise<Stack> {
    await selectStack(this.#engine, name);
    return new Stack(name, this);
  }

  async createOrSelectStack(name: string): Promise<Stack> {
    try {
      await initStack(this.#engine, name);
    } catch (error) {
      // Another process created it an instant ago, or it was there: select it.
      if (!(error instanceof StateError && error.code === "StackExists")) throw error;
      await selectStack(this.#engine, name);
    }
    return new Stack(name, this);
  }

  /** The selected stack's name, if any. */
  currentStack(): Promise<string | undefined> {
    return currentStack(this.#engine);
  }

  listStacks(): Promise<StackSummary[]> {
    return listStacks(this.#engine);
  }

  /** Removes the stack, its state and config; refused while it holds resources unless `force` (they are then left in the cloud). */
  removeStack(name: string, options: { readonly force?: boolean } = {}): Promise<void> {
    return removeStack(this.#engine, name, { force: options.force === true });
  }

  /** Sets a config value of a stack; a secret is encrypted with the stack's key before it is written. */
  setConfig(stack: string, key: string, value: ConfigValue): Promise<void> {
    return new Stack(stack, this).setConfig(key, value);
  }

  /** A config value of a stack as a string, secrets decrypted; undefined when the key is not set. */
  getConfig(stack: string, key: string): Promise<ConfigValue | undefined> {
    return new Stack(stack, this).getConfig(key);
  }

  /** Removes a config key; returns whether it was set. */
  removeConfig(stack: string, key: string): Promise<boolean> {
    return new Stack(stack, this).removeConfig(key);
  }

  /** Every config value of a stack (`ns:key`) as a string, secrets decrypted. */
  getAllConfig(stack: string): Promise<Record<string, ConfigValue>> {
    return new Stack(stack, this).getAllConfig();
  }

  /** @internal The stack's crypter (creating its key on first use). */
  crypter(stack: string): Promise<StackCrypter> {
    return createCrypter({ projectDir: this.project.dir, project: this.project.name, stack, env: this.env as NodeJS.ProcessEnv });
  }

  /** @internal The stack config as a program sees it (secrets decrypted and wrapped). */
  config(stack: string, crypter: StackCrypter): Promise<Record<string, PropertyValue>> {
    return loadDecryptedConfig({ projectDir: this.project.dir, stack, crypter });
  }

  /** @internal */
  warn(message: string): void {
    this.#warn(message);
  }

  get #engine() {
    return { projectDir: this.project.dir, project: this.project.name, backend: this.backend };
  }
}

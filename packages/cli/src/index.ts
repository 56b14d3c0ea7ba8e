/**
 * `@iac/cli`: the `iac` command. Each command is a plain async function that takes an options
 * object (with the streams to write to) and returns the exit code, so it can be called without
 * argv; {@link main} parses argv and dispatches to them.
 */
export { main } from "./main.js";
export { preview, up, destroy, refresh, type DeployOptions } from "./commands/deploy.js";
export { stackInit, stackSelect, stackLs, stackRm, stackOutput } from "./commands/stack.js";
export { configSet, configGet, configRm, configList } from "./commands/config.js";
export { stateLs, stateShow, stateDelete, stateUnprotect, stateExport, stateImport } from "./commands/state.js";
export { cancel } from "./commands/cancel.js";
export { importResource, type ImportOptions } from "./commands/import.js";
export { localServe } from "./commands/local.js";
export type { CommandOptions } from "./commands/command.js";
export { ExitCode, CliError, UsageError, InternalError } from "./errors.js";
export { createRenderer, type Renderer, type RendererOptions, type RenderMode } from "./render/renderer.js";

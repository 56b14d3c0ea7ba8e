/**
 * `@iac/automation`: drive iac stacks from code, in this process (no CLI spawned), with the same
 * state, journal, lock, config and history as the CLI. Named as Pulumi's automation API.
 * See docs/automation.md.
 */
export { LocalWorkspace, backendUrlOf, BACKEND_URL_ENV, type LocalProgramArgs, type InlineProgramArgs, type LocalWorkspaceOptions } from "./local-workspace.js";
export { SECRET_MASK, type ConfigValue, type RawConfigValue, type ConfigEntry } from "./stack-config.js";
export { Stack, splitFailures, type OperationOptions, type PreviewOptions, type UpOptions, type DestroyOptions, type RefreshOptions, type PreviewRefreshOptions } from "./stack.js";
export { startLocalCloud, type LocalCloudHandle } from "./local-cloud.js";
export type { PulumiFn } from "./inline-program.js";
export type { OutputValue, OutputMap, UpdateSummary, UpdateOutcome, UpdateResult, PreviewResult, UpResult, DestroyResult, RefreshResult } from "./results.js";
export { UpdateFailedError, UpdateInterruptedError, AutomationOptionsError } from "./errors.js";
export type { EngineEvent, StepInfo, StepKind, Operation, HistoryEntry, ConfirmedPlan } from "@iac/engine";

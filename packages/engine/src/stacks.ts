/**
 * Stacks of a workspace (`iac stack ...`) and state surgery (`iac state ...`).
 *
 * The current stack is local to the checkout (`.iac/workspace.json`), whatever the backend. Every
 * operation that changes a stack's state takes the stack's lock for its duration, so it cannot
 * interleave with a running `up`.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { stackConfigPath } from "./config.js";
import { StateError, SecretsDecryptError } from "./state/errors.js";
import { withFsErrors } from "./state/fs-errors.js";
import { readIfExists, removeIfExists, writeFileAtomic } from "./state/fs-util.js";
import { decryptSecrets, encryptSecrets } from "./state/secret-codec.js";
import { assertValidStackName } from "./state/stack-name.js";
import { referenceProblems, snapshotProblems } from "./state/validate.js";
import type { Backend, Crypter, ResourceState, Snapshot, StackSummary } from "./state/types.js";

/** A project checkout and the backend its stacks live in. */
export interface Workspace {
  /** The project's directory (holding `iac.yaml`). */
  readonly projectDir: string;
  readonly project: string;
  readonly backend: Backend;
}

/** Names one stack's state and the crypter for its secrets. */
export interface StateTarget {
  readonly stack: string;
  readonly crypter: Crypter;
}

function workspaceFile(ws: Workspace): string {
  return join(ws.projectDir, ".iac", "workspace.json");
}

/** The selected stack, or undefined when none is. */
export async function currentStack(ws: Workspace): Promise<string | undefined> {
  const text = await readIfExists(workspaceFile(ws));
  if (text === undefined) return undefined;
  try {
    const stack = (JSON.parse(text) as { stack?: unknown }).stack;
    return typeof stack === "string" ? stack : undefined;
  } catch {
    // A damaged workspace file only loses the selection; `iac stack select` rewrites it.
    return undefined;
  }
}

/** The selected stack; throws `NoStackSelected` with the remedy when there is none. */
export async function requireCurrentStack(ws: Workspace): Promise<string> {
  const stack = await currentStack(ws);
  if (stack === undefined) {
    throw new StateError("NoStackSelected", "No stack is selected: run `iac stack select <name>` (or `iac stack init <name>` to create one), or pass --stack <name>.");
  }
  return stack;
}

async function setCurrentStack(ws: Workspace, stack: string | undefined): Promise<void> {
  const path = workspaceFile(ws);
  await withFsErrors({ action: stack === undefined ? "clear the selected stack" : `select stack "${stack}"`, path }, async () => {
    await mkdir(join(ws.projectDir, ".iac"), { recursive: true });
    await writeFileAtomic(path, `${JSON.stringify(stack === undefined ? {} : { stack }, null, 2)}\n`);
  });
}

/** All stacks of the backend, the selected one marked `current`. */
export async function listStacks(ws: Workspace): Promise<StackSummary[]> {
  const current = await currentStack(ws);
  return (await ws.backend.listStacks()).map((s) => ({ ...s, current: s.name === current }));
}

/** Create a stack and select it. Refuses an invalid name or an existing stack. */
export async function initStack(ws: Workspace, name: string): Promise<void> {
  assertValidStackName(name);
  if (await ws.backend.stackExists(name)) {
    throw new StateError("StackExists", `Stack "${name}" already exists. Select it with \`iac stack select ${name}\`, or choose another name.`);
  }
  await ws.backend.createStack(name);
  await setCurrentStack(ws, name);
}

/** Make an existing stack the current one. */
export async function selectStack(ws: Workspace, name: string): Promise<void> {
  await requireStack(ws, name);
  await setCurrentStack(ws, name);
}

/**
 * Remove a stack, its state and its config file `iac.<stack>.yaml`. Refuses while the state holds
 * resources, unless `force` (the cloud resources are then forgotten, not deleted). The key file of a
 * keyfile stack is left in place, so that an export of the stack can still be decrypted.
 */
export async function removeStack(ws: Workspace, name: string, options: { readonly force: boolean }): Promise<void> {
  await requireStack(ws, name);
  const lock = await ws.backend.lock(name, "stack rm");
  try {
    await ws.backend.removeStack(name, { force: options.force });
  } finally {
    await lock.release();
  }
  const configPath = stackConfigPath({ projectDir: ws.projectDir, stack: name });
  await withFsErrors({ action: `remove the stack config of "${name}"`, path: configPath }, () => removeIfExists(configPath));
  if ((await currentStack(ws)) === name) await setCurrentStack(ws, undefined);
}

/** Throws `StackNotFound` unless the stack exists. */
export async function requireStack(ws: Workspace, name: string): Promise<void> {
  assertValidStackName(name);
  if (!(await ws.backend.stackExists(name))) {
    throw new StateError("StackNotFound", `Stack "${name}" does not exist. Create it with \`iac stack init ${name}\`, or list stacks with \`iac stack ls\`.`);
  }
}

/** The resources in a stack's state (dependency order; pending-delete copies included). */
export async function stateList(ws: Workspace, target: StateTarget): Promise<readonly ResourceState[]> {
  await requireStack(ws, target.stack);
  return (await ws.backend.read(target.stack, target.crypter)).resources;
}

/** The state entries of one URN: the live resource first, then any pending-delete copies. */
export async function stateShow(ws: Workspace, target: StateTarget & { readonly urn: string }): Promise<readonly ResourceState[]> {
  await requireStack(ws, target.stack);
  const snapshot = await ws.backend.read(target.stack, target.crypter);
  return entriesOf(snapshot, target.urn, target.stack);
}

/**
 * Forget a resource (the cloud object is left as it is). Refuses a protected resource unless
 * `force`, and a resource that others depend on (naming them), since the state would then hold
 * edges to nothing.
 */
export async function stateDelete(ws: Workspace, target: StateTarget & { readonly urn: string; readonly force: boolean }): Promise<void> {
  await mutate(ws, target, "state delete", (snapshot) => {
    const entries = entriesOf(snapshot, target.urn, target.stack);
    if (!target.force && entries.some((e) => e.protect)) {
      throw new StateError(
        "ResourceProtected",
        `${target.urn} is protected, so it was not deleted from the state. Run \`iac state unprotect ${target.urn}\` first, or pass --force.`,
      );
    }
    const dependents = snapshot.resources.filter((r) => r.urn !== target.urn && refersTo(r, target.urn)).map((r) => r.urn);
    if (dependents.length > 0) {
      throw new StateError(
        "ResourceHasDependents",
        `${target.urn} cannot be deleted from the state because ${[...new Set(dependents)].join(", ")} depend(s) on it. Delete those from the state first (\`iac state delete <urn>\`).`,
      );
    }
    return {
      ...snapshot,
      resources: snapshot.resources.filter((r) => r.urn !== target.urn),
      pendingOperations: snapshot.pendingOperations.filter((op) => op.urn !== target.urn),
    };
  });
}

/** Clear `protect` on a resource (all its entries). */
export async function stateUnprotect(ws: Workspace, target: StateTarget & { readonly urn: string }): Promise<void> {
  await mutate(ws, target, "state unprotect", (snapshot) => {
    entriesOf(snapshot, target.urn, target.stack);
    return { ...snapshot, resources: snapshot.resources.map((r) => (r.urn === target.urn && r.protect ? { ...r, protect: false } : r)) };
  });
}

/** The stack's state as JSON, secrets encrypted (an export never holds plaintext). */
export async function stateExport(ws: Workspace, target: StateTarget): Promise<string> {
  await requireStack(ws, target.stack);
  const snapshot = await ws.backend.read(target.stack, target.crypter);
  return `${JSON.stringify(encryptSecrets(snapshot, target.crypter), null, 2)}\n`;
}

/**
 * Replace a stack's state with an export. Refuses text that is not a well-formed state (naming
 * the problems), and secrets this stack's key cannot decrypt.
 */
export async function stateImport(ws: Workspace, target: StateTarget & { readonly json: string }): Promise<void> {
  const imported = parseExport(target.json, target.crypter);
  // No read of the current state: importing a good export is how a corrupt one is repaired.
  await mutate(ws, target, "state import", imported);
}

function parseExport(json: string, crypter: Crypter): Snapshot {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new StateError("StateInvalid", `The state to import is not valid JSON (${(cause as Error).message}). Pass a file written by \`iac state export\`.`, { cause });
  }
  const problems = snapshotProblems(value);
  if (problems.length > 0) {
    throw new StateError("StateInvalid", `The state to import is not a valid iac state: ${problems.slice(0, 5).join("; ")}. Pass a file written by \`iac state export\`.`);
  }
  let snapshot: Snapshot;
  try {
    snapshot = decryptSecrets(value as Snapshot, crypter, "the state to import");
  } catch (error) {
    if (!(error instanceof SecretsDecryptError)) throw error;
    throw new SecretsDecryptError(
      `${error.message} An export's secrets are encrypted with the key of the stack it came from: import it into that stack, or with the same IAC_CONFIG_PASSPHRASE or key file.`,
      { cause: error },
    );
  }
  const { generation: _generation, ...rest } = snapshot as Snapshot & { generation?: unknown };
  const edges = referenceProblems(rest);
  if (edges.length > 0) {
    throw new StateError("StateInvalid", `The state to import is inconsistent: ${edges.slice(0, 5).join("; ")}. Fix the file, or import a complete export.`);
  }
  return rest;
}

/** Read, change and write a stack's state (or replace it) under its lock. */
async function mutate(ws: Workspace, target: StateTarget, command: string, change: ((snapshot: Snapshot) => Snapshot) | Snapshot): Promise<void> {
  await requireStack(ws, target.stack);
  const lock = await ws.backend.lock(target.stack, command);
  try {
    const next = typeof change === "function" ? change(await ws.backend.read(target.stack, target.crypter)) : change;
    await ws.backend.write(target.stack, next, target.crypter);
  } finally {
    await lock.release();
  }
}

function entriesOf(snapshot: Snapshot, urn: string, stack: string): ResourceState[] {
  const entries = snapshot.resources.filter((r) => r.urn === urn);
  if (entries.length === 0) {
    throw new StateError("ResourceNotFound", `No resource ${urn} in the state of stack "${stack}". List the URNs with \`iac state ls\`.`);
  }
  return entries.sort((a, b) => Number(a.pendingDelete ?? false) - Number(b.pendingDelete ?? false));
}

function refersTo(r: ResourceState, urn: string): boolean {
  return (
    r.dependencies.includes(urn) ||
    r.parent === urn ||
    r.provider?.urn === urn ||
    Object.values(r.propertyDependencies ?? {}).some((deps) => deps.includes(urn))
  );
}

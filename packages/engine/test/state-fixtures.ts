/** Shared helpers of the state, secrets and config tests: temp projects and resource records. */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { PropertyValue } from "@iac/sdk/provider";
import { wrapSecret } from "@iac/sdk/runtime";
import { crypterFromKey } from "../src/secrets.js";
import { createFileBackend } from "../src/state/file-backend.js";
import type { Backend, Crypter, PendingOperation, ResourceState, StateWriter } from "../src/state/types.js";

export const PROJECT = "app";

export interface TempProject {
  readonly dir: string;
  readonly backend: Backend;
  readonly crypter: Crypter;
  /** Directory of a stack's state files. */
  stackDir(stack: string): string;
}

/** A project directory removed when the test ends, with a file backend and a fast raw-key crypter. */
export async function tempProject(t: TestContext): Promise<TempProject> {
  const dir = await mkdtemp(join(tmpdir(), "iac-state-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return {
    dir,
    backend: createFileBackend({ projectDir: dir, project: PROJECT }),
    crypter: crypterFromKey(randomBytes(32), { describe: "the test key", remedy: "" }),
    stackDir: (stack) => join(dir, ".iac", "stacks", stack),
  };
}

export function urn(name: string, type = "test:index:Thing"): string {
  return `urn:iac:dev::${PROJECT}::${type}::${name}`;
}

export function resource(name: string, extra: Partial<ResourceState> = {}): ResourceState {
  return { urn: urn(name), type: "test:index:Thing", custom: true, id: `${name}-id`, inputs: { name }, outputs: { name, arn: `arn:${name}` }, dependencies: [], ...extra };
}

export function pending(name: string, op: PendingOperation["op"] = "create"): PendingOperation {
  return { urn: urn(name), type: "test:index:Thing", op, inputs: { name }, time: "2025-01-01T00:00:00.000Z" };
}

/** Every file under `dir`, recursively, with its text. */
export async function allFiles(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, text: await readFile(path, "utf8") });
  }
  return out;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Leave a stack's files as a process killed now would: the snapshot and journal as they are, not
 * compacted. (The writer is closed to release its file handle, then its compaction is undone.)
 */
export async function crashWriter(p: TempProject, stack: string, writer: StateWriter): Promise<void> {
  const dir = p.stackDir(stack);
  const snapshot = await readFile(join(dir, "snapshot.json"), "utf8").catch(() => undefined);
  const journal = await readFile(join(dir, "journal.ndjson"), "utf8");
  await writer.close();
  if (snapshot === undefined) await unlink(join(dir, "snapshot.json"));
  else await writeFile(join(dir, "snapshot.json"), snapshot);
  await writeFile(join(dir, "journal.ndjson"), journal);
}

/** A wrapped secret typed as the property value it stands in for (the SDK's `SecretValue` is an interface, not an index type). */
export function secret(value: PropertyValue): PropertyValue {
  return wrapSecret(value) as unknown as PropertyValue;
}

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { setConfigValue, stackConfigPath } from "../src/config.js";
import { crypterFromKey } from "../src/secrets.js";
import {
  currentStack,
  initStack,
  listStacks,
  removeStack,
  requireCurrentStack,
  selectStack,
  stateDelete,
  stateExport,
  stateImport,
  stateList,
  stateShow,
  stateUnprotect,
  type Workspace,
} from "../src/stacks.js";
import type { ResourceState, Snapshot } from "../src/state/types.js";
import { exists, resource, secret, tempProject, urn } from "./state-fixtures.js";

async function workspace(t: Parameters<typeof tempProject>[0]) {
  const p = await tempProject(t);
  const ws: Workspace = { projectDir: p.dir, project: "app", backend: p.backend };
  return { ...p, ws, target: { stack: "dev", crypter: p.crypter } };
}

function snapshotOf(resources: ResourceState[]): Snapshot {
  return { version: 1, project: "app", stack: "dev", secretsProvider: { type: "keyfile" }, resources, pendingOperations: [], outputs: {} };
}

test("init creates and selects a stack; select and list follow; an existing name is refused", async (t) => {
  const { ws } = await workspace(t);
  assert.equal(await currentStack(ws), undefined);
  await assert.rejects(requireCurrentStack(ws), (e: Error & { code?: string }) => e.code === "NoStackSelected" && /iac stack select/.test(e.message));
  await initStack(ws, "dev");
  await initStack(ws, "prod.eu-1_a");
  assert.equal(await currentStack(ws), "prod.eu-1_a");
  await selectStack(ws, "dev");
  assert.equal(await currentStack(ws), "dev");
  assert.deepEqual((await listStacks(ws)).map((s) => [s.name, s.current, s.resourceCount]), [["dev", true, 0], ["prod.eu-1_a", false, 0]]);
  await assert.rejects(initStack(ws, "dev"), { code: "StackExists" });
  await assert.rejects(selectStack(ws, "nope"), (e: Error & { code?: string }) => e.code === "StackNotFound" && /iac stack init nope/.test(e.message));
});

test("stack names other than letters, digits, -, _ and . are refused with a clear error", async (t) => {
  const { ws } = await workspace(t);
  for (const bad of ["", "a b", "../x", "..", "a/b", "dév"]) {
    await assert.rejects(initStack(ws, bad), (e: Error & { code?: string }) => e.code === "InvalidStackName" && /letters, digits/.test(e.message), bad);
  }
});

test("stack rm refuses a stack with resources unless forced, and removes its config and selection", async (t) => {
  const { ws, backend, crypter, dir, stackDir } = await workspace(t);
  await initStack(ws, "dev");
  await setConfigValue({ projectDir: dir, project: "app", stack: "dev", key: "region", value: "x", secret: false });
  await backend.write("dev", snapshotOf([resource("a")]), crypter);
  await assert.rejects(removeStack(ws, "dev", { force: false }), (e: Error & { code?: string }) =>
    e.code === "StackNotEmpty" && /run `iac destroy` first, or `iac stack rm --force` to forget them/.test(e.message),
  );
  assert.ok(await exists(stackDir("dev")));
  await removeStack(ws, "dev", { force: true });
  assert.equal(await exists(stackDir("dev")), false);
  assert.equal(await exists(stackConfigPath({ projectDir: dir, stack: "dev" })), false);
  assert.equal(await currentStack(ws), undefined);
  assert.deepEqual(await listStacks(ws), []);
});

test("stack rm of an empty stack needs no force, and is refused while another process holds the lock", async (t) => {
  const { ws, backend } = await workspace(t);
  await initStack(ws, "dev");
  const lock = await backend.lock("dev", "up");
  await assert.rejects(removeStack(ws, "dev", { force: false }), { code: "StackLocked" });
  await lock.release();
  await removeStack(ws, "dev", { force: false });
});

test("state ls and show list resources; show of an unknown URN is refused", async (t) => {
  const { ws, backend, crypter, target } = await workspace(t);
  await initStack(ws, "dev");
  await backend.write("dev", snapshotOf([resource("a"), resource("b", { dependencies: [urn("a")] })]), crypter);
  assert.deepEqual((await stateList(ws, target)).map((r) => r.urn), [urn("a"), urn("b")]);
  assert.deepEqual((await stateShow(ws, { ...target, urn: urn("b") })).map((r) => r.id), ["b-id"]);
  await assert.rejects(stateShow(ws, { ...target, urn: urn("zzz") }), { code: "ResourceNotFound" });
});

test("state delete refuses a protected resource unless forced, and a resource others depend on, naming them", async (t) => {
  const { ws, backend, crypter, target } = await workspace(t);
  await initStack(ws, "dev");
  await backend.write("dev", snapshotOf([resource("a"), resource("b", { dependencies: [urn("a")] }), resource("c", { protect: true })]), crypter);

  await assert.rejects(stateDelete(ws, { ...target, urn: urn("a"), force: true }), (e: Error & { code?: string }) =>
    e.code === "ResourceHasDependents" && e.message.includes(urn("b")),
  );
  await assert.rejects(stateDelete(ws, { ...target, urn: urn("c"), force: false }), (e: Error & { code?: string }) =>
    e.code === "ResourceProtected" && e.message.includes(`iac state unprotect ${urn("c")}`),
  );
  await stateDelete(ws, { ...target, urn: urn("b"), force: false });
  await stateDelete(ws, { ...target, urn: urn("a"), force: false });
  await stateDelete(ws, { ...target, urn: urn("c"), force: true });
  assert.deepEqual(await stateList(ws, target), []);
});

test("state unprotect clears protect, after which the resource can be deleted from the state", async (t) => {
  const { ws, backend, crypter, target } = await workspace(t);
  await initStack(ws, "dev");
  await backend.write("dev", snapshotOf([resource("c", { protect: true })]), crypter);
  await stateUnprotect(ws, { ...target, urn: urn("c") });
  assert.equal((await stateShow(ws, { ...target, urn: urn("c") }))[0].protect, false);
  await stateDelete(ws, { ...target, urn: urn("c"), force: false });
});

test("state operations are refused while the stack is locked", async (t) => {
  const { ws, backend, crypter, target } = await workspace(t);
  await initStack(ws, "dev");
  await backend.write("dev", snapshotOf([resource("a")]), crypter);
  const lock = await backend.lock("dev", "up");
  await assert.rejects(stateDelete(ws, { ...target, urn: urn("a"), force: false }), { code: "StackLocked" });
  await assert.rejects(stateUnprotect(ws, { ...target, urn: urn("a") }), { code: "StackLocked" });
  await lock.release();
});

test("state export holds secrets encrypted, and import of the export restores the same state", async (t) => {
  const { ws, backend, crypter, target } = await workspace(t);
  await initStack(ws, "dev");
  const original = snapshotOf([resource("a", { outputs: { key: secret("s3cr3t-value") } }), resource("b", { dependencies: [urn("a")] })]);
  await backend.write("dev", { ...original, outputs: { url: "u" } }, crypter);
  const exported = await stateExport(ws, target);
  assert.ok(!exported.includes("s3cr3t-value"));
  assert.match(exported, /"ciphertext": "v1:/);

  await backend.write("dev", snapshotOf([]), crypter);
  await stateImport(ws, { ...target, json: exported });
  const s = await backend.read("dev", crypter);
  assert.deepEqual(s.resources, original.resources);
  assert.deepEqual(s.outputs, { url: "u" });
});

test("state import refuses garbage, a wrong shape, dangling references and secrets of another key, leaving the state as it was", async (t) => {
  const { ws, backend, crypter, target } = await workspace(t);
  await initStack(ws, "dev");
  await backend.write("dev", snapshotOf([resource("keep")]), crypter);
  const good = JSON.parse(await stateExport(ws, target));

  await assert.rejects(stateImport(ws, { ...target, json: "not json" }), (e: Error & { code?: string }) => e.code === "StateInvalid" && /not valid JSON/.test(e.message));
  await assert.rejects(stateImport(ws, { ...target, json: JSON.stringify({ version: 1, resources: "x" }) }), { code: "StateInvalid" });
  await assert.rejects(stateImport(ws, { ...target, json: JSON.stringify({ ...good, version: 99 }) }), (e: Error & { code?: string }) => e.code === "StateInvalid" && /upgrade iac/.test(e.message));
  const dangling = { ...good, resources: [resource("x", { dependencies: [urn("missing")] })] };
  await assert.rejects(stateImport(ws, { ...target, json: JSON.stringify(dangling) }), (e: Error & { code?: string }) => e.code === "StateInvalid" && e.message.includes(urn("missing")));

  const other = crypterFromKey(randomBytes(32), { describe: "The other key", remedy: "" });
  await backend.write("dev", snapshotOf([resource("s", { outputs: { k: secret("v") } })]), other);
  const foreign = await stateExport(ws, { stack: "dev", crypter: other });
  await backend.write("dev", snapshotOf([resource("keep")]), crypter);
  await assert.rejects(stateImport(ws, { ...target, json: foreign }), (e: Error & { code?: string }) => e.code === "SecretsDecrypt" && /stack it came from/.test(e.message));
  assert.deepEqual((await stateList(ws, target)).map((r) => r.urn), [urn("keep")]);
});

test("state import repairs a stack whose snapshot is corrupt", async (t) => {
  const { ws, backend, crypter, target, stackDir } = await workspace(t);
  await initStack(ws, "dev");
  await backend.write("dev", snapshotOf([resource("a")]), crypter);
  const exported = await stateExport(ws, target);
  await writeFile(join(stackDir("dev"), "snapshot.json"), "{broken");
  await assert.rejects(stateList(ws, target), { code: "StateCorrupt" });
  await stateImport(ws, { ...target, json: exported });
  assert.deepEqual((await stateList(ws, target)).map((r) => r.urn), [urn("a")]);
  assert.ok((await stat(join(stackDir("dev"), "snapshot.json"))).size > 0);
});

/**
 * What the console's API makes of state, without a server: an Azure resource links to its portal
 * page, a Kubernetes object shows its kind and namespace, pending operations and old copies show
 * as a status; secrets read through the masking crypter are "[secret]" and need no key.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decryptSecrets, type Snapshot } from "@iac/engine";
import { wrapSecret, SECRET_SIG, SECRET_SIG_VALUE } from "@iac/sdk/runtime";
import { MASKING_CRYPTER, resourceDetail, resourceRows, showValue } from "../src/data.js";

const AZ_ID = "/subscriptions/0000-1111/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1";

const SNAPSHOT: Snapshot = {
  version: 1,
  project: "p",
  stack: "dev",
  secretsProvider: { type: "passphrase" },
  outputs: {},
  pendingOperations: [{ urn: "urn:iac:dev::p::kubernetes:apps/v1:Deployment::web", type: "kubernetes:apps/v1:Deployment", op: "update", time: "2026-01-01T00:00:00Z" }],
  resources: [
    { urn: "urn:iac:dev::p::azure:storage:StorageAccount::sa", type: "azure:storage:StorageAccount", custom: true, id: AZ_ID, inputs: { key: wrapSecret("k3y-plain") }, outputs: { primaryKey: wrapSecret("k3y-plain") }, dependencies: [] },
    { urn: "urn:iac:dev::p::kubernetes:apps/v1:Deployment::web", type: "kubernetes:apps/v1:Deployment", custom: true, id: "apps/web", inputs: { metadata: { namespace: "shop" } }, outputs: { kind: "Deployment", metadata: { namespace: "shop" } }, dependencies: [] },
    { urn: "urn:iac:dev::p::random:index:RandomPet::pet", type: "random:index:RandomPet", custom: true, id: "pet-1", inputs: {}, outputs: {}, dependencies: [], pendingDelete: true, protect: true },
  ],
};

test("rows: Azure portal link, Kubernetes kind and namespace, pending operation and old copy as status", () => {
  const rows = resourceRows(SNAPSHOT);
  assert.equal(rows[0].portalUrl, `https://portal.azure.com/#resource${AZ_ID}`);
  assert.equal(rows[0].provider, "azure");
  assert.equal(rows[0].kind, undefined);
  assert.equal(rows[1].kind, "Deployment");
  assert.equal(rows[1].namespace, "shop");
  assert.equal(rows[1].status, "updating");
  assert.equal(rows[1].portalUrl, undefined);
  assert.equal(rows[2].status, "pending-delete");
  assert.equal(rows[2].protect, true);
});

test("secrets: masked unless shown; the masking crypter turns any ciphertext into [secret] without a key", () => {
  const masked = { showSecrets: false, crypter: async () => MASKING_CRYPTER };
  const shown = { showSecrets: true, crypter: async () => MASKING_CRYPTER };
  const detail = resourceDetail(SNAPSHOT, SNAPSHOT.resources[0].urn, masked)!;
  assert.deepEqual(detail.inputs, { key: "[secret]" });
  assert.deepEqual(detail.outputs, { primaryKey: "[secret]" });
  assert.deepEqual(resourceDetail(SNAPSHOT, SNAPSHOT.resources[0].urn, shown)!.inputs, { key: "k3y-plain" });
  assert.equal(resourceDetail(SNAPSHOT, "urn:nope", masked), undefined);

  const onDisk = { a: { [SECRET_SIG]: SECRET_SIG_VALUE, ciphertext: "v1:not-decryptable-without-the-key" } };
  const read = decryptSecrets(onDisk, MASKING_CRYPTER, "test");
  assert.deepEqual(showValue(read, masked), { a: "[secret]" });
  assert.throws(() => MASKING_CRYPTER.encrypt("x"), /never writes state/);
});

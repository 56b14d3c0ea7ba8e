/**
 * `coordination.k8s.io/v1` Lease served as a built-in kind (lease.ts): discovery, MicroTime
 * decoding and its UTC form, ValidateLeaseSpec, create on PUT, no PUT without resourceVersion, and
 * a watch. Expected messages are what kube-apiserver v1.36.3 answered for the same requests
 * (conformance scenario leader-election, which compares both targets).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { raw, startKubeCloud, type KubeCloud } from "./kube-helpers.js";

const LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
const lease = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, ...metadata }, spec });

describe("Lease, as the real apiserver serves it", () => {
  let k: KubeCloud;
  before(async () => {
    k = await startKubeCloud();
  });
  after(() => k.close());
  const send = async (method: string, path: string, body?: unknown) => {
    const r = await raw(k.cloud, { method, path, ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}) });
    return { status: r.status, body: JSON.parse(r.body) as { message?: string; spec?: Record<string, unknown>; metadata?: { resourceVersion?: string }; resources?: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] } };
  };

  it("is in discovery as a namespaced kind with every verb", async () => {
    const r = await send("GET", "/apis/coordination.k8s.io/v1");
    assert.equal(r.status, 200);
    const leases = r.body.resources!.find((x) => x.name === "leases");
    assert.deepEqual({ kind: leases?.kind, namespaced: leases?.namespaced, verbs: [...(leases?.verbs ?? [])].sort() }, { kind: "Lease", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] });
  });

  it("stores MicroTimes in UTC with six digits; a null one is dropped; strategy and preferredHolder are dropped", async () => {
    const r = await send("POST", LEASES, lease("valid", { holderIdentity: "someone", leaseDurationSeconds: 15, acquireTime: "2026-12-06T23:00:00.123456+01:00", renewTime: null, strategy: "Youngest", preferredHolder: "other" }));
    assert.equal(r.status, 201, r.body.message);
    assert.deepEqual(r.body.spec, { holderIdentity: "someone", leaseDurationSeconds: 15, acquireTime: "2026-12-06T22:00:00.123456Z" });
  });

  it("refuses MicroTimes Go's RFC3339Micro layout refuses, wrong types, and what ValidateLeaseSpec refuses", async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ renewTime: "2026-12-06T22:00:00Z" }, 400, 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-06T22:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"'],
      [{ renewTime: "2026-12-06T22:00:00.123Z" }, 400, 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-06T22:00:00.123Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".123Z" as ".000000"'],
      [{ renewTime: "2026-12-06T22:00:00.123456789Z" }, 400, 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-06T22:00:00.123456789Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "789Z" as "Z07:00"'],
      [{ acquireTime: "yesterday" }, 400, 'Lease in version "v1" cannot be handled as a Lease: parsing time "yesterday" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "yesterday" as "2006"'],
      [{ renewTime: 1765058400 }, 400, 'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number into Go struct field LeaseSpec.spec.renewTime of type string'],
      [{ leaseDurationSeconds: "15" }, 400, 'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32'],
      [{ leaseDurationSeconds: 0 }, 422, 'Lease.coordination.k8s.io "bad" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
      [{ leaseTransitions: -1 }, 422, 'Lease.coordination.k8s.io "bad" is invalid: spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'],
    ];
    for (const [spec, status, message] of cases) {
      const r = await send("POST", LEASES, lease("bad", { holderIdentity: "a", ...spec }));
      assert.deepEqual([r.status, r.body.message], [status, message], JSON.stringify(spec));
    }
  });

  it("a PUT creates a Lease; an update needs the current resourceVersion; a watch sees both", async () => {
    const events: string[] = [];
    const watch = raw(k.cloud, { path: `${LEASES}?watch=true&timeoutSeconds=2` }).then((r) => events.push(...r.body.trim().split("\n").map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } }).filter((e) => e.object.metadata.name === "put").map((e) => e.type)));
    await new Promise((r) => setTimeout(r, 200));
    const created = await send("PUT", `${LEASES}/put`, lease("put", { holderIdentity: "a", leaseDurationSeconds: 5 }));
    assert.equal(created.status, 201, created.body.message);
    const unconditional = await send("PUT", `${LEASES}/put`, lease("put", { holderIdentity: "b" }));
    assert.deepEqual([unconditional.status, unconditional.body.message], [422, 'leases.coordination.k8s.io "put" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update']);
    const rv = created.body.metadata!.resourceVersion;
    const updated = await send("PUT", `${LEASES}/put`, lease("put", { holderIdentity: "b" }, { resourceVersion: rv }));
    assert.equal(updated.status, 200, updated.body.message);
    const stale = await send("PUT", `${LEASES}/put`, lease("put", { holderIdentity: "c" }, { resourceVersion: rv }));
    assert.deepEqual([stale.status, stale.body.message], [409, 'Operation cannot be fulfilled on leases.coordination.k8s.io "put": the object has been modified; please apply your changes to the latest version and try again']);
    await watch;
    assert.deepEqual(events, ["ADDED", "MODIFIED"]);
  });
});

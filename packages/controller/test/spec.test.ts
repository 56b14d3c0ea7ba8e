import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { findCondition, isReady, setCondition } from "../src/conditions.js";
import { formatDuration, parseDuration } from "../src/duration.js";
import { ControllerError, parseSpec, type StackObject } from "../src/index.js";

const stack = (spec: Record<string, unknown>): StackObject => ({ metadata: { name: "app", namespace: "team-a", generation: 3 }, spec });
const base = { sourceRef: { kind: "GitRepository", name: "infra" }, stack: "prod", interval: "5m" };

function refused(spec: Record<string, unknown>): string {
  try {
    parseSpec(stack(spec));
  } catch (e) {
    assert.ok(e instanceof ControllerError);
    assert.equal(e.code, "InvalidSpec");
    return e.message;
  }
  assert.fail("the spec was accepted");
}

describe("the Stack spec", () => {
  test("a minimal spec gets Flux's defaults", () => {
    const s = parseSpec(stack(base));
    assert.deepEqual(s.source, { kind: "flux", sourceKind: "GitRepository", name: "infra", namespace: "team-a" });
    assert.equal(s.path, ".");
    assert.equal(s.intervalMs, 300_000);
    assert.equal(s.retryIntervalMs, 300_000, "retryInterval defaults to interval");
    assert.equal(s.driftMode, "disabled");
    assert.equal(s.suspend, false);
    assert.equal(s.destroyOnDelete, false);
    assert.deepEqual(s.outputs, { configMap: "app-outputs" });
    assert.deepEqual(s.dependsOn, []);
  });

  test("a git source, config values and secrets, backend, drift, dependencies and outputs are read", () => {
    const s = parseSpec(stack({
      git: { url: "https://git.example.com/org/infra.git", ref: { tag: "v1.2.0" }, secretRef: { name: "creds" } },
      path: "./stacks/app",
      stack: "prod",
      interval: "1h30m",
      retryInterval: "30s",
      timeout: "10m",
      config: { "azure:location": { value: "westeurope" }, dbPassword: { secretKeyRef: { name: "db", key: "password" } } },
      backend: { url: "azblob://state/app", passphraseSecretRef: { name: "pass" } },
      driftDetection: { mode: "warn" },
      dependsOn: [{ name: "network" }, { name: "dns", namespace: "shared" }],
      suspend: true,
      destroyOnDelete: true,
      outputs: { configMap: "app-out", secret: "app-secrets" },
    }));
    assert.deepEqual(s.source, { kind: "git", url: "https://git.example.com/org/infra.git", ref: { tag: "v1.2.0" }, secretName: "creds" });
    assert.equal(s.path, "stacks/app");
    assert.equal(s.intervalMs, 5_400_000);
    assert.equal(s.retryIntervalMs, 30_000);
    assert.equal(s.timeoutMs, 600_000);
    assert.deepEqual(s.config, { "azure:location": { kind: "value", value: "westeurope" }, dbPassword: { kind: "secret", secretName: "db", key: "password" } });
    assert.equal(s.backendUrl, "azblob://state/app");
    assert.deepEqual(s.passphrase, { secretName: "pass", key: "passphrase" });
    assert.equal(s.driftMode, "warn");
    assert.deepEqual(s.dependsOn, [{ name: "network", namespace: "team-a" }, { name: "dns", namespace: "shared" }]);
    assert.equal(s.suspend, true);
    assert.equal(s.destroyOnDelete, true);
    assert.deepEqual(s.outputs, { configMap: "app-out", secret: "app-secrets" });
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["no source", { stack: "prod", interval: "5m" }, /spec\.sourceRef or spec\.git is required/],
    ["two sources", { ...base, git: { url: "https://x/y.git" } }, /both set: give one source/],
    ["an unknown source kind", { ...base, sourceRef: { kind: "HelmRepository", name: "x" } }, /GitRepository, OCIRepository, Bucket \(got "HelmRepository"\)/],
    ["a git URL that is not http(s)/ssh", { stack: "prod", interval: "5m", git: { url: "file:///tmp/repo" } }, /spec\.git\.url must be an http\(s\):\/\/ or ssh:\/\/ URL/],
    ["two git refs", { stack: "prod", interval: "5m", git: { url: "https://x/y.git", ref: { branch: "main", tag: "v1" } } }, /sets branch and tag/],
    ["a short commit", { stack: "prod", interval: "5m", git: { url: "https://x/y.git", ref: { commit: "abc123" } } }, /full 40-hex commit SHA/],
    ["no interval", { ...base, interval: undefined }, /spec\.interval is required/],
    ["a bad duration", { ...base, interval: "5 minutes" }, /spec\.interval is not a duration \(got "5 minutes"\)/],
    ["a path leaving the source", { ...base, path: "../other" }, /spec\.path must be a relative path inside the source/],
    ["a stack name with a space", { ...base, stack: "my stack" }, /spec\.stack must be a stack name/],
    ["a config value that is a number", { ...base, config: { replicas: { value: 3 } } }, /spec\.config\.replicas must have a string value or a secretKeyRef/],
    ["an unknown drift mode", { ...base, driftDetection: { mode: "fix" } }, /spec\.driftDetection\.mode must be enabled .* warn .* or disabled/],
    ["an unsupported backend", { ...base, backend: { url: "s3://bucket" } }, /spec\.backend\.url must be a kubernetes:\/\/<namespace>\[\/<prefix>\], azblob:\/\/ or file:\/\/ URL/],
  ];
  for (const [what, spec, message] of cases) {
    test(`refuses ${what}, naming the field`, () => {
      const m = refused(spec);
      assert.match(m, /^Stack team-a\/app: /);
      assert.match(m, message);
    });
  }
});

describe("durations", () => {
  test("Go durations parse and print", () => {
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration("5"), undefined);
    assert.equal(formatDuration(30_000), "30s");
    assert.equal(formatDuration(300_000), "5m0s");
    assert.equal(formatDuration(3_723_000), "1h2m3s");
  });
});

describe("conditions", () => {
  test("a condition keeps its transition time while its status stays, and changes it when the status changes", () => {
    let c = setCondition(undefined, { type: "Ready", status: "False", reason: "ArtifactFailed", message: "no artifact" }, 1, "2026-01-01T00:00:00Z");
    c = setCondition(c, { type: "Ready", status: "False", reason: "ReconciliationFailed", message: "boom" }, 2, "2026-01-01T00:05:00Z");
    assert.equal(findCondition(c, "Ready")!.lastTransitionTime, "2026-01-01T00:00:00Z");
    assert.equal(findCondition(c, "Ready")!.reason, "ReconciliationFailed");
    assert.equal(findCondition(c, "Ready")!.observedGeneration, 2);
    c = setCondition(c, { type: "Reconciling", status: "True", reason: "Progressing", message: "reconciliation in progress" }, 2, "2026-01-01T00:06:00Z");
    c = setCondition(c, { type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "Applied revision: main@sha1:abc" }, 2, "2026-01-01T00:07:00Z");
    assert.equal(findCondition(c, "Ready")!.lastTransitionTime, "2026-01-01T00:07:00Z");
    assert.deepEqual(c.map((x) => x.type), ["Ready", "Reconciling"]);
  });

  test("a Stack is ready for dependants only when Ready=True for its current generation", () => {
    const conditions = setCondition(undefined, { type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "ok" }, 2, "2026-01-01T00:00:00Z");
    assert.equal(isReady({ metadata: { generation: 2 }, status: { observedGeneration: 2, conditions } }), true);
    assert.equal(isReady({ metadata: { generation: 3 }, status: { observedGeneration: 2, conditions } }), false, "a new generation not yet applied");
    assert.equal(isReady({ metadata: { generation: 2 }, status: {} }), false);
  });
});

describe("status patches", () => {
  test("a merge patch that replaces the status sends null for what the new one no longer has", async () => {
    const { replacing } = await import("../src/reconcile.js");
    const old = { lastUpdate: { resourceChanges: { create: 1 }, error: "boom" }, drift: { detected: true }, observedGeneration: 1 };
    const next = { lastUpdate: { resourceChanges: { same: 1 } }, observedGeneration: 2 };
    assert.deepEqual(replacing(old, next), { lastUpdate: { resourceChanges: { create: null, same: 1 }, error: null }, drift: null, observedGeneration: 2 });
  });
});

describe("the cluster connection", () => {
  test("a kubeconfig that cannot be read is refused with what to do", async () => {
    const { Kube } = await import("../src/index.js");
    assert.throws(() => Kube.load({ kubeconfig: "/nonexistent/kubeconfig" }), (e: unknown) => {
      assert.ok(e instanceof ControllerError);
      assert.equal(e.code, "InvalidKubeconfig");
      assert.match(e.message, /^Cannot load \/nonexistent\/kubeconfig: ENOENT.*Pass --kubeconfig <file>, or run the controller in a pod\.$/);
      return true;
    });
  });
});

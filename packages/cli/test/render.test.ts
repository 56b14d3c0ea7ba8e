import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineEvent, StepInfo } from "@iac/engine";
import { wrapSecret } from "@iac/sdk/runtime";
import { UNKNOWN } from "@iac/sdk/provider";
import { createRenderer } from "../src/render/renderer.js";
import { TreeRenderer } from "../src/render/tree-renderer.js";
import { formatOutputs, formatStepDiff, formatSummary } from "../src/render/format.js";
import { colorEnabled, createStyler } from "../src/io.js";

const plain = createStyler(false);

/** A stream that keeps what is written. */
function sink(tty?: { columns: number; rows: number }) {
  const chunks: string[] = [];
  return {
    write: (s: string) => chunks.push(s),
    text: () => chunks.join(""),
    ...(tty ? { isTTY: true, columns: tty.columns, rows: tty.rows } : {}),
  };
}

const PROJECT = "demo";
const urn = (type: string, name: string, parentType?: string) => `urn:iac:dev::${PROJECT}::${parentType ? `${parentType}$` : ""}${type}::${name}`;

const component: StepInfo = { urn: urn("my:index:Web", "web"), type: "my:index:Web", name: "web", kind: "create" };
const pet: StepInfo = { urn: urn("random:index:RandomPet", "pet", "my:index:Web"), type: "random:index:RandomPet", name: "pet", parent: component.urn, kind: "create" };
const thing: StepInfo = {
  urn: urn("test:index:Thing", "thing"),
  type: "test:index:Thing",
  name: "thing",
  kind: "update",
  diffs: [{ path: "value", kind: "update", replace: false }],
  olds: { value: "a" },
  news: { value: "b" },
};
const password: StepInfo = {
  urn: urn("random:index:RandomPassword", "pw"),
  type: "random:index:RandomPassword",
  name: "pw",
  kind: "replace",
  diffs: [
    { path: "keepers.version", kind: "update", replace: true, reason: "random values are regenerated when keepers change" },
    { path: "secretInput", kind: "update", replace: false },
  ],
  olds: { keepers: { version: "1" }, secretInput: "[secret]" },
  news: { keepers: { version: "2" }, secretInput: "[secret]" },
};
const same: StepInfo = { urn: urn("random:index:RandomId", "id"), type: "random:index:RandomId", name: "id", kind: "same" };

function upEvents(): EngineEvent[] {
  let t = 1_000;
  const at = () => (t += 10);
  const events: EngineEvent[] = [{ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: at() }];
  for (const step of [component, pet, thing, password, same]) {
    events.push({ kind: "step-start", step, time: at() });
    events.push({ kind: "step-done", step, durationMs: 200, time: at() });
  }
  events.push({ kind: "diagnostic", severity: "warning", urn: thing.urn, message: "the API is slow today", time: at() });
  events.push({ kind: "diagnostic", severity: "debug", message: "debug detail", time: at() });
  events.push({ kind: "outputs", outputs: { name: "x" }, time: at() });
  events.push({ kind: "summary", operation: "up", counts: { create: 2, update: 1, replace: 1, same: 1 }, changes: true, failed: 0, durationMs: 2_100, time: at() });
  return events;
}

test("the summary line counts each kind of step and the duration", () => {
  assert.equal(
    formatSummary({ operation: "up", preview: false, counts: { create: 3, update: 1, replace: 1, same: 4 }, failed: 0, durationMs: 2_100 }),
    "Resources: 3 created, 1 updated, 1 replaced, 4 unchanged. Duration: 2.1s",
  );
  assert.equal(
    formatSummary({ operation: "preview", preview: true, counts: { create: 2, delete: 1 }, failed: 1, durationMs: 61_000 }),
    "Resources: 2 to create, 1 to delete, 1 failed. Duration: 1m01s",
  );
  assert.equal(formatSummary({ operation: "up", preview: false, counts: {}, failed: 0, durationMs: 0 }), "Resources: none. Duration: 0.0s");
});

test("a property that forces replacement is marked with the reason", () => {
  const lines = formatStepDiff(password, { showValues: false, style: plain });
  assert.match(lines[0], /^\s+\+- random:index:RandomPassword\s+pw\s+replace$/);
  assert.match(lines[1], /~ keepers\.version \[replace: random values are regenerated when keepers change\]$/);
  assert.match(lines[2], /~ secretInput$/);
});

test("a delete-before-replace reads -+ and says it deletes first", () => {
  const lines = formatStepDiff({ ...password, deleteBeforeReplace: true }, { showValues: false, style: plain });
  assert.match(lines[0], /-\+ random:index:RandomPassword\s+pw\s+replace \(delete first\)$/);
});

test("--diff shows old and new values, with secrets and unknowns spelled out", () => {
  const lines = formatStepDiff(password, { showValues: true, style: plain });
  assert.match(lines[1], /~ keepers\.version: "1" => "2" \[replace/);
  assert.match(lines[2], /~ secretInput: \[secret\] => \[secret\]$/);
  const created = formatStepDiff({ ...pet, news: { length: 2, token: wrapSecret("hunter2"), id: UNKNOWN } }, { showValues: true, style: plain });
  assert.deepEqual(created.slice(1).map((l) => l.trim()), ["+ length: 2", "+ token: [secret]", "+ id: (known after apply)"]);
  assert.ok(!created.join("\n").includes("hunter2"));
});

test("--diff shows a change inside a list with a secret element element by element, and a part of a secret as [secret]", () => {
  const step = {
    urn: "urn:iac:dev::p::azure:containerinstance:ContainerGroup::app",
    type: "azure:containerinstance:ContainerGroup",
    name: "app",
    kind: "update" as const,
    diffs: [
      { path: "containers[1].image", kind: "update" as const, replace: false },
      { path: "containers[0].environmentVariables[0].secureValue", kind: "update" as const, replace: false },
      { path: "tags.owner", kind: "update" as const, replace: false },
    ],
    olds: { containers: [{ image: "a:1", environmentVariables: [{ name: "K", secureValue: "[secret]" }] }, { image: "b:1" }], tags: "[secret]" },
    news: { containers: [{ image: "a:1", environmentVariables: [{ name: "K", secureValue: "[secret]" }] }, { image: "b:2" }], tags: "[secret]" },
  };
  const lines = formatStepDiff(step, { showValues: true, style: plain });
  assert.ok(lines.some((l) => l.includes('containers[1].image: "b:1" => "b:2"')), lines.join("\n"));
  assert.ok(lines.some((l) => l.includes("containers[0].environmentVariables[0].secureValue: [secret] => [secret]")), lines.join("\n"));
  assert.ok(lines.some((l) => l.includes("tags.owner: [secret] => [secret]")), lines.join("\n"));
});

test("off a terminal, an up prints one line per step start and done, the diffs, then the summary", () => {
  const out = sink();
  const renderer = createRenderer({ mode: "plain", out, style: plain, showValues: false, showDiffs: true, verbose: false });
  for (const e of upEvents()) renderer.onEvent(e);
  renderer.close();
  const text = out.text();
  const lines = text.split("\n");
  assert.equal(lines[0], "Updating stack dev (project demo)");
  assert.ok(lines.includes("+  random:index:RandomPet pet creating..."));
  assert.ok(lines.includes("+  random:index:RandomPet pet created (0.2s)"));
  assert.ok(lines.includes("~  test:index:Thing thing updated (0.2s)"));
  assert.ok(lines.includes("warning: thing: the API is slow today"));
  assert.ok(!text.includes("debug detail"), "debug diagnostics need --verbose");
  assert.ok(!text.includes("random:index:RandomId id"), "unchanged resources print no step lines");
  const changes = lines.indexOf("Changes:");
  assert.ok(changes > 0);
  assert.match(lines[changes + 1], /\+  my:index:Web\s+web\s+create/);
  assert.ok(lines.some((l) => /\[replace: random values are regenerated/.test(l)));
  assert.equal(lines.at(-2), "Resources: 2 created, 1 updated, 1 replaced, 1 unchanged. Duration: 2.1s");
  assert.ok(!/\x1b\[/.test(text), "no escape codes when colour is off");
});

test("a failed step is reported with its error and counted", () => {
  const out = sink();
  const renderer = createRenderer({ mode: "plain", out, style: plain, showValues: false, showDiffs: true, verbose: false });
  renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: 1 });
  renderer.onEvent({ kind: "step-start", step: pet, time: 2 });
  renderer.onEvent({ kind: "step-failed", step: pet, error: { code: "Conflict", message: "name taken" }, durationMs: 5, time: 3 });
  renderer.onEvent({ kind: "step-skipped", step: thing, reason: "a resource it depends on failed", time: 4 });
  renderer.onEvent({ kind: "summary", operation: "up", counts: {}, changes: false, failed: 1, durationMs: 10, time: 5 });
  const text = out.text();
  assert.match(text, /random:index:RandomPet pet create failed: name taken/);
  assert.match(text, /^⊘  test:index:Thing thing skipped: a resource it depends on failed$/m, "a skipped resource has its own marker, not the step symbol");
  assert.match(text, /Resources: 1 failed\. Duration: 0\.0s/);
  assert.doesNotMatch(text, /Changes:/, "a failed or skipped step changed nothing, so it is not listed as a change");
});

test("a preview lists the planned changes and counts them in the future tense", () => {
  const out = sink();
  const renderer = createRenderer({ mode: "plain", out, style: plain, showValues: false, showDiffs: true, verbose: false });
  renderer.onEvent({ kind: "prelude", operation: "preview", stack: "dev", project: PROJECT, preview: true, time: 1 });
  for (const step of [pet, same]) renderer.onEvent({ kind: "step-planned", step, time: 2 });
  renderer.onEvent({ kind: "summary", operation: "preview", counts: { create: 1, same: 1 }, changes: true, failed: 0, durationMs: 300, time: 3 });
  const lines = out.text().split("\n");
  assert.equal(lines[0], "Previewing update of stack dev (project demo)");
  assert.ok(lines.includes("Planned changes:"));
  assert.equal(lines.filter((l) => l.includes("random:index:RandomId")).length, 0, "unchanged resources are not in the diff section");
  assert.ok(lines.includes("Resources: 1 to create, 1 unchanged. Duration: 0.3s"));
});

test("--json writes each event as one JSON line with secrets masked", () => {
  const out = sink();
  const renderer = createRenderer({ mode: "json", out, style: plain, showValues: false, showDiffs: true, verbose: false });
  const events = upEvents();
  events.splice(1, 0, { kind: "outputs", outputs: { password: wrapSecret("hunter2") as never }, time: 5 });
  for (const e of events) renderer.onEvent(e);
  const lines = out.text().trimEnd().split("\n");
  assert.equal(lines.length, events.length);
  const parsed = lines.map((l) => JSON.parse(l) as { kind: string });
  assert.deepEqual(parsed.map((p) => p.kind), events.map((e) => e.kind));
  assert.ok(!out.text().includes("hunter2"));
  assert.deepEqual((parsed[1] as unknown as { outputs: unknown }).outputs, { password: "[secret]" });
});

test("on a terminal the tree shows children under their parent with status, kind and elapsed time", () => {
  const out = sink({ columns: 120, rows: 40 });
  let now = 10_000;
  const renderer = new TreeRenderer({ mode: "tree", out, style: plain, showValues: false, showDiffs: true, verbose: false, now: () => now, frameMs: 60_000 });
  renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: now });
  renderer.onEvent({ kind: "step-start", step: component, time: now });
  renderer.onEvent({ kind: "step-start", step: pet, time: now });
  renderer.onEvent({ kind: "step-planned", step: same, time: now });
  now += 1_500;
  const frame = renderer.frameLines();
  assert.equal(frame[0], "Updating stack dev (project demo)");
  const webLine = frame.findIndex((l) => l.includes("my:index:Web"));
  const petLine = frame.findIndex((l) => l.includes("random:index:RandomPet"));
  assert.equal(petLine, webLine + 1, "the child comes right after its parent");
  const indent = (l: string) => l.length - l.trimStart().length;
  assert.ok(indent(frame[petLine]) > indent(frame[webLine]), "the child is indented");
  assert.match(frame[petLine], /\+  random:index:RandomPet  pet  creating 1\.5s$/);
  renderer.onEvent({ kind: "step-done", step: pet, durationMs: 1_500, time: now });
  renderer.onEvent({ kind: "step-failed", step: component, error: { code: "X", message: "boom\nsecond line" }, durationMs: 1_600, time: now });
  const after = renderer.frameLines();
  assert.match(after.find((l) => l.includes("RandomPet"))!, /✓ \+  random:index:RandomPet  pet  created 1\.5s$/);
  assert.match(after.find((l) => l.includes("my:index:Web"))!, /✗ \+  my:index:Web  web  create failed: boom \.\.\.$/);
  renderer.onEvent({ kind: "summary", operation: "up", counts: { create: 1 }, changes: true, failed: 1, durationMs: 1_600, time: now });
  renderer.close();
  const text = out.text();
  assert.match(text, /Resources: 1 created, 1 failed\. Duration: 1\.6s\n$/);
  assert.match(text, /Changes:\n/);
});

test("the tree redraws in place, erasing the previous frame", () => {
  const out = sink({ columns: 100, rows: 30 });
  const renderer = new TreeRenderer({ mode: "tree", out, style: plain, showValues: false, showDiffs: false, verbose: false, now: () => 0, frameMs: 60_000 });
  renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: 0 });
  renderer.onEvent({ kind: "step-start", step: pet, time: 0 });
  renderer.redraw();
  const first = out.text();
  assert.equal(first.split("\n").length - 1, 2, "heading and one resource");
  renderer.redraw();
  assert.ok(out.text().slice(first.length).startsWith("\r\x1b[2A\x1b[J"), "the second frame starts by erasing the two lines of the first");
  renderer.onEvent({ kind: "diagnostic", severity: "info", message: "hello", time: 0 });
  renderer.onEvent({ kind: "summary", operation: "up", counts: { create: 1 }, changes: true, failed: 0, durationMs: 0, time: 0 });
  const text = out.text();
  assert.match(text, /info: hello\n/);
  // The final frame is drawn once the summary arrives, after the diagnostic was printed above it.
  assert.ok(text.indexOf("info: hello") < text.lastIndexOf("random:index:RandomPet"));
});

test("a tree taller than the terminal shows the rows in progress and counts the rest", () => {
  const out = sink({ columns: 100, rows: 8 });
  const renderer = new TreeRenderer({ mode: "tree", out, style: plain, showValues: false, showDiffs: false, verbose: false, now: () => 0, frameMs: 60_000 });
  renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: 0 });
  for (let i = 0; i < 20; i++) {
    const step: StepInfo = { urn: urn("random:index:RandomId", `r${i}`), type: "random:index:RandomId", name: `r${i}`, kind: "create" };
    renderer.onEvent({ kind: i === 7 ? "step-start" : "step-planned", step, time: 0 });
  }
  const frame = renderer.frameLines();
  assert.ok(frame.length <= 8 - 2);
  assert.ok(frame.some((l) => l.includes(" r7 ")));
  assert.match(frame.at(-1)!, /\.\.\. and 19 more resource\(s\)/);
  renderer.close();
});

test("long resource names are cut so that a line never wraps", () => {
  const out = sink({ columns: 50, rows: 30 });
  const renderer = new TreeRenderer({ mode: "tree", out, style: plain, showValues: false, showDiffs: false, verbose: false, now: () => 0, frameMs: 60_000 });
  renderer.onEvent({ kind: "step-start", step: { ...pet, parent: undefined, name: "x".repeat(100) }, time: 0 });
  for (const line of renderer.frameLines()) assert.ok(line.length < 50, `too long: ${line}`);
  renderer.close();
});

test("stack outputs mask secrets unless asked to show them", () => {
  const outputs = { url: "https://x", password: wrapSecret("hunter2") };
  const masked = formatOutputs(outputs, { showSecrets: false, style: plain });
  assert.deepEqual(masked, ["Outputs:", "    password: [secret]", "    url:      \"https://x\""]);
  const shown = formatOutputs(outputs, { showSecrets: true, style: plain });
  assert.ok(shown.includes("    password: \"hunter2\""));
  assert.deepEqual(formatOutputs({}, { showSecrets: false, style: plain }), []);
});

test("colour follows the terminal, NO_COLOR and FORCE_COLOR", () => {
  assert.equal(colorEnabled({ write: () => true, isTTY: true }, {}), true);
  assert.equal(colorEnabled({ write: () => true, isTTY: true }, { NO_COLOR: "1" }), false);
  assert.equal(colorEnabled({ write: () => true }, {}), false);
  assert.equal(colorEnabled({ write: () => true }, { FORCE_COLOR: "1" }), true);
  assert.equal(colorEnabled({ write: () => true, isTTY: true }, { FORCE_COLOR: "0" }), false);
  assert.match(createStyler(true)("red", "x"), /\x1b\[31mx/);
  assert.equal(createStyler(false)("red", "x"), "x");
});

test("the delete of a replaced copy continues the replace row instead of turning it into a delete", () => {
  const out = sink();
  const renderer = createRenderer({ mode: "plain", out, style: plain, showValues: false, showDiffs: true, verbose: false });
  const oldCopy: StepInfo = { urn: password.urn, type: password.type, name: password.name, kind: "delete" };
  renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: 0 });
  renderer.onEvent({ kind: "step-start", step: password, time: 0 });
  renderer.onEvent({ kind: "step-done", step: password, durationMs: 100, time: 100 });
  // The engine plans the old copy's delete once the replacement exists (as `iac up` does).
  renderer.onEvent({ kind: "step-planned", step: oldCopy, time: 150 });
  renderer.onEvent({ kind: "step-start", step: oldCopy, time: 200 });
  renderer.onEvent({ kind: "step-done", step: oldCopy, durationMs: 50, time: 250 });
  renderer.onEvent({ kind: "summary", operation: "up", counts: { replace: 1 }, changes: true, failed: 0, durationMs: 300, time: 300 });
  const lines = out.text().split("\n");
  assert.ok(lines.includes("+- random:index:RandomPassword pw deleting the replaced copy..."));
  assert.ok(lines.includes("+- random:index:RandomPassword pw deleted the replaced copy (0.1s)"));
  const changes = lines.slice(lines.indexOf("Changes:") + 1).filter((l) => l.includes("RandomPassword"));
  assert.equal(changes.length, 1);
  assert.match(changes[0], /\+- random:index:RandomPassword\s+pw\s+replace$/);

  const tty = sink({ columns: 120, rows: 30 });
  const tree = new TreeRenderer({ mode: "tree", out: tty, style: plain, showValues: false, showDiffs: false, verbose: false, now: () => 250, frameMs: 60_000 });
  for (const e of [
    { kind: "step-start", step: password, time: 0 },
    { kind: "step-done", step: password, durationMs: 100, time: 100 },
    { kind: "step-planned", step: oldCopy, time: 150 },
    { kind: "step-start", step: oldCopy, time: 200 },
    { kind: "step-done", step: oldCopy, durationMs: 50, time: 250 },
  ] as EngineEvent[]) tree.onEvent(e);
  assert.match(tree.frameLines().join("\n"), /✓ \+- random:index:RandomPassword  pw  replaced 0\.3s/);
  tree.close();
});

test("operations an interrupted run left are resolved by an up, and a preview says what resolves them", () => {
  const pending: EngineEvent = { kind: "pending-operations", operations: [{ urn: password.urn, type: password.type, op: "create" }], time: 0 };
  for (const preview of [false, true]) {
    const out = sink();
    const renderer = createRenderer({ mode: "plain", out, style: plain, showValues: false, showDiffs: true, verbose: false });
    renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview, time: 0 });
    renderer.onEvent(pending);
    renderer.close();
    const text = out.text();
    assert.match(text, new RegExp(`create ${password.urn.replace(/[$]/g, "\\$")}`));
    if (preview) assert.match(text, /Run `iac up` or `iac refresh` to resolve them\./);
    else {
      assert.match(text, /This run resolves them first\./);
      assert.doesNotMatch(text, /Run `iac refresh`/);
    }
  }
});

test("a failed check shows as a check failure, with no step kind, and its skipped dependent with the skipped marker", () => {
  // The engine names a step whose check failed "update" (it exists) before any step was decided.
  const checked: StepInfo = { ...thing, kind: "update" };
  const dependent: StepInfo = { ...pet, parent: undefined, kind: "create" };
  const events: EngineEvent[] = [
    { kind: "prelude", operation: "preview", stack: "dev", project: PROJECT, preview: true, time: 1 },
    { kind: "step-failed", step: checked, error: { code: "CheckFailed", message: "property length: must be at least 1" }, durationMs: 1, time: 2 },
    { kind: "step-skipped", step: dependent, reason: `it depends on ${checked.urn}, which failed`, time: 3 },
    { kind: "summary", operation: "preview", counts: {}, changes: false, failed: 1, durationMs: 10, time: 4 },
  ];
  const out = sink();
  const renderer = createRenderer({ mode: "plain", out, style: plain, showValues: false, showDiffs: true, verbose: false });
  for (const e of events) renderer.onEvent(e);
  const text = out.text();
  assert.match(text, /^✗  test:index:Thing thing check failed: property length: must be at least 1$/m);
  assert.doesNotMatch(text, /update failed|~ /, "no update is drawn for a resource whose step was never decided");
  assert.match(text, /^⊘  random:index:RandomPet pet skipped: it depends on/m);
  assert.doesNotMatch(text, /\+ +random:index:RandomPet/, "a skipped resource is not drawn as a create");

  const tree = new TreeRenderer({ mode: "tree", out: sink({ columns: 200, rows: 40 }), style: plain, showValues: false, showDiffs: true, verbose: false, now: () => 0, frameMs: 60_000 });
  for (const e of events.slice(0, 3)) tree.onEvent(e);
  const frame = tree.frameLines();
  tree.close();
  assert.match(frame.find((l) => l.includes("test:index:Thing"))!, /^  ✗    test:index:Thing  thing  check failed: property length: must be at least 1$/);
  assert.match(frame.find((l) => l.includes("RandomPet"))!, /^  ⊘    random:index:RandomPet  pet  skipped: it depends on/);
});

test("the outputs section shows, before the summary, the outputs added, changed and removed; an up lists every output", () => {
  const outputsEvent: EngineEvent = {
    kind: "outputs",
    outputs: { kept: "same", added: 1, changed: "new", token: "[secret]", later: "(known after apply)" },
    previous: { kept: "same", changed: "old", token: "[secret]", gone: true, later: "x" },
    changed: ["added", "changed", "gone", "later", "token"],
    time: 2,
  };
  const run = (preview: boolean) => {
    const out = sink();
    const renderer = createRenderer({ mode: "plain", out, style: plain, showValues: false, showDiffs: true, verbose: false });
    const operation = preview ? "preview" : "up";
    renderer.onEvent({ kind: "prelude", operation, stack: "dev", project: PROJECT, preview, time: 1 });
    renderer.onEvent({ kind: "step-done", step: same, durationMs: 1, time: 2 });
    renderer.onEvent(outputsEvent);
    renderer.onEvent({ kind: "summary", operation, counts: { same: 1 }, changes: false, failed: 0, durationMs: 10, time: 3 });
    return out.text();
  };
  const previewed = run(true);
  const section = previewed.slice(previewed.indexOf("Outputs:"));
  assert.equal(
    section,
    [
      "Outputs:",
      "  + added: 1",
      '  ~ changed: "old" => "new"',
      "  - gone: true",
      '  ~ later: "x" => (known after apply)',
      "  ~ token: [secret] => [secret]",
      "",
      "Resources: 1 unchanged. Duration: 0.0s",
      "",
    ].join("\n"),
    "a secret whose value changed is listed, still masked; an unchanged output is not",
  );
  const applied = run(false);
  assert.match(applied, /^    kept: "same"$/m, "after an up, unchanged outputs are listed too");
  assert.match(applied, /^  \+ added: 1$/m);

  const quiet = sink();
  const renderer = createRenderer({ mode: "plain", out: quiet, style: plain, showValues: false, showDiffs: true, verbose: false });
  renderer.onEvent({ kind: "prelude", operation: "preview", stack: "dev", project: PROJECT, preview: true, time: 1 });
  renderer.onEvent({ kind: "outputs", outputs: { kept: "same" }, previous: { kept: "same" }, changed: [], time: 2 });
  renderer.onEvent({ kind: "summary", operation: "preview", counts: {}, changes: false, failed: 0, durationMs: 0, time: 3 });
  assert.doesNotMatch(quiet.text(), /Outputs:/, "a preview that changes no output has no outputs section");
});

test("a failure row keeps the whole type and name, and cuts the error message instead", () => {
  const out = sink({ columns: 80, rows: 30 });
  const renderer = new TreeRenderer({ mode: "tree", out, style: plain, showValues: false, showDiffs: false, verbose: false, now: () => 0, frameMs: 60_000 });
  const step: StepInfo = { urn: urn("azure:containerinstance:ContainerGroup", "realtime-app"), type: "azure:containerinstance:ContainerGroup", name: "realtime-app", kind: "create" };
  renderer.onEvent({ kind: "step-start", step, time: 0 });
  const message = "The container group's image registry credentials were refused by the registry: check the server, username and password";
  renderer.onEvent({ kind: "step-failed", step, durationMs: 5, error: { message, code: "ProviderError" }, time: 1 } as EngineEvent);
  const row = renderer.frameLines().find((l) => l.includes("✗"))!;
  assert.ok(row.includes("azure:containerinstance:ContainerGroup  realtime-app"), row);
  assert.match(row, /create failed: \S.*…$/);
  assert.ok(row.length < 80, `too long: ${row}`);
  renderer.close();
});

test("a component shows as done only when its children are", () => {
  const out = sink({ columns: 100, rows: 30 });
  const renderer = new TreeRenderer({ mode: "tree", out, style: plain, showValues: false, showDiffs: false, verbose: false, now: () => 0, frameMs: 60_000 });
  renderer.onEvent({ kind: "step-start", step: component, time: 0 });
  renderer.onEvent({ kind: "step-done", step: component, durationMs: 0, time: 0 });
  renderer.onEvent({ kind: "step-start", step: pet, time: 0 });
  const web = () => renderer.frameLines().find((l) => l.includes("my:index:Web"))!;
  assert.doesNotMatch(web(), /✓/, "a child is still being created");
  assert.match(web(), /creating/);
  renderer.onEvent({ kind: "step-done", step: pet, durationMs: 10, time: 10 });
  assert.match(web(), /✓/);
  renderer.close();
});

test("in a narrow terminal, deep rows keep their whole type: the name and state give way, and a row that still wraps is erased whole", () => {
  const out = sink({ columns: 40, rows: 30 });
  const renderer = new TreeRenderer({ mode: "tree", out, style: plain, showValues: false, showDiffs: false, verbose: false, now: () => 0, frameMs: 60_000 });
  const type = "azure:containerinstance:ContainerGroup";
  const parent: StepInfo = { urn: urn("my:index:App", "app"), type: "my:index:App", name: "app", kind: "create" };
  const group: StepInfo = { urn: urn(type, "realtime-app", "my:index:App"), type, name: "realtime-app", parent: parent.urn, kind: "create" };
  renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: 0 });
  renderer.onEvent({ kind: "step-start", step: parent, time: 0 });
  renderer.onEvent({ kind: "step-start", step: group, time: 0 });
  renderer.onEvent({ kind: "step-failed", step: group, durationMs: 5, error: { code: "ProviderError", message: "the registry refused the credentials" }, time: 1 });
  const row = renderer.frameLines().find((l) => l.includes("✗"))!;
  assert.ok(row.includes(`${type}  `), `the type is whole: ${row}`);
  renderer.redraw();
  const first = out.text();
  // Heading (1 row), the parent (1), the failed row: longer than 40 columns, so 2 rows.
  assert.ok(row.length > 40 && row.length <= 80, row);
  renderer.redraw();
  assert.ok(out.text().slice(first.length).startsWith("\r\x1b[4A\x1b[J"), "the next frame erases the 4 terminal rows the last one took");
  renderer.close();
});

test("after the tree, each failure is listed with its whole message, which its row had cut", () => {
  const out = sink({ columns: 80, rows: 30 });
  const renderer = new TreeRenderer({ mode: "tree", out, style: plain, showValues: false, showDiffs: false, verbose: false, now: () => 0, frameMs: 60_000 });
  const step: StepInfo = { urn: urn("azure:storage:StorageAccount", "data"), type: "azure:storage:StorageAccount", name: "data", kind: "create" };
  const message = "The storage account name data1234 is already taken by another subscription: choose another name, or leave it out to get an autoname\nsecond line of detail";
  renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: 0 });
  renderer.onEvent({ kind: "step-start", step, time: 0 });
  renderer.onEvent({ kind: "step-failed", step, durationMs: 5, error: { code: "Conflict", message }, time: 1 });
  renderer.onEvent({ kind: "summary", operation: "up", counts: {}, changes: false, failed: 1, durationMs: 5, time: 2 });
  renderer.close();
  const text = out.text();
  assert.match(text, /Failures:\n  ✗ azure:storage:StorageAccount  data  create failed: The storage account name data1234 is already taken by another subscription: choose another name, or leave it out to get an autoname\n      second line of detail\n/);
  assert.ok(text.indexOf("Failures:") < text.indexOf("Resources: 1 failed."));
});

test("off a terminal, a component is said to be done after its children, not when it registers", () => {
  const out = sink();
  const renderer = createRenderer({ mode: "plain", out, style: plain, showValues: false, showDiffs: false, verbose: false });
  renderer.onEvent({ kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: 0 });
  // A component makes no cloud call (no step-start): the engine reports it done as soon as it registers.
  renderer.onEvent({ kind: "step-planned", step: component, time: 1 });
  renderer.onEvent({ kind: "step-done", step: component, durationMs: 0, time: 1 });
  renderer.onEvent({ kind: "step-start", step: pet, time: 2 });
  renderer.onEvent({ kind: "step-done", step: pet, durationMs: 300, time: 3 });
  renderer.onEvent({ kind: "summary", operation: "up", counts: { create: 2 }, changes: true, failed: 0, durationMs: 300, time: 4 });
  renderer.close();
  const lines = out.text().split("\n");
  const web = lines.indexOf("+  my:index:Web web created (0.0s)");
  assert.ok(web > lines.indexOf("+  random:index:RandomPet pet created (0.3s)"), out.text());
  assert.equal(lines.filter((l) => l.includes("my:index:Web web created")).length, 1);
});

test("--json's summary counts failed resources as the text does, and says apart whether the program itself failed", () => {
  const summaryOf = (events: readonly EngineEvent[]) => {
    const out = sink();
    const renderer = createRenderer({ mode: "json", out, style: plain, showValues: false, showDiffs: false, verbose: false });
    for (const e of events) renderer.onEvent(e);
    renderer.close();
    const lines = out.text().trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    return lines.find((l) => l.kind === "summary")!;
  };
  const prelude: EngineEvent = { kind: "prelude", operation: "up", stack: "dev", project: PROJECT, preview: false, time: 0 };
  const failedStep: EngineEvent = { kind: "step-failed", step: pet, error: { code: "Conflict", message: "name taken" }, durationMs: 5, time: 1 };
  // The engine counts the program's throw in its `failed` too: 1 resource + the program = 2.
  const both = summaryOf([prelude, failedStep, { kind: "summary", operation: "up", counts: {}, changes: false, failed: 2, durationMs: 5, time: 2 }]);
  assert.equal(both.failed, 1);
  assert.equal(both.programError, true);
  const programOnly = summaryOf([prelude, { kind: "summary", operation: "up", counts: {}, changes: false, failed: 1, durationMs: 5, time: 2 }]);
  assert.equal(programOnly.failed, 0);
  assert.equal(programOnly.programError, true);
  const resourceOnly = summaryOf([prelude, failedStep, { kind: "summary", operation: "up", counts: {}, changes: false, failed: 1, durationMs: 5, time: 2 }]);
  assert.equal(resourceOnly.failed, 1);
  assert.equal(resourceOnly.programError, false);
  const unresolved = summaryOf([prelude, { kind: "diagnostic", severity: "error", urn: thing.urn, message: "Could not resolve the interrupted create", time: 1 }, { kind: "summary", operation: "up", counts: {}, changes: false, failed: 1, durationMs: 5, time: 2 }]);
  assert.equal(unresolved.failed, 1, "an error the engine reported about a resource is that resource's failure");
  assert.equal(unresolved.programError, false);
});

test("plain and --json output: the lines of one tick go out in one write, by the next macrotask, and all of it at the summary", async () => {
  for (const mode of ["plain", "json"] as const) {
    const writes: string[] = [];
    const out = { write: (s: string) => writes.push(s) };
    const renderer = createRenderer({ mode, out, style: plain, showValues: false, showDiffs: true, verbose: false });
    const events = upEvents();
    const summary = events.pop()!;
    for (const e of events.slice(0, 5)) renderer.onEvent(e);
    assert.equal(writes.length, 0, `${mode}: nothing written in the tick the lines came`);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.length, 1, `${mode}: one write for the tick's lines`);
    if (mode === "json") assert.equal(writes[0]!.split("\n").length - 1, 5, "json: the five events' lines");
    for (const e of events.slice(5)) renderer.onEvent(e);
    renderer.onEvent(summary);
    // The summary is written at once (the CLI prints after it), with what was held before it.
    assert.equal(writes.length, 2, `${mode}: the summary flushes what was held`);
    assert.match(writes.at(-1)!, mode === "json" ? /"kind":"summary"/ : /Resources: /);
    renderer.close();
    assert.equal(writes.length, 2, `${mode}: close has nothing left to write`);
  }
});

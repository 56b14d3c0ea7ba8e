/**
 * Shape checks for what is read from disk or imported: a snapshot that fails them is refused
 * with the problems listed, never half-loaded.
 */
import type { JournalHeader, JournalRecord } from "./model.js";
import { STATE_VERSION, type Snapshot } from "./types.js";

const PENDING_OPS = new Set(["create", "update", "delete", "read", "import"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/**
 * Problems with a parsed snapshot (empty when it is well formed). Checks the shape only; see
 * {@link referenceProblems} for edges to resources that are not there.
 */
export function snapshotProblems(value: unknown): string[] {
  if (!isObject(value)) return ["it is not a JSON object"];
  if (value.version !== STATE_VERSION) {
    return [
      typeof value.version === "number" && value.version > STATE_VERSION
        ? `its version ${value.version} is newer than this iac understands (${STATE_VERSION}): upgrade iac`
        : `its "version" is ${JSON.stringify(value.version)}, expected ${STATE_VERSION}`,
    ];
  }
  const problems: string[] = [];
  if (typeof value.project !== "string") problems.push(`"project" is not a string`);
  if (typeof value.stack !== "string") problems.push(`"stack" is not a string`);
  const sp = value.secretsProvider;
  if (!isObject(sp) || (sp.type !== "passphrase" && sp.type !== "keyfile")) problems.push(`"secretsProvider.type" is not "passphrase" or "keyfile"`);
  if (!isObject(value.outputs)) problems.push(`"outputs" is not an object`);
  if (!Array.isArray(value.resources)) problems.push(`"resources" is not an array`);
  else {
    value.resources.forEach((r, i) => {
      const at = `resources[${i}]`;
      if (!isObject(r)) return problems.push(`${at} is not an object`);
      if (typeof r.urn !== "string" || r.urn === "") problems.push(`${at}.urn is not a non-empty string`);
      if (typeof r.type !== "string" || r.type === "") problems.push(`${at}.type is not a non-empty string`);
      if (typeof r.custom !== "boolean") problems.push(`${at}.custom is not a boolean`);
      if (!isObject(r.inputs)) problems.push(`${at}.inputs is not an object`);
      if (!isObject(r.outputs)) problems.push(`${at}.outputs is not an object`);
      if (!isStringArray(r.dependencies)) problems.push(`${at}.dependencies is not an array of URNs`);
      if (r.id !== undefined && typeof r.id !== "string") problems.push(`${at}.id is not a string`);
      if (r.parent !== undefined && typeof r.parent !== "string") problems.push(`${at}.parent is not a string`);
      return undefined;
    });
  }
  if (!Array.isArray(value.pendingOperations)) problems.push(`"pendingOperations" is not an array`);
  else {
    value.pendingOperations.forEach((op, i) => {
      const at = `pendingOperations[${i}]`;
      if (!isObject(op)) return problems.push(`${at} is not an object`);
      if (typeof op.urn !== "string") problems.push(`${at}.urn is not a string`);
      if (typeof op.type !== "string") problems.push(`${at}.type is not a string`);
      if (typeof op.op !== "string" || !PENDING_OPS.has(op.op)) problems.push(`${at}.op is not one of create, update, delete, read, import`);
      if (typeof op.time !== "string") problems.push(`${at}.time is not a string`);
      return undefined;
    });
  }
  return problems;
}

/** Edges (dependency, parent, provider) to URNs the snapshot does not hold, and duplicate live URNs. */
export function referenceProblems(snapshot: Snapshot): string[] {
  const problems: string[] = [];
  const live = new Set<string>();
  const all = new Set(snapshot.resources.map((r) => r.urn));
  for (const r of snapshot.resources) {
    if (!r.pendingDelete) {
      if (live.has(r.urn)) problems.push(`${r.urn} appears twice (only pending-delete copies may share a URN)`);
      live.add(r.urn);
    }
    const refs = [...r.dependencies, ...(r.parent ? [r.parent] : []), ...(r.provider?.urn ? [r.provider.urn] : [])];
    for (const ref of refs) if (!all.has(ref)) problems.push(`${r.urn} refers to ${ref}, which is not in the state`);
  }
  return problems;
}

/** Problems with a journal line (empty when well formed). */
export function recordProblems(value: unknown): string[] {
  if (!isObject(value)) return ["the line is not a JSON object"];
  const hasSeq = typeof value.seq === "number" && Number.isInteger(value.seq);
  switch (value.kind) {
    case "begin":
      return hasSeq && isObject(value.op) && typeof value.op.urn === "string" ? [] : ["a begin record needs a seq and an op with a urn"];
    case "end": {
      const results = ["upsert" in value, "remove" in value, "none" in value].filter(Boolean).length;
      if (!hasSeq || results !== 1) return ["an end record needs a seq and exactly one of upsert, remove, none"];
      if ("upsert" in value && !(isObject(value.upsert) && typeof value.upsert.urn === "string")) return ["an end record's upsert is not a resource"];
      if ("remove" in value && typeof value.remove !== "string") return ["an end record's remove is not a URN"];
      return [];
    }
    case "put":
      return isObject(value.resource) && typeof value.resource.urn === "string" ? [] : ["a put record needs a resource with a urn"];
    case "remove":
      return typeof value.urn === "string" ? [] : ["a remove record needs a urn"];
    case "clearPending":
      return isStringArray(value.urns) ? [] : ["a clearPending record needs urns"];
    case "setOutputs":
      return isObject(value.outputs) ? [] : ["a setOutputs record needs outputs"];
    default:
      return [`unknown record kind ${JSON.stringify(value.kind)}`];
  }
}

/** Narrowing helpers for callers that checked the problems first. */
export function asRecord(value: unknown): JournalRecord {
  return value as JournalRecord;
}

export function isHeader(value: unknown): value is JournalHeader {
  return isObject(value) && value.kind === "header" && value.format === 1 && typeof value.generation === "number";
}

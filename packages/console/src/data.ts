/**
 * What the console's JSON API answers, read through the engine's {@link Backend} (file or azblob):
 * stacks, their history, one update, the resources of a stack and its graph. Every value that
 * comes from state passes through {@link ValueView}: secrets are "[secret]" unless the console was
 * started with `--show-secrets`. History entries hold masked values only (see state-format.md).
 */
import { mask, type Backend, type Crypter, type HistoryEntry, type ResourceState, type Snapshot } from "@iac/engine";
import { isSecretValue } from "@iac/sdk/runtime";
import { nameOfUrn, resourceGraph, type ResourceGraph } from "./graph-model.js";

/** How state values are shown: masked, or (with `--show-secrets`) revealed. */
export interface ValueView {
  readonly showSecrets: boolean;
  /** The crypter that reads a stack's state. Masked: one that never decrypts (the key is never needed). */
  crypter(stack: string): Promise<Crypter>;
}

/**
 * A crypter that decrypts nothing: every secret reads as the text "[secret]", so the state of any
 * stack can be listed without its passphrase or key file, and no plaintext secret ever enters the
 * console's process. Writing through it is a bug.
 */
export const MASKING_CRYPTER: Crypter = {
  encrypt(): string {
    throw new Error("iac console never writes state (the masking crypter cannot encrypt): please report this as a bug.");
  },
  decrypt(): string {
    return JSON.stringify("[secret]");
  },
};

/** A state value as the page shows it. */
export function showValue(value: unknown, view: ValueView): unknown {
  return view.showSecrets ? reveal(value) : mask(value);
}

function reveal(value: unknown): unknown {
  if (isSecretValue(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = reveal(v);
    return out;
  }
  return value;
}

/** The id of an update in URLs: its start time (one writer per stack at a time). */
export function updateId(entry: HistoryEntry): string {
  return entry.startTime;
}

/** A history entry without its per-resource details (the list of updates). */
export interface UpdateSummary {
  readonly id: string;
  readonly operation: string;
  readonly result: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly durationMs: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly command: string;
  readonly iacVersion: string;
  readonly host: string;
  readonly user?: string;
  readonly gitCommit?: string;
  readonly gitDirty?: boolean;
}

export function updateSummary(e: HistoryEntry): UpdateSummary {
  return {
    id: updateId(e),
    operation: e.operation,
    result: e.result,
    startTime: e.startTime,
    endTime: e.endTime,
    durationMs: e.durationMs,
    counts: e.counts,
    failed: e.failed,
    command: e.command,
    iacVersion: e.iacVersion,
    host: e.host,
    ...(e.user !== undefined ? { user: e.user } : {}),
    ...(e.gitCommit !== undefined ? { gitCommit: e.gitCommit } : {}),
    ...(e.gitDirty !== undefined ? { gitDirty: e.gitDirty } : {}),
  };
}

export interface StackView {
  readonly name: string;
  readonly resourceCount: number;
  readonly updated?: string;
  readonly running?: { readonly command: string; readonly host: string; readonly pid: number; readonly time: string; readonly user?: string };
  readonly last?: UpdateSummary;
  readonly outputs: Readonly<Record<string, unknown>>;
}

export async function listStacks(backend: Backend, view: ValueView): Promise<StackView[]> {
  const stacks = await backend.listStacks();
  return Promise.all(
    stacks.map(async (s) => {
      const [history, snapshot] = await Promise.all([backend.listHistory?.(s.name, { limit: 1 }) ?? Promise.resolve([]), backend.read(s.name, await view.crypter(s.name))]);
      return {
        name: s.name,
        resourceCount: s.resourceCount,
        ...(s.updated !== undefined ? { updated: s.updated } : {}),
        ...(s.locked !== undefined ? { running: s.locked } : {}),
        ...(history[0] !== undefined ? { last: updateSummary(history[0]) } : {}),
        outputs: showValue(snapshot.outputs, view) as Record<string, unknown>,
      };
    }),
  );
}

export async function listUpdates(backend: Backend, stack: string, options: { readonly result?: string }): Promise<UpdateSummary[]> {
  const entries = (await backend.listHistory?.(stack, {})) ?? [];
  return entries.filter((e) => options.result === undefined || e.result === options.result).map(updateSummary);
}

/** One update with what it changed; `latest` names the newest. Undefined: no such update. */
export async function getUpdate(backend: Backend, stack: string, id: string): Promise<(UpdateSummary & Pick<HistoryEntry, "changes" | "changesOmitted" | "diagnostics">) | undefined> {
  const entries = (await backend.listHistory?.(stack, {})) ?? [];
  const entry = id === "latest" ? entries[0] : entries.find((e) => updateId(e) === id);
  if (entry === undefined) return undefined;
  return {
    ...updateSummary(entry),
    // Masked when recorded; masked again so that an entry written by hand cannot carry a wrapped secret here.
    changes: entry.changes?.map((c) => ({ ...c, ...(c.olds ? { olds: mask(c.olds) as Record<string, unknown> } : {}), ...(c.news ? { news: mask(c.news) as Record<string, unknown> } : {}) })),
    ...(entry.changesOmitted !== undefined ? { changesOmitted: entry.changesOmitted } : {}),
    diagnostics: entry.diagnostics ?? [],
  };
}

export interface ResourceRow {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly id?: string;
  readonly parent?: string;
  /** The provider package (`azure`, `kubernetes`, `random`, ...): the type's first segment. */
  readonly provider: string;
  /** `ok`, `pending-delete` (old copy of a replacement), or the pending operation (`creating`, ...). */
  readonly status: string;
  readonly protect: boolean;
  readonly dependencies: readonly string[];
  /** The Azure portal page of an Azure resource id. */
  readonly portalUrl?: string;
  /** A Kubernetes object's kind and namespace. */
  readonly kind?: string;
  readonly namespace?: string;
  readonly modified?: string;
}

const PENDING_STATUS: Record<string, string> = { create: "creating", update: "updating", delete: "deleting", read: "reading", import: "importing" };

export function resourceRows(snapshot: Snapshot): ResourceRow[] {
  const pending = new Map(snapshot.pendingOperations.map((p) => [p.urn, p.op]));
  return snapshot.resources.map((r) => row(r, pending.get(r.urn)));
}

function row(r: ResourceState, pendingOp: string | undefined): ResourceRow {
  const provider = r.type.split(":")[0] ?? r.type;
  const k8s = kubernetesOf(r);
  return {
    urn: r.urn,
    type: r.type,
    name: nameOfUrn(r.urn),
    custom: r.custom,
    ...(r.id !== undefined ? { id: r.id } : {}),
    ...(r.parent !== undefined ? { parent: r.parent } : {}),
    provider,
    status: pendingOp !== undefined ? (PENDING_STATUS[pendingOp] ?? pendingOp) : r.pendingDelete ? "pending-delete" : "ok",
    protect: r.protect === true,
    dependencies: r.dependencies,
    ...(r.id !== undefined && /^\/subscriptions\/[^/]+\//i.test(r.id) ? { portalUrl: `https://portal.azure.com/#resource${r.id}` } : {}),
    ...k8s,
    ...(r.modified !== undefined ? { modified: r.modified } : {}),
  };
}

function kubernetesOf(r: ResourceState): { kind?: string; namespace?: string } {
  if (!r.type.startsWith("kubernetes:") && !r.type.startsWith("flux:")) return {};
  const metaOf = (m: unknown) => (m !== null && typeof m === "object" ? ((m as Record<string, unknown>).metadata as Record<string, unknown> | undefined) : undefined);
  const out = r.outputs as Record<string, unknown>;
  const kind = typeof out.kind === "string" ? out.kind : r.type.slice(r.type.lastIndexOf(":") + 1);
  const ns = metaOf(r.outputs)?.namespace ?? metaOf(r.inputs)?.namespace;
  return { kind, ...(typeof ns === "string" ? { namespace: ns } : {}) };
}

export interface ResourceDetail extends ResourceRow {
  readonly inputs: unknown;
  readonly outputs: unknown;
}

export function resourceDetail(snapshot: Snapshot, urn: string, view: ValueView): ResourceDetail | undefined {
  const rows = resourceRows(snapshot);
  const index = rows.findIndex((r) => r.urn === urn);
  if (index < 0) return undefined;
  const r = snapshot.resources[index];
  return { ...rows[index], inputs: showValue(r.inputs, view), outputs: showValue(r.outputs, view) };
}

export function stackGraph(snapshot: Snapshot): ResourceGraph {
  return resourceGraph(snapshot.resources.map((r) => ({ urn: r.urn, type: r.type, name: nameOfUrn(r.urn), ...(r.parent !== undefined ? { parent: r.parent } : {}), dependencies: r.dependencies })));
}

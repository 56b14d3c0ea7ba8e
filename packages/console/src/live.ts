/**
 * Live progress of a running `up`/`destroy`/`refresh`, fed by what the engine already writes: the
 * stack's lock (who runs what) and its journal (every resource written, every pending cloud call),
 * read back through the backend every `intervalMs`. The page receives Server-Sent Events:
 *
 * - `status`: `{ running, holder? }` (on connect, and whenever it changes);
 * - `resource`: `{ change: created | updated | deleted, urn, type, name }` as the journal grows;
 * - `pending`: `{ operations: [{ urn, type, op }] }` the cloud calls in flight;
 * - `finished`: `{ update }` the history entry recorded when the run ended (when there is one).
 *
 * This reads state, so it sees what was committed: a step shows up when the engine records it,
 * not when its provider call starts (a pending operation says that). While no run holds the lock
 * only the lock is read (every write to a stack's state takes it), and every fourth time the newest
 * history entry: a run quicker than one tick shows up then, its resources and `finished` at once.
 */
import type { Backend, HistoryEntry, Snapshot } from "@iac/engine";
import { nameOfUrn } from "./graph-model.js";
import { updateSummary, type ValueView } from "./data.js";

export type LiveEvent =
  | { readonly event: "status"; readonly data: { readonly running: boolean; readonly holder?: { readonly command: string; readonly host: string; readonly pid: number; readonly time: string; readonly user?: string } } }
  | { readonly event: "resource"; readonly data: { readonly change: "created" | "updated" | "deleted"; readonly urn: string; readonly type: string; readonly name: string } }
  | { readonly event: "pending"; readonly data: { readonly operations: readonly { readonly urn: string; readonly type: string; readonly op: string }[] } }
  | { readonly event: "finished"; readonly data: { readonly update?: ReturnType<typeof updateSummary> } };

/** On how many idle ticks in a row the history is looked at once (every 2 s at the default 500 ms). */
const HISTORY_EVERY = 4;

/** Fingerprint of a resource's record: what changes when the engine writes it again. */
function fingerprint(r: Snapshot["resources"][number]): string {
  return `${r.modified ?? ""} ${r.id ?? ""} ${r.pendingDelete === true ? "old" : ""}`;
}

/**
 * Watch `stack` until `signal` aborts, calling `send` with each event. Errors reading the backend
 * (a journal mid-write, a network blip to azblob) are retried at the next tick.
 */
export async function watchStack(options: { readonly backend: Backend; readonly stack: string; readonly view: ValueView; readonly intervalMs: number; readonly signal: AbortSignal; readonly send: (e: LiveEvent) => void }): Promise<void> {
  const { backend, stack, view, signal, send } = options;
  const crypter = await view.crypter(stack);
  let known: Map<string, { fp: string; type: string }> | undefined;
  let running: boolean | undefined;
  let pendingKey = "";
  let holderTime: string | undefined;
  // The newest recorded update (its id), to notice a run that came and went between two reads of the lock.
  let lastUpdate: string | undefined | null = null;
  let idleTicks = 0;
  const newestUpdate = async () => (await backend.listHistory?.(stack, { limit: 1 }))?.[0];
  const sleep = (ms: number) => new Promise<void>((resolve) => { const t = setTimeout(resolve, ms); signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true }); });
  while (!signal.aborted) {
    try {
      const status = await backend.lockStatus(stack);
      const nowRunning = status !== undefined && status.liveness !== "gone";
      if (lastUpdate === null) lastUpdate = (await newestUpdate())?.startTime;
      // Idle (no lock, and none at the last tick): nothing writes the state, so it is not read
      // again, except when the history shows a run that took and released the lock between two
      // ticks (looked at every HISTORY_EVERY ticks).
      let missed: HistoryEntry | undefined;
      if (!nowRunning && running === false) {
        idleTicks++;
        missed = idleTicks % HISTORY_EVERY === 0 ? await newestUpdate() : undefined;
        if (missed === undefined || missed.startTime === lastUpdate) {
          await sleep(options.intervalMs);
          continue;
        }
      }
      const snapshot = await backend.read(stack, crypter);
      const next = new Map<string, { fp: string; type: string }>();
      for (const r of snapshot.resources) if (!r.pendingDelete || !next.has(r.urn)) next.set(r.urn, { fp: fingerprint(r), type: r.type });
      if (known !== undefined) {
        for (const [urn, v] of next) {
          const old = known.get(urn);
          if (old === undefined) send({ event: "resource", data: { change: "created", urn, type: v.type, name: nameOfUrn(urn) } });
          else if (old.fp !== v.fp) send({ event: "resource", data: { change: "updated", urn, type: v.type, name: nameOfUrn(urn) } });
        }
        for (const [urn, v] of known) if (!next.has(urn)) send({ event: "resource", data: { change: "deleted", urn, type: v.type, name: nameOfUrn(urn) } });
      }
      known = next;
      const ops = snapshot.pendingOperations.map((p) => ({ urn: p.urn, type: p.type, op: p.op }));
      const key = JSON.stringify(ops);
      if (key !== pendingKey) {
        pendingKey = key;
        send({ event: "pending", data: { operations: ops } });
      }
      if (nowRunning !== running) {
        const wasRunning = running === true;
        running = nowRunning;
        const h = status?.holder;
        if (nowRunning && h !== undefined) holderTime = h.time;
        send({ event: "status", data: { running: nowRunning, ...(h !== undefined ? { holder: { command: h.command, host: h.host, pid: h.pid, time: h.time, ...(h.user !== undefined ? { user: h.user } : {}) } } : {}) } });
        if (wasRunning && !nowRunning) {
          // The CLI records the history entry just after it releases the lock: give it a moment.
          let latest = (await backend.listHistory?.(stack, { limit: 1 }))?.[0];
          for (let i = 0; i < 10 && (latest === undefined || (holderTime !== undefined && Date.parse(latest.endTime) < Date.parse(holderTime))) && !signal.aborted; i++) {
            await sleep(200);
            latest = (await backend.listHistory?.(stack, { limit: 1 }))?.[0];
          }
          if (latest !== undefined) lastUpdate = latest.startTime;
          send({ event: "finished", data: latest !== undefined ? { update: updateSummary(latest) } : {} });
        }
      }
      if (missed !== undefined) {
        lastUpdate = missed.startTime;
        send({ event: "finished", data: { update: updateSummary(missed) } });
      }
    } catch {
      // Read again at the next tick.
    }
    await sleep(options.intervalMs);
  }
}

/**
 * The live banner of a stack page: while an `up` (or destroy, refresh) runs on the stack, what it
 * writes shows up here as it happens (Server-Sent Events from the console's server, which reads
 * the stack's lock and journal). When the run ends the page's data is refreshed without a reload.
 */
import { api, type UpdateSummary } from "./api.js";
import { badge, h } from "./dom.js";

interface LiveState {
  readonly stack: string;
  readonly source: EventSource;
  running: boolean;
  holder?: { command: string; host: string; user?: string; time: string };
  events: { change: string; type: string; name: string; time: number }[];
  pending: { urn: string; type: string; op: string }[];
  finished?: UpdateSummary;
  banner?: HTMLElement;
}

let state: LiveState | undefined;

export function stopLive(): void {
  state?.source.close();
  state = undefined;
}

export function startLive(stack: string, banner: HTMLElement, onFinished: () => void): void {
  if (state?.stack === stack) {
    state.banner = banner;
    draw();
    return;
  }
  stopLive();
  const source = new EventSource(api.liveUrl(stack));
  const s: LiveState = { stack, source, running: false, events: [], pending: [], banner };
  state = s;
  source.addEventListener("status", (e) => {
    const d = JSON.parse((e as MessageEvent<string>).data) as { running: boolean; holder?: LiveState["holder"] };
    s.running = d.running;
    if (d.running) {
      s.holder = d.holder;
      s.events = [];
      s.finished = undefined;
    }
    draw();
  });
  source.addEventListener("resource", (e) => {
    const d = JSON.parse((e as MessageEvent<string>).data) as { change: string; type: string; name: string };
    s.events.push({ ...d, time: Date.now() });
    draw();
  });
  source.addEventListener("pending", (e) => {
    s.pending = (JSON.parse((e as MessageEvent<string>).data) as { operations: LiveState["pending"] }).operations;
    draw();
  });
  source.addEventListener("finished", (e) => {
    const d = JSON.parse((e as MessageEvent<string>).data) as { update?: UpdateSummary };
    s.finished = d.update;
    draw();
    onFinished();
  });
}

function draw(): void {
  const s = state;
  if (!s?.banner) return;
  const b = s.banner;
  b.replaceChildren();
  b.dataset.running = String(s.running);
  if (!s.running && s.finished === undefined && s.pending.length === 0) return;
  const head = s.running
    ? h("p", { class: "live-head" }, h("span", { class: "pulse", "aria-hidden": "true" }), `Running: ${s.holder?.command ?? "an update"}`, s.holder ? ` (${s.holder.user ? `${s.holder.user}@` : ""}${s.holder.host}, since ${new Date(s.holder.time).toLocaleTimeString()})` : "")
    : s.finished
      ? h("p", { class: "live-head" }, "Finished: ", badge(s.finished.result), " ", h("a", { href: `#/stacks/${encodeURIComponent(s.stack)}/updates/${encodeURIComponent(s.finished.id)}` }, `view the ${s.finished.operation}`))
      : h("p", { class: "live-head" }, "Not running; the state names operations that were interrupted:");
  b.append(head);
  if (s.pending.length > 0) b.append(h("p", { class: "live-pending" }, `In progress: ${s.pending.map((p) => `${p.op} ${p.type} ${p.urn.slice(p.urn.lastIndexOf("::") + 2)}`).join(", ")}`));
  if (s.events.length > 0) {
    const list = h("ol", { class: "live-log", "aria-label": "Resources written by the running update" });
    for (const e of s.events.slice(-50)) list.append(h("li", { "data-change": e.change }, h("span", { class: `chg chg-${e.change}` }, e.change), ` ${e.type} `, h("strong", {}, e.name)));
    b.append(list);
  }
}

/** The stacks, updates, update and resources views, and the resource panel. */
import { api, type Change, type Info, type ResourceRow } from "./api.js";
import { badge, changesText, duration, formatValue, h, when } from "./dom.js";

const enc = encodeURIComponent;

function table(caption: string, headers: (string | HTMLElement)[], rows: HTMLElement[]): HTMLElement {
  return h("table", {}, h("caption", {}, caption), h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows));
}

function outputsList(outputs: Readonly<Record<string, unknown>>): HTMLElement {
  const keys = Object.keys(outputs).sort();
  if (keys.length === 0) return h("span", { class: "muted" }, "none");
  return h("dl", { class: "outputs" }, keys.map((k) => [h("dt", {}, k), h("dd", {}, h("code", {}, typeof outputs[k] === "string" ? (outputs[k] as string) : JSON.stringify(outputs[k])))]).flat());
}

export async function renderStacks(info: Info): Promise<HTMLElement> {
  const stacks = await api.stacks();
  const rows = stacks.map((s) =>
    h(
      "tr",
      { "data-stack": s.name },
      h("th", { scope: "row" }, h("a", { href: `#/stacks/${enc(s.name)}/updates` }, s.name), s.running ? h("span", { class: "badge badge-running" }, "running") : null),
      h("td", { class: "num" }, s.resourceCount),
      h("td", {}, s.last ? [badge(s.last.result), " ", s.last.operation, " ", when(s.last.endTime)] : h("span", { class: "muted" }, "no update recorded")),
      h("td", {}, s.last ? duration(s.last.durationMs) : ""),
      h("td", { class: "mono" }, s.last ? changesText(s.last.counts) : ""),
      h("td", {}, outputsList(s.outputs)),
    ),
  );
  return h(
    "section",
    {},
    h("h1", {}, info.project ? `Stacks of ${info.project}` : "Stacks"),
    h("p", { class: "muted" }, `Backend ${info.backend}${info.showSecrets ? " · secrets shown (--show-secrets)" : " · secrets masked"}`),
    stacks.length === 0 ? h("p", {}, "This backend has no stacks yet: `iac up` creates one.") : table("Stacks", ["Stack", "Resources", "Last update", "Took", "Changes", "Outputs"], rows),
  );
}

export async function renderUpdates(stack: string, result: string): Promise<HTMLElement> {
  const updates = await api.updates(stack, result || undefined);
  const filter = h(
    "select",
    { id: "result-filter", onchange: (e: Event) => (location.hash = `#/stacks/${enc(stack)}/updates${(e.target as HTMLSelectElement).value ? `?result=${(e.target as HTMLSelectElement).value}` : ""}`) },
    ["", "succeeded", "failed", "interrupted"].map((r) => h("option", { value: r, selected: r === result }, r === "" ? "all" : r)),
  );
  const rows = updates.map((u) =>
    h(
      "tr",
      { "data-update": u.id, "data-result": u.result },
      h("td", {}, h("a", { href: `#/stacks/${enc(stack)}/updates/${enc(u.id)}` }, new Date(u.startTime).toLocaleString())),
      h("td", {}, u.operation),
      h("td", {}, badge(u.result)),
      h("td", { class: "mono" }, changesText(u.counts)),
      h("td", {}, duration(u.durationMs)),
      h("td", {}, `${u.user ? `${u.user}@` : ""}${u.host}`),
      h("td", { class: "mono" }, u.gitCommit ? `${u.gitCommit.slice(0, 10)}${u.gitDirty ? "+" : ""}` : ""),
    ),
  );
  return h(
    "section",
    {},
    h("h2", {}, "Updates"),
    h("p", {}, h("label", { for: "result-filter" }, "Result "), filter),
    updates.length === 0 ? h("p", {}, result ? `No ${result} updates.` : "No recorded updates: `iac up`, `iac destroy` and `iac refresh` record one each.") : table("Updates, newest first", ["Started", "Operation", "Result", "Changes", "Took", "By", "Commit"], rows),
  );
}

const SYMBOL: Record<string, string> = { create: "+", update: "~", delete: "-", read: ">", import: "=", refresh: "~" };

function symbolOf(c: Change): string {
  if (c.kind === "replace") return c.deleteBeforeReplace ? "-+" : "+-";
  return SYMBOL[c.kind] ?? "?";
}

function valueAt(record: Readonly<Record<string, unknown>> | undefined, path: string): unknown {
  if (record === undefined) return undefined;
  if (Object.hasOwn(record, path)) return record[path];
  let current: unknown = record;
  for (const seg of path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "")) {
    if (current === "[secret]") return "[secret]";
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[seg];
  }
  return current;
}

/** One changed resource as `preview` prints it: `+- type name replace`, then one line per property. */
function changeBlock(c: Change): HTMLElement {
  const lines: HTMLElement[] = [];
  for (const d of c.diffs ?? []) {
    const sym = d.kind === "add" ? "+" : d.kind === "delete" ? "-" : "~";
    let text = `    ${sym} ${d.path}`;
    if (c.olds !== undefined || c.news !== undefined) {
      if (d.kind === "add") text += `: ${formatValue(valueAt(c.news, d.path))}`;
      else if (d.kind === "delete") text += `: ${formatValue(valueAt(c.olds, d.path))}`;
      else text += `: ${formatValue(valueAt(c.olds, d.path))} => ${formatValue(valueAt(c.news, d.path))}`;
    }
    lines.push(h("div", { class: `diff diff-${d.replace ? "replace" : d.kind}` }, text, d.replace ? h("span", { class: "reason" }, d.reason ? ` [replace: ${d.reason}]` : " [replace]") : d.reason ? h("span", { class: "muted" }, ` (${d.reason})`) : null));
  }
  if ((c.diffs ?? []).length === 0) {
    const values = c.kind === "delete" ? c.olds : c.kind === "create" ? c.news : undefined;
    const sym = c.kind === "delete" ? "-" : "+";
    for (const [k, v] of Object.entries(values ?? {})) lines.push(h("div", { class: `diff diff-${c.kind === "delete" ? "delete" : "add"}` }, `    ${sym} ${k}: ${formatValue(v)}`));
  }
  const label = c.kind === "replace" && c.deleteBeforeReplace ? "replace (delete first)" : c.kind;
  return h(
    "li",
    { class: `change change-${c.kind} status-${c.status}`, "data-urn": c.urn },
    h("div", { class: "change-head" }, h("span", { class: "sym" }, symbolOf(c).padEnd(2)), ` ${c.type}  `, h("strong", {}, c.name), `  ${label}`, c.status !== "done" ? h("span", { class: `badge badge-${c.status === "failed" ? "failed" : "interrupted"}` }, c.status) : null, c.durationMs !== undefined ? h("span", { class: "muted" }, ` ${duration(c.durationMs)}`) : null),
    h("pre", { class: "diffs" }, lines),
    c.error ? h("p", { class: "error" }, `${c.error.code}: ${c.error.message}`) : null,
    c.reason ? h("p", { class: "muted" }, `skipped: ${c.reason}`) : null,
  );
}

export async function renderUpdate(stack: string, id: string): Promise<HTMLElement> {
  const u = await api.update(stack, id);
  const meta: [string, string | HTMLElement][] = [
    ["Result", badge(u.result)],
    ["Operation", u.operation],
    ["Command", h("code", {}, u.command)],
    ["Started", new Date(u.startTime).toLocaleString()],
    ["Took", duration(u.durationMs)],
    ["Changes", changesText(u.counts)],
    ["Ran by", `${u.user ? `${u.user}@` : ""}${u.host}`],
    ["Git commit", u.gitCommit ? h("code", {}, `${u.gitCommit}${u.gitDirty ? " (with uncommitted changes)" : ""}`) : "not recorded (not a git work tree, or recorded by an older iac)"],
    ["iac version", u.iacVersion],
  ];
  const changes = u.changes ?? [];
  return h(
    "section",
    { class: "update" },
    h("h2", {}, `${u.operation} ${u.result} · ${new Date(u.startTime).toLocaleString()}`),
    h("dl", { class: "meta" }, meta.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]).flat()),
    h("h3", {}, "Changes"),
    u.changes === undefined
      ? h("p", { class: "muted" }, "This update was recorded by an iac that did not keep resource changes.")
      : changes.length === 0
        ? h("p", {}, "No resource changed.")
        : h("ol", { class: "changes" }, changes.map(changeBlock)),
    u.changesOmitted ? h("p", { class: "muted" }, `${u.changesOmitted} more changes were not recorded.`) : null,
    h("h3", {}, "Diagnostics"),
    u.diagnostics.length === 0 ? h("p", { class: "muted" }, "No warnings or errors.") : h("ul", { class: "diagnostics" }, u.diagnostics.map((d) => h("li", { class: `diag diag-${d.severity}` }, h("strong", {}, d.severity), d.urn ? ` ${d.urn.slice(d.urn.lastIndexOf("::") + 2)}: ` : ": ", d.message))),
  );
}

type SortKey = "type" | "name" | "status" | "provider" | "id";

export async function renderResources(stack: string, initial: string): Promise<HTMLElement> {
  const rows = await api.resources(stack);
  let sort: { key: SortKey; dir: 1 | -1 } = { key: "type", dir: 1 };
  let query = initial;
  const tbody = h("tbody");
  const count = h("p", { class: "muted", role: "status" });
  const headers: SortKey[] = ["type", "name", "status", "provider", "id"];
  const headRow = h("tr");
  const draw = () => {
    const q = query.trim().toLowerCase();
    const shown = rows.filter((r) => q === "" || `${r.type} ${r.name} ${r.id ?? ""} ${r.kind ?? ""} ${r.namespace ?? ""}`.toLowerCase().includes(q));
    shown.sort((a, b) => sort.dir * String(a[sort.key] ?? "").localeCompare(String(b[sort.key] ?? "")));
    tbody.replaceChildren(...shown.map((r) => resourceRow(stack, r)));
    count.textContent = `${shown.length} of ${rows.length} resources`;
    headRow.replaceChildren(
      ...headers.map((k) =>
        h("th", { scope: "col", "aria-sort": sort.key === k ? (sort.dir === 1 ? "ascending" : "descending") : "none" }, h("button", { type: "button", class: "sort", "data-sort": k, onclick: () => { sort = { key: k, dir: sort.key === k ? (-sort.dir as 1 | -1) : 1 }; draw(); } }, k === "id" ? "ID" : k[0].toUpperCase() + k.slice(1), sort.key === k ? (sort.dir === 1 ? " ▲" : " ▼") : "")),
      ),
      h("th", { scope: "col" }, "Kubernetes"),
    );
  };
  const search = h("input", { type: "search", id: "resource-search", value: query, placeholder: "type, name, id…", oninput: (e: Event) => { query = (e.target as HTMLInputElement).value; draw(); } });
  draw();
  return h("section", {}, h("h2", {}, "Resources"), h("p", {}, h("label", { for: "resource-search" }, "Search "), search), count, h("table", { class: "resources" }, h("caption", {}, "Resources of the stack"), h("thead", {}, headRow), tbody));
}

function resourceRow(stack: string, r: ResourceRow): HTMLElement {
  return h(
    "tr",
    { "data-urn": r.urn },
    h("td", { class: "mono" }, r.type),
    h("td", {}, h("button", { type: "button", class: "linklike", onclick: () => void openPanel(stack, r.urn) }, r.name)),
    h("td", {}, r.status === "ok" ? "ok" : h("span", { class: "badge badge-interrupted" }, r.status), r.protect ? " 🔒" : ""),
    h("td", {}, r.provider),
    h("td", { class: "mono id" }, r.portalUrl ? h("a", { href: r.portalUrl, target: "_blank", rel: "noopener noreferrer", title: "Open in the Azure portal" }, r.id ?? "") : (r.id ?? "")),
    h("td", {}, r.kind ? `${r.kind}${r.namespace ? ` in ${r.namespace}` : ""}` : ""),
  );
}

/** Open the side panel of one resource (replacing one that is open) and move focus into it. */
export async function openPanel(stack: string, urn: string): Promise<void> {
  const panel = await resourcePanel(stack, urn);
  document.getElementById("resource-panel")?.remove();
  document.getElementById("main")!.append(panel);
  panel.querySelector<HTMLElement>("h2")?.focus();
}

/** The inputs and outputs of one resource (masked unless --show-secrets), in a closable side panel. */
export async function resourcePanel(stack: string, urn: string): Promise<HTMLElement> {
  const r = await api.resource(stack, urn);
  const close = () => document.getElementById("resource-panel")?.remove();
  const panel = h(
    "aside",
    { id: "resource-panel", class: "panel", "aria-label": `Resource ${r.name}`, onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === "Escape") close(); } },
    h("button", { type: "button", class: "close", "aria-label": "Close", onclick: close }, "×"),
    h("h2", { tabindex: "-1" }, r.name),
    h("p", { class: "mono" }, r.type),
    h("dl", { class: "meta" }, h("dt", {}, "URN"), h("dd", { class: "mono" }, r.urn), h("dt", {}, "ID"), h("dd", { class: "mono" }, r.portalUrl ? h("a", { href: r.portalUrl, target: "_blank", rel: "noopener noreferrer" }, r.id ?? "") : (r.id ?? "")), h("dt", {}, "Status"), h("dd", {}, r.status)),
    h("h3", {}, "Inputs"),
    h("pre", { class: "json", "data-section": "inputs" }, JSON.stringify(r.inputs, null, 2)),
    h("h3", {}, "Outputs"),
    h("pre", { class: "json", "data-section": "outputs" }, JSON.stringify(r.outputs, null, 2)),
  );
  return panel;
}

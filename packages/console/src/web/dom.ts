/** A small element builder: `h("a", { href }, "text", child)`. Text is always set as text, never as HTML. */
export type Child = Node | string | number | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined | ((e: Event) => void)> = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

export const SVG_NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** `3m 12s`, `850ms`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** `5 minutes ago` with the exact time as a tooltip. */
export function when(iso: string | undefined): HTMLElement {
  if (iso === undefined) return h("span", {}, "never");
  const t = Date.parse(iso);
  const secs = Math.round((Date.now() - t) / 1000);
  const rel = secs < 60 ? "just now" : secs < 3600 ? `${Math.floor(secs / 60)} min ago` : secs < 86400 ? `${Math.floor(secs / 3600)} h ago` : `${Math.floor(secs / 86400)} d ago`;
  return h("time", { datetime: iso, title: iso }, rel);
}

/** A value as one line of text, as the CLI's diff prints it. */
export function formatValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "string") return JSON.stringify(v);
  return JSON.stringify(v);
}

export function badge(result: string): HTMLElement {
  return h("span", { class: `badge badge-${result}` }, result);
}

export function changesText(counts: Readonly<Record<string, number>>): string {
  const n = (k: string) => counts[k] ?? 0;
  const parts = [`+${n("create")}`, `~${n("update")}`, `-${n("delete")}`, `+-${n("replace")}`];
  if (n("import") > 0) parts.push(`${n("import")} imported`);
  if (n("refresh") > 0) parts.push(`${n("refresh")} refreshed`);
  return parts.join(" ");
}

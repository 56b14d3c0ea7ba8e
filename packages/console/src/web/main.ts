/**
 * The console page: a hash router over four views (stacks, updates, one update, resources, graph)
 * and the live banner of the stack being looked at. Everything comes from this page's own server.
 */
import { api, ApiError, type Info } from "./api.js";
import { h } from "./dom.js";
import { startLive, stopLive } from "./live-view.js";
import { renderGraph } from "./graph-view.js";
import { openPanel, renderResources, renderStacks, renderUpdate, renderUpdates } from "./views.js";

export interface Route {
  readonly view: "stacks" | "updates" | "update" | "resources" | "graph";
  readonly stack?: string;
  readonly id?: string;
  readonly query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path, search] = hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(search ?? "");
  const parts = (path ?? "").split("/").filter((p) => p !== "").map(decodeURIComponent);
  if (parts[0] !== "stacks" || parts[1] === undefined) return { view: "stacks", query };
  const stack = parts[1];
  if (parts[2] === "updates" && parts[3] !== undefined) return { view: "update", stack, id: parts[3], query };
  if (parts[2] === "resources") return { view: "resources", stack, query };
  if (parts[2] === "graph") return { view: "graph", stack, query };
  return { view: "updates", stack, query };
}

export const link = {
  stacks: () => "#/",
  updates: (stack: string, result?: string) => `#/stacks/${encodeURIComponent(stack)}/updates${result ? `?result=${encodeURIComponent(result)}` : ""}`,
  update: (stack: string, id: string) => `#/stacks/${encodeURIComponent(stack)}/updates/${encodeURIComponent(id)}`,
  resources: (stack: string) => `#/stacks/${encodeURIComponent(stack)}/resources`,
  graph: (stack: string) => `#/stacks/${encodeURIComponent(stack)}/graph`,
};

let info: Info | undefined;
let renderSeq = 0;

function tabs(route: Route): HTMLElement {
  const stack = route.stack!;
  const tab = (label: string, href: string, current: boolean) => h("a", { href, class: "tab", "aria-current": current ? "page" : undefined }, label);
  return h(
    "nav",
    { class: "tabs", "aria-label": `Stack ${stack}` },
    tab("Updates", link.updates(stack), route.view === "updates" || route.view === "update"),
    tab("Resources", link.resources(stack), route.view === "resources"),
    tab("Graph", link.graph(stack), route.view === "graph"),
  );
}

function crumbs(route: Route): void {
  const nav = document.getElementById("crumbs")!;
  nav.replaceChildren();
  const items: HTMLElement[] = [h("a", { href: link.stacks() }, info?.project ? `${info.project} stacks` : "Stacks")];
  if (route.stack) items.push(h("a", { href: link.updates(route.stack) }, route.stack));
  if (route.view === "update" && route.id) items.push(h("span", {}, `update ${route.id}`));
  nav.append(h("ol", {}, items.map((i) => h("li", {}, i))));
}

/** Draw the view the address names; `quiet` keeps focus where it is (a live refresh). */
export async function render(options: { readonly quiet?: boolean } = {}): Promise<void> {
  const seq = ++renderSeq;
  const route = parseRoute(location.hash);
  const main = document.getElementById("main")!;
  info ??= await api.info();
  crumbs(route);
  const body = h("div", { class: "view" });
  const banner = h("div", { id: "live", class: "live", "aria-live": "polite", "aria-label": "Running update" });
  try {
    let content: HTMLElement;
    switch (route.view) {
      case "stacks":
        content = await renderStacks(info);
        break;
      case "updates":
        content = await renderUpdates(route.stack!, route.query.get("result") ?? "");
        break;
      case "update":
        content = await renderUpdate(route.stack!, route.id!);
        break;
      case "resources":
        content = await renderResources(route.stack!, route.query.get("q") ?? "");
        break;
      case "graph":
        content = await renderGraph(route.stack!, (urn) => void openPanel(route.stack!, urn));
        break;
      default:
        content = h("p", {}, "Unknown page.");
    }
    if (seq !== renderSeq) return;
    if (route.stack) body.append(h("h1", {}, `Stack ${route.stack}`), banner, tabs(route));
    body.append(content);
  } catch (error) {
    if (seq !== renderSeq) return;
    const message = error instanceof ApiError && error.status === 401 ? "This browser is not signed in to the console: open the URL `iac console` printed (it carries the token)." : (error as Error).message;
    body.append(h("div", { class: "error", role: "alert" }, message));
  }
  main.replaceChildren(body);
  document.title = `${route.stack ? `${route.stack} · ` : ""}iac console`;
  if (route.stack) startLive(route.stack, banner, () => void render({ quiet: true }));
  else stopLive();
  if (!options.quiet) main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", () => void render());
void render();

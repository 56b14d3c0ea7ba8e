/**
 * `@iac/console`: `iac console`, the history and the graph of a backend's stacks in a local web
 * page. See docs/console.md.
 */
export { startConsoleServer, type ConsoleServer, type ConsoleServerOptions } from "./server.js";
export { MASKING_CRYPTER, type ValueView } from "./data.js";
export { resourceGraph, type ResourceGraph, type GraphNode, type GraphEdge } from "./graph-model.js";
export { buildBundle } from "./build.js";
export { loadAssets, type Assets } from "./assets.js";
export { announce, findConsole, updateLink, type ConsoleAnnouncement } from "./discovery.js";

/**
 * `?watch=true`: a chunked stream of `{"type":..., "object":...}` lines. Headers are flushed at
 * once (kubectl's informer waits for them before it considers the watch started). Without a
 * resourceVersion (or with "0") the current objects come first as ADDED; with one, every later
 * change is replayed from the store's history, or a 410 Expired ERROR event is sent when it is
 * older than the history kept.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { expired } from "./errors.js";
import { matchesSelector, type Selector } from "./selectors.js";
import type { StoreCore, Target } from "./store.js";
import type { KubeObject, StoreEvent } from "./types.js";

export interface WatchRequest {
  readonly target: Target;
  readonly namespace: string | undefined;
  readonly selector: Selector;
  readonly resourceVersion: string | undefined;
  readonly timeoutSeconds: number | undefined;
  /** Where to register the stream so the service can end it on close. */
  readonly streams: Set<ServerResponse>;
  /**
   * For `Accept: ...;as=Table` (kubectl get --watch): each event's object as a one-row Table,
   * with the kind's columns, as the apiserver sends it; not for ERROR events.
   */
  readonly asTable?: (object: KubeObject) => unknown;
}

export function serveWatch(store: StoreCore, req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
  res.flushHeaders();
  const send = (type: string, object: unknown) => {
    const shown = w.asTable !== undefined && type !== "ERROR" ? w.asTable(object as KubeObject) : object;
    if (!res.writableEnded) res.write(JSON.stringify({ type, object: shown }) + "\n");
  };
  const { type } = w.target;
  const matches = (e: StoreEvent) =>
    e.resource.group === type.group &&
    e.resource.kind === type.kind &&
    (w.namespace === undefined || e.object.metadata.namespace === w.namespace) &&
    matchesSelector(e.object, w.selector);
  const present = (o: KubeObject) => store.present({ type, object: o }, w.target.version);

  const rv = w.resourceVersion;
  if (rv === undefined || rv === "" || rv === "0") {
    for (const o of store.list(w.target, w.namespace, w.selector)) send("ADDED", o);
  } else {
    const since = store.eventsSince(Number(rv));
    if (since === undefined || Number.isNaN(Number(rv))) {
      send("ERROR", expired(Number(rv), store.oldestResourceVersion()).status);
      res.end();
      return;
    }
    for (const e of since) if (matches(e)) send(e.type, present(e.object));
  }
  const unsubscribe = store.subscribe((e) => {
    if (matches(e)) send(e.type, present(e.object));
  });
  w.streams.add(res);
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    unsubscribe();
    w.streams.delete(res);
    if (timer) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  if (w.timeoutSeconds !== undefined && w.timeoutSeconds > 0) timer = setTimeout(finish, w.timeoutSeconds * 1000);
  // `req` 'close' fires when the request body ends; the response's 'close' is the disconnect.
  res.on("close", finish);
  req.resume();
}

/**
 * Watch streams: chunked JSON lines with ADDED/MODIFIED/DELETED/BOOKMARK/ERROR, synthetic ADDED events for
 * `resourceVersion` unset or `0`, selector transitions (an object leaving the selection is DELETED for the watcher),
 * `timeoutSeconds`, bookmarks, in-stream 410 for expired resourceVersions, and Table-encoded events.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceDefinition } from "../builtin/types.ts";
import { isClusterSimError } from "../errors/index.ts";
import type { KubeObject } from "../store/api.ts";
import type { CommittedEvent, StoreBackend } from "../store/backend.ts";
import { resourceMatches } from "./faults.ts";

/** How one watch encodes event objects. */
export type EventEncoder = (obj: KubeObject, first: boolean) => string;

/** Parameters of one watch. */
export interface WatchParams {
  def: ResourceDefinition;
  match: (obj: KubeObject) => boolean;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  /** `sendInitialEvents=true`: end the synthetic ADDED events with the `k8s.io/initial-events-end` BOOKMARK. */
  sendInitialEvents?: boolean;
  timeoutSeconds: number | undefined;
  bookmarkIntervalMs: number;
  /** Encodes an object for the stream; undefined = plain JSON at the served version. */
  table?: EventEncoder;
  /** End the stream after this many ms (fault injection). */
  dropAfterMs?: number;
  /** Destroy the socket instead of ending the stream cleanly. */
  dropAbruptly?: boolean;
}

interface OpenWatch {
  def: ResourceDefinition;
  res: ServerResponse;
  close: () => void;
}

/** The open watches (for fault injection and shutdown). */
export class WatchRegistry {
  private readonly open = new Set<OpenWatch>();

  add(w: OpenWatch): void {
    this.open.add(w);
  }

  remove(w: OpenWatch): void {
    this.open.delete(w);
  }

  /** Number of open watch streams. */
  get size(): number {
    return this.open.size;
  }

  /** Ends the matching watch streams (cleanly, or by destroying the socket when `abrupt`). */
  drop(resource?: string, abrupt = false): void {
    for (const w of [...this.open]) {
      if (resource !== undefined && !resourceMatches(resource, w.def.group, w.def.resource)) continue;
      w.close();
      if (abrupt) w.res.destroy();
      else w.res.end();
    }
  }

  /** Ends every watch (server shutdown). */
  closeAll(): void {
    for (const w of [...this.open]) {
      w.close();
      w.res.end();
    }
  }
}

function objectJson(store: StoreBackend, def: ResourceDefinition, obj: KubeObject): string {
  const served = store.served(def, obj);
  return served !== obj ? JSON.stringify(served) : store.objectJson(obj);
}

function apiVersionOf(def: ResourceDefinition): string {
  return def.group === "" ? def.version : `${def.group}/${def.version}`;
}

/** Serves a watch on `res` until the client leaves, the timeout passes, or the server closes. */
export function serveWatch(
  store: StoreBackend,
  registry: WatchRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  p: WatchParams,
): void {
  const { def, match } = p;
  let first = true;
  const encode = (obj: KubeObject): string => {
    if (p.table) {
      const s = p.table(store.served(def, obj), first);
      first = false;
      return s;
    }
    return objectJson(store, def, obj);
  };
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();
  const write = (type: string, objJson: string): void => {
    if (!res.writableEnded && !res.destroyed) res.write(`{"type":"${type}","object":${objJson}}\n`);
  };
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  let unsubscribe: (() => void) | undefined;
  let closed = false;
  const entry: OpenWatch = {
    def,
    res,
    close: () => {
      if (closed) return;
      closed = true;
      unsubscribe?.();
      for (const t of timers) clearTimeout(t);
      registry.remove(entry);
    },
  };
  registry.add(entry);
  req.on("close", entry.close);
  res.on("close", entry.close);

  let lastRv = store.currentResourceVersion();
  const onEvent = (e: CommittedEvent): void => {
    if (closed) return;
    lastRv = String(e.rv);
    const now = match(e.object);
    const before = e.oldObject ? match(e.oldObject) : false;
    if (e.type === "ADDED") {
      if (now) write("ADDED", encode(e.object));
    } else if (e.type === "DELETED") {
      if (now || before) write("DELETED", encode(e.object));
    } else if (now && before) write("MODIFIED", encode(e.object));
    else if (now) write("ADDED", encode(e.object));
    else if (before) write("DELETED", encode(e.object));
  };

  const rv = p.resourceVersion;
  try {
    if (rv === undefined || rv === "" || rv === "0") {
      const startRv = Number(store.currentResourceVersion());
      for (const e of store.sortedEntries(def)) if (match(e.obj)) write("ADDED", encode(e.obj));
      if (p.sendInitialEvents && p.allowBookmarks) {
        const bookmark = {
          kind: def.kind,
          apiVersion: apiVersionOf(def),
          metadata: { resourceVersion: String(startRv), annotations: { "k8s.io/initial-events-end": "true" } },
        };
        write("BOOKMARK", JSON.stringify(bookmark));
      }
      unsubscribe = store.watch(def, startRv, onEvent);
    } else {
      unsubscribe = store.watch(def, Number(rv), onEvent);
    }
  } catch (e) {
    if (isClusterSimError(e)) {
      write("ERROR", JSON.stringify(e.status));
      entry.close();
      res.end();
      return;
    }
    throw e;
  }
  if (p.timeoutSeconds !== undefined && p.timeoutSeconds > 0) {
    timers.push(
      setTimeout(() => {
        entry.close();
        res.end();
      }, p.timeoutSeconds * 1000),
    );
  }
  if (p.allowBookmarks) {
    const tick = (): void => {
      if (closed) return;
      const bookmark = { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: lastRv } };
      write("BOOKMARK", JSON.stringify(bookmark));
      timers.push(setTimeout(tick, p.bookmarkIntervalMs));
    };
    timers.push(setTimeout(tick, p.bookmarkIntervalMs));
  }
  if (p.dropAfterMs !== undefined) {
    timers.push(
      setTimeout(() => {
        entry.close();
        if (p.dropAbruptly) res.destroy();
        else res.end();
      }, p.dropAfterMs),
    );
  }
}

/**
 * Watch history and event fan-out, as the real server's watch cache does it: every committed change becomes an event
 * with its resourceVersion, kept in a bounded log per resource type (older resourceVersions answer 410 Expired) and
 * delivered synchronously to the watches of that type and to the in-process subscribers.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import { expired } from "../errors/index.ts";
import type { KubeObject, ResourceKey, StoreEvent, StoreEventType } from "./api.ts";
import type { CommittedEvent } from "./backend.ts";
import { cloneJson } from "./json.ts";

/** The retained events of one resource type. */
export interface WatchLog {
  events: CommittedEvent[];
  /** Index of the oldest retained event in `events` (the array is trimmed in batches). */
  start: number;
  /** Events with rv <= compactedRv are gone from the log. */
  compactedRv: number;
}

/** An empty log. */
export function newWatchLog(): WatchLog {
  return { events: [], start: 0, compactedRv: 0 };
}

/** Records events, keeps each type's log bounded, and delivers events to watches and subscribers. */
export class WatchHistory {
  private readonly listeners = new Set<(e: CommittedEvent) => void>();
  private readonly subscribers = new Set<(e: StoreEvent) => void>();
  private readonly historySize: number;

  /** `historySize`: events retained per resource type. */
  constructor(historySize: number) {
    this.historySize = historySize;
  }

  /** Appends the event of a committed change to `log` and delivers it; a failing listener never fails the write. */
  record(
    log: WatchLog,
    groupResource: string,
    def: ResourceDefinition,
    rv: number,
    type: StoreEventType,
    obj: KubeObject,
    old: KubeObject | undefined,
  ): void {
    const resource: ResourceKey = { group: def.group, version: def.storageVersion, resource: def.resource };
    const ev: CommittedEvent = { type, resource, object: obj, rv, groupResource };
    if (old) ev.oldObject = old;
    log.events.push(ev);
    if (log.events.length - log.start > this.historySize) {
      const dropped = log.events[log.start];
      if (dropped) log.compactedRv = dropped.rv;
      log.start++;
      if (log.start > 1024 && log.start * 2 > log.events.length) {
        log.events = log.events.slice(log.start);
        log.start = 0;
      }
    }
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a watcher's failure must not break the write that triggered it
      }
    }
    if (this.subscribers.size > 0) {
      const pub: StoreEvent = { type, resource, object: cloneJson(obj) };
      for (const l of this.subscribers) {
        try {
          l(pub);
        } catch {
          // a listener's failure must not break the write that triggered it
        }
      }
    }
  }

  /**
   * Replays the events of `log` after `fromRv`, then delivers live events of `groupResource`; returns the
   * unsubscribe function. Throws 410 Expired when `fromRv` is older than the log.
   */
  watch(
    log: WatchLog,
    groupResource: string,
    fromRv: number | undefined,
    listener: (e: CommittedEvent) => void,
  ): () => void {
    if (fromRv !== undefined) {
      if (fromRv < log.compactedRv) throw expired(String(fromRv), log.compactedRv + 1);
      for (let i = log.start; i < log.events.length; i++) {
        const ev = log.events[i];
        if (ev && ev.rv > fromRv) listener(ev);
      }
    }
    const wrapped = (e: CommittedEvent): void => {
      if (e.groupResource === groupResource) listener(e);
    };
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** Empties `log`: watches from a resourceVersion up to `rv` get 410. */
  compact(log: WatchLog, rv: number): void {
    log.events = [];
    log.start = 0;
    log.compactedRv = rv;
  }

  /** Delivers a copy of every committed change of every type to `listener`; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => {
      this.subscribers.delete(listener);
    };
  }
}

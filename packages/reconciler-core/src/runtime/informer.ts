/**
 * An informer: a local cache of one resource type, filled by list+watch and kept current — client-go's reflector +
 * indexer + shared informer, with what client-node's informer lacks:
 * - restart with jittered back-off on any error or dropped stream (it never stays stopped);
 * - relist on `410 Gone` (HTTP or in-stream `ERROR`), with a paginated list;
 * - periodic full relist (`relistPeriodMs`) and periodic resync to the handlers (`resyncPeriodMs`);
 * - indexers (namespace, owner uid, label values, custom), `hasSynced`, reads by key with no API call;
 * - `managedFields` stripped on the way in (as controller-runtime's default transform) to keep memory low.
 */
import { ReconcilerError } from "../errors.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import { type RuntimeLogger, silentLogger } from "./logger.ts";
import { type KubeObject, keyOf, objectKey, type ResourceType } from "./resources.ts";
import type { KubeClient, WatchEvent } from "./rest-client.ts";

/** Maps an object to the index values it is found under. */
export type IndexFunc = (obj: KubeObject) => readonly string[];

/** Index names used by the runtime. */
export const IndexNames = {
  Namespace: "namespace",
  OwnerUid: "ownerUid",
  ControllerUid: "controllerUid",
} as const;

/** Ready-made index functions. */
export const Indexers = Object.freeze({
  /** By `metadata.namespace`. */
  namespace: ((obj) => (obj.metadata.namespace !== undefined ? [obj.metadata.namespace] : [])) as IndexFunc,
  /** By the uid of every owner reference. */
  ownerUid: ((obj) => (obj.metadata.ownerReferences ?? []).map((r) => r.uid)) as IndexFunc,
  /** By the uid of the controller owner reference. */
  controllerUid: ((obj) =>
    (obj.metadata.ownerReferences ?? []).filter((r) => r.controller === true).map((r) => r.uid)) as IndexFunc,
  /** By the value of one label (objects without it are not indexed). */
  label(key: string): IndexFunc {
    return (obj) => {
      const v = obj.metadata.labels?.[key];
      return v === undefined ? [] : [v];
    };
  },
  /** By `value1/value2` of two labels, e.g. `kaito.sh/workspacenamespace` + `kaito.sh/workspace`. */
  labelPair(first: string, second: string): IndexFunc {
    return (obj) => {
      const a = obj.metadata.labels?.[first];
      const b = obj.metadata.labels?.[second];
      return a === undefined || b === undefined ? [] : [`${a}/${b}`];
    };
  },
});

/** Callbacks of an informer; each is called synchronously and must be cheap (enqueue a key). */
export interface InformerHandler {
  onAdd?(obj: KubeObject): void;
  /** Also called with `old === obj` on a periodic resync. */
  onUpdate?(old: KubeObject, obj: KubeObject): void;
  onDelete?(obj: KubeObject): void;
}

/** Options of {@link Informer}. */
export interface InformerOptions {
  readonly client: KubeClient;
  readonly resource: ResourceType;
  /** Watch one namespace only (default all). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Extra indexes by name; {@link IndexNames.Namespace} and {@link IndexNames.ControllerUid} always exist. */
  readonly indexers?: Readonly<Record<string, IndexFunc>>;
  /** Re-deliver every cached object to `onUpdate` this often (0 = never; default 0). */
  readonly resyncPeriodMs?: number;
  /** List again from the server this often, however healthy the watch (default 10 min; 0 = never). */
  readonly relistPeriodMs?: number;
  /** Page size of lists (default 500). */
  readonly pageSize?: number;
  /** Server-side watch timeout; default random in [300, 600) s like client-go's reflector. */
  readonly watchTimeoutSeconds?: number;
  /** Reconnect back-off (default 800 ms → 30 s). */
  readonly backoff?: BackoffOptions;
  /**
   * Transform objects before they are cached (default {@link stripManagedFields}); applied to listed and watched
   * objects, and to those handed to handlers. Keep `metadata.name`, `namespace` and `resourceVersion`.
   */
  readonly transform?: (obj: KubeObject) => KubeObject;
  readonly clock?: Clock;
  readonly logger?: RuntimeLogger;
}

/** Counters of an informer's API traffic, for tests and health checks. */
export interface InformerStats {
  lists: number;
  watches: number;
  /** Relists caused by 410 Gone. */
  goneRelists: number;
  /** Errors that led to a back-off restart. */
  errors: number;
  /** Periodic relists. */
  periodicRelists: number;
}

/**
 * The default cache transform: drops `metadata.managedFields` (server-side apply bookkeeping, often the largest part
 * of a small object, which controllers never read), as controller-runtime's default `TransformStripManagedFields`.
 * Compose it into your own transform: `(o) => keepOnly(stripManagedFields(o))`.
 */
export function stripManagedFields(obj: KubeObject): KubeObject {
  if (obj.metadata.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}

class GoneSignal extends Error {}

/**
 * A list+watch cache of one resource type.
 * @example
 * const inf = new Informer({ client, resource: Resources.Workspace });
 * inf.addHandler({ onAdd: (o) => queue.add(objectKey(o)) });
 * inf.start();
 * await inf.waitForSync();
 * const ws = inf.get("default/ws");
 */
export class Informer {
  readonly resource: ResourceType;
  readonly stats: InformerStats = { lists: 0, watches: 0, goneRelists: 0, errors: 0, periodicRelists: 0 };
  readonly #opts: InformerOptions;
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #log: RuntimeLogger;
  readonly #transform: (obj: KubeObject) => KubeObject;
  readonly #items = new Map<string, KubeObject>();
  readonly #indexers = new Map<string, IndexFunc>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #handlers: InformerHandler[] = [];
  readonly #syncWaiters: Array<() => void> = [];
  readonly #backoff: Backoff;
  #rv = "";
  #synced = false;
  #running = false;
  #stopped = false;
  #needList = true;
  #watchAbort: AbortController | undefined;
  #sleep: { timer: TimerHandle; resolve: () => void } | undefined;
  #relistTimer: TimerHandle | undefined;
  #resyncTimer: TimerHandle | undefined;
  #loop: Promise<void> | undefined;
  #lastEventAt = 0;

  constructor(opts: InformerOptions) {
    this.#opts = opts;
    this.resource = opts.resource;
    this.#client = opts.client;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger ?? silentLogger;
    this.#transform = opts.transform ?? stripManagedFields;
    this.#backoff = new Backoff(opts.backoff);
    this.#indexers.set(IndexNames.Namespace, Indexers.namespace);
    this.#indexers.set(IndexNames.ControllerUid, Indexers.controllerUid);
    for (const [name, fn] of Object.entries(opts.indexers ?? {})) this.#indexers.set(name, fn);
    for (const name of this.#indexers.keys()) this.#indexes.set(name, new Map());
  }

  /** True once the first list has been stored. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the cache is current to. */
  get lastSyncResourceVersion(): string {
    return this.#rv;
  }

  /** Clock time of the last event or list (0 before any); for liveness checks. */
  get lastEventAt(): number {
    return this.#lastEventAt;
  }

  /** Register callbacks; when the cache is already synced, current objects are replayed to `onAdd`. */
  addHandler(h: InformerHandler): void {
    this.#handlers.push(h);
    if (this.#synced && h.onAdd !== undefined) for (const o of this.#items.values()) this.#call(() => h.onAdd?.(o));
  }

  /** The cached object of a key (`namespace/name` or `name`). */
  get(key: string): KubeObject | undefined {
    return this.#items.get(key);
  }

  /** The cached object by namespace and name. */
  getByName(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#items.get(keyOf(this.resource.namespaced ? namespace : undefined, name));
  }

  /** Cached objects, of one namespace or all. */
  list(namespace?: string): KubeObject[] {
    if (namespace === undefined) return [...this.#items.values()];
    return this.byIndex(IndexNames.Namespace, namespace);
  }

  /** Cached objects under one value of an index. */
  byIndex(indexName: string, value: string): KubeObject[] {
    const idx = this.#indexes.get(indexName);
    if (idx === undefined) {
      throw new ReconcilerError(
        "INVALID_ARGUMENT",
        `informer of ${this.resource.resource} has no index "${indexName}": pass it in options.indexers`,
      );
    }
    const keys = idx.get(value);
    if (keys === undefined) return [];
    const out: KubeObject[] = [];
    for (const k of keys) {
      const o = this.#items.get(k);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  /** True when the informer has an index of this name (see {@link Informer.byIndex}). */
  hasIndex(indexName: string): boolean {
    return this.#indexes.has(indexName);
  }

  /** Add an index before {@link Informer.start}; a no-op when one of that name exists. */
  addIndexer(name: string, fn: IndexFunc): void {
    if (this.#indexers.has(name)) return;
    if (this.#running) {
      throw new ReconcilerError(
        "INVALID_ARGUMENT",
        `informer of ${this.resource.resource} is running: add index "${name}" before start()`,
      );
    }
    this.#indexers.set(name, fn);
    this.#indexes.set(name, new Map());
  }

  /** Number of cached objects. */
  size(): number {
    return this.#items.size;
  }

  /** Start list+watch in the background (idempotent). */
  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#scheduleResync();
    this.#loop = this.#run();
  }

  /** Resolve once synced; rejects with `CACHE_NOT_SYNCED` after `timeoutMs` (default: wait forever). */
  waitForSync(timeoutMs?: number): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const done = () => {
        timer?.cancel();
        resolve();
      };
      this.#syncWaiters.push(done);
      if (timeoutMs !== undefined) {
        timer = this.#clock.setTimer(timeoutMs, () => {
          const i = this.#syncWaiters.indexOf(done);
          if (i >= 0) this.#syncWaiters.splice(i, 1);
          reject(
            new ReconcilerError(
              "CACHE_NOT_SYNCED",
              `the ${this.resource.resource} cache did not finish its first list within ${timeoutMs} ms: check API access (RBAC list/watch on ${this.resource.resource})`,
            ),
          );
        });
      }
    });
  }

  /** Stop watching; the cache keeps its content. Resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#relistTimer?.cancel();
    this.#resyncTimer?.cancel();
    this.#watchAbort?.abort();
    this.#wake();
    await this.#loop;
  }

  /** Force a full relist now (as the periodic relist does). */
  relist(): void {
    this.#needList = true;
    this.#watchAbort?.abort();
    this.#wake();
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#log.error({ err: e, resource: this.resource.resource }, "informer event handler threw");
    }
  }

  #wake(): void {
    const s = this.#sleep;
    if (s !== undefined) {
      this.#sleep = undefined;
      s.timer.cancel();
      s.resolve();
    }
  }

  #sleepMs(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimer(ms, () => {
        this.#sleep = undefined;
        resolve();
      });
      this.#sleep = { timer, resolve };
    });
  }

  #scheduleRelist(): void {
    this.#relistTimer?.cancel();
    const period = this.#opts.relistPeriodMs ?? 600_000;
    if (period <= 0 || this.#stopped) return;
    // ±10% jitter so replicas and informers do not relist together.
    const ms = period * (0.9 + 0.2 * Math.random());
    this.#relistTimer = this.#clock.setTimer(ms, () => {
      this.stats.periodicRelists++;
      this.relist();
    });
  }

  #scheduleResync(): void {
    const period = this.#opts.resyncPeriodMs ?? 0;
    if (period <= 0 || this.#stopped) return;
    this.#resyncTimer = this.#clock.setTimer(period, () => {
      if (this.#synced) {
        for (const o of this.#items.values()) for (const h of this.#handlers) this.#call(() => h.onUpdate?.(o, o));
      }
      this.#scheduleResync();
    });
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        if (this.#needList) {
          await this.#listAll();
          this.#needList = false;
          this.#scheduleRelist();
        }
        const opened = this.#clock.now();
        const gotEvents = await this.#watchOnce();
        if (this.#stopped || this.#needList) continue;
        // A stream that delivered events, or stayed open a while (the server's timeout on an idle resource),
        // reconnects at once; one the server closed straight away with nothing in it backs off.
        if (gotEvents || this.#clock.now() - opened >= 1000) this.#backoff.reset();
        else await this.#sleepMs(this.#backoff.next());
      } catch (e) {
        if (this.#stopped) break;
        if (e instanceof GoneSignal) {
          this.stats.goneRelists++;
          this.#needList = true;
          this.#log.debug({ resource: this.resource.resource }, "resourceVersion expired (410): relisting");
          continue;
        }
        this.stats.errors++;
        const delay = this.#backoff.next();
        this.#log.warn(
          { err: e, resource: this.resource.resource, retryInMs: delay },
          "list/watch failed; retrying with back-off",
        );
        // After an error the cache may have missed events: a 410 on the next watch will force a relist anyway,
        // but a failed list must be retried as a list.
        await this.#sleepMs(delay);
      }
    }
  }

  async #listAll(): Promise<void> {
    const fresh = new Map<string, KubeObject>();
    let cont: string | undefined;
    let rv = "";
    do {
      this.stats.lists++;
      let page: Awaited<ReturnType<KubeClient["list"]>>;
      try {
        page = await this.#client.list(this.resource, {
          ...(this.#opts.namespace !== undefined ? { namespace: this.#opts.namespace } : {}),
          ...(this.#opts.labelSelector !== undefined ? { labelSelector: this.#opts.labelSelector } : {}),
          ...(this.#opts.fieldSelector !== undefined ? { fieldSelector: this.#opts.fieldSelector } : {}),
          limit: this.#opts.pageSize ?? 500,
          ...(cont !== undefined ? { continue: cont } : {}),
        });
      } catch (e) {
        if ((e as { code?: string }).code === "GONE" && cont !== undefined) {
          // The continue token expired mid-list: start the list over.
          fresh.clear();
          cont = undefined;
          continue;
        }
        throw e;
      }
      for (const item of page.items) {
        const o = this.#transform(item);
        fresh.set(objectKey(o), o);
      }
      rv = page.resourceVersion;
      cont = page.continue;
    } while (cont !== undefined && !this.#stopped);
    if (this.#stopped) return;
    this.#replace(fresh, rv);
  }

  #replace(fresh: Map<string, KubeObject>, rv: string): void {
    const removed: KubeObject[] = [];
    for (const [k, o] of this.#items) if (!fresh.has(k)) removed.push(o);
    for (const o of removed) this.#delete(objectKey(o), o);
    for (const o of fresh.values()) this.#upsert(o);
    this.#rv = rv;
    this.#lastEventAt = this.#clock.now();
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  #upsert(obj: KubeObject): void {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old !== undefined && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    if (old !== undefined) this.#unindex(key, old);
    this.#items.set(key, obj);
    this.#index(key, obj);
    for (const h of this.#handlers) {
      if (old === undefined) this.#call(() => h.onAdd?.(obj));
      else this.#call(() => h.onUpdate?.(old, obj));
    }
  }

  #delete(key: string, obj: KubeObject): void {
    const old = this.#items.get(key);
    if (old === undefined) return;
    this.#unindex(key, old);
    this.#items.delete(key);
    for (const h of this.#handlers) this.#call(() => h.onDelete?.(obj));
  }

  #index(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.#indexers) {
      const idx = this.#indexes.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        let set = idx.get(v);
        if (set === undefined) {
          set = new Set();
          idx.set(v, set);
        }
        set.add(key);
      }
    }
  }

  #unindex(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.#indexers) {
      const idx = this.#indexes.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const set = idx.get(v);
        if (set === undefined) continue;
        set.delete(key);
        if (set.size === 0) idx.delete(v);
      }
    }
  }

  /** One watch stream; resolves true when it delivered at least one event. Throws GoneSignal on 410. */
  async #watchOnce(): Promise<boolean> {
    const abort = new AbortController();
    this.#watchAbort = abort;
    // A relist or stop requested between the list and this watch must not wait for the watch to time out.
    if (this.#needList || this.#stopped) {
      this.#watchAbort = undefined;
      return false;
    }
    const timeoutSeconds = this.#opts.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
    // If the server never ends the stream (a dead connection), give up a little after its own timeout.
    const guard = this.#clock.setTimer((timeoutSeconds + 30) * 1000, () => abort.abort());
    let got = false;
    let gone = false;
    let failure: unknown;
    this.stats.watches++;
    try {
      await this.#client.watch(
        this.resource,
        {
          ...(this.#opts.namespace !== undefined ? { namespace: this.#opts.namespace } : {}),
          ...(this.#opts.labelSelector !== undefined ? { labelSelector: this.#opts.labelSelector } : {}),
          ...(this.#opts.fieldSelector !== undefined ? { fieldSelector: this.#opts.fieldSelector } : {}),
          resourceVersion: this.#rv,
          allowWatchBookmarks: true,
          timeoutSeconds,
          signal: abort.signal,
        },
        (ev: WatchEvent) => {
          if (gone || failure !== undefined || abort.signal.aborted) return;
          this.#lastEventAt = this.#clock.now();
          if (ev.type === "ERROR") {
            const st = ev.object as unknown as { code?: number; message?: string; reason?: string };
            if (st.code === 410) gone = true;
            else
              failure = new ReconcilerError(
                "SERVER_ERROR",
                `watch ${this.resource.resource}: ${st.message ?? "error event"}`,
              );
            abort.abort();
            return;
          }
          got = true;
          const rv = ev.object.metadata?.resourceVersion;
          if (ev.type === "BOOKMARK") {
            if (rv !== undefined) this.#rv = rv;
            return;
          }
          const obj = this.#transform(ev.object);
          if (ev.type === "DELETED") this.#delete(objectKey(obj), obj);
          else this.#upsert(obj);
          if (rv !== undefined) this.#rv = rv;
        },
      );
    } catch (e) {
      if ((e as { code?: string }).code === "GONE") gone = true;
      else if (!abort.signal.aborted) failure = e;
    } finally {
      guard.cancel();
      if (this.#watchAbort === abort) this.#watchAbort = undefined;
    }
    if (gone) throw new GoneSignal("410");
    if (failure !== undefined) throw failure;
    return got;
  }
}

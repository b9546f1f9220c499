/**
 * The remote {@link SimApi}: list + watch per cached resource type against any Kubernetes API server (relisting on
 * `410 Gone`, reconnecting with back-off), writes as plain API requests (status subresources, merge / strategic /
 * JSON / apply patches with their content types), errors as ClusterSimErrors with the server's Status reason.
 * The result of each write goes into the cache at once (when newer), so a controller reads its own writes.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type {
  DeleteOptions,
  KubeObject,
  ListOptions,
  PatchType,
  ResourceKey,
  StoreEvent,
  StoreEventType,
  WriteOptions,
} from "../../store/api.ts";
import { asObj, asObjArray, errorReason, str } from "../shared/objects.ts";
import { apiError, collectionPath, KubeHttp, objectPath } from "./kube-http.ts";
import { type CacheReadStats, ObjectCache } from "./object-cache.ts";
import type { SimApi } from "./types.ts";

const CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

/** Options of {@link KubeApi}. */
export interface KubeApiOptions {
  /** Resource types to list and watch into the cache. */
  resources: readonly ResourceKey[];
  /** Field manager of every write. */
  fieldManager: string;
  /** Called with watch failures that are retried. */
  onError: (error: unknown, where: string) => void;
  /** Longest back-off between reconnects, in ms. Default 5000. */
  maxBackoffMs?: number;
}

/** True when resourceVersion `a` is newer than `b` (numeric versions compared as numbers, else any change). */
export function isNewer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a !== b;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return a !== b;
}

const kindOf = (o: unknown) => str(asObj(o).kind);

/** A SimApi over an API server reached through a KubeConfig. */
export class KubeApi implements SimApi {
  readonly #http: KubeHttp;
  readonly #cache: ObjectCache;
  readonly #options: KubeApiOptions;
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];
  /**
   * Per resource (collection path), the newest resourceVersion its list or watch delivered: a write's answer at or
   * below it is already in the cache, or already superseded (the object deleted, or replaced by one of the same name).
   */
  readonly #delivered = new Map<string, string>();
  #synced: Promise<void> | undefined;

  constructor(kubeConfig: KubeConfig, options: KubeApiOptions) {
    this.#http = new KubeHttp(kubeConfig, `${options.fieldManager}/v0 (cluster-sim simulation)`);
    this.#cache = new ObjectCache(options.resources);
    this.#options = options;
  }

  /** The API server's URL. */
  get server(): string {
    return this.#http.server;
  }

  /**
   * Starts one list+watch loop per resource. The promise of {@link synced} resolves once each was listed (or found
   * not served: 404, e.g. a CRD not installed yet, which keeps retrying) and rejects with the first other failure.
   */
  start(): void {
    const firsts = this.#options.resources.map(
      (resource) =>
        new Promise<void>((resolve, reject) => {
          this.#loops.push(this.#run(resource, resolve, reject));
        }),
    );
    this.#synced = Promise.all(firsts).then(() => undefined);
    this.#synced.catch(() => {}); // the caller awaits synced()
  }

  synced(): Promise<void> {
    return this.#synced ?? Promise.reject(new Error("KubeApi.start() was not called"));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
    this.#http.close();
  }

  #emit(type: StoreEventType, resource: ResourceKey, object: KubeObject): void {
    for (const listener of this.#listeners) listener({ type, resource, object });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#abort.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#abort.signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Lists every page; replaces the cache and emits the differences. Returns the list's resourceVersion. */
  async #relist(resource: ResourceKey): Promise<string> {
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    let resourceVersion = "";
    do {
      const res = await this.#http.request("GET", collectionPath(resource), {
        query: { limit: 500, continue: continueToken },
        signal: this.#abort.signal,
      });
      if (res.status !== 200) throw apiError(res.status, res.body, `list ${collectionPath(resource)}`);
      const list = asObj(res.body);
      const meta = asObj(list.metadata);
      resourceVersion = str(meta.resourceVersion) ?? resourceVersion;
      continueToken = str(meta.continue) || undefined;
      const kind = str(list.kind)?.replace(/List$/, "") ?? "";
      const apiVersion = str(list.apiVersion) ?? "";
      for (const item of asObjArray(list.items)) {
        // List items come without apiVersion/kind.
        items.push({ apiVersion, kind, ...item } as KubeObject);
      }
    } while (continueToken !== undefined);
    const before = new Map(this.#cache.list(resource).map((o) => [o.metadata.uid ?? "", o]));
    this.#cache.replace(resource, items);
    this.#delivered.set(collectionPath(resource), resourceVersion);
    for (const o of items) {
      const old = before.get(o.metadata.uid ?? "");
      before.delete(o.metadata.uid ?? "");
      if (old === undefined) this.#emit("ADDED", resource, o);
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) this.#emit("MODIFIED", resource, o);
    }
    for (const gone of before.values()) this.#emit("DELETED", resource, gone);
    return resourceVersion;
  }

  /** The list+watch loop of one resource until stop(). */
  async #run(resource: ResourceKey, synced: () => void, failed: (error: unknown) => void): Promise<void> {
    const path = collectionPath(resource);
    const maxBackoff = this.#options.maxBackoffMs ?? 5000;
    let first = true;
    let failures = 0;
    let resourceVersion: string | undefined;
    while (!this.#abort.signal.aborted) {
      try {
        if (resourceVersion === undefined) resourceVersion = await this.#relist(resource);
        if (first) {
          first = false;
          synced();
        }
        failures = 0;
        let gone = false;
        const watchStarted = Date.now();
        await this.#http.watch(
          path,
          { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 240 + Math.floor(Math.random() * 120) },
          (event) => {
            const object = event.object as KubeObject;
            const rv = object?.metadata?.resourceVersion;
            if (event.type === "ERROR") {
              const code = asObj(event.object).code;
              if (code === 410 || errorReason(event.object) === "Expired" || errorReason(event.object) === "Gone") {
                gone = true;
              } else {
                this.#options.onError(apiError(Number(code) || 500, event.object, `watch ${path}`), `watch ${path}`);
              }
              return;
            }
            if (rv !== undefined) {
              resourceVersion = rv;
              this.#delivered.set(path, rv);
            }
            if (event.type === "BOOKMARK") return;
            const type = event.type as StoreEventType;
            if (type === "DELETED") {
              this.#cache.apply("DELETED", resource, object);
            } else {
              const cached = this.#cache.get(resource, object.metadata.namespace, object.metadata.name ?? "");
              // A write of ours may already have put a newer version in the cache.
              const stale =
                cached !== undefined &&
                cached.metadata.uid === object.metadata.uid &&
                isNewer(cached.metadata.resourceVersion, rv);
              if (!stale) this.#cache.apply(type, resource, object);
            }
            this.#emit(type, resource, object);
          },
          this.#abort.signal,
        );
        if (gone)
          resourceVersion = undefined; // relist
        // A server that ends watches at once must not make this a busy loop.
        else if (Date.now() - watchStarted < 100) await this.#sleep(100);
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        const reason = errorReason(error);
        if (reason === "Gone" || reason === "Expired") {
          resourceVersion = undefined;
          continue;
        }
        if (first && reason !== "NotFound") {
          failed(error);
        } else if (first) {
          // Not served yet (a CRD not installed): the simulation starts without it and keeps trying.
          first = false;
          synced();
        } else if (reason !== "NotFound") {
          this.#options.onError(error, `list/watch ${path}`);
        }
        failures++;
        await this.#sleep(Math.min(100 * 2 ** Math.min(failures, 10), maxBackoff));
      }
    }
  }

  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#cache.get(resource, namespace, name);
  }

  list(resource: ResourceKey, options?: ListOptions): KubeObject[] {
    return this.#cache.list(resource, options);
  }

  listSelected(resource: ResourceKey, namespace: string | undefined, selector: Record<string, string>): KubeObject[] {
    return this.#cache.listSelected(resource, namespace, selector);
  }

  listControlledBy(resource: ResourceKey, namespace: string | undefined, uid: string): KubeObject[] {
    return this.#cache.listControlledBy(resource, namespace, uid);
  }

  /** How much work the cache's reads did so far (for tests that check the work per event stays bounded). */
  cacheStats(): CacheReadStats {
    return this.#cache.stats();
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Puts a write's answer into the cache when its watch has not delivered it yet (read-your-writes). An answer the
   * watch already went past is left out: the cache then holds that write or something newer — the object deleted, or
   * a new object of the same name (a StatefulSet pod recreated while our DELETE's answer was on its way), which the
   * stale answer must not replace.
   */
  #observe(resource: ResourceKey, object: KubeObject): KubeObject {
    if (!this.#cache.caches(resource) || object?.metadata === undefined) return object;
    const rv = object.metadata.resourceVersion;
    const delivered = this.#delivered.get(collectionPath(resource));
    if (delivered !== undefined && !isNewer(rv, delivered)) return object;
    const cached = this.#cache.get(resource, object.metadata.namespace, object.metadata.name ?? "");
    if (
      cached === undefined ||
      cached.metadata.uid !== object.metadata.uid ||
      isNewer(rv, cached.metadata.resourceVersion)
    ) {
      this.#cache.apply("MODIFIED", resource, object);
    }
    return object;
  }

  async #write(
    method: string,
    path: string,
    what: string,
    body: unknown,
    query: Record<string, string | boolean | undefined>,
    contentType?: string,
  ): Promise<unknown> {
    const req: Parameters<KubeHttp["request"]>[2] = { query, body };
    if (contentType !== undefined) req.contentType = contentType;
    const res = await this.#http.request(method, path, req);
    if (res.status < 200 || res.status > 299) throw apiError(res.status, res.body, what);
    return res.body;
  }

  async create(resource: ResourceKey, object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    const ns = object.metadata.namespace;
    const path = collectionPath(resource, ns);
    const out = await this.#write("POST", path, `create ${path}`, object, {
      fieldManager: options?.fieldManager ?? this.#options.fieldManager,
    });
    return this.#observe(resource, out as KubeObject);
  }

  async update(resource: ResourceKey, object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    const path = objectPath(resource, object.metadata.namespace, object.metadata.name ?? "", options?.subresource);
    const out = await this.#write("PUT", path, `update ${path}`, object, {
      fieldManager: options?.fieldManager ?? this.#options.fieldManager,
    });
    return this.#observe(resource, out as KubeObject);
  }

  async patch(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: WriteOptions,
  ): Promise<KubeObject> {
    const path = objectPath(resource, namespace, name, options?.subresource);
    const out = await this.#write(
      "PATCH",
      path,
      `patch ${path}`,
      patch,
      {
        fieldManager: options?.fieldManager ?? this.#options.fieldManager,
        force: type === "apply" ? true : undefined,
      },
      CONTENT_TYPES[type],
    );
    return this.#observe(resource, out as KubeObject);
  }

  async delete(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): Promise<KubeObject | undefined> {
    const path = objectPath(resource, namespace, name);
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (options?.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options?.propagationPolicy !== undefined) body.propagationPolicy = options.propagationPolicy;
    if (options?.preconditionUid !== undefined) body.preconditions = { uid: options.preconditionUid };
    const out = await this.#write("DELETE", path, `delete ${path}`, body, {});
    // A Status means the object is gone; an object without a deletionTimestamp is its last state.
    if (kindOf(out) === "Status") return undefined;
    const object = out as KubeObject;
    if (object.metadata?.deletionTimestamp === undefined) return undefined;
    return this.#observe(resource, object);
  }
}

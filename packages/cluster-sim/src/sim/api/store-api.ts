/**
 * The in-process {@link SimApi}: an informer-style cache in front of cluster-sim's store. It keeps the latest object
 * of the cached resources from the store's synchronous events, so the controllers' gets and lists cost no copies.
 * Writes go to the store, whose events update the cache before the write's promise settles. Objects handed out are
 * shared: callers must not mutate them.
 */
import type {
  ClusterStore,
  DeleteOptions,
  KubeObject,
  ListOptions,
  PatchType,
  ResourceKey,
  StoreEvent,
  WriteOptions,
} from "../../store/api.ts";
import { type CacheReadStats, ObjectCache } from "./object-cache.ts";
import type { SimApi } from "./types.ts";

/** A SimApi over an in-process store, caching `resources`. Call {@link StoreApi.start} before use. */
export class StoreApi implements SimApi {
  readonly #inner: ClusterStore;
  readonly #cache: ObjectCache;
  readonly #keys: readonly ResourceKey[];
  #unsubscribe: (() => void) | undefined;

  constructor(inner: ClusterStore, resources: readonly ResourceKey[]) {
    this.#inner = inner;
    this.#keys = resources;
    this.#cache = new ObjectCache(resources);
  }

  /** Subscribes, then primes the cache with a list of each resource. */
  start(): void {
    this.#unsubscribe = this.#inner.subscribe((e) => {
      if (this.#cache.caches(e.resource)) this.#cache.apply(e.type, e.resource, e.object);
    });
    for (const resource of this.#keys) {
      let objects: KubeObject[] = [];
      try {
        objects = this.#inner.list(resource);
      } catch {
        // Not served (yet), e.g. NodeClaims before their CRD: events fill the cache later.
      }
      for (const o of objects) this.#cache.apply("ADDED", resource, o);
    }
  }

  async synced(): Promise<void> {}

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#cache.get(resource, namespace, name);
  }

  list(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
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

  async create(resource: ResourceKey, object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return this.#inner.create(resource, object, options);
  }

  async update(resource: ResourceKey, object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return this.#inner.update(resource, object, options);
  }

  async patch(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: WriteOptions,
  ): Promise<KubeObject> {
    return this.#inner.patch(resource, namespace, name, type, patch, options);
  }

  async delete(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): Promise<KubeObject | undefined> {
    return this.#inner.delete(resource, namespace, name, options);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.#inner.subscribe((e) => {
      if (this.#cache.caches(e.resource)) listener(e);
    });
  }
}

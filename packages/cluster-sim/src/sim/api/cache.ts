/**
 * An informer-style cache in front of the store: it keeps the latest object of the watched resources from the
 * store's (synchronous) events, so the controllers' gets and lists cost no copies. Writes go to the store, whose
 * events update the cache before the write returns. Objects handed out are shared: callers must not mutate them.
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

const groupResource = (r: ResourceKey) => `${r.group}/${r.resource}`;
const itemKey = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;

/** A read-through cache of some resources; everything else passes through to the store. */
export class InformerCache implements ClusterStore {
  readonly #inner: ClusterStore;
  readonly #data = new Map<string, Map<string, KubeObject>>();
  readonly #keys: readonly ResourceKey[];
  #unsubscribe: (() => void) | undefined;

  constructor(inner: ClusterStore, resources: readonly ResourceKey[]) {
    this.#inner = inner;
    this.#keys = resources;
    for (const r of resources) this.#data.set(groupResource(r), new Map());
  }

  /** Subscribes, then primes the cache with a list of each resource. */
  start(): void {
    this.#unsubscribe = this.#inner.subscribe((e) => this.#apply(e));
    for (const resource of this.#keys) {
      const items = this.#data.get(groupResource(resource));
      let objects: KubeObject[] = [];
      try {
        objects = this.#inner.list(resource);
      } catch {
        // Not served (yet), e.g. NodeClaims before their CRD: events fill the cache later.
      }
      for (const o of objects) items?.set(itemKey(o.metadata.namespace, o.metadata.name ?? ""), o);
    }
  }

  /** Stops following the store. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #apply(event: StoreEvent): void {
    const items = this.#data.get(groupResource(event.resource));
    if (items === undefined) return;
    const key = itemKey(event.object.metadata.namespace, event.object.metadata.name ?? "");
    if (event.type === "DELETED") items.delete(key);
    else items.set(key, event.object);
  }

  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    const items = this.#data.get(groupResource(resource));
    if (items === undefined) return this.#inner.get(resource, namespace, name);
    return items.get(itemKey(namespace, name));
  }

  list(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
    const items = this.#data.get(groupResource(resource));
    const nodeName = /^spec\.nodeName=([^,]*)$/.exec(options.fieldSelector ?? "")?.[1];
    if (items === undefined || options.labelSelector || (options.fieldSelector && nodeName === undefined)) {
      return this.#inner.list(resource, options);
    }
    const out: KubeObject[] = [];
    for (const o of items.values()) {
      if (options.namespace !== undefined && o.metadata.namespace !== options.namespace) continue;
      if (nodeName !== undefined && (o.spec as { nodeName?: unknown } | undefined)?.nodeName !== nodeName) continue;
      out.push(o);
    }
    return out;
  }

  create(resource: ResourceKey, object: KubeObject, options?: WriteOptions): KubeObject {
    return this.#inner.create(resource, object, options);
  }

  update(resource: ResourceKey, object: KubeObject, options?: WriteOptions): KubeObject {
    return this.#inner.update(resource, object, options);
  }

  patch(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: WriteOptions,
  ): KubeObject {
    return this.#inner.patch(resource, namespace, name, type, patch, options);
  }

  delete(resource: ResourceKey, namespace: string | undefined, name: string, options?: DeleteOptions) {
    return this.#inner.delete(resource, namespace, name, options);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.#inner.subscribe(listener);
  }
}

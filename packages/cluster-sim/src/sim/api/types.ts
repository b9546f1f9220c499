/**
 * The API the simulation talks to, as a controller talks to kube-apiserver through an informer cache: reads are
 * synchronous and come from a local cache fed by watches; writes are requests that resolve with the object the
 * server answered. Two implementations: `StoreApi` (`store-api.ts`) over cluster-sim's in-process store, and
 * `KubeApi` (`kube-api.ts`) over any API server through a `@kubernetes/client-node` KubeConfig.
 */
import type {
  DeleteOptions,
  KubeObject,
  ListOptions,
  PatchType,
  ResourceKey,
  StoreEvent,
  WriteOptions,
} from "../../store/api.ts";

/**
 * What the simulation's controllers read and write. Errors of the write methods carry the Kubernetes `Status`
 * (`status.reason`, `status.code`): test them with `errorReason` (`../shared/objects.ts`), never by message.
 */
export interface SimApi {
  /** The cached object; only resources the API was created to cache (others throw: a programming error). */
  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined;
  /**
   * Cached objects of a resource, optionally in one namespace. The only field selector supported is
   * `spec.nodeName=<node>` (the kubelet's; `spec.nodeName=` selects the pods not bound yet, the scheduler's), served
   * from an index; for label selectors use {@link SimApi.listSelected} or filter.
   */
  list(resource: ResourceKey, options?: ListOptions): KubeObject[];
  /**
   * Cached objects in `namespace` (every namespace when undefined) whose labels hold every entry of `selector`, a
   * Service-style selector (an empty one selects nothing), from a label index: the cost is that of the matching
   * objects, not of the whole resource. Same order as {@link SimApi.list}.
   */
  listSelected(resource: ResourceKey, namespace: string | undefined, selector: Record<string, string>): KubeObject[];
  /**
   * Cached objects in `namespace` (every namespace when undefined) whose controller reference (`controller: true`)
   * has `uid`, from an index. Same order as {@link SimApi.list}.
   */
  listControlledBy(resource: ResourceKey, namespace: string | undefined, uid: string): KubeObject[];
  create(resource: ResourceKey, object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  /** PUT semantics: optimistic concurrency when `metadata.resourceVersion` is set. */
  update(resource: ResourceKey, object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  patch(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: WriteOptions,
  ): Promise<KubeObject>;
  /** The object as it is after the call (with a deletionTimestamp when finalizers hold it), or undefined once gone. */
  delete(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): Promise<KubeObject | undefined>;
  /**
   * Changes of the cached resources, after the cache took them. Listeners must only enqueue work (never write from
   * the callback). Returns an unsubscribe function.
   */
  subscribe(listener: (event: StoreEvent) => void): () => void;
  /** Resolves once every cached resource was listed once (immediately for the in-process store). */
  synced(): Promise<void>;
  /** Stops the watches; later writes still work, reads see the last state. */
  stop(): Promise<void>;
}

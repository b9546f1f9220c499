/**
 * `MemoryStore`: the in-memory Kubernetes storage on its own, for custom setups and in-process tests. It offers the
 * {@link ClusterStore} contract (what the simulation and library users write through), in-process admission hooks,
 * the current resourceVersion and `close()`. What the HTTP layer needs beyond that (`StoreBackend`) is reached with
 * {@link storeEngine}, which the package does not export.
 */
import type { AdmissionHook } from "./admission.ts";
import type {
  ClusterStore,
  DeleteOptions,
  KubeObject,
  ListOptions,
  PatchType,
  ResourceKey,
  StoreEvent,
  WriteOptions,
} from "./api.ts";
import { StoreEngine } from "./engine.ts";
import { cloneJson } from "./json.ts";
import type { MemoryStoreOptions } from "./options.ts";

let engineOf: (store: MemoryStore) => StoreEngine;

/**
 * An in-memory store with the API server's semantics: validation, defaulting, resourceVersions, generation, status
 * rules, optimistic concurrency, finalizers, graceful pod deletion, garbage collection, namespace termination, watch
 * history and admission. Reads return copies; writes copy their input.
 *
 * ```ts
 * const store = new MemoryStore();
 * store.create({ group: "", version: "v1", resource: "configmaps" }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } });
 * store.close();
 * ```
 */
export class MemoryStore implements ClusterStore {
  readonly #engine: StoreEngine;

  static {
    engineOf = (store) => store.#engine;
  }

  constructor(options: MemoryStoreOptions = {}) {
    this.#engine = new StoreEngine(options);
  }

  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    const ref = this.#engine.getRef(resource, namespace, name);
    return ref ? cloneJson(ref) : undefined;
  }

  list(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
    return this.#engine.listRefs(resource, options).map((o) => cloneJson(o));
  }

  create(resource: ResourceKey, object: KubeObject, options: WriteOptions = {}): KubeObject {
    return cloneJson(this.#engine.createEx(resource, object, options).object);
  }

  update(resource: ResourceKey, object: KubeObject, options: WriteOptions = {}): KubeObject {
    return cloneJson(this.#engine.updateEx(resource, object, options).object);
  }

  patch(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    return cloneJson(this.#engine.patchEx(resource, namespace, name, type, patch, options).object);
  }

  delete(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject | undefined {
    const r = this.#engine.deleteEx(resource, namespace, name, options);
    return r.removed ? undefined : cloneJson(r.object);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.#engine.subscribe(listener);
  }

  /** Registers an in-process admission hook (runs on every write, from HTTP and from code); returns its removal. */
  addAdmissionHook(hook: AdmissionHook): () => void {
    return this.#engine.addAdmissionHook(hook);
  }

  /** The latest committed resourceVersion. */
  currentResourceVersion(): string {
    return this.#engine.currentResourceVersion();
  }

  /** Stops the store's timers (graceful pod deletion) and background work. */
  close(): void {
    this.#engine.close();
  }
}

/** Internal (not exported by the package): the engine behind a `MemoryStore`, for the HTTP layer and `startCluster`. */
export function storeEngine(store: MemoryStore): StoreEngine {
  return engineOf(store);
}

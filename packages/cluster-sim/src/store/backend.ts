/**
 * The storage as the HTTP layer (`src/server/`) sees it: {@link StoreBackend} is exactly the set of operations the
 * request handlers, the watch server, webhook admission and discovery call, with the request options only HTTP has
 * (`dryRun`, `fieldValidation`, `force`, preconditions) and results that carry `Warning:` headers.
 *
 * Internal to `@kaito-ts/cluster-sim`: library users see the {@link ClusterStore} contract (`./api.ts`) instead.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import type {
  DeleteOptions,
  KubeObject,
  ListOptions,
  PatchType,
  ResourceKey,
  StoreEvent,
  WriteOptions,
} from "./api.ts";
import type { Registry } from "./registry.ts";

/** `fieldValidation` modes of a write request. */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** Write options beyond the public {@link WriteOptions}, as an HTTP request can set them. */
export interface StoreWriteOptions extends WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Server-side apply `force`. */
  force?: boolean;
  /** The namespace named by the request URL. */
  namespace?: string;
  /** Internal: a create done by a server-side apply keeps the managedFields the apply computed. */
  applyCreate?: boolean;
}

/** Delete options beyond the public {@link DeleteOptions}. */
export interface StoreDeleteOptions extends DeleteOptions {
  dryRun?: boolean;
  preconditionResourceVersion?: string;
}

/** A write's result with the warnings the server sends as `Warning:` headers. */
export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** True when a create happened (POST, or an apply patch / PUT that created). */
  created: boolean;
}

/** A delete's result: the object's last state and whether it is gone. */
export interface DeleteResult {
  object: KubeObject;
  removed: boolean;
}

/** A committed change with its resourceVersion and the previous state (what a watch stream is built from). */
export interface CommittedEvent extends StoreEvent {
  rv: number;
  /** `group/resource` of the changed object (its storage identity, independent of version). */
  groupResource: string;
  oldObject?: KubeObject;
}

/** One stored object with its cached JSON text (at the storage version). */
export interface StoredEntry {
  /** The stored object: never changed in place (every write stores a new one); do not mutate. */
  obj: KubeObject;
  /** Cached `JSON.stringify(obj)`. */
  json?: string;
}

/**
 * What the HTTP layer needs from the storage. Objects handed out by the `…Ref`/entry methods are the stored ones,
 * not copies: read them, never mutate them. Every method throws a `ClusterSimError` carrying the Kubernetes Status.
 */
export interface StoreBackend {
  /** The served resource types (built-in kinds and CRD kinds), for routing, discovery and OpenAPI. */
  readonly registry: Registry;
  /** The definition served at `key` (any version when `key.version` is `""`), or a `NOT_FOUND` error. */
  definition(key: ResourceKey): ResourceDefinition;
  /** The object as served at `def`'s version (a copy when the apiVersion changes, else the stored reference). */
  served(def: ResourceDefinition, obj: KubeObject): KubeObject;
  /** The latest committed resourceVersion. */
  currentResourceVersion(): string;

  /** The stored object served at the requested version, if any. */
  getRef(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Like {@link getRef} but throws `NOT_FOUND`. */
  mustGetRef(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject;
  /** The stored objects matching `options`, sorted by namespace/name. */
  listRefs(resource: ResourceKey, options?: ListOptions): KubeObject[];
  /** A matcher for the selectors of a list or watch (throws 400 on a bad selector). */
  matcher(def: ResourceDefinition, options: ListOptions): (obj: KubeObject) => boolean;
  /** Entries of a type in key (namespace/name) order. */
  sortedEntries(def: ResourceDefinition): StoredEntry[];
  /** True when at least one object of the type is stored. */
  hasEntries(def: ResourceDefinition): boolean;
  /** The cached JSON text of a stored entry. */
  entryJson(entry: StoredEntry): string;
  /** The JSON text of a committed object, serialised once and shared by the write's response, watches and lists. */
  objectJson(obj: KubeObject): string;
  /** The `autoscaling/v1 Scale` view of an object of a kind with a scale subresource. */
  scaleOf(def: ResourceDefinition, obj: KubeObject): KubeObject;

  /** POST. */
  createEx(resource: ResourceKey, input: KubeObject, options?: StoreWriteOptions): WriteResult;
  /** PUT (also of the `status` and `scale` subresources). */
  updateEx(resource: ResourceKey, input: KubeObject, options?: StoreWriteOptions): WriteResult;
  /** PATCH of any of the four patch types (an apply patch may create). */
  patchEx(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: StoreWriteOptions,
  ): WriteResult;
  /** DELETE with propagation, grace period, preconditions and `dryRun`. */
  deleteEx(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options?: StoreDeleteOptions,
  ): DeleteResult;
  /** DELETE of a collection: every object of a type matching the selectors; returns their last states. */
  deleteCollection(resource: ResourceKey, selection: ListOptions, options?: StoreDeleteOptions): KubeObject[];

  /**
   * Replays the retained events of a resource type after `fromRv`, then delivers live ones, atomically; returns the
   * unsubscribe function. Throws 410 `EXPIRED` when `fromRv` is older than the retained history.
   */
  watch(def: ResourceDefinition, fromRv: number | undefined, listener: (event: CommittedEvent) => void): () => void;
  /** Drops the retained history of one resource type (or all): older watches get 410 (fault injection). */
  compact(def?: ResourceDefinition): void;
}

/**
 * The in-process contract between the API server's storage (which implements {@link ClusterStore}) and the
 * simulated cloud and kubelet (`src/sim/`, which only uses it). The simulation writes through this interface exactly
 * as a controller would write through the API: with the same validation, resourceVersions, generation rules,
 * admission, finalizers and watch events.
 *
 * Only additive changes are allowed here; both sides depend on it.
 */

/** Object metadata, as much of it as the store and the simulation read. Unknown fields are kept. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A resource type: API group ("" for core), version and plural resource name, e.g. `{group: "apps", version: "v1", resource: "statefulsets"}`. */
export interface ResourceKey {
  group: string;
  version: string;
  resource: string;
}

export type StoreEventType = "ADDED" | "MODIFIED" | "DELETED";

/** A change committed to the store. `object` is the object after the change (for DELETED: its last state). */
export interface StoreEvent {
  type: StoreEventType;
  resource: ResourceKey;
  object: KubeObject;
}

export interface ListOptions {
  namespace?: string;
  /** Kubernetes label selector syntax, e.g. `app=x,tier in (a,b),!legacy`. */
  labelSelector?: string;
  /** Kubernetes field selector syntax, e.g. `spec.nodeName=n1,status.phase!=Succeeded`. */
  fieldSelector?: string;
}

export interface WriteOptions {
  /** Write the `status` (or `scale`) subresource instead of the main resource. */
  subresource?: "status" | "scale";
  /** Field manager recorded in managedFields. Default: `cluster-sim`. */
  fieldManager?: string;
}

export type PatchType = "merge" | "json" | "strategic" | "apply";

export interface DeleteOptions {
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  gracePeriodSeconds?: number;
  /** Delete only when the object still has this uid. */
  preconditionUid?: string;
}

/**
 * Storage with the API server's semantics. Every method is synchronous and throws a `ClusterSimError` carrying the
 * Kubernetes `Status` (reason `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, …) on failure.
 */
export interface ClusterStore {
  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: ResourceKey, options?: ListOptions): KubeObject[];
  create(resource: ResourceKey, object: KubeObject, options?: WriteOptions): KubeObject;
  /** PUT semantics: optimistic concurrency when `metadata.resourceVersion` is set. */
  update(resource: ResourceKey, object: KubeObject, options?: WriteOptions): KubeObject;
  patch(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: WriteOptions,
  ): KubeObject;
  /** Returns the object as it is after the call (with a deletionTimestamp when finalizers hold it), or undefined once gone. */
  delete(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): KubeObject | undefined;
  /** Every committed change, in commit order, delivered synchronously after the commit. Returns an unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
}

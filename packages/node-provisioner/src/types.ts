/**
 * The contracts of `@kaito-ts/node-provisioner`: the {@link NodeProvisioner} interface the reconciler calls, and the
 * {@link KubernetesObjectPort} through which every provisioner reads and writes Kubernetes objects (the reconciler
 * passes its informer-cache-backed client in; tests pass a fake or a client-node adapter).
 *
 * This module has no imports with side effects and no cloud SDK: it is safe for every entry point.
 */
import type { LabelSelector } from "@kaito-ts/workspace-types";

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes objects and the port
// ---------------------------------------------------------------------------------------------------------------

/** The metadata fields the provisioners read and write. Extra fields are kept as they are. */
export interface KubeObjectMeta {
  name?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  creationTimestamp?: string | null | undefined;
  deletionTimestamp?: string | null | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  finalizers?: string[] | undefined;
}

/** Any Kubernetes object: `apiVersion`, `kind`, `metadata`, and whatever else its kind has. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
}

/** Which object: by `apiVersion`/`kind`, name and (for namespaced kinds) namespace. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Omit for cluster-scoped kinds (Node, NodeClaim). */
  readonly namespace?: string | undefined;
}

/** Which objects: `apiVersion`/`kind`, optionally one namespace, and labels that must all match (equality only). */
export interface ListQuery {
  readonly apiVersion: string;
  readonly kind: string;
  /** Omit to list across all namespaces (or for cluster-scoped kinds). */
  readonly namespace?: string | undefined;
  /** `key=value` pairs, ANDed; omit or `{}` for everything. */
  readonly labelSelector?: Readonly<Record<string, string>> | undefined;
}

/**
 * A JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge, `null` removes a key, arrays replace.
 */
export type JsonMergePatch = { readonly [key: string]: JsonMergePatchValue };
/** A value inside a {@link JsonMergePatch}. */
export type JsonMergePatchValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonMergePatchValue[]
  | { readonly [key: string]: JsonMergePatchValue };

/**
 * The small Kubernetes client a provisioner works through. The reconciler implements it over its informer cache
 * (reads) and client-node (writes); `kubernetesObjectPort(kubeConfig)` in `@kaito-ts/node-provisioner` implements it
 * with client-node alone; `memoryObjectPort()` is an in-memory one for tests.
 *
 * Failure contract (so that any client fits): a rejected promise carries the HTTP status as a numeric `statusCode`
 * or `code` property (client-node's `ApiException` has `code`), read with {@link httpStatusOf}. In particular
 * `create` of an object that exists rejects with 409, and `patch` of an object that does not exist rejects with 404.
 * Reads may be stale (an informer cache): provisioners never rely on read-your-writes.
 */
export interface KubernetesObjectPort {
  /** The object, or `undefined` when it does not exist. */
  get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  /** The objects that match; order is not significant. */
  list<T extends KubeObject>(query: ListQuery): Promise<T[]>;
  /** Create `object` (its `apiVersion`, `kind`, `metadata.name` and, when namespaced, `metadata.namespace` set). */
  create<T extends KubeObject>(object: T): Promise<T>;
  /** Apply a JSON merge patch to the object (not its status subresource) and return the result. */
  patch<T extends KubeObject>(ref: ObjectRef, patch: JsonMergePatch): Promise<T>;
  /** Delete the object (background propagation); `false` when it was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
}

/**
 * The HTTP status of an error thrown by a {@link KubernetesObjectPort}, or `undefined` when it has none: reads a
 * numeric `statusCode`, a numeric `code` (client-node's `ApiException`), or `response.statusCode`.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { statusCode?: unknown; code?: unknown; response?: { statusCode?: unknown } };
  if (typeof e.statusCode === "number") return e.statusCode;
  if (typeof e.code === "number") return e.code;
  if (typeof e.response?.statusCode === "number") return e.response.statusCode;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// What a provisioner is asked
// ---------------------------------------------------------------------------------------------------------------

/**
 * The parts of a Workspace a provisioner reads. Both `Workspace` versions of `@kaito-ts/workspace-types` fit it
 * as they are.
 */
export interface WorkspaceForNodes {
  readonly metadata: {
    readonly name?: string | undefined;
    readonly namespace?: string | undefined;
    /** Required by `/karpenter` and `/aks`: node names derive from it so a retry finds what it created. */
    readonly uid?: string | undefined;
    /** `kaito.sh/node-image-family` is read from here. */
    readonly annotations?: Readonly<Record<string, string>> | undefined;
  };
  readonly resource: {
    /** The GPU SKU (`Standard_NC24ads_A100_v4`); empty for BYO nodes. */
    readonly instanceType?: string | undefined;
    /** Only `matchLabels` and single-value `In` expressions are usable, as in Kaito. */
    readonly labelSelector?: LabelSelector | undefined;
  };
  readonly inference?:
    | {
        readonly preset?: { readonly name?: string | undefined } | null | undefined;
      }
    | null
    | undefined;
  readonly tuning?: unknown;
}

/** One provision or readiness request: the Workspace, how many nodes it needs, and (optionally) their disk. */
export interface NodeRequest {
  readonly workspace: WorkspaceForNodes;
  /** `status.targetNodeCount` (≥ 1). */
  readonly targetNodeCount: number;
  /**
   * Disk per node (`87Gi`). Default: the inference preset's `diskStorageRequirement` from `@kaito-ts/preset-catalog`,
   * else `1024Gi` (templates and tuning), as Kaito.
   */
  readonly storageRequest?: string | undefined;
}

/** Which Workspace to release nodes for. */
export interface WorkspaceRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string | undefined;
}

/** A Kubernetes event the reconciler should record on the Workspace (`kubectl describe`). */
export interface ProvisionerEvent {
  readonly type: "Normal" | "Warning";
  /** `NodeClaimCreated`, `NodeClaimCreationFailed`, `AgentPoolCreating`, … */
  readonly reason: string;
  readonly message: string;
}

/** What a {@link NodeProvisioner.provision} pass did. */
export interface ProvisionResult {
  /** Names created (or, for `/aks`, whose creation was started) in this pass. */
  readonly created: readonly string[];
  /** Names that already existed for the Workspace. */
  readonly existing: readonly string[];
  /** Names whose creation failed this pass, with the reason (also in {@link events}). */
  readonly failed: readonly { readonly name: string; readonly message: string }[];
  /** Events to record on the Workspace. */
  readonly events: readonly ProvisionerEvent[];
  /** Ask to be called again after this many milliseconds (an operation in progress, a back-off). */
  readonly requeueAfterMs?: number | undefined;
}

/** A condition-ready verdict: `ready`, Kaito's reason, and a message a person can act on. */
export interface ConditionVerdict {
  readonly ready: boolean;
  /** Kaito's reason (`NodeClaimsReady`, `NodeClaimNotReady`, `NodesReady`, `NodeNotReady`, …) or the provider's. */
  readonly reason: string;
  /** What is (not) ready and why, e.g. the provider's own failure text (a quota error). */
  readonly message: string;
}

/** The answer of {@link NodeProvisioner.readiness}. `ready`/`reason`/`message` summarise the first failing check. */
export interface ReadinessReport extends ConditionVerdict {
  /**
   * The `NodeClaimReady` condition (`/karpenter`, `/aks`); `undefined` for `/byo`, which sets no such condition.
   */
  readonly nodeClaims?: ConditionVerdict | undefined;
  /** The `NodesReady` condition. */
  readonly nodes: ConditionVerdict;
  /** `status.workerNodes`: the names of the ready nodes selected for the Workspace. */
  readonly workerNodes: readonly string[];
  /** Events to record on the Workspace (e.g. the node label Kaito writes). */
  readonly events: readonly ProvisionerEvent[];
  /** When not ready: call again after this many milliseconds (Kaito requeues after 2 s). */
  readonly requeueAfterMs?: number | undefined;
  /**
   * When not ready: `true` when what is awaited changes objects the caller watches (NodeClaims not Ready yet), so no
   * timed requeue is needed — Kaito waits for the NodeClaim events there. Callers that do not watch those objects
   * should requeue anyway.
   */
  readonly waitForEvents?: boolean | undefined;
}

/** What a {@link NodeProvisioner.release} pass did. */
export interface ReleaseResult {
  /** `true` when nothing the provisioner created for the Workspace is left; the finalizer may go. */
  readonly done: boolean;
  /** Names whose deletion this pass started. */
  readonly deleting: readonly string[];
  /** Names still present (deleting or not). */
  readonly remaining: readonly string[];
  readonly events: readonly ProvisionerEvent[];
  readonly requeueAfterMs?: number | undefined;
}

/** Which implementation a provisioner is. */
export type ProvisionerMode = "karpenter" | "aks" | "byo";

/**
 * Gets GPU nodes for Workspaces. Every method is one level-triggered pass: it reads the current state, writes what
 * is missing, and returns — it never waits for a node or a cloud operation. Calling a method again (a retry, a new
 * process after a crash) converges on the same objects: names derive from the Workspace's UID and the node index.
 */
export interface NodeProvisioner {
  readonly mode: ProvisionerMode;
  /** Create what is missing so that `targetNodeCount` nodes will exist; never deletes extras (as Kaito). */
  provision(request: NodeRequest): Promise<ProvisionResult>;
  /** Whether the Workspace's nodes are ready, as the `NodeClaimReady` and `NodesReady` conditions. */
  readiness(request: NodeRequest): Promise<ReadinessReport>;
  /** Delete what was created for the Workspace (on deletion); `done` once it is all gone. */
  release(workspace: WorkspaceRef): Promise<ReleaseResult>;
}

/**
 * Resource types, object shapes and keys the runtime works with. Objects are plain JSON as the API server sends
 * them (no Date conversion), typed loosely: the runtime reads only metadata.
 */

/** A Kubernetes resource type: where its objects live on the API. */
export interface ResourceType {
  /** API group; `""` for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name as in the URL (`workspaces`). */
  readonly resource: string;
  readonly kind: string;
  /** True for namespaced types, false for cluster-scoped ones (Nodes, NodeClaims). */
  readonly namespaced: boolean;
}

/** An owner reference (`metadata.ownerReferences[]`). */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** The metadata fields the runtime reads and writes. */
export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [key: string]: unknown;
}

/** Any Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
  [key: string]: unknown;
}

/** `apiVersion` of a resource type (`v1`, `apps/v1`). */
export function apiVersionOf(rt: ResourceType): string {
  return rt.group === "" ? rt.version : `${rt.group}/${rt.version}`;
}

/** `resource.group` (or `resource` for the core group), as in RBAC and error messages. */
export function groupResourceOf(rt: ResourceType): string {
  return rt.group === "" ? rt.resource : `${rt.resource}.${rt.group}`;
}

function rt(group: string, version: string, resource: string, kind: string, namespaced = true): ResourceType {
  return Object.freeze({ group, version, resource, kind, namespaced });
}

/** The resource types Kaito's controller reads or writes. */
export const Resources = Object.freeze({
  Workspace: rt("kaito.sh", "v1beta1", "workspaces", "Workspace"),
  NodeClaim: rt("karpenter.sh", "v1", "nodeclaims", "NodeClaim", false),
  Node: rt("", "v1", "nodes", "Node", false),
  Pod: rt("", "v1", "pods", "Pod"),
  Service: rt("", "v1", "services", "Service"),
  ConfigMap: rt("", "v1", "configmaps", "ConfigMap"),
  Secret: rt("", "v1", "secrets", "Secret"),
  Event: rt("", "v1", "events", "Event"),
  Namespace: rt("", "v1", "namespaces", "Namespace", false),
  StatefulSet: rt("apps", "v1", "statefulsets", "StatefulSet"),
  Deployment: rt("apps", "v1", "deployments", "Deployment"),
  ControllerRevision: rt("apps", "v1", "controllerrevisions", "ControllerRevision"),
  Job: rt("batch", "v1", "jobs", "Job"),
  Lease: rt("coordination.k8s.io", "v1", "leases", "Lease"),
  StorageClass: rt("storage.k8s.io", "v1", "storageclasses", "StorageClass", false),
});

/** The cache and queue key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: { metadata: { name?: string; namespace?: string } }): string {
  const ns = obj.metadata.namespace;
  const name = obj.metadata.name ?? "";
  return ns === undefined || ns === "" ? name : `${ns}/${name}`;
}

/** Build a key from a namespace (or `undefined`) and a name. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === "" ? name : `${namespace}/${name}`;
}

/** Split a key into namespace (`undefined` for cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The controller owner reference of an object, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/**
 * What the Workspace controller keeps of the Pods and Nodes it caches (controller-runtime's per-object cache
 * transforms): every Pod and Node of the Workspaces is held in memory for the whole life of the process, and most of
 * each is never read. The reconciler reads of a Pod its metadata, `spec.nodeName` and `status` (failure
 * classification, the tuning pod), and of a Node its metadata (labels: BYO GPUs, instance type, workspace labels),
 * `spec.taints`/`unschedulable` and `status` minus the image list (conditions, capacity, allocatable).
 */
import { stripManagedFields } from "../runtime/informer.ts";
import type { KubeObject } from "../runtime/resources.ts";

/**
 * A Pod as the Workspace controller caches it: metadata (without `managedFields`), `spec.nodeName` and `status`;
 * the rest of the spec (containers, their commands and env, volumes, affinity) is dropped.
 */
export function workspacePodTransform(obj: KubeObject): KubeObject {
  const pod = stripManagedFields(obj) as KubeObject & { spec?: { nodeName?: string } };
  const nodeName = pod.spec?.nodeName;
  if (pod.spec !== undefined) pod.spec = nodeName !== undefined ? { nodeName } : {};
  return pod;
}

/**
 * A Node as the Workspace controller caches it: everything but `metadata.managedFields` and `status.images` (the
 * list of every image on the node, often the largest part of a Node object).
 */
export function workspaceNodeTransform(obj: KubeObject): KubeObject {
  const node = stripManagedFields(obj) as KubeObject & { status?: { images?: unknown } };
  if (node.status?.images !== undefined) delete node.status.images;
  return node;
}

/**
 * What the reconciler observed and passes to the builders besides the Workspace: the revision, the node count, and
 * the cluster facts the objects depend on.
 *
 * @packageDocumentation
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { ByoGpu } from "./gpu.ts";

/** Observed inputs of the workload builders. */
export interface BuildContext {
  /** `workspace.kaito.io/revision` of the current spec (see `planRevision`). */
  readonly revision: number | string;
  /** `status.targetNodeCount` (see `computeTargetNodeCount`); one inference pod per node. */
  readonly targetNodeCount: number;
  /**
   * The storage class `kaito-local-nvme-disk` exists. With an NVMe SKU, model weights then go to a volume claim
   * template on it instead of an emptyDir. Default `false`.
   */
  readonly nvmeStorageClass?: boolean;
  /** GPU details of BYO nodes (node auto-provisioning off). */
  readonly byoGpu?: ByoGpu;
  /** The ConfigMap named by `inference.config`, when set. */
  readonly inferenceConfigMap?: V1ConfigMap;
  /** The ConfigMap named by `tuning.config`, when set (without it the default template is used). */
  readonly tuningConfigMap?: V1ConfigMap;
}

/** The storage class of local NVMe disks. */
export const LOCAL_NVME_STORAGE_CLASS = "kaito-local-nvme-disk";

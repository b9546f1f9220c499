/**
 * The GPU configuration a workload is sized for: the SKU table with node auto-provisioning, the NVIDIA
 * GPU-feature-discovery labels of BYO nodes otherwise, MIG profiles with `resource.partition` (kaito-compat §2.4, §3.3).
 *
 * @packageDocumentation
 */
import { getSku, type Sku } from "@kaito-ts/preset-catalog";
import type { NodeGpuCapacity } from "@kaito-ts/workspace-types";
import { ReconcilerError } from "../errors.ts";
import type { BuildOptions } from "./options.ts";
import { type BuildWorkspace, workspaceKey } from "./workspace.ts";

/** GPU details of the BYO nodes a Workspace runs on (from `nvidia.com/gpu.count|memory|product` node labels). */
export interface ByoGpu extends NodeGpuCapacity {
  /** `nvidia.com/gpu.product`, e.g. `NVIDIA-A100-PCIE-80GB`. */
  readonly product?: string;
}

/** The GPUs of one node as the pod spec uses them. */
export interface GpuConfig {
  /** GPUs per node (the container requests all of them). */
  readonly gpuCount: number;
  /** Total GPU memory of one node, GiB. */
  readonly totalGpuMemoryGiB: number;
  /** The SKU, when it is in the cloud's table. */
  readonly sku?: Sku;
  /** The node has local NVMe disks (then weights go to a `kaito-local-nvme-disk` volume claim). */
  readonly nvme: boolean;
  /** Extended resource requested: `nvidia.com/gpu`, or `nvidia.com/mig-<profile>` for MIG partitions. */
  readonly resourceName: string;
}

/** True when the Workspace runs on a MIG slice (`resource.partition.mode: mig` with a profile, gate `enableMIG`). */
export function isMigPartition(ws: BuildWorkspace, options: BuildOptions): boolean {
  const p = ws.resource.partition;
  return options.featureGates.enableMIG && p?.mode === "mig" && p.profile !== undefined && p.profile !== "";
}

/** The GPU extended resource. */
export const NVIDIA_GPU_RESOURCE = "nvidia.com/gpu";

/**
 * Resolve the GPU configuration: BYO (`nodeProvisioner: "byo"`) prefers the node labels in `byoGpu`; otherwise the
 * instance type must be in the cloud's SKU table (Kaito's controller fails the same way: "Unsupported SKU").
 * @throws ReconcilerError `UNKNOWN_INSTANCE_TYPE`.
 */
export function resolveGpuConfig(ws: BuildWorkspace, options: BuildOptions, byoGpu?: ByoGpu): GpuConfig {
  const partition = ws.resource.partition;
  if (isMigPartition(ws, options) && partition?.profile !== undefined) {
    return {
      gpuCount: 1, // each pod requests exactly one MIG slice
      totalGpuMemoryGiB: byoGpu?.totalGpuMemoryGiB ?? 0,
      nvme: false,
      resourceName: `nvidia.com/mig-${partition.profile}`,
    };
  }
  const instanceType = ws.resource.instanceType ?? "";
  if (options.nodeProvisioner === "byo" && byoGpu !== undefined) {
    return {
      gpuCount: byoGpu.gpuCount,
      totalGpuMemoryGiB: byoGpu.totalGpuMemoryGiB,
      nvme: false,
      resourceName: NVIDIA_GPU_RESOURCE,
    };
  }
  const sku = instanceType === "" ? undefined : getSku(instanceType, options.cloud);
  if (sku === undefined) {
    const why =
      options.nodeProvisioner === "byo"
        ? `no GPU details of the BYO nodes were found: label the nodes selected by resource.labelSelector with ` +
          `nvidia.com/gpu.product, nvidia.com/gpu.count and nvidia.com/gpu.memory (GPU feature discovery does this)`
        : instanceType === ""
          ? "resource.instanceType is empty: set a GPU instance type of the " + `${options.cloud} table`
          : `resource.instanceType "${instanceType}" is not in the ${options.cloud} SKU table of this catalog version: ` +
            `use a listed GPU instance type (kaito skus --cloud ${options.cloud})`;
    throw new ReconcilerError("UNKNOWN_INSTANCE_TYPE", `Workspace ${workspaceKey(ws)}: ${why}`);
  }
  return {
    gpuCount: sku.gpuCount,
    totalGpuMemoryGiB: sku.totalGpuMemoryGiB,
    sku,
    nvme: sku.nvme,
    resourceName: NVIDIA_GPU_RESOURCE,
  };
}

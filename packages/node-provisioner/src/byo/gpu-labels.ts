/**
 * GPU details of bring-your-own nodes from NVIDIA GPU feature discovery labels (compat §1.6, §3.3):
 * `nvidia.com/gpu.product`, `nvidia.com/gpu.count`, `nvidia.com/gpu.memory` (MiB per GPU), and the CUDA compute
 * capability from `nvidia.com/cuda.compute.major|minor` when present.
 */
import { NodeLabel } from "@kaito-ts/workspace-types";
import type { KubeObject } from "../types.ts";

/** The GPU configuration shared by the selected nodes. */
export interface ByoGpuConfig {
  /** `nvidia.com/gpu.product`, e.g. `NVIDIA-A100-PCIE-80GB`. */
  readonly product: string;
  /** GPUs per node. */
  readonly gpuCount: number;
  /** Memory of one GPU in MiB. */
  readonly gpuMemoryMiB: number;
  /** Total GPU memory of one node in GiB (the `NodeGpuCapacity` the estimator and fit checks take). */
  readonly totalGpuMemoryGiB: number;
  /** e.g. `8.0`, when the node has the CUDA labels. */
  readonly computeCapability?: string | undefined;
  /** The nodes it was read from. */
  readonly nodes: readonly string[];
}

/** The answer of {@link gpuConfigFromNodes}: a config, or what is wrong and how to fix it. */
export type ByoGpuConfigResult =
  | { readonly ok: true; readonly config: ByoGpuConfig }
  | {
      readonly ok: false;
      readonly reason: "NoNodes" | "GpuLabelsMissing" | "GpuLabelsInvalid" | "NodesNotUniform";
      readonly message: string;
    };

function wholeNumber(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/** Reads and checks the GPU labels of `nodes`: all present, positive, and the same on every node. */
export function gpuConfigFromNodes(nodes: readonly KubeObject[]): ByoGpuConfigResult {
  if (nodes.length === 0) {
    return {
      ok: false,
      reason: "NoNodes",
      message: "no node matches resource.labelSelector; label your GPU nodes with it",
    };
  }
  let first: { product: string; count: string; memory: string; node: string } | undefined;
  for (const node of nodes) {
    const labels = node.metadata.labels ?? {};
    const name = node.metadata.name ?? "?";
    const cur = {
      product: labels[NodeLabel.GpuProduct] ?? "",
      count: labels[NodeLabel.GpuCount] ?? "",
      memory: labels[NodeLabel.GpuMemory] ?? "",
      node: name,
    };
    const missing = [
      cur.product === "" ? NodeLabel.GpuProduct : undefined,
      cur.count === "" ? NodeLabel.GpuCount : undefined,
      cur.memory === "" ? NodeLabel.GpuMemory : undefined,
    ].filter((x) => x !== undefined);
    if (missing.length > 0) {
      return {
        ok: false,
        reason: "GpuLabelsMissing",
        message: `node ${name} lacks ${missing.join(", ")}; run NVIDIA GPU feature discovery (GPU operator) or label the node by hand`,
      };
    }
    if (first === undefined) first = cur;
    else if (first.product !== cur.product || first.count !== cur.count || first.memory !== cur.memory) {
      return {
        ok: false,
        reason: "NodesNotUniform",
        message: `the selected nodes differ in GPU: ${first.node} has ${first.count}× ${first.product} (${first.memory} MiB), ${name} has ${cur.count}× ${cur.product} (${cur.memory} MiB); select nodes of one GPU type with resource.labelSelector`,
      };
    }
  }
  const f = first as NonNullable<typeof first>;
  const gpuCount = wholeNumber(f.count);
  const gpuMemoryMiB = wholeNumber(f.memory);
  if (gpuCount === undefined || gpuMemoryMiB === undefined) {
    return {
      ok: false,
      reason: "GpuLabelsInvalid",
      message: `node ${f.node} has unusable GPU labels (${NodeLabel.GpuCount}=${f.count}, ${NodeLabel.GpuMemory}=${f.memory}); both must be whole numbers > 0`,
    };
  }
  const labels = nodes[0]?.metadata.labels ?? {};
  const major = labels["nvidia.com/cuda.compute.major"];
  const minor = labels["nvidia.com/cuda.compute.minor"];
  return {
    ok: true,
    config: {
      product: f.product,
      gpuCount,
      gpuMemoryMiB,
      totalGpuMemoryGiB: (gpuMemoryMiB * gpuCount) / 1024,
      computeCapability: major === undefined ? undefined : `${major}.${minor ?? "0"}`,
      nodes: nodes.map((n) => n.metadata.name ?? "?"),
    },
  };
}

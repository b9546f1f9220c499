/**
 * Memory math: BytesPerToken, the vLLM node estimator (Kaito §5.2) and the disk request.
 *
 * @packageDocumentation
 */
import type { NodeGpuCapacity } from "@kaito-ts/workspace-types";
import { PresetCatalogError } from "./errors.ts";
import { requirePreset, requireSku } from "./lookup.ts";
import type { Preset, Sku } from "./types.ts";

/** Bytes in one GiB. */
export const GIB = 1024 ** 3;

/** Constants of Kaito's vLLM node estimator (`nodesestimator/estimator.go`, kaito-compat §5.2). */
export const ESTIMATOR_CONSTANTS = {
  /** vLLM loads weights ~2% larger than the safetensors on disk. */
  weightExpansionFactor: 1.02,
  /** `--gpu-memory-utilization` the estimator assumes. */
  gpuMemoryUtilization: 0.84,
  /** Fixed per-GPU runtime overhead (CUDA context, NCCL, activations, CUDA graphs), GiB. */
  baseOverheadGiB: 2.3,
  /** Overhead that scales with the per-GPU weight share (folded into the divisor `1 + factor`). */
  overheadWeightFactor: 0.05,
  /** `max-model-len` assumed when the inference ConfigMap sets none. */
  defaultMaxModelLen: 2048,
} as const;

/** Extra disk, GiB, added to the weights for the NodeClaim storage request (Kaito `SystemFileDiskSizeGiB`). */
export const SYSTEM_DISK_GIB = 80;

/**
 * Storage request when a preset has no size (templates and tuning use this too).
 *
 * @internal Exported for `@kaito-ts/node-provisioner`; not part of the supported API.
 */
export const DEFAULT_DISK_STORAGE = "1024Gi";

function presetWithArchitecture(
  preset: Preset | string,
): Preset & { architecture: NonNullable<Preset["architecture"]> } {
  const p = requirePreset(preset);
  if (p.architecture === undefined) {
    throw new PresetCatalogError(
      "MISSING_PRESET_DATA",
      `Preset ${p.name} has no architecture numbers in presets/models/${p.family}.yaml; BytesPerToken needs them`,
    );
  }
  return p as Preset & { architecture: NonNullable<Preset["architecture"]> };
}

/**
 * KV-cache bytes per token of context, as Kaito's preset generator computes it (fp16 cache, 2 bytes per element):
 * `2 (K and V) × layers × kvHeads × headDim × 2`, with `headDim = hiddenSize / attentionHeads` (integer division) unless
 * the catalog states it; for multi-head latent attention (DeepSeek V3, Mistral Large 3)
 * `(kvLoraRank + qkRopeHeadDim) × layers × 2`.
 */
export function bytesPerToken(preset: Preset | string): number {
  const a = presetWithArchitecture(preset).architecture;
  const dtypeBytes = 2;
  if (a.kvLoraRank !== undefined && a.qkRopeHeadDim !== undefined) {
    return (a.kvLoraRank + a.qkRopeHeadDim) * a.numHiddenLayers * dtypeBytes;
  }
  const headDim = a.headDim ?? Math.trunc(a.hiddenSize / a.numAttentionHeads);
  return 2 * a.numKeyValueHeads * headDim * a.numHiddenLayers * dtypeBytes;
}

/**
 * Disk request for nodes serving `preset`: weights + 80Gi, truncated to whole GiB (`87Gi` for phi-3-mini: 7.12 + 80).
 * Presets without a weights size use their classic disk requirement, else `1024Gi`.
 */
export function diskStorageRequirement(preset: Preset | string): string {
  const p = requirePreset(preset);
  if (p.weightsGiB !== undefined) return `${Math.trunc(p.weightsGiB + SYSTEM_DISK_GIB)}Gi`;
  return p.classicRequirements?.diskStorage ?? DEFAULT_DISK_STORAGE;
}

/** Input of {@link estimateNodeCount}. */
export interface EstimateNodeCountInput {
  /** A preset or its name. */
  readonly preset: Preset | string;
  /** The instance type (or its name), or the GPU capacity of a BYO node. */
  readonly sku: Sku | string | NodeGpuCapacity;
  /** `vllm.max-model-len` from the inference ConfigMap; default 2048. */
  readonly maxModelLen?: number;
}

/** The estimator's answer with its intermediate values (GiB unless stated). */
export interface NodeEstimate {
  /** Nodes to provision (`status.targetNodeCount`). */
  readonly nodes: number;
  /** GPUs needed to hold the weights. */
  readonly minGpus: number;
  readonly gpusPerNode: number;
  /** GPU memory of one GPU. */
  readonly perGpuGiB: number;
  /** Per-GPU memory vLLM may use (`perGpu × 0.84`). */
  readonly availableGiB: number;
  /** Fixed per-GPU reserve: 2.3 GiB + the KV cache of `maxModelLen` tokens spread over the node's GPUs. */
  readonly reserveGiB: number;
  /** Per-GPU memory left for weights: `(available − reserve) / 1.05`. */
  readonly usableGiB: number;
  readonly bytesPerToken: number;
  readonly maxModelLen: number;
}

function capacityOf(sku: Sku | string | NodeGpuCapacity): {
  gpuCount: number;
  totalGpuMemoryGiB: number;
  label: string;
} {
  if (typeof sku === "string" || "name" in sku) {
    const s = requireSku(sku as Sku | string);
    return { gpuCount: s.gpuCount, totalGpuMemoryGiB: s.totalGpuMemoryGiB, label: `instance type ${s.name}` };
  }
  if (!(sku.gpuCount > 0) || !(sku.totalGpuMemoryGiB > 0)) {
    throw new PresetCatalogError(
      "INVALID_ARGUMENT",
      `GPU capacity must have gpuCount > 0 and totalGpuMemoryGiB > 0 (got ${sku.gpuCount} GPUs, ${sku.totalGpuMemoryGiB} GiB)`,
    );
  }
  return {
    gpuCount: sku.gpuCount,
    totalGpuMemoryGiB: sku.totalGpuMemoryGiB,
    label: `a node with ${sku.gpuCount} GPU(s) and ${sku.totalGpuMemoryGiB} GiB`,
  };
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Kaito's vLLM node estimator (§5.2), computed in bytes as Kaito does:
 * per-GPU = total / GPUs; available = per-GPU × 0.84; reserve = 2.3 GiB + maxModelLen × BytesPerToken / GPUs;
 * usable = (available − reserve) / 1.05; `minGPUs = floor(weights × 1.02 / usable) + 1`;
 * `nodes = ceil(minGPUs / GPUs per node)`.
 *
 * @throws PresetCatalogError `GPU_TOO_SMALL` when available ≤ reserve; `NOT_DISTRIBUTED` when more than one node is
 * needed but the preset cannot be served across nodes; `MISSING_PRESET_DATA` without weights or architecture;
 * `UNKNOWN_PRESET` / `UNKNOWN_SKU` for unknown names.
 */
export function estimateNodeCount(input: EstimateNodeCountInput): NodeEstimate {
  const preset = presetWithArchitecture(input.preset);
  if (preset.weightsGiB === undefined) {
    throw new PresetCatalogError(
      "MISSING_PRESET_DATA",
      `Preset ${preset.name} has no weights size (weightsGiB) in presets/models/${preset.family}.yaml; the node estimator needs it`,
    );
  }
  const maxModelLen = input.maxModelLen ?? ESTIMATOR_CONSTANTS.defaultMaxModelLen;
  if (!Number.isInteger(maxModelLen) || maxModelLen <= 0) {
    throw new PresetCatalogError("INVALID_ARGUMENT", `maxModelLen must be a positive integer (got ${maxModelLen})`);
  }
  const cap = capacityOf(input.sku);
  const bpt = bytesPerToken(preset);
  const c = ESTIMATOR_CONSTANTS;

  const modelBytes = Math.ceil(preset.weightsGiB * GIB) * c.weightExpansionFactor;
  const perGpuBytes = Math.floor((cap.totalGpuMemoryGiB * GIB) / cap.gpuCount);
  const available = perGpuBytes * c.gpuMemoryUtilization;
  const reserve = c.baseOverheadGiB * GIB + (maxModelLen * bpt) / cap.gpuCount;
  if (available <= reserve) {
    throw new PresetCatalogError(
      "GPU_TOO_SMALL",
      `GPU memory of ${cap.label} is too small for ${preset.name}: ${round(available / GIB)} GiB usable per GPU ` +
        `(${round(perGpuBytes / GIB)} GiB × ${c.gpuMemoryUtilization}) does not exceed the ${round(reserve / GIB)} GiB ` +
        `reserve (base ${c.baseOverheadGiB} GiB + KV cache ${round((maxModelLen * bpt) / cap.gpuCount / GIB)} GiB for ` +
        `max-model-len ${maxModelLen}); choose a SKU with larger GPUs or lower vllm.max-model-len`,
    );
  }
  const usable = (available - reserve) / (1 + c.overheadWeightFactor);
  const minGpus = Math.trunc(modelBytes / usable) + 1;
  const nodes = Math.ceil(minGpus / cap.gpuCount);
  if (nodes > 1 && !preset.distributedInference) {
    throw new PresetCatalogError(
      "NOT_DISTRIBUTED",
      `Preset ${preset.name} needs ${nodes} nodes of ${cap.label} (${minGpus} GPUs), but it does not support ` +
        `distributed inference across nodes; use an instance type with more GPU memory per node (see recommendSkus())`,
    );
  }
  return {
    nodes,
    minGpus,
    gpusPerNode: cap.gpuCount,
    perGpuGiB: perGpuBytes / GIB,
    availableGiB: available / GIB,
    reserveGiB: reserve / GIB,
    usableGiB: usable / GIB,
    bytesPerToken: bpt,
    maxModelLen,
  };
}

/**
 * "Which instance types fit this model, smallest first" — beyond Kaito.
 *
 * @packageDocumentation
 */
import { isPresetCatalogError } from "./errors.ts";
import { listSkus, requirePreset } from "./lookup.ts";
import { estimateNodeCount } from "./memory.ts";
import { tuningRequirement } from "./tuning-requirements.ts";
import type { Cloud, Preset, Sku, TuningMethod } from "./types.ts";

/** Options of {@link recommendSkus}. */
export interface RecommendSkusOptions {
  readonly cloud: Cloud;
  readonly purpose: "inference" | "tuning";
  /** Tuning method; default: the first method the preset supports (lora before qlora). */
  readonly method?: TuningMethod;
  /** Inference: `vllm.max-model-len` for the estimator; default 2048. */
  readonly maxModelLen?: number;
  /** Also consider the classic SKUs Kaito dropped (V100, T4, M60…); default `false`. */
  readonly includeClassic?: boolean;
  /** Inference: only SKUs that serve the model on at most this many nodes; default unlimited. */
  readonly maxNodes?: number;
}

/** One fitting instance type. */
export interface SkuRecommendation {
  readonly sku: Sku;
  /** Nodes needed (tuning is always single-node). */
  readonly nodes: number;
  /** `nodes × GPUs per node`. */
  readonly totalGpus: number;
  /** `nodes × GPU memory per node`, GiB. */
  readonly totalGpuMemoryGiB: number;
  /** Things to know, e.g. a GPU without bf16 while the default templates compute in bfloat16. */
  readonly warnings: readonly string[];
}

function bf16Warning(sku: Sku, purpose: "inference" | "tuning"): string[] {
  if (sku.supportsBf16) return [];
  const cc = sku.computeCapability === undefined ? "" : ` (compute capability ${sku.computeCapability})`;
  return purpose === "tuning"
    ? [`${sku.gpuModel}${cc} has no bf16 while the default tuning templates compute in bfloat16`]
    : [`${sku.gpuModel}${cc} has no bf16: serve with --dtype float16`];
}

/**
 * The instance types of `cloud` that fit `preset`, smallest first: fewest nodes, then least total GPU memory, then
 * fewest GPUs, then table order (the data lists smaller instance sizes first). Only NVIDIA SKUs are considered (the runtime image is CUDA).
 *
 * - inference: the vLLM node estimator must give a node count (SKUs where it fails are left out);
 * - tuning (single node): every GPU must hold the per-GPU requirement and the node the total of
 *   {@link tuningRequirement} — QLoRA needs less than LoRA.
 *
 * @throws PresetCatalogError `NOT_TUNABLE` for tuning a preset that does not support the method; `UNKNOWN_PRESET`.
 */
export function recommendSkus(preset: Preset | string, options: RecommendSkusOptions): readonly SkuRecommendation[] {
  const p = requirePreset(preset);
  const skus = listSkus({ cloud: options.cloud, includeClassic: options.includeClassic === true }).filter(
    (s) => s.vendor === "nvidia",
  );
  const out: SkuRecommendation[] = [];
  if (options.purpose === "tuning") {
    const method = options.method ?? p.tuning?.methods[0] ?? "lora";
    const need = tuningRequirement(p, method);
    for (const sku of skus) {
      if (sku.gpuMemoryPerGpuGiB < need.perGpuMemoryGiB || sku.totalGpuMemoryGiB < need.totalGpuMemoryGiB) continue;
      out.push({
        sku,
        nodes: 1,
        totalGpus: sku.gpuCount,
        totalGpuMemoryGiB: sku.totalGpuMemoryGiB,
        warnings: bf16Warning(sku, "tuning"),
      });
    }
  } else {
    for (const sku of skus) {
      let nodes: number;
      try {
        nodes = estimateNodeCount({
          preset: p,
          sku,
          ...(options.maxModelLen === undefined ? {} : { maxModelLen: options.maxModelLen }),
        }).nodes;
      } catch (e) {
        if (isPresetCatalogError(e) && (e.code === "GPU_TOO_SMALL" || e.code === "NOT_DISTRIBUTED")) continue;
        throw e;
      }
      if (options.maxNodes !== undefined && nodes > options.maxNodes) continue;
      out.push({
        sku,
        nodes,
        totalGpus: nodes * sku.gpuCount,
        totalGpuMemoryGiB: nodes * sku.totalGpuMemoryGiB,
        warnings: bf16Warning(sku, "inference"),
      });
    }
  }
  // Array.prototype.sort is stable: full ties keep table order (the data lists smaller sizes first).
  return out.sort(
    (a, b) => a.nodes - b.nodes || a.totalGpuMemoryGiB - b.totalGpuMemoryGiB || a.totalGpus - b.totalGpus,
  );
}

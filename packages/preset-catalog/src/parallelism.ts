/**
 * vLLM parallelism flags for a preset on a SKU (Kaito `pkg/model/interface.go`, kaito-compat §5.2).
 *
 * @packageDocumentation
 */
import { PresetCatalogError } from "./errors.ts";
import { requirePreset, requireSku, runtimeDefaults } from "./lookup.ts";
import type { Preset, Sku } from "./types.ts";

/** Input of {@link vllmParallelism}. */
export interface VllmParallelismInput {
  readonly preset: Preset | string;
  readonly sku: Sku | string;
  /** Nodes the model is served on (the estimator's answer); default 1. */
  readonly nodes?: number;
}

/** The parallelism settings and the flags they become. */
export interface VllmParallelism {
  readonly tensorParallelSize: number;
  /** Set when the model is small enough to replicate on every GPU of a single node. */
  readonly dataParallelSize?: number;
  /** Set for multi-node serving: one pipeline stage per node. */
  readonly pipelineParallelSize?: number;
  /** `ray` for multi-node serving. */
  readonly distributedExecutorBackend?: "ray";
  /** `--gpu-memory-utilization` (0.84; 0.82 on the A10). */
  readonly gpuMemoryUtilization: string;
  /** `--max-model-len` (always `auto`; an inference ConfigMap may override it). */
  readonly maxModelLen: string;
  /** The settings as vLLM flags without the leading dashes, e.g. `{"tensor-parallel-size": "2", …}`. */
  readonly args: Readonly<Record<string, string>>;
}

/**
 * vLLM parallelism: when the weights take less than half of one GPU and a single node has several GPUs, every GPU
 * gets a replica (`data-parallel-size = GPUs`, `tensor-parallel-size = 1`); otherwise the model is sharded over the
 * node's GPUs (`tensor-parallel-size = GPUs per node`). Multi-node adds `pipeline-parallel-size = nodes` and
 * `distributed-executor-backend = ray`.
 */
export function vllmParallelism(input: VllmParallelismInput): VllmParallelism {
  const preset = requirePreset(input.preset);
  const sku = requireSku(input.sku);
  const nodes = input.nodes ?? 1;
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new PresetCatalogError("INVALID_ARGUMENT", `nodes must be a positive integer (got ${nodes})`);
  }
  const defaults = runtimeDefaults().vllm.gpuMemoryUtilization;
  const utilization = String(defaults.byGpuModel[sku.gpuModel] ?? defaults.default);
  const gpus = sku.gpuCount;
  const small = preset.weightsGiB !== undefined && preset.weightsGiB < 0.5 * sku.gpuMemoryPerGpuGiB;
  const args: Record<string, string> = {};
  let result: Omit<VllmParallelism, "args">;
  if (nodes === 1 && gpus > 1 && small) {
    result = { tensorParallelSize: 1, dataParallelSize: gpus, gpuMemoryUtilization: utilization, maxModelLen: "auto" };
    args["data-parallel-size"] = String(gpus);
    args["tensor-parallel-size"] = "1";
  } else {
    result = { tensorParallelSize: gpus, gpuMemoryUtilization: utilization, maxModelLen: "auto" };
    args["tensor-parallel-size"] = String(gpus);
    if (nodes > 1) {
      result = { ...result, pipelineParallelSize: nodes, distributedExecutorBackend: "ray" };
      args["pipeline-parallel-size"] = String(nodes);
      args["distributed-executor-backend"] = "ray";
    }
  }
  args["gpu-memory-utilization"] = utilization;
  args["max-model-len"] = "auto";
  return { ...result, args };
}

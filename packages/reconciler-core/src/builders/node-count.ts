/**
 * `status.targetNodeCount` (kaito-compat §2.2 step 4, §5.2): the vLLM node estimator for vLLM presets, `resource.count`
 * for the transformers runtime and templates, 1 for tuning. Kaito computes it once and never again.
 *
 * @packageDocumentation
 */
import { estimateNodeCount, isPresetCatalogError } from "@kaito-ts/preset-catalog";
import { ReconcilerError } from "../errors.ts";
import { type ByoGpu, isMigPartition, resolveGpuConfig } from "./gpu.ts";
import type { BuildOptions } from "./options.ts";
import { requireWorkspacePreset } from "./preset.ts";
import { type BuildWorkspace, workspaceKey, workspaceRuntime } from "./workspace.ts";

/** What the node count may depend on besides the Workspace. */
export interface TargetNodeCountInput {
  /** `vllm.max-model-len` of the inference ConfigMap (see `inferenceMaxModelLen`); default 2048. */
  readonly maxModelLen?: number;
  /** GPU details of BYO nodes. */
  readonly gpu?: ByoGpu;
}

/**
 * The number of GPU nodes the Workspace needs.
 * @throws ReconcilerError `UNKNOWN_PRESET`, `UNKNOWN_INSTANCE_TYPE`, or `NODE_ESTIMATE_FAILED` (GPUs too small for the
 * model, or a model that cannot span nodes needs more than one).
 */
export function computeTargetNodeCount(
  ws: BuildWorkspace,
  options: BuildOptions,
  input: TargetNodeCountInput = {},
): number {
  if (ws.tuning !== undefined) return 1;
  const count = ws.resource.count ?? 1;
  if (ws.inference?.preset === undefined) return count;
  if (isMigPartition(ws, options)) return 1; // one slice on one node
  const preset = requireWorkspacePreset(ws, "inference.preset.name");
  if (workspaceRuntime(ws, options) !== "vllm") return count;
  const gpu = resolveGpuConfig(ws, options, input.gpu);
  try {
    return estimateNodeCount({
      preset,
      sku: gpu.sku ?? { gpuCount: gpu.gpuCount, totalGpuMemoryGiB: gpu.totalGpuMemoryGiB },
      ...(input.maxModelLen !== undefined ? { maxModelLen: input.maxModelLen } : {}),
    }).nodes;
  } catch (e) {
    if (isPresetCatalogError(e)) {
      throw new ReconcilerError(
        "NODE_ESTIMATE_FAILED",
        `Workspace ${workspaceKey(ws)}: cannot size ${preset.name} on ${ws.resource.instanceType ?? "the BYO nodes"}: ${e.message}`,
        { cause: e },
      );
    }
    throw e;
  }
}

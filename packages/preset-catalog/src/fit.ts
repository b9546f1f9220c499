/**
 * The admission GPU-memory fit check (Kaito §1.6 / §5.2) and the classic three-error variant (v0.4.6).
 *
 * @packageDocumentation
 */
import type { FitIssue, NodeGpuCapacity, PresetInfo, RuntimeName } from "@kaito-ts/workspace-types";
import { PresetCatalogError } from "./errors.ts";
import { getSku, requirePreset } from "./lookup.ts";
import type { Preset, Sku } from "./types.ts";

export type { FitIssue };

/** Kaito's message when the transformers runtime would need more than one node. */
export const TRANSFORMERS_MULTI_NODE_MESSAGE =
  "Multi-node distributed inference is not supported with Huggingface Transformers runtime";

/** Input of {@link checkFit}. */
export interface CheckFitInput {
  /** A catalog preset, its name, or a validation-side {@link PresetInfo}. */
  readonly preset: Preset | PresetInfo | string;
  /** The instance type (or its name), or the GPU capacity of a BYO node. */
  readonly node: Sku | string | NodeGpuCapacity;
  /** Nodes the Workspace runs on (`resource.count`, or the number of BYO nodes); default 1. */
  readonly nodeCount?: number;
  /** Inference runtime; default `vllm`. */
  readonly runtime?: RuntimeName;
  /** `kaito.sh/bypass-resource-checks` is set: memory shortfalls become warnings. */
  readonly bypassResourceChecks?: boolean;
}

/** The verdict: `fits` is false when any issue is an error. */
export interface FitVerdict {
  readonly fits: boolean;
  readonly issues: readonly FitIssue[];
}

interface FitModel {
  readonly name: string;
  readonly weightsGiB?: number;
  readonly distributed: boolean;
}

interface FitNode {
  readonly label: string;
  readonly gpuCount: number;
  readonly totalGpuMemoryGiB: number;
}

const fmt = (x: number): string => `${Math.round(x * 100) / 100}`;

function modelOf(preset: Preset | PresetInfo | string): FitModel {
  const p = typeof preset === "string" ? requirePreset(preset) : preset;
  const distributed = "distributedInference" in p ? p.distributedInference : p.supportsDistributedInference;
  return { name: p.name, ...(p.weightsGiB === undefined ? {} : { weightsGiB: p.weightsGiB }), distributed };
}

function nodeOf(node: Sku | string | NodeGpuCapacity): FitNode | undefined {
  if (typeof node === "string") {
    const s = getSku(node);
    return s === undefined ? undefined : nodeOf(s);
  }
  if ("name" in node) {
    return { label: `Instance type ${node.name}`, gpuCount: node.gpuCount, totalGpuMemoryGiB: node.totalGpuMemoryGiB };
  }
  return { label: "Each node", gpuCount: node.gpuCount, totalGpuMemoryGiB: node.totalGpuMemoryGiB };
}

function checkCount(nodeCount: number): void {
  if (!Number.isInteger(nodeCount) || nodeCount < 1) {
    throw new PresetCatalogError("INVALID_ARGUMENT", `nodeCount must be a positive integer (got ${nodeCount})`);
  }
}

/**
 * The admission fit check: `nodes × node GPU memory ≥ weights` (Kaito runs it for the transformers runtime, and for
 * BYO nodes; with vLLM and auto-provisioning the node estimator sizes instead — the caller decides when to call).
 *
 * Issues, in order:
 * - total memory short → "Insufficient total GPU memory: …" (a warning when `bypassResourceChecks`);
 * - transformers runtime, a distributed-capable model larger than one node → Kaito's
 *   "Multi-node distributed inference is not supported with Huggingface Transformers runtime" (never bypassed);
 * - a model that cannot be distributed and is larger than one node → "Insufficient GPU memory per node: …"
 *   (a warning when `bypassResourceChecks`).
 *
 * Presets without a weights size (e.g. Hugging Face ids outside the catalog) and unknown SKU names are not checked:
 * the verdict is `fits: true` with no issues, as in Kaito.
 */
export function checkFit(input: CheckFitInput): FitVerdict {
  const nodeCount = input.nodeCount ?? 1;
  checkCount(nodeCount);
  const model = modelOf(input.preset);
  const node = nodeOf(input.node);
  const issues: FitIssue[] = [];
  if (model.weightsGiB === undefined || node === undefined) return { fits: true, issues };
  const soft: FitIssue["severity"] = input.bypassResourceChecks === true ? "warning" : "error";
  const weights = model.weightsGiB;
  const total = nodeCount * node.totalGpuMemoryGiB;
  const perNodeText = `${nodeCount} node(s) × ${fmt(node.totalGpuMemoryGiB)}Gi`;

  if (total < weights) {
    const who = node.label === "Each node" ? "The nodes have" : `${node.label} has`;
    issues.push({
      severity: soft,
      message:
        `Insufficient total GPU memory: ${who} a total of ${fmt(total)}Gi (${perNodeText}), but preset ${model.name} ` +
        `requires at least ${fmt(weights)}Gi`,
    });
  }
  const largerThanOneNode = weights > node.totalGpuMemoryGiB;
  if (largerThanOneNode && model.distributed && input.runtime === "transformers") {
    issues.push({ severity: "error", message: TRANSFORMERS_MULTI_NODE_MESSAGE });
  }
  if (largerThanOneNode && !model.distributed) {
    issues.push({
      severity: soft,
      message:
        `Insufficient GPU memory per node: preset ${model.name} requires ${fmt(weights)}Gi total GPU memory but each ` +
        `node only provides ${fmt(node.totalGpuMemoryGiB)}Gi (${node.gpuCount} GPUs × ` +
        `${fmt(node.totalGpuMemoryGiB / node.gpuCount)}Gi). This model does not support multi-node distributed ` +
        "inference, so each replica must fit on a single node",
    });
  }
  return { fits: !issues.some((i) => i.severity === "error"), issues };
}

/** Input of {@link checkFitClassic}. */
export interface CheckFitClassicInput {
  readonly preset: Preset | string;
  readonly sku: Sku | string;
  /** `resource.count`; default 1. */
  readonly nodeCount?: number;
  readonly bypassResourceChecks?: boolean;
}

/**
 * The classic (v0.4.6) SKU check against the preset's classic requirements: three separate errors —
 * "Insufficient number of GPUs", "Insufficient per GPU memory", "Insufficient total GPU memory". Unknown SKUs and
 * presets without classic requirements are skipped (no issues), as in the classic webhook.
 */
export function checkFitClassic(input: CheckFitClassicInput): FitVerdict {
  const nodeCount = input.nodeCount ?? 1;
  checkCount(nodeCount);
  const preset = requirePreset(input.preset);
  const sku = typeof input.sku === "string" ? getSku(input.sku) : input.sku;
  const req = preset.classicRequirements;
  const issues: FitIssue[] = [];
  if (sku === undefined || req === undefined) return { fits: true, issues };
  const severity: FitIssue["severity"] = input.bypassResourceChecks === true ? "warning" : "error";
  const gpus = nodeCount * sku.gpuCount;
  if (gpus < req.gpuCount) {
    issues.push({
      severity,
      message: `Insufficient number of GPUs: Instance type ${sku.name} provides ${gpus}, but preset ${preset.name} requires at least ${req.gpuCount}`,
    });
  }
  const perGpu = sku.gpuMemoryPerGpuGiB;
  if (req.perGpuMemoryGiB !== undefined && req.perGpuMemoryGiB > 0 && perGpu < req.perGpuMemoryGiB) {
    issues.push({
      severity,
      message: `Insufficient per GPU memory: Instance type ${sku.name} has a per GPU memory of ${fmt(perGpu)}Gi, but preset ${preset.name} requires at least ${fmt(req.perGpuMemoryGiB)}Gi`,
    });
  }
  const total = nodeCount * sku.totalGpuMemoryGiB;
  if (total < req.totalGpuMemoryGiB) {
    issues.push({
      severity,
      message: `Insufficient total GPU memory: Instance type ${sku.name} has a total of ${fmt(total)}Gi, but preset ${preset.name} requires at least ${fmt(req.totalGpuMemoryGiB)}Gi`,
    });
  }
  return { fits: !issues.some((i) => i.severity === "error"), issues };
}

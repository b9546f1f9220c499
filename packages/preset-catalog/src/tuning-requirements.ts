/**
 * GPU memory needed to tune a preset with LoRA or QLoRA on one node.
 *
 * @packageDocumentation
 */
import { PresetCatalogError } from "./errors.ts";
import { requirePreset } from "./lookup.ts";
import type { Preset, TuningMethod } from "./types.ts";

/**
 * Rule of thumb used where the classic releases stated no tuning requirement (GiB = factor × weights + overhead):
 * - LoRA keeps the bf16 weights and adds adapter gradients, optimizer state and activations: `2 × weights + 8`.
 * - QLoRA keeps 4-bit weights (~¼ of bf16 plus quantization constants) and the same adapter state:
 *   `0.35 × weights + 6`, never more than the LoRA requirement.
 */
export const TUNING_RULE_OF_THUMB = {
  lora: { weightsFactor: 2, overheadGiB: 8 },
  qlora: { weightsFactor: 0.35, overheadGiB: 6 },
} as const;

/** Memory needed to tune on one node. */
export interface TuningRequirement {
  readonly method: TuningMethod;
  /** GPU memory every GPU must have, GiB (each data-parallel process holds a full copy). */
  readonly perGpuMemoryGiB: number;
  /** Total GPU memory the node must have, GiB. */
  readonly totalGpuMemoryGiB: number;
  /** `classic`: the v0.4.6 requirement; `rule-of-thumb`: {@link TUNING_RULE_OF_THUMB}. */
  readonly source: "classic" | "rule-of-thumb";
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The GPU memory tuning `preset` with `method` needs. LoRA uses the classic requirement where there is one; QLoRA uses
 * the classic QLoRA figure where stated, else the rule of thumb capped by the LoRA requirement.
 *
 * @throws PresetCatalogError `NOT_TUNABLE` when the preset does not support `method`.
 */
export function tuningRequirement(preset: Preset | string, method: TuningMethod): TuningRequirement {
  const p = requirePreset(preset);
  const methods = p.tuning?.methods ?? [];
  if (!methods.includes(method)) {
    throw new PresetCatalogError(
      "NOT_TUNABLE",
      `Preset ${p.name} cannot be tuned with ${method} (supported: ${methods.length > 0 ? methods.join(", ") : "none"})`,
    );
  }
  const classic = p.classicRequirements?.tuning;
  const weights = p.weightsGiB ?? p.classicRequirements?.totalGpuMemoryGiB;
  const rule = (m: TuningMethod): number | undefined => {
    if (weights === undefined) return undefined;
    const k = TUNING_RULE_OF_THUMB[m];
    return r2(k.weightsFactor * weights + k.overheadGiB);
  };
  if (method === "lora") {
    if (classic !== undefined) {
      return {
        method,
        perGpuMemoryGiB: classic.perGpuMemoryGiB,
        totalGpuMemoryGiB: classic.totalGpuMemoryGiB,
        source: "classic",
      };
    }
    const need = rule("lora");
    if (need === undefined) throw missing(p);
    return { method, perGpuMemoryGiB: need, totalGpuMemoryGiB: need, source: "rule-of-thumb" };
  }
  if (classic?.qloraTotalGpuMemoryGiB !== undefined) {
    const total = classic.qloraTotalGpuMemoryGiB;
    return {
      method,
      perGpuMemoryGiB: Math.min(total, classic.perGpuMemoryGiB),
      totalGpuMemoryGiB: total,
      source: "classic",
    };
  }
  let need = rule("qlora");
  if (need === undefined) throw missing(p);
  if (classic !== undefined) need = Math.min(need, classic.perGpuMemoryGiB);
  return { method, perGpuMemoryGiB: need, totalGpuMemoryGiB: need, source: "rule-of-thumb" };
}

function missing(p: Preset): PresetCatalogError {
  return new PresetCatalogError(
    "MISSING_PRESET_DATA",
    `Preset ${p.name} has neither a weights size nor classic tuning requirements in presets/models/${p.family}.yaml`,
  );
}

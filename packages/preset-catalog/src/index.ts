/**
 * `@kaito-ts/preset-catalog` — Kaito's model presets, GPU SKUs and tuning templates as typed tables, with the
 * admission fit check, the vLLM node estimator, vLLM parallelism and SKU recommendations.
 *
 * @packageDocumentation
 */
export { isPresetCatalogError, PresetCatalogError, type PresetCatalogErrorCode } from "./errors.ts";
export {
  type CheckFitClassicInput,
  type CheckFitInput,
  checkFit,
  checkFitClassic,
  type FitIssue,
  type FitVerdict,
  TRANSFORMERS_MULTI_NODE_MESSAGE,
} from "./fit.ts";
export { listPresets, type PresetFilter } from "./list-presets.ts";
export {
  getPreset,
  getSku,
  type ListSkusOptions,
  listSkus,
  requirePreset,
  requireSku,
  runtimeDefaults,
  tuningTemplate,
} from "./lookup.ts";
export {
  bytesPerToken,
  DEFAULT_DISK_STORAGE,
  diskStorageRequirement,
  type EstimateNodeCountInput,
  estimateNodeCount,
  type NodeEstimate,
} from "./memory.ts";
export { type VllmParallelism, type VllmParallelismInput, vllmParallelism } from "./parallelism.ts";
export { type RecommendSkusOptions, recommendSkus, type SkuRecommendation } from "./recommend.ts";
export { resolvePreset, suggestPresetNames, toPresetInfo } from "./resolve.ts";
export { type TuningRequirement, tuningRequirement } from "./tuning-requirements.ts";
export type {
  ArchitectureSource,
  ClassicRequirements,
  ClassicTuningRequirements,
  Cloud,
  GpuVendor,
  ModelArchitecture,
  Preset,
  PresetAvailability,
  PresetRuntimeParams,
  PresetTuning,
  RuntimeDefaults,
  RuntimeName,
  Sku,
  TuningMethod,
  TuningTemplate,
} from "./types.ts";
export { type CatalogValidationLookups, catalogValidationLookups } from "./validation-lookups.ts";

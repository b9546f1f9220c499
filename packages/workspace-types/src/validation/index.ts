/**
 * Admission validation of Kaito Workspaces: `validateWorkspace`, `validateWorkspaceUpdate`, the context interfaces
 * the rules read presets/SKUs/cluster state through, and the reusable pure checks.
 *
 * @packageDocumentation
 */

export type {
  Cloud,
  ClusterLookup,
  ConfigMapInfo,
  FitChecker,
  FitIssue,
  NodeGpuCapacity,
  NodeInfo,
  PresetInfo,
  PresetLookup,
  PresetResolution,
  RuntimeName,
  SkuInfo,
  SkuLookup,
  TuningMethod,
  TuningTemplateLookup,
  ValidationContext,
} from "./context.ts";
export { type ImageReference, type ImageReferenceResult, parseImageReference } from "./image-reference.ts";
export { type InferenceConfigProblem, validateInferenceConfigYaml } from "./inference-config.ts";
export { VALIDATION_CODES, type ValidationCode, type ValidationIssue, type ValidationResult } from "./issues.ts";
export { type LabelSelectorResult, sanitizeLabelSelector } from "./label-selector.ts";
export { DNS1123_LABEL_MAX_LENGTH, DNS1123_SUBDOMAIN_MAX_LENGTH, isDns1123Label, isDns1123Subdomain } from "./names.ts";
export { findPlaceholders } from "./placeholder.ts";
export {
  TUNING_CONFIG_SECTIONS,
  type TuningConfigCheck,
  type TuningConfigCode,
  type TuningConfigProblem,
  validateTuningConfigYaml,
} from "./tuning-config.ts";
export { type InputUrlResult, validateInputUrl } from "./url.ts";
export { defaultValidationContext, validateWorkspace, validateWorkspaceUpdate } from "./validate.ts";

/**
 * The result types of Workspace validation and the list of rule ids.
 *
 * @packageDocumentation
 */

/**
 * Every rule id a {@link ValidationIssue} may carry. One id per rule of Kaito's admission webhook (compat §1.6),
 * plus the structural checks, the rules kaito-ts adds beyond Kaito, and the warnings.
 */
export const VALIDATION_CODES = [
  // structure
  "INVALID_API_VERSION",
  "INVALID_KIND",
  "INVALID_STRUCTURE",
  "UNKNOWN_FIELD",
  // metadata and annotations
  "NAME_INVALID",
  "ANNOTATION_INVALID_VALUE",
  "ANNOTATION_INEFFECTIVE",
  // workspace shape
  "INFERENCE_TUNING_EXACTLY_ONE",
  // resource
  "INSTANCE_TYPE_REQUIRED",
  "INSTANCE_TYPE_FORBIDDEN",
  "LABEL_SELECTOR_INVALID",
  "LABEL_SELECTOR_ONLY_RESERVED",
  "LABEL_SELECTOR_RESERVED_DROPPED",
  "PARTITION_REQUIRES_BYO",
  "SKU_UNSUPPORTED",
  "SKU_UNVALIDATED",
  "SKU_CLASSIC",
  "BYO_NO_NODES",
  "BYO_NODE_GPU_LABELS_MISSING",
  "BYO_NODES_NOT_UNIFORM",
  "MODEL_FIT",
  "TRANSFORMERS_MULTI_NODE",
  // inference
  "INFERENCE_PRESET_TEMPLATE_EXACTLY_ONE",
  "PRESET_UNSUPPORTED",
  "PRESET_DEPRECATED",
  "PRESET_BEST_EFFORT",
  "PRIVATE_PRESET_IMAGE_REQUIRED",
  "RUNTIME_UNSUPPORTED_BY_PRESET",
  "ADAPTERS_UNSUPPORTED_BY_PRESET",
  "ADAPTER_STRENGTH_VLLM",
  "MODEL_ACCESS_SECRET_REQUIRED",
  "MODEL_ACCESS_SECRET_UNNEEDED",
  "ADAPTERS_TOO_MANY",
  "ADAPTER_NAME_DUPLICATE",
  "ADAPTER_SOURCE_MISSING",
  "ADAPTER_NAME_INVALID",
  "ADAPTER_NAME_CONTAINER",
  "ADAPTER_SOURCE_KIND",
  "ADAPTER_URLS_UNSUPPORTED",
  "ADAPTER_STRENGTH_INVALID",
  "INFERENCE_CONFIG_NOT_FOUND",
  "INFERENCE_CONFIG_KEY_MISSING",
  "INFERENCE_CONFIG_INVALID_YAML",
  "INFERENCE_CONFIG_MAX_MODEL_LEN",
  // tuning
  "TUNING_PRESET_REQUIRED",
  "TUNING_PRESET_NOT_TUNABLE",
  "TUNING_METHOD_INVALID",
  "TUNING_METHOD_UNSUPPORTED_BY_PRESET",
  "TUNING_METHOD_CASE",
  "TUNING_CONFIG_NOT_FOUND",
  "TUNING_CONFIG_KEY_MISSING",
  "TUNING_CONFIG_INVALID_YAML",
  "TUNING_CONFIG_NOT_MAP",
  "TUNING_CONFIG_UNKNOWN_SECTION",
  "TUNING_CONFIG_QUANTIZATION_TYPE",
  "TUNING_CONFIG_QUANTIZATION_BOTH",
  "TUNING_CONFIG_LORA_QUANTIZED",
  "TUNING_CONFIG_QLORA_UNQUANTIZED",
  "TUNING_CONFIG_OUTPUT_DIR",
  "TUNING_INPUT_EXACTLY_ONE",
  "TUNING_OUTPUT_EXACTLY_ONE",
  "OUTPUT_PUSH_SECRET_REQUIRED",
  "TUNING_COUNT",
  "TUNING_PARTITION",
  "TUNING_BYO_UNSUPPORTED",
  "BF16_UNSUPPORTED",
  // shared content rules
  "INPUT_URL_INVALID",
  "IMAGE_REFERENCE_INVALID",
  "SECRET_NAME_INVALID",
  "PLACEHOLDER_VALUE",
  "DEPRECATED_FIELD",
  // update
  "UPDATE_MODE_CHANGED",
  "FIELD_IMMUTABLE",
  "TEMPLATE_TOGGLED",
] as const;

/** A rule id; see {@link VALIDATION_CODES}. */
export type ValidationCode = (typeof VALIDATION_CODES)[number];

/** One problem found by validation. */
export interface ValidationIssue {
  /**
   * The field path, reported under `spec.` as Kaito does (`spec.tuning.output.image`), `metadata.…` for metadata
   * (`metadata.name`, `metadata.annotations[kaito.sh/runtime]`), or the top-level key (`apiVersion`, `kind`).
   * Array elements are written `[i]`. This is the real field path, not Kaito's mixed-case one.
   */
  readonly path: string;
  /** What is wrong (Kaito's wording where the reference gives it). */
  readonly message: string;
  /** How to fix it, when there is something useful to say. */
  readonly hint?: string;
  /** The rule that produced this issue. */
  readonly code: ValidationCode;
}

/** The outcome of {@link validateWorkspace} or {@link validateWorkspaceUpdate}. */
export interface ValidationResult {
  /** `true` when there are no errors (warnings do not make a Workspace invalid). */
  readonly valid: boolean;
  /** Problems that make Kaito's admission webhook (or kaito-ts's stricter rules) reject the object. */
  readonly errors: ValidationIssue[];
  /** Problems that are reported but accepted. */
  readonly warnings: ValidationIssue[];
}

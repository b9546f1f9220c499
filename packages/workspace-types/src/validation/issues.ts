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
  "invalid-api-version",
  "invalid-kind",
  "invalid-structure",
  "unknown-field",
  // metadata and annotations
  "name-invalid",
  "annotation-invalid-value",
  "annotation-ineffective",
  // workspace shape
  "inference-tuning-exactly-one",
  // resource
  "instance-type-required",
  "instance-type-forbidden",
  "label-selector-invalid",
  "label-selector-only-reserved",
  "label-selector-reserved-dropped",
  "partition-requires-byo",
  "sku-unsupported",
  "sku-unvalidated",
  "sku-classic",
  "byo-no-nodes",
  "byo-node-gpu-labels-missing",
  "byo-nodes-not-uniform",
  "model-fit",
  // inference
  "inference-preset-template-exactly-one",
  "preset-unsupported",
  "preset-deprecated",
  "preset-best-effort",
  "private-preset-image-required",
  "runtime-unsupported-by-preset",
  "adapters-unsupported-by-preset",
  "adapter-strength-vllm",
  "model-access-secret-required",
  "model-access-secret-unneeded",
  "adapters-too-many",
  "adapter-name-duplicate",
  "adapter-source-missing",
  "adapter-name-invalid",
  "adapter-name-container",
  "adapter-source-kind",
  "adapter-urls-unsupported",
  "adapter-strength-invalid",
  "inference-config-not-found",
  "inference-config-key-missing",
  "inference-config-invalid-yaml",
  "inference-config-max-model-len",
  // tuning
  "tuning-preset-required",
  "tuning-preset-not-tunable",
  "tuning-method-invalid",
  "tuning-method-unsupported-by-preset",
  "tuning-method-case",
  "tuning-config-not-found",
  "tuning-config-key-missing",
  "tuning-config-invalid-yaml",
  "tuning-config-not-map",
  "tuning-config-unknown-section",
  "tuning-config-quantization-type",
  "tuning-config-quantization-both",
  "tuning-config-lora-quantized",
  "tuning-config-qlora-unquantized",
  "tuning-config-output-dir",
  "tuning-input-exactly-one",
  "tuning-output-exactly-one",
  "output-push-secret-required",
  "tuning-count",
  "tuning-partition",
  "tuning-byo-unsupported",
  "bf16-unsupported",
  // shared content rules
  "input-url-invalid",
  "image-reference-invalid",
  "secret-name-invalid",
  "placeholder-value",
  "deprecated-field",
  // update
  "update-mode-changed",
  "field-immutable",
  "template-toggled",
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

/**
 * zod schemas of the Kaito Workspace, `kaito.sh/v1alpha1` and `kaito.sh/v1beta1`.
 *
 * Structural checks only (types, enums, required fields, CRD defaults); the cross-field admission rules live in
 * `src/validation`. `resource`, `inference` and `tuning` are top-level siblings of `metadata` — Kaito's Workspace has
 * no `spec`.
 */
import * as z from "zod";
import { ConditionSchema, int32, int64, LabelSelectorSchema, ObjectMetaSchema, schemaless } from "./common.ts";

/** The two served versions. */
export const WORKSPACE_API_VERSIONS = ["kaito.sh/v1alpha1", "kaito.sh/v1beta1"] as const;
/** `kaito.sh/v1alpha1` or `kaito.sh/v1beta1`. */
export type WorkspaceApiVersion = (typeof WORKSPACE_API_VERSIONS)[number];

/** v1alpha1 CRD default of `resource.instanceType`. */
export const DEFAULT_INSTANCE_TYPE_V1ALPHA1 = "Standard_NC24ads_A100_v4";

/** `resource.partition.mode` values (v1beta1). */
export const PartitionModeSchema = z.enum(["mig", "accelerator"]);

/** `resource.partition` (v1beta1 only): split GPUs of BYO nodes. */
export const PartitionSpecSchema = z.object({
  mode: PartitionModeSchema.describe("mig or accelerator."),
  profile: z.string().optional().describe("The partition profile, e.g. a MIG profile name."),
  count: int32().optional().describe("Number of partitions."),
});

function resourceShape(version: WorkspaceApiVersion) {
  return {
    count: int32()
      .default(1)
      .describe(
        version === "kaito.sh/v1beta1"
          ? "Deprecated: the required number of GPU nodes (vLLM estimates it instead)."
          : "The required number of GPU nodes.",
      ),
    labelSelector: LabelSelectorSchema.describe("The required labels for the GPU nodes."),
    preferredNodes: z
      .array(z.string())
      .optional()
      .describe("Deprecated: nodes to use before new ones are created when they carry the selector labels."),
  };
}

/** `resource` of v1alpha1 (instanceType defaults to `Standard_NC24ads_A100_v4`). */
export const ResourceSpecV1alpha1Schema = z.object({
  ...resourceShape("kaito.sh/v1alpha1"),
  instanceType: z.string().default(DEFAULT_INSTANCE_TYPE_V1ALPHA1).describe("The GPU node SKU."),
});

/** `resource` of v1beta1 (no instanceType default; `partition`). */
export const ResourceSpecV1beta1Schema = z.object({
  ...resourceShape("kaito.sh/v1beta1"),
  instanceType: z
    .string()
    .optional()
    .describe("The GPU node SKU; required with node auto-provisioning, empty for BYO nodes."),
  partition: PartitionSpecSchema.optional().describe("GPU partitioning of BYO nodes (MIG or accelerator)."),
});

/** `preset.accessMode`. */
export const AccessModeSchema = z.enum(["public", "private"]);

const presetOptionsShape = {
  image: z.string().optional().describe("Deprecated: the containerized model image (private presets)."),
  imagePullSecrets: z
    .array(z.string())
    .optional()
    .describe("Deprecated: secrets in the same namespace for pulling the model image."),
};

/** `preset.presetOptions` of v1alpha1. */
export const PresetOptionsV1alpha1Schema = z.object(presetOptionsShape);
/** `preset.presetOptions` of v1beta1 (adds `modelAccessSecret`). */
export const PresetOptionsV1beta1Schema = z.object({
  ...presetOptionsShape,
  modelAccessSecret: z
    .string()
    .optional()
    .describe("Secret in the same namespace holding the Hugging Face token under key HF_TOKEN."),
});

function presetSchema<O extends z.ZodType>(options: O) {
  return z.object({
    name: z.string().describe("Preset model name: a Kaito preset name or a Hugging Face id org/model."),
    accessMode: AccessModeSchema.default("public").describe("Deprecated: public or private model image."),
    presetOptions: options.optional(),
  });
}

/** `preset` of v1alpha1. */
export const PresetSpecV1alpha1Schema = presetSchema(PresetOptionsV1alpha1Schema);
/** `preset` of v1beta1. */
export const PresetSpecV1beta1Schema = presetSchema(PresetOptionsV1beta1Schema);

/** DataSource: tuning input and adapter source. */
export const DataSourceSchema = z.object({
  name: z.string().optional().describe("Name of the data; also used as a container name (DNS subdomain)."),
  urls: z.array(z.string()).optional().describe("Links to public data files."),
  volumeSource: schemaless("A Kubernetes VolumeSource holding the data.").optional(),
  image: z.string().optional().describe("An image holding the data under /data."),
  imagePullSecrets: z
    .array(z.string())
    .optional()
    .describe("Secrets in the same namespace for pulling the data image."),
});

/** DataDestination: tuning output. */
export const DataDestinationSchema = z.object({
  volumeSource: schemaless("A Kubernetes VolumeSource to save the output to.").optional(),
  image: z.string().optional().describe("Image reference the adapter is pushed to."),
  imagePushSecret: z
    .string()
    .optional()
    .describe("Secret in the same namespace with the registry credentials for the push."),
});

/** One `inference.adapters[]` entry. */
export const AdapterSpecSchema = z.object({
  source: DataSourceSchema.optional().describe("Where to obtain the adapter."),
  strength: z.string().optional().describe('Multiplier for the adapter weights, "0".."1" (transformers runtime).'),
});

function inferenceSchema<P extends z.ZodType>(preset: P) {
  return z.object({
    preset: preset.optional().describe("The preset model to serve."),
    template: schemaless("A PodTemplateSpec for a custom inference service (instead of a preset).").optional(),
    config: z.string().optional().describe("ConfigMap in the same namespace with inference_config.yaml."),
    adapters: z.array(AdapterSpecSchema).optional().describe("Adapters integrated into the base model."),
  });
}

function tuningSchema<P extends z.ZodType>(preset: P) {
  return z.object({
    preset: preset.optional().describe("The preset model to tune."),
    method: z.string().optional().describe("The PEFT method: lora or qlora."),
    config: z.string().optional().describe("ConfigMap in the same namespace with training_config.yaml."),
    input: DataSourceSchema.describe("The tuning data: exactly one of urls, image, volumeSource."),
    output: DataDestinationSchema.describe("Where the adapter goes: exactly one of image, volumeSource."),
  });
}

/** `inference` of v1alpha1. */
export const InferenceSpecV1alpha1Schema = inferenceSchema(PresetSpecV1alpha1Schema);
/** `inference` of v1beta1. */
export const InferenceSpecV1beta1Schema = inferenceSchema(PresetSpecV1beta1Schema);
/** `tuning` of v1alpha1. */
export const TuningSpecV1alpha1Schema = tuningSchema(PresetSpecV1alpha1Schema);
/** `tuning` of v1beta1. */
export const TuningSpecV1beta1Schema = tuningSchema(PresetSpecV1beta1Schema);

/** One `status.performance.metrics` entry (post-load vLLM benchmark). */
export const PerformanceMetricSchema = z.object({
  description: z.string().optional(),
  value: z.string().optional(),
  unit: z.string().optional(),
  config: z.record(z.string(), z.string()).optional(),
});

const count = () => int64().min(0);

/**
 * `status.tuningProgress` (kaito-ts; not in Kaito): what the trainer of a tuning Workspace last reported, read from
 * its log at a bounded rate. Every field is optional — the trainer prints some values only at logging steps, and
 * the log may not have said anything yet. Losses and rates are JSON numbers; a value the trainer printed as `nan`
 * or `inf` (a diverging run) cannot be carried by Kubernetes JSON, so it is left out here and shown only in the
 * `TuningProgress` condition's message (`loss NaN`).
 */
export const WorkspaceTuningProgressSchema = z.object({
  step: count().optional().describe("Optimizer steps done (the trainer's progress bar)."),
  totalSteps: count().optional().describe("Optimizer steps of the whole run."),
  epoch: z.number().min(0).optional().describe("Epochs done, fractional (e.g. 1.5)."),
  loss: z
    .number()
    .optional()
    .describe("The latest training loss the trainer logged; absent while it is nan or inf (the condition says so)."),
  learningRate: z.number().optional().describe("The learning rate at the latest logging step."),
  gradNorm: z.number().optional().describe("The gradient norm at the latest logging step."),
  evalLoss: z.number().optional().describe("The latest evaluation loss, when the trainer evaluates."),
  trainLoss: z.number().optional().describe("The average training loss of the whole run, set when it completes."),
  elapsedSeconds: count().optional().describe("Seconds the training loop has run (the trainer's progress bar)."),
  etaSeconds: count().optional().describe("Estimated seconds until the training loop ends; 0 once completed."),
  completed: z.boolean().optional().describe("True once the trainer printed its final summary."),
  observedTime: z
    .string()
    .meta({ format: "date-time" })
    .optional()
    .describe("When these values were read from the trainer's log (RFC 3339); a re-read with nothing new keeps it."),
});

const statusShape = {
  workerNodes: z.array(z.string()).optional().describe("Nodes chosen to run the workload."),
  conditions: z.array(ConditionSchema).optional().describe("The current conditions of the workspace."),
  tuningProgress: WorkspaceTuningProgressSchema.optional().describe(
    "Tuning Workspaces (kaito-ts): steps, epoch, latest loss and ETA of the trainer, read from its log; the TuningProgress condition says it in a sentence.",
  ),
};

/** `status` of v1alpha1. */
export const WorkspaceStatusV1alpha1Schema = z.object(statusShape);
/** `status` of v1beta1. */
export const WorkspaceStatusV1beta1Schema = z.object({
  ...statusShape,
  state: z.string().optional().describe("Pending, Ready, NotReady, Running, Succeeded or Failed."),
  targetNodeCount: int32().optional().describe("Desired number of GPU nodes; set once."),
  performance: z
    .object({ metrics: z.record(z.string(), PerformanceMetricSchema).optional() })
    .optional()
    .describe("Post-load benchmark results."),
});

/** `kaito.sh/v1alpha1` Workspace. */
export const WorkspaceV1alpha1Schema = z.object({
  apiVersion: z.literal("kaito.sh/v1alpha1"),
  kind: z.literal("Workspace"),
  metadata: ObjectMetaSchema,
  resource: ResourceSpecV1alpha1Schema,
  inference: InferenceSpecV1alpha1Schema.optional(),
  tuning: TuningSpecV1alpha1Schema.optional(),
  status: WorkspaceStatusV1alpha1Schema.optional(),
});

/** `kaito.sh/v1beta1` Workspace (the storage version). */
export const WorkspaceV1beta1Schema = z.object({
  apiVersion: z.literal("kaito.sh/v1beta1"),
  kind: z.literal("Workspace"),
  metadata: ObjectMetaSchema,
  resource: ResourceSpecV1beta1Schema,
  inference: InferenceSpecV1beta1Schema.optional(),
  tuning: TuningSpecV1beta1Schema.optional(),
  status: WorkspaceStatusV1beta1Schema.optional(),
});

/** A v1alpha1 Workspace after CRD defaults. */
export type WorkspaceV1alpha1 = z.output<typeof WorkspaceV1alpha1Schema>;
/** A v1beta1 Workspace after CRD defaults. */
export type WorkspaceV1beta1 = z.output<typeof WorkspaceV1beta1Schema>;
/** A v1alpha1 Workspace as written. */
export type WorkspaceV1alpha1Input = z.input<typeof WorkspaceV1alpha1Schema>;
/** A v1beta1 Workspace as written. */
export type WorkspaceV1beta1Input = z.input<typeof WorkspaceV1beta1Schema>;

/**
 * A Workspace of either version after CRD defaults. Typed as the wider v1beta1 shape (every field v1alpha1 has,
 * plus the v1beta1-only optional ones), so a {@link WorkspaceV1alpha1} is assignable to it and rules can read
 * `resource.partition` without narrowing.
 */
export interface Workspace extends Omit<WorkspaceV1beta1, "apiVersion"> {
  apiVersion: WorkspaceApiVersion;
}
/** A Workspace of either version as written (before CRD defaults); the wider v1beta1 shape. */
export interface WorkspaceInput extends Omit<WorkspaceV1beta1Input, "apiVersion"> {
  apiVersion: WorkspaceApiVersion;
}

/** `resource` (v1alpha1 objects simply lack `partition` and may carry the instanceType default). */
export type ResourceSpec = z.output<typeof ResourceSpecV1beta1Schema>;
/** `resource.partition`. */
export type PartitionSpec = z.output<typeof PartitionSpecSchema>;
/** `inference`. */
export type InferenceSpec = z.output<typeof InferenceSpecV1beta1Schema>;
/** `tuning`. */
export type TuningSpec = z.output<typeof TuningSpecV1beta1Schema>;
/** `inference.preset` / `tuning.preset`. */
export type PresetSpec = z.output<typeof PresetSpecV1beta1Schema>;
/** `preset.presetOptions`. */
export type PresetOptions = z.output<typeof PresetOptionsV1beta1Schema>;
/** A data source (tuning input, adapter source). */
export type DataSource = z.output<typeof DataSourceSchema>;
/** A data destination (tuning output). */
export type DataDestination = z.output<typeof DataDestinationSchema>;
/** One adapter. */
export type AdapterSpec = z.output<typeof AdapterSpecSchema>;
/** Workspace status (v1alpha1 lacks state, targetNodeCount, performance). */
export type WorkspaceStatus = z.output<typeof WorkspaceStatusV1beta1Schema>;
/** One performance metric. */
export type PerformanceMetric = z.output<typeof PerformanceMetricSchema>;
/** `status.tuningProgress`: the trainer's latest progress (kaito-ts; both served versions). */
export type WorkspaceTuningProgress = z.output<typeof WorkspaceTuningProgressSchema>;

/** The schema of one version. */
export type WorkspaceSchemaFor<V extends WorkspaceApiVersion> = V extends "kaito.sh/v1alpha1"
  ? typeof WorkspaceV1alpha1Schema
  : typeof WorkspaceV1beta1Schema;

/** True when `v` is one of the served Workspace versions. */
export function isWorkspaceApiVersion(v: unknown): v is WorkspaceApiVersion {
  return v === "kaito.sh/v1alpha1" || v === "kaito.sh/v1beta1";
}

/**
 * Tiered compilation: the first {@link COMPILE_AFTER_PARSES} lookups use the schemas as built (no start-up cost for
 * a CLI that validates one file); after that the schema of a version is compiled once with `z.compile` (zod's
 * generated fast path, about 3× faster) and reused. `z.compile` falls back to the runtime parser where code
 * generation is unavailable, and nothing is compiled when `z.config({ jitless: true })` is set.
 */
export const COMPILE_AFTER_PARSES = 500;

const hot: { alpha?: typeof WorkspaceV1alpha1Schema; beta?: typeof WorkspaceV1beta1Schema; calls: number } = {
  calls: 0,
};

function tierUp<T extends z.ZodType>(schema: T): T {
  return z.config().jitless === true ? schema : z.compile(schema);
}

/**
 * The schema of a served version, or `undefined` for anything else. Hot callers get a compiled clone of the same
 * schema (same behaviour and issues) after {@link COMPILE_AFTER_PARSES} calls.
 * @example workspaceSchemaFor("kaito.sh/v1beta1")?.safeParse(obj)
 */
export function workspaceSchemaFor<V extends WorkspaceApiVersion>(apiVersion: V): WorkspaceSchemaFor<V>;
export function workspaceSchemaFor(
  apiVersion: string,
): typeof WorkspaceV1alpha1Schema | typeof WorkspaceV1beta1Schema | undefined;
export function workspaceSchemaFor(
  apiVersion: string,
): typeof WorkspaceV1alpha1Schema | typeof WorkspaceV1beta1Schema | undefined {
  if (apiVersion === "kaito.sh/v1alpha1") {
    if (hot.alpha) return hot.alpha;
    if (++hot.calls <= COMPILE_AFTER_PARSES) return WorkspaceV1alpha1Schema;
    hot.alpha = tierUp(WorkspaceV1alpha1Schema);
    return hot.alpha;
  }
  if (apiVersion === "kaito.sh/v1beta1") {
    if (hot.beta) return hot.beta;
    if (++hot.calls <= COMPILE_AFTER_PARSES) return WorkspaceV1beta1Schema;
    hot.beta = tierUp(WorkspaceV1beta1Schema);
    return hot.beta;
  }
  return undefined;
}

/** The schema of a served version as built (never the compiled clone); for introspection and JSON Schema. */
export function baseWorkspaceSchemaFor(
  apiVersion: string,
): typeof WorkspaceV1alpha1Schema | typeof WorkspaceV1beta1Schema | undefined {
  if (apiVersion === "kaito.sh/v1alpha1") return WorkspaceV1alpha1Schema;
  if (apiVersion === "kaito.sh/v1beta1") return WorkspaceV1beta1Schema;
  return undefined;
}

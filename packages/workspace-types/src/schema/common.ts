/**
 * Kubernetes building blocks shared by the Workspace and NodeClaim schemas: ObjectMeta (the subset the tools read,
 * unknown keys kept), LabelSelector, metav1.Condition and the schemaless marker.
 */
import * as z from "zod";

/** JSON-schema key that tells the API server (and {@link findUnknownFields}) not to prune or report inside a node. */
export const PRESERVE_UNKNOWN_FIELDS = "x-kubernetes-preserve-unknown-fields";

/**
 * A schemaless object (Kaito: PodTemplateSpec, VolumeSource): any keys, kept as written, never reported as unknown.
 * @returns a fresh zod schema, so that metadata such as descriptions is not shared between uses.
 */
export function schemaless(description: string) {
  return z.record(z.string(), z.unknown()).meta({ [PRESERVE_UNKNOWN_FIELDS]: true, description });
}

/** A 32-bit integer, rendered as `type: integer, format: int32` in the CRD. */
export function int32() {
  return z.int().meta({ format: "int32" });
}

/** A 64-bit integer, rendered as `type: integer, format: int64` in the CRD. */
export function int64() {
  return z.int().meta({ format: "int64" });
}

/** `metav1.LabelSelectorRequirement`. */
export const LabelSelectorRequirementSchema = z.object({
  key: z.string().describe("The label key that the selector applies to."),
  operator: z.string().describe("In, NotIn, Exists or DoesNotExist."),
  values: z.array(z.string()).optional().describe("Values for In/NotIn; empty for Exists/DoesNotExist."),
});

/** `metav1.LabelSelector`. */
export const LabelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional().describe("{key,value} pairs, ANDed."),
    matchExpressions: z
      .array(LabelSelectorRequirementSchema)
      .optional()
      .describe("Label selector requirements, ANDed."),
  })
  .meta({ "x-kubernetes-map-type": "atomic" });

/** A label selector as written. */
export type LabelSelector = z.output<typeof LabelSelectorSchema>;
/** One `matchExpressions` entry. */
export type LabelSelectorRequirement = z.output<typeof LabelSelectorRequirementSchema>;

/** An owner reference (`metav1.OwnerReference`). */
export const OwnerReferenceSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

/**
 * `metav1.ObjectMeta`: the fields tools read, typed; every other key is kept (loose) and reported by
 * {@link findUnknownFields} when it is not an ObjectMeta field.
 */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: int64().optional(),
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().nullable().optional(),
  deletionGracePeriodSeconds: int64().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(OwnerReferenceSchema).optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: z.array(z.record(z.string(), z.unknown())).optional(),
  selfLink: z.string().optional(),
});

/** Object metadata as parsed. */
export type ObjectMeta = z.output<typeof ObjectMetaSchema>;

/** The status values of a condition. */
export const ConditionStatusSchema = z.enum(["True", "False", "Unknown"]);

/** `metav1.Condition`. */
export const ConditionSchema = z.object({
  type: z.string().max(316).describe("Type of condition in CamelCase."),
  status: ConditionStatusSchema.describe("Status of the condition, one of True, False, Unknown."),
  observedGeneration: z
    .int()
    .min(0)
    .meta({ format: "int64" })
    .optional()
    .describe("The .metadata.generation the condition was set based upon."),
  lastTransitionTime: z
    .string()
    .meta({ format: "date-time" })
    .describe("Last time the condition transitioned from one status to another."),
  reason: z.string().max(1024).describe("Programmatic identifier for the condition's last transition (CamelCase)."),
  message: z.string().max(32768).describe("Human readable message about the transition; may be empty."),
});

/** A `metav1.Condition`. */
export type Condition = z.output<typeof ConditionSchema>;
/** `True`, `False` or `Unknown`. */
export type ConditionStatus = z.output<typeof ConditionStatusSchema>;

/**
 * zod schema of the `karpenter.sh/v1` NodeClaim fields Kaito writes and reads (compat §3.1): labels,
 * annotations, `spec.nodeClassRef`, taints, requirements, resource requests; `status.nodeName`, `providerID`,
 * capacity, allocatable, conditions. Used to generate the NodeClaim CRD the operator installs when Karpenter's own
 * is absent, and to type NodeClaims in the provisioner.
 */
import * as z from "zod";
import { ObjectMetaSchema } from "./common.ts";

/** A resource quantity (`87Gi`, `1`, `500m`): a string or a number. */
export function quantity() {
  return z.union([z.number(), z.string()]).meta({ "x-kubernetes-int-or-string": true });
}

/** `spec.nodeClassRef`. */
export const NodeClassReferenceSchema = z.object({
  group: z.string().describe("API group of the node class, e.g. kaito.sh."),
  kind: z.string().describe("Kind of the node class, e.g. KaitoNodeClass."),
  name: z.string().describe("Name of the node class, e.g. default."),
});

/** A node taint. */
export const TaintSchema = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
  timeAdded: z.string().optional(),
});

/** A node-selector requirement with Karpenter's `minValues`. */
export const NodeSelectorRequirementSchema = z.object({
  key: z.string(),
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte"]),
  values: z.array(z.string()).optional(),
  minValues: z.int().min(1).max(50).optional(),
});

/** A Karpenter status condition (reason and message may be empty). */
export const NodeClaimConditionSchema = z.object({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().meta({ format: "date-time" }),
  observedGeneration: z.int().min(0).meta({ format: "int64" }).optional(),
});

/** `karpenter.sh/v1` NodeClaim. */
export const NodeClaimSchema = z.object({
  apiVersion: z.literal("karpenter.sh/v1"),
  kind: z.literal("NodeClaim"),
  metadata: ObjectMetaSchema,
  spec: z.object({
    nodeClassRef: NodeClassReferenceSchema,
    taints: z.array(TaintSchema).optional(),
    startupTaints: z.array(TaintSchema).optional(),
    requirements: z.array(NodeSelectorRequirementSchema),
    resources: z
      .object({ requests: z.record(z.string(), quantity()).optional() })
      .optional()
      .describe("Minimum resources the node must offer, e.g. storage."),
    expireAfter: z.string().optional(),
    terminationGracePeriod: z.string().optional(),
  }),
  status: z
    .object({
      nodeName: z.string().optional(),
      providerID: z.string().optional(),
      imageID: z.string().optional(),
      capacity: z.record(z.string(), quantity()).optional(),
      allocatable: z.record(z.string(), quantity()).optional(),
      conditions: z.array(NodeClaimConditionSchema).optional(),
      lastPodEventTime: z.string().optional(),
    })
    .optional(),
});

/** A NodeClaim. */
export type NodeClaim = z.output<typeof NodeClaimSchema>;
/** A NodeClaim as written. */
export type NodeClaimInput = z.input<typeof NodeClaimSchema>;

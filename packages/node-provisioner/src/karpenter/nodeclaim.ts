/**
 * The NodeClaim Kaito emits (compat §3.1), as a pure function of the resolved request, the node's name and the
 * cloud: labels, annotations, `nodeClassRef`, taints, requirements and the storage request.
 */
import {
  KaitoLabel,
  NodeClaimDefaults,
  NodeImageFamilyValue,
  NodeLabel,
  WorkspaceAnnotation,
} from "@kaito-ts/workspace-types";
import type { ResolvedRequest } from "../internal/request.ts";
import type { KubeObject, ObjectRef } from "../types.ts";

/** Where the nodes run; decides `nodeClassRef` and the cloud-specific requirement. */
export type KarpenterCloud = "azure" | "aws" | "arc";

/** `spec.nodeClassRef`. */
export interface NodeClassRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/** A `karpenter.sh/v1` NodeClaim, with the fields Kaito writes and reads. */
export interface KubeNodeClaim extends KubeObject {
  spec: {
    nodeClassRef: NodeClassRef;
    taints?: { key: string; value?: string; effect: string }[];
    requirements: { key: string; operator: string; values?: string[] }[];
    resources?: { requests?: Record<string, string | number> };
  };
  status?: {
    nodeName?: string;
    providerID?: string;
    capacity?: Record<string, string | number>;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  };
}

/** `karpenter.sh/v1` NodeClaim. */
export const NODECLAIM = { apiVersion: "karpenter.sh/v1", kind: "NodeClaim" } as const;

/** The ref of a NodeClaim by name (cluster-scoped). */
export function nodeClaimRef(name: string): ObjectRef {
  return { ...NODECLAIM, name };
}

/** Kaito's node class for a cloud: Azure and Arc `kaito.sh/KaitoNodeClass default`, AWS `EC2NodeClass default`. */
export function defaultNodeClassRef(cloud: KarpenterCloud): NodeClassRef {
  return cloud === "aws"
    ? {
        group: NodeClaimDefaults.AwsNodeClassGroup,
        kind: NodeClaimDefaults.AwsNodeClassKind,
        name: NodeClaimDefaults.NodeClassName,
      }
    : {
        group: NodeClaimDefaults.AzureNodeClassGroup,
        kind: NodeClaimDefaults.AzureNodeClassKind,
        name: NodeClaimDefaults.NodeClassName,
      };
}

/** Options of {@link buildNodeClaim}. */
export interface BuildNodeClaimOptions {
  readonly cloud: KarpenterCloud;
  /** Default {@link defaultNodeClassRef} of the cloud. */
  readonly nodeClassRef?: NodeClassRef | undefined;
  /** Used when the Workspace has no `kaito.sh/node-image-family` annotation. Default `ubuntu`. */
  readonly defaultNodeImageFamily?: string | undefined;
}

/** The NodeClaim named `name` for the request (§3.1). */
export function buildNodeClaim(req: ResolvedRequest, name: string, options: BuildNodeClaimOptions): KubeNodeClaim {
  const it = req.instanceType;
  const requirements: KubeNodeClaim["spec"]["requirements"] = [
    { key: KaitoLabel.KarpenterNodePool, operator: "In", values: [NodeClaimDefaults.NodePool] },
    { key: NodeLabel.InstanceType, operator: "In", values: [it] },
    { key: NodeLabel.OS, operator: "In", values: ["linux"] },
  ];
  if (options.cloud === "azure") requirements.push({ key: NodeLabel.AzureSkuName, operator: "In", values: [it] });
  if (options.cloud === "aws") requirements.push({ key: NodeLabel.AwsInstanceGpuCount, operator: "Gt", values: ["0"] });
  return {
    ...NODECLAIM,
    metadata: {
      name,
      labels: {
        [KaitoLabel.KarpenterNodePool]: NodeClaimDefaults.NodePool,
        ...req.workspaceLabels,
        ...req.matchLabels,
      },
      annotations: {
        "karpenter.sh/do-not-disrupt": "true",
        [WorkspaceAnnotation.NodeImageFamily]:
          req.nodeImageFamily ?? options.defaultNodeImageFamily ?? NodeImageFamilyValue.Ubuntu,
      },
    },
    spec: {
      nodeClassRef: { ...(options.nodeClassRef ?? defaultNodeClassRef(options.cloud)) },
      taints: [
        { key: NodeClaimDefaults.TaintKey, value: NodeClaimDefaults.TaintValue, effect: NodeClaimDefaults.TaintEffect },
      ],
      requirements,
      resources: { requests: { storage: req.storageRequest } },
    },
  };
}

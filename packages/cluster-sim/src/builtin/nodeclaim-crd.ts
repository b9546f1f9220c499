/**
 * A minimal `karpenter.sh/v1` NodeClaim CRD, registered by `startCluster` when the node simulation runs and the caller
 * did not pass one: cluster-scoped, open schema, status subresource, and Karpenter's printer columns.
 */
import type { KubeObject } from "../store/api.ts";

/** The NodeClaim CRD object. */
export function nodeClaimCrd(): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "nodeclaims.karpenter.sh" },
    spec: {
      group: "karpenter.sh",
      scope: "Cluster",
      names: {
        kind: "NodeClaim",
        listKind: "NodeClaimList",
        plural: "nodeclaims",
        singular: "nodeclaim",
        categories: ["karpenter"],
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Type", type: "string", jsonPath: ".metadata.labels.node\\.kubernetes\\.io/instance-type" },
            { name: "Node", type: "string", jsonPath: ".status.nodeName" },
            { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: "NodeClaim is the Schema for the NodeClaims API",
              properties: {
                spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
        },
      ],
    },
  };
}

import { describe, expect, it } from "vitest";
import {
  ConditionReason,
  ConditionType,
  KaitoLabel,
  LegacyConditionType,
  NodeClaimSchema,
  RESERVED_SELECTOR_LABEL_KEYS,
  WORKSPACE_FINALIZER,
  WORKSPACE_SHORT_NAMES,
  WorkspaceAnnotation,
  WorkspaceApiVersions,
  WorkspaceState,
} from "../src/index.ts";
import { findUnknownFieldPathsIn } from "../src/schema/unknown-fields.ts";

/** The NodeClaim Kaito emits in gpu-provisioner mode (compat §3.1). */
const kaitoNodeClaim = {
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: {
    name: "ws1a2b3c4d5",
    labels: {
      "karpenter.sh/nodepool": "kaito",
      "kaito.sh/workspace": "workspace-phi-3-mini",
      "kaito.sh/workspacenamespace": "default",
      apps: "phi-3",
    },
    annotations: { "karpenter.sh/do-not-disrupt": "true", "kaito.sh/node-image-family": "ubuntu" },
  },
  spec: {
    nodeClassRef: { group: "kaito.sh", kind: "KaitoNodeClass", name: "default" },
    taints: [{ key: "sku", value: "gpu", effect: "NoSchedule" }],
    requirements: [
      { key: "karpenter.sh/nodepool", operator: "In", values: ["kaito"] },
      { key: "node.kubernetes.io/instance-type", operator: "In", values: ["Standard_NC24ads_A100_v4"] },
      { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
      { key: "karpenter.azure.com/sku-name", operator: "In", values: ["Standard_NC24ads_A100_v4"] },
    ],
    resources: { requests: { storage: "87Gi" } },
  },
  status: {
    nodeName: "aks-ws1a2b3c4d5-12345678-vmss000000",
    providerID:
      "azure:///subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachineScaleSets/z/virtualMachines/0",
    capacity: { "nvidia.com/gpu": "1", cpu: "24", memory: "220Gi" },
    allocatable: { "nvidia.com/gpu": 1, cpu: "23" },
    conditions: [
      { type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z", reason: "Ready", message: "" },
    ],
  },
};

describe("NodeClaim schema", () => {
  it("accepts the NodeClaim Kaito writes, with no unknown fields", () => {
    const r = NodeClaimSchema.safeParse(kaitoNodeClaim);
    expect(r.success).toBe(true);
    expect(r.data).toEqual(kaitoNodeClaim);
    expect(findUnknownFieldPathsIn(NodeClaimSchema, kaitoNodeClaim)).toEqual([]);
  });
  it("rejects a missing nodeClassRef, a bad taint effect and a bad operator", () => {
    const bad = {
      ...kaitoNodeClaim,
      spec: {
        taints: [{ key: "sku", effect: "Never" }],
        requirements: [{ key: "k", operator: "Has" }],
      },
    };
    const r = NodeClaimSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual([
      "spec.nodeClassRef",
      "spec.taints.0.effect",
      "spec.requirements.0.operator",
    ]);
  });
});

describe("constants", () => {
  it("name Kaito's API", () => {
    expect(WorkspaceApiVersions).toEqual({ V1alpha1: "kaito.sh/v1alpha1", V1beta1: "kaito.sh/v1beta1" });
    expect(WORKSPACE_FINALIZER).toBe("workspace.finalizer.kaito.sh");
    expect(WORKSPACE_SHORT_NAMES).toEqual(["wk", "wks"]);
    expect(WorkspaceAnnotation.Runtime).toBe("kaito.sh/runtime");
    expect(WorkspaceAnnotation.BypassResourceChecks).toBe("kaito.sh/bypass-resource-checks");
    expect(ConditionType.WorkspaceSucceeded).toBe("WorkspaceSucceeded");
    expect(LegacyConditionType.WorkspaceReady).toBe("WorkspaceReady");
    expect(LegacyConditionType.MachineReady).toBe("MachineReady");
    expect(ConditionReason.WorkspaceSucceeded).toBe("workspaceSucceeded");
    expect(ConditionReason.ResourceStatusSuccess).toBe("workspaceResourceStatusSuccess");
    expect(Object.values(WorkspaceState).sort()).toEqual([
      "Failed",
      "NotReady",
      "Pending",
      "Ready",
      "Running",
      "Succeeded",
    ]);
    expect(RESERVED_SELECTOR_LABEL_KEYS).toContain(KaitoLabel.Workspace);
    expect(RESERVED_SELECTOR_LABEL_KEYS).toContain(KaitoLabel.WorkspaceNamespace);
  });
  it("have no duplicate values within a group", () => {
    for (const group of [WorkspaceAnnotation, ConditionType, ConditionReason, KaitoLabel, WorkspaceState]) {
      const values = Object.values(group);
      expect(new Set(values).size).toBe(values.length);
    }
  });
});

/** Test helpers for the simulation tests. */
import type { ClusterStore, KubeObject, ResourceKey } from "../../src/store/api.ts";
import type { SimSku } from "../../src/sim/index.ts";

/** The SKU table the tests use. */
export const SKUS: SimSku[] = [
  {
    name: "Standard_NC24ads_A100_v4",
    gpuCount: 1,
    gpuProduct: "NVIDIA-A100-PCIE-80GB",
    gpuMemoryMiB: 81920,
    computeCapability: "8.0",
  },
  { name: "Standard_NC96ads_A100_v4", gpuCount: 4, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 },
  { name: "Standard_D4s_v3", gpuCount: 0, cpu: "4", memory: "16Gi" },
];

/** Polls `check` until it returns a value that is not undefined/false, or throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = check();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A NodeClaim like the one Kaito creates. */
export function nodeClaim(name: string, instanceType: string, workspace = "ws1", tainted = true): KubeObject {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: {
      name,
      labels: {
        "karpenter.sh/nodepool": "kaito",
        "kaito.sh/workspace": workspace,
        "kaito.sh/workspacenamespace": "default",
      },
      annotations: { "karpenter.sh/do-not-disrupt": "true" },
    },
    spec: {
      nodeClassRef: { group: "kaito.sh", kind: "KaitoNodeClass", name: "default" },
      taints: tainted ? [{ key: "sku", value: "gpu", effect: "NoSchedule" }] : [],
      requirements: [
        { key: "karpenter.sh/nodepool", operator: "In", values: ["kaito"] },
        { key: "node.kubernetes.io/instance-type", operator: "In", values: [instanceType] },
        { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
        { key: "karpenter.azure.com/sku-name", operator: "In", values: [instanceType] },
      ],
      resources: { requests: { storage: "87Gi" } },
    },
  };
}

/** A condition's status on an object. */
export function cond(o: KubeObject | undefined, type: string): string | undefined {
  const conditions = (o?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions;
  return conditions?.find((c) => c.type === type)?.status;
}

/** Reads a status field. */
export function status(o: KubeObject | undefined): Record<string, unknown> {
  return (o?.status as Record<string, unknown> | undefined) ?? {};
}

/** Events about an object (by name), as `reason: message`. */
export function eventsFor(store: ClusterStore, namespace: string, name: string): string[] {
  const events: ResourceKey = { group: "", version: "v1", resource: "events" };
  return store
    .list(events, { namespace })
    .filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === name)
    .map((e) => `${String(e.reason)}: ${String(e.message)}`);
}

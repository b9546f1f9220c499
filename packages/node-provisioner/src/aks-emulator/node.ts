/**
 * The Node object AKS registers for a one-node agent pool, for tests that play the cloud (the emulator's
 * `onPoolSucceeded` hook creates it through a Kubernetes client).
 */
import type { KubeObject } from "../types.ts";
import type { EmulatedAgentPool } from "./emulator.ts";

/** Options of {@link agentPoolNode}. */
export interface AgentPoolNodeOptions {
  /** `nvidia.com/gpu` capacity; 0 before the device plugin runs. Default 1. */
  readonly gpuCount?: number | undefined;
  /** Default true. */
  readonly ready?: boolean | undefined;
  /** Default the emulator's default subscription. */
  readonly subscriptionId?: string | undefined;
}

/** A Node in the shape AKS gives it: `aks-<pool>-<8 digits>-vmss000000`, the pool's labels and taints, GPU capacity. */
export interface AgentPoolNode extends KubeObject {
  spec: { providerID: string; taints: { key: string; value?: string; effect: string }[] };
  status: {
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    conditions: { type: string; status: string; reason: string; message: string }[];
  };
}

function digits(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return String(h % 100_000_000).padStart(8, "0");
}

/** The Node of `pool`'s single VM. */
export function agentPoolNode(pool: EmulatedAgentPool, options: AgentPoolNodeOptions = {}): AgentPoolNode {
  const vmss = `aks-${pool.name}-${digits(pool.name)}-vmss`;
  const name = `${vmss}000000`;
  const gpus = String(options.gpuCount ?? 1);
  const sub = options.subscriptionId ?? "00000000-0000-0000-0000-000000000000";
  const isGpu = (pool.properties.vmSize ?? "").includes("Standard_N") && gpus !== "0";
  const taints = (pool.properties.nodeTaints ?? []).map((t) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(t);
    return m === null
      ? { key: t, effect: "NoSchedule" }
      : { key: m[1] ?? t, ...(m[2] === undefined ? {} : { value: m[2] }), effect: m[3] ?? "NoSchedule" };
  });
  const ready = options.ready !== false;
  const capacity = { cpu: "24", memory: "220Gi", pods: "30", ...(isGpu ? { "nvidia.com/gpu": gpus } : {}) };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        ...pool.properties.nodeLabels,
        agentpool: pool.name,
        "kubernetes.azure.com/agentpool": pool.name,
        "kubernetes.azure.com/mode": "user",
        "node.kubernetes.io/instance-type": pool.properties.vmSize ?? "",
        "beta.kubernetes.io/instance-type": pool.properties.vmSize ?? "",
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        ...(isGpu ? { accelerator: "nvidia" } : {}),
      },
    },
    spec: {
      providerID: `azure:///subscriptions/${sub}/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}/virtualMachines/0`,
      taints,
    },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [
        {
          type: "Ready",
          status: ready ? "True" : "False",
          reason: ready ? "KubeletReady" : "KubeletNotReady",
          message: ready ? "kubelet is posting ready status" : "container runtime network not ready",
        },
      ],
    },
  };
}

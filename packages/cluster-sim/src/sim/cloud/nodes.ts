/**
 * Pure construction of the simulated cloud's objects: which SKU a NodeClaim asks for, the Node a launched NodeClaim
 * becomes (labels, taints, capacity, conditions), and the NodeClaim's status at each step.
 */
import type { KubeObject } from "../../store/api.ts";
import { fnv32a } from "../shared/hash.ts";
import { asObj, asObjArray, asStringArray, asStringRecord, controllerRef, type Obj, str } from "../shared/objects.ts";
import type { NodeClaimFaultRule, SimSku } from "../shared/types.ts";

/** Label carrying the instance type. */
export const INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type";
/** Karpenter's NodeClaim termination finalizer. */
export const TERMINATION_FINALIZER = "karpenter.sh/termination";

/** The instance type a NodeClaim requests: the first value of its instance-type `In` requirement (or label). */
export function instanceTypeOf(nodeClaim: KubeObject): string | undefined {
  const req = asObjArray(asObj(nodeClaim.spec).requirements).find(
    (r) => r.key === INSTANCE_TYPE_LABEL && r.operator === "In",
  );
  return asStringArray(req?.values)[0] ?? nodeClaim.metadata.labels?.[INSTANCE_TYPE_LABEL];
}

/** Case-insensitive SKU lookup. */
export function findSku(skus: readonly SimSku[], name: string): SimSku | undefined {
  const lower = name.toLowerCase();
  return skus.find((s) => s.name.toLowerCase() === lower);
}

/** Why a NodeClaim cannot launch (`Launched=False` reason and message), or undefined when it can. */
export function launchFailure(
  nodeClaim: KubeObject,
  skus: readonly SimSku[],
  fault: NodeClaimFaultRule | undefined,
): { reason: string; message: string } | undefined {
  const instanceType = instanceTypeOf(nodeClaim);
  if (instanceType === undefined) {
    return {
      reason: "LaunchFailed",
      message: `creating instance, no instance type requested: spec.requirements has no "${INSTANCE_TYPE_LABEL}" In requirement`,
    };
  }
  if (fault?.kind === "quota") {
    return {
      reason: "LaunchFailed",
      message:
        fault.message ??
        `creating instance, Operation could not be completed as it results in exceeding approved ${instanceType} Cores quota (QuotaExceeded)`,
    };
  }
  if (fault?.kind === "unavailable") {
    return {
      reason: "LaunchFailed",
      message:
        fault.message ??
        `creating instance, insufficient capacity, all requested instance types were unavailable during launch: ${instanceType}`,
    };
  }
  if (findSku(skus, instanceType) === undefined) {
    const known = skus.map((s) => s.name).join(", ") || "none";
    return {
      reason: "LaunchFailed",
      message: `creating instance, all requested instance types were unavailable during launch: instance type "${instanceType}" is not offered by the simulated cloud (known: ${known})`,
    };
  }
  return undefined;
}

/** The Node name a NodeClaim becomes: AKS style `aks-<claim>-<8 digits>-vmss000000`. */
export function nodeNameFor(nodeClaimName: string): string {
  const digits = String(fnv32a(nodeClaimName) % 100_000_000).padStart(8, "0");
  return `aks-${nodeClaimName}-${digits}-vmss000000`;
}

/** The start of the provider IDs of the simulated cloud named `clusterName`. */
export function providerIdPrefix(clusterName: string): string {
  return `azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mc_${clusterName}_${clusterName}_local/`;
}

/** The Azure provider ID of the node a NodeClaim becomes. */
export function providerIdFor(nodeClaimName: string, clusterName: string): string {
  const digits = String(fnv32a(nodeClaimName) % 100_000_000).padStart(8, "0");
  return (
    providerIdPrefix(clusterName) +
    `providers/Microsoft.Compute/virtualMachineScaleSets/aks-${nodeClaimName}-${digits}-vmss/virtualMachines/0`
  );
}

/** True when the simulated cloud named `clusterName` launched `node` (by its provider ID). */
export function isSimulatedNode(node: KubeObject, clusterName: string): boolean {
  return str(asObj(node.spec).providerID)?.startsWith(providerIdPrefix(clusterName)) === true;
}

/** Capacity of a node of this SKU (allocatable is the same in the simulation). */
export function skuCapacity(sku: SimSku): Record<string, string> {
  const capacity: Record<string, string> = {
    cpu: sku.cpu ?? "24",
    memory: sku.memory ?? "220Gi",
    pods: sku.pods ?? "110",
    "ephemeral-storage": sku.ephemeralStorage ?? "1Ti",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
  };
  if (sku.gpuCount > 0) capacity[sku.gpuResourceName ?? "nvidia.com/gpu"] = String(sku.gpuCount);
  return capacity;
}

/** Labels GPU feature discovery and AKS put on a node of this SKU. */
export function gpuLabels(sku: SimSku): Record<string, string> {
  if (sku.gpuCount <= 0) return {};
  const labels: Record<string, string> = {
    accelerator: sku.accelerator ?? "nvidia",
    "nvidia.com/gpu.present": "true",
    "nvidia.com/gpu.count": String(sku.gpuCount),
  };
  if (sku.gpuProduct !== undefined) labels["nvidia.com/gpu.product"] = sku.gpuProduct;
  if (sku.gpuMemoryMiB !== undefined) labels["nvidia.com/gpu.memory"] = String(sku.gpuMemoryMiB);
  if (sku.computeCapability !== undefined) {
    const [major, minor] = sku.computeCapability.split(".");
    labels["nvidia.com/cuda.compute.major"] = major ?? "";
    labels["nvidia.com/cuda.compute.minor"] = minor ?? "0";
  }
  return labels;
}

/** Everything needed to build a Node for a NodeClaim. */
export interface NodePlan {
  nodeClaim: KubeObject;
  sku: SimSku;
  nodeName: string;
  providerID: string;
  /** Small integer used for the node's IP and pod CIDR. */
  index: number;
  now: string;
  /**
   * Port of the node agent's kubelet endpoint on 127.0.0.1, when it serves one: the node's Hostname address becomes
   * `127.0.0.1` and its kubelet port this one, so the API server's `pods/log` reaches the simulated kubelet.
   */
  kubeletPort?: number | undefined;
}

/** The Node object (metadata and spec) for a launched NodeClaim. */
export function buildNode(plan: NodePlan): KubeObject {
  const { nodeClaim, sku, nodeName } = plan;
  const claimName = nodeClaim.metadata.name ?? "";
  const spec = asObj(nodeClaim.spec);
  const labels: Record<string, string> = { "karpenter.sh/capacity-type": "on-demand" };
  for (const r of asObjArray(spec.requirements)) {
    const values = asStringArray(r.values);
    if (r.operator === "In" && values.length > 0 && typeof r.key === "string") labels[r.key] = values[0] ?? "";
  }
  Object.assign(labels, nodeClaim.metadata.labels ?? {}, sku.labels ?? {}, gpuLabels(sku), {
    [INSTANCE_TYPE_LABEL]: sku.name,
    "beta.kubernetes.io/instance-type": sku.name,
    "kubernetes.io/os": "linux",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": nodeName,
    "topology.kubernetes.io/region": "local",
    "topology.kubernetes.io/zone": "local-1",
    agentpool: claimName,
    "kubernetes.azure.com/agentpool": claimName,
    "karpenter.sh/registered": "true",
    "karpenter.sh/initialized": "true",
    "kaito.sh/machine-type": sku.gpuCount > 0 ? "gpu" : "cpu",
  });
  const nodepool = nodeClaim.metadata.labels?.["karpenter.sh/nodepool"];
  if (nodepool !== undefined) labels["karpenter.sh/nodepool"] = nodepool;
  const taints = asObjArray(spec.taints).map((t) => {
    const out: Obj = { key: t.key, effect: t.effect };
    if (typeof t.value === "string") out.value = t.value;
    return out;
  });
  const nodeSpec: Obj = {
    providerID: plan.providerID,
    podCIDR: podCidrFor(plan.index),
    podCIDRs: [podCidrFor(plan.index)],
  };
  if (taints.length > 0) nodeSpec.taints = taints;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: nodeName,
      labels,
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        "karpenter.sh/nodeclaim": claimName,
      },
      ownerReferences: [controllerRef(nodeClaim)],
    },
    spec: nodeSpec,
  };
}

/** The pod CIDR of the node with this index. */
export function podCidrFor(index: number): string {
  return `10.244.${index % 256}.0/24`;
}

/** The status of a Ready node of this SKU. */
export function readyNodeStatus(plan: NodePlan, withGpus = true): Obj {
  const { sku, nodeName, now } = plan;
  const capacity = withGpus ? skuCapacity(sku) : skuCapacity({ ...sku, gpuCount: 0 });
  const cond = (type: string, status: string, reason: string, message: string): Obj => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: [
      cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: `10.224.${Math.floor(plan.index / 250) % 256}.${(plan.index % 250) + 4}` },
      { type: "Hostname", address: plan.kubeletPort === undefined ? nodeName : "127.0.0.1" },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: plan.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: fnv32a(`m-${nodeName}`).toString(16).padStart(32, "0"),
      systemUUID: fnv32a(`s-${nodeName}`).toString(16).padStart(32, "0"),
      bootID: fnv32a(`b-${nodeName}`).toString(16).padStart(32, "0"),
      kernelVersion: "5.15.0-1079-azure",
      osImage: "Ubuntu 22.04.5 LTS",
      containerRuntimeVersion: "containerd://1.7.27-1",
      kubeletVersion: "v1.37.2",
      kubeProxyVersion: "v1.37.2",
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
}

/** One NodeClaim status condition, Karpenter style. */
export function claimCondition(type: string, status: string, reason: string, message: string, generation: number): Obj {
  return { type, status, reason, message, observedGeneration: generation };
}

/** The four lifecycle conditions, all Unknown (what Karpenter writes when it first sees a NodeClaim). */
export function initialClaimConditions(generation: number): Obj[] {
  return ["Launched", "Registered", "Initialized", "Ready"].map((t) =>
    claimCondition(t, "Unknown", "AwaitingReconciliation", "object is awaiting reconciliation", generation),
  );
}

/** Labels of a NodeClaim that a matching Node must carry (used to find the node of a claim). */
export function claimLabels(nodeClaim: KubeObject): Record<string, string> {
  return asStringRecord(nodeClaim.metadata.labels);
}

/** The `status.nodeName` of a NodeClaim. */
export function claimNodeName(nodeClaim: KubeObject): string | undefined {
  return str(asObj(nodeClaim.status).nodeName);
}

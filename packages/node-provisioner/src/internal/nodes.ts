/**
 * Pure checks on Node objects (Kaito's `NodesReady` rules, §1.4/§3.1): readiness, GPU capacity, the accelerator
 * label, pressure warnings.
 */
import { KaitoLabel, NodeLabel } from "@kaito-ts/workspace-types";
import type { KubeObject, ObjectRef } from "../types.ts";

/** The Node fields read here. */
export interface KubeNode extends KubeObject {
  spec?: { unschedulable?: boolean; providerID?: string; taints?: { key: string; value?: string; effect: string }[] };
  status?: {
    capacity?: Record<string, string | number>;
    allocatable?: Record<string, string | number>;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** `v1` Node. */
export const NODE = { apiVersion: "v1", kind: "Node" } as const;

/** The ref of a node by name. */
export function nodeRef(name: string): ObjectRef {
  return { ...NODE, name };
}

/** The GPU resource Kaito requires on its nodes. */
export const GPU_RESOURCE = "nvidia.com/gpu";
/** The value of the `accelerator` label Kaito writes. */
export const ACCELERATOR_NVIDIA = "nvidia";

/** The status of a node condition, or `undefined`. */
export function nodeCondition(node: KubeNode, type: string): string | undefined {
  return node.status?.conditions?.find((c) => c.type === type)?.status;
}

/** Ready=True and not being deleted. */
export function isNodeReady(node: KubeNode): boolean {
  return nodeCondition(node, "Ready") === "True" && !node.metadata.deletionTimestamp;
}

/** The number of `nvidia.com/gpu` in `status.capacity` (0 when absent or unparsable). */
export function gpuCapacity(node: KubeNode): number {
  const raw = node.status?.capacity?.[GPU_RESOURCE];
  const n = typeof raw === "number" ? raw : Number.parseInt(raw ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The node's `node.kubernetes.io/instance-type` label. */
export function instanceTypeOf(node: KubeNode): string | undefined {
  return node.metadata.labels?.[NodeLabel.InstanceType];
}

/** Whether the instance-type label equals `instanceType` (case-insensitive, as Kaito's SKU lookup). */
export function hasInstanceType(node: KubeNode, instanceType: string): boolean {
  return (instanceTypeOf(node) ?? "").toLowerCase() === instanceType.toLowerCase();
}

/** Whether all `labels` are on the node. */
export function matchesLabels(node: KubeObject, labels: Readonly<Record<string, string>>): boolean {
  const have = node.metadata.labels ?? {};
  for (const k in labels) if (have[k] !== labels[k]) return false;
  return true;
}

/** Whether Kaito's `accelerator=nvidia` label is present. */
export function hasAcceleratorLabel(node: KubeNode): boolean {
  return node.metadata.labels?.[KaitoLabel.Accelerator] === ACCELERATOR_NVIDIA;
}

const PRESSURES = ["DiskPressure", "MemoryPressure", "PIDPressure"] as const;

/**
 * Kaito's `; warning: worker node(s) under resource pressure: …` suffix for the `NodesReady` message, or `""`.
 */
export function pressureWarning(nodes: readonly KubeNode[]): string {
  const parts: string[] = [];
  for (const node of nodes) {
    const under = PRESSURES.filter((p) => nodeCondition(node, p) === "True");
    if (under.length > 0) parts.push(`${node.metadata.name ?? "?"} (${under.join(", ")})`);
  }
  return parts.length === 0 ? "" : `; warning: worker node(s) under resource pressure: ${parts.join(", ")}`;
}

/** `a, b, c` or `a, b, … (+3 more)` for messages. */
export function nameList(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")}, … (+${names.length - max} more)`;
}

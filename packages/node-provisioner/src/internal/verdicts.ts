/**
 * The `NodesReady` verdict shared by every provisioner, and the summary of a readiness report.
 */
import { ConditionReason } from "@kaito-ts/workspace-types";
import type { ConditionVerdict, ProvisionerEvent, ReadinessReport } from "../types.ts";
import {
  GPU_RESOURCE,
  gpuCapacity,
  hasInstanceType,
  isNodeReady,
  type KubeNode,
  nameList,
  pressureWarning,
} from "./nodes.ts";

/** Kaito requeues readiness checks after 2 s. */
export const READINESS_REQUEUE_MS = 2000;

/** Options of {@link nodesVerdict}. */
export interface NodesVerdictOptions {
  /** Count only nodes with this instance-type label (auto-provisioning); omit for BYO. */
  readonly instanceType?: string | undefined;
  /** Count only nodes with `nvidia.com/gpu` capacity (BYO); the others make it `NodePluginsNotReady`. */
  readonly requireGpu?: boolean | undefined;
  /** How the nodes were selected, for the message (`kaito.sh/workspace=ws, …`). */
  readonly selectorText: string;
}

/** `NodesReady` over the selected nodes, and the names of the ready ones (`status.workerNodes`). */
export function nodesVerdict(
  selected: readonly KubeNode[],
  target: number,
  options: NodesVerdictOptions,
): { verdict: ConditionVerdict; readyNodes: KubeNode[] } {
  const ready = selected.filter(
    (n) => isNodeReady(n) && (options.instanceType === undefined || hasInstanceType(n, options.instanceType)),
  );
  const withGpu = options.requireGpu === true ? ready.filter((n) => gpuCapacity(n) > 0) : ready;
  const names = (ns: readonly KubeNode[]) => nameList(ns.map((n) => n.metadata.name ?? "?"));
  if (withGpu.length >= target) {
    return {
      verdict: {
        ready: true,
        reason: ConditionReason.NodesReady,
        message: `${withGpu.length} of ${target} nodes ready: ${names(withGpu)}${pressureWarning(withGpu)}`,
      },
      readyNodes: withGpu,
    };
  }
  if (ready.length >= target) {
    const missing = ready.filter((n) => gpuCapacity(n) === 0);
    return {
      verdict: {
        ready: false,
        reason: ConditionReason.NodePluginsNotReady,
        message: `${withGpu.length} of ${target} nodes have ${GPU_RESOURCE} capacity; ${names(missing)} advertise none (is the NVIDIA device plugin running there?)`,
      },
      readyNodes: withGpu,
    };
  }
  const what = options.instanceType === undefined ? "" : ` ${options.instanceType}`;
  const notReady = selected.filter((n) => !ready.includes(n));
  const detail = notReady.length === 0 ? "" : `; not ready: ${names(notReady)}`;
  return {
    verdict: {
      ready: false,
      reason: ConditionReason.NodeNotReady,
      message: `${ready.length} of ${target} ready${what} nodes selected by ${options.selectorText}${detail}${pressureWarning(ready)}`,
    },
    readyNodes: withGpu,
  };
}

/** `k=v, k2=v2`. */
export function selectorText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? "(no labels: every node)" : parts.join(",");
}

/** Builds the report: the summary is the first failing verdict, else ResourceReady's success. */
export function readinessReport(parts: {
  readonly nodeClaims?: ConditionVerdict | undefined;
  readonly nodes: ConditionVerdict;
  readonly workerNodes: readonly string[];
  readonly events?: readonly ProvisionerEvent[] | undefined;
  /** The failing check changes watched objects (NodeClaims): wait for their events instead of requeueing. */
  readonly waitForEvents?: boolean | undefined;
}): ReadinessReport {
  const failing = [parts.nodeClaims, parts.nodes].find((v) => v !== undefined && !v.ready);
  const base = {
    nodeClaims: parts.nodeClaims,
    nodes: parts.nodes,
    workerNodes: parts.workerNodes,
    events: parts.events ?? [],
  };
  if (failing !== undefined) {
    return {
      ...base,
      ready: false,
      reason: failing.reason,
      message: failing.message,
      ...(parts.waitForEvents === true ? { waitForEvents: true } : { requeueAfterMs: READINESS_REQUEUE_MS }),
    };
  }
  return {
    ...base,
    ready: true,
    reason: ConditionReason.ResourceStatusSuccess,
    message: `${parts.workerNodes.length} GPU node(s) ready: ${nameList(parts.workerNodes)}`,
  };
}

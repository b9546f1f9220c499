/**
 * Pure scheduling decisions: a pod's resource requests, whether a node fits (with the real scheduler's reason
 * strings, in its filter-plugin order), the `0/N nodes are available: …` message, and which feasible node to pick.
 */
import type { KubeObject } from "../../store/api.ts";
import { firstUntoleratedTaint, podMatchesNodeLabels, tolerates } from "../shared/match.ts";
import {
  asObj,
  asObjArray,
  asStringArray,
  asStringRecord,
  conditionStatus,
  isPodTerminal,
  type Obj,
  specOf,
  statusOf,
  str,
} from "../shared/objects.ts";
import { parseQuantity, parseResourceList } from "../shared/quantity.ts";

/** The effective requests of one container: `requests`, falling back to `limits` per resource (API defaulting). */
function containerRequests(container: Obj): Record<string, number> {
  const resources = asObj(container.resources);
  return { ...parseResourceList(resources.limits), ...parseResourceList(resources.requests) };
}

/** A pod's requests: max(sum of containers, largest init container) + overhead, per resource. */
export function podRequests(podSpec: Obj): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of asObjArray(podSpec.containers)) {
    for (const [k, v] of Object.entries(containerRequests(c))) sum[k] = (sum[k] ?? 0) + v;
  }
  for (const c of asObjArray(podSpec.initContainers)) {
    for (const [k, v] of Object.entries(containerRequests(c))) sum[k] = Math.max(sum[k] ?? 0, v);
  }
  for (const [k, v] of Object.entries(parseResourceList(podSpec.overhead))) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}

/** Sum of the requests of the pods occupying a node (non-terminal pods bound to it), plus their count. */
export function nodeUsage(pods: readonly KubeObject[]): { requests: Record<string, number>; count: number } {
  const requests: Record<string, number> = {};
  let count = 0;
  for (const p of pods) {
    if (isPodTerminal(p)) continue;
    count++;
    for (const [k, v] of Object.entries(podRequests(specOf(p)))) requests[k] = (requests[k] ?? 0) + v;
  }
  return { requests, count };
}

const NOT_READY_TAINT: Obj = { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" };
const UNSCHEDULABLE_TAINT: Obj = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

/**
 * Why `pod` cannot go to `node` (empty when it fits), given the node's current usage. Like the real scheduler, only
 * the first failing filter plugin reports (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit).
 */
export function nodeFitReasons(
  pod: KubeObject,
  node: KubeObject,
  usage: { requests: Record<string, number>; count: number },
): string[] {
  const spec = specOf(pod);
  const tolerations = asObjArray(spec.tolerations);
  const nodeSpec = specOf(node);
  if (nodeSpec.unschedulable === true && !tolerations.some((t) => tolerates(t, UNSCHEDULABLE_TAINT))) {
    return ["node(s) were unschedulable"];
  }
  const taints = asObjArray(nodeSpec.taints);
  if (conditionStatus(node, "Ready") !== "True") taints.push(NOT_READY_TAINT);
  const taint = firstUntoleratedTaint(taints, tolerations);
  if (taint !== undefined) {
    return [`node(s) had untolerated taint {${str(taint.key) ?? ""}: ${str(taint.value) ?? ""}}`];
  }
  if (!podMatchesNodeLabels(spec, node.metadata.name ?? "", node.metadata.labels ?? {})) {
    return ["node(s) didn't match Pod's node affinity/selector"];
  }
  const allocatable = parseResourceList(statusOf(node).allocatable);
  const reasons: string[] = [];
  const maxPods = allocatable.pods ?? parseQuantity("110") ?? 110;
  if (usage.count + 1 > maxPods) reasons.push("Too many pods");
  const requests = podRequests(spec);
  for (const [resource, amount] of Object.entries(requests)) {
    if (amount <= 0 || resource === "pods") continue;
    const free = (allocatable[resource] ?? 0) - (usage.requests[resource] ?? 0);
    if (amount > free + 1e-9) reasons.push(`Insufficient ${resource}`);
  }
  return reasons;
}

/**
 * The scheduler's FailedScheduling message: reasons counted over nodes and sorted, e.g.
 * `0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector.`
 */
export function unschedulableMessage(nodeCount: number, reasonsPerNode: readonly (readonly string[])[]): string {
  if (nodeCount === 0) return "no nodes available to schedule pods";
  const histogram = new Map<string, number>();
  for (const reasons of reasonsPerNode) for (const r of reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  const parts = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${nodeCount} nodes are available: ${parts.join(", ")}.`;
}

/** Outcome of scheduling one pod. */
export type ScheduleDecision = { node: string } | { node: undefined; message: string };

/**
 * Picks a node for `pod` among `nodes` (usage per node name given): the feasible node left least allocated for
 * the resources the pod requests, ties broken by name.
 */
export function schedulePod(
  pod: KubeObject,
  nodes: readonly KubeObject[],
  usageOf: (node: string) => { requests: Record<string, number>; count: number },
): ScheduleDecision {
  const requests = podRequests(specOf(pod));
  const feasible: Array<{ name: string; score: number }> = [];
  const reasons: string[][] = [];
  for (const node of nodes) {
    const name = node.metadata.name ?? "";
    const usage = usageOf(name);
    const r = nodeFitReasons(pod, node, usage);
    if (r.length > 0) {
      reasons.push(r);
      continue;
    }
    const allocatable = parseResourceList(statusOf(node).allocatable);
    let score = 0;
    for (const [resource, amount] of Object.entries(requests)) {
      const alloc = allocatable[resource] ?? 0;
      if (alloc > 0) score += ((usage.requests[resource] ?? 0) + amount) / alloc;
    }
    feasible.push({ name, score });
  }
  feasible.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  const best = feasible[0];
  if (best !== undefined) return { node: best.name };
  return { node: undefined, message: unschedulableMessage(nodes.length, reasons) };
}

/**
 * The node labels a pod's nodeSelector and required node affinity demand, as alternatives: every node the pod may
 * go to carries all the `key=value` pairs of at least one returned selector (nodeSelector pairs, plus per
 * `nodeSelectorTerm` one value of its first `In` requirement). `undefined` when they do not narrow the nodes (no
 * nodeSelector and a term without `In`). The scheduler looks these up in the node label index instead of checking
 * every node; the full filters still run on the nodes found, so the decision is the same.
 */
export function nodeLabelChoices(podSpec: Obj): Record<string, string>[] | undefined {
  const base = asStringRecord(podSpec.nodeSelector);
  const baseOnly = Object.keys(base).length > 0 ? [base] : undefined;
  const required = asObj(asObj(asObj(podSpec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution);
  if (required.nodeSelectorTerms === undefined) return baseOnly;
  const choices: Record<string, string>[] = [];
  for (const term of asObjArray(required.nodeSelectorTerms)) {
    const exprs = asObjArray(term.matchExpressions);
    if (exprs.length === 0 && asObjArray(term.matchFields).length === 0) continue; // an empty term matches nothing
    const inExpr = exprs.find((e) => e.operator === "In" && typeof e.key === "string");
    if (inExpr === undefined) return baseOnly;
    const key = inExpr.key as string;
    for (const value of asStringArray(inExpr.values)) {
      if (base[key] !== undefined && base[key] !== value) continue; // contradicts the nodeSelector: no node
      choices.push({ ...base, [key]: value });
    }
  }
  return choices;
}

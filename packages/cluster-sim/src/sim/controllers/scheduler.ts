/**
 * The scheduler and pod garbage collector: binds pending pods to nodes (one pass over every pending pod, so
 * resources taken in the pass count for the next pod) and deletes pods left on a deleted node.
 */
import type { KubeObject } from "../../store/api.ts";
import type { SimContext } from "../shared/context.ts";
import { asObjArray, isPodTerminal, isReason, type Obj, specOf, statusOf, str, timestamp } from "../shared/objects.ts";
import type { HandlerResult } from "../shared/queue.ts";
import { R } from "../shared/resources.ts";
import { nodeLabelChoices, nodeUsage, podRequests, schedulePod } from "./scheduling.ts";

/** Queue key of a full scheduling pass. */
export const SCHEDULE_ALL = "schedule";

/** Binds pods, records FailedScheduling, and garbage-collects pods of deleted nodes. */
export class Scheduler {
  readonly #ctx: SimContext;
  /** Last FailedScheduling message per pod uid, so a pass does not repeat an unchanged event. */
  readonly #lastMessage = new Map<string, string>();

  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  /** Keys: {@link SCHEDULE_ALL}, or `gc:<node>` after a node was deleted. */
  async handle(key: string): Promise<HandlerResult> {
    if (key.startsWith("gc:")) {
      await this.#collectPodsOf(key.slice(3));
      return undefined;
    }
    return await this.#schedulePass();
  }

  /** True when the pod is waiting for this scheduler. */
  static isPending(pod: KubeObject): boolean {
    const spec = specOf(pod);
    const scheduler = str(spec.schedulerName) ?? "default-scheduler";
    return (
      str(spec.nodeName) === undefined &&
      scheduler === "default-scheduler" &&
      pod.metadata.deletionTimestamp === undefined &&
      !isPodTerminal(pod)
    );
  }

  async #schedulePass(): Promise<HandlerResult> {
    const { api } = this.#ctx;
    // The pods not bound to a node, from the cache's node index (not every pod of the cluster).
    const pending = api
      .list(R.pods, { fieldSelector: "spec.nodeName=" })
      .filter(Scheduler.isPending)
      .sort(
        (a, b) =>
          (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
          (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
      );
    const pendingUids = new Set(pending.map((p) => p.metadata.uid ?? ""));
    for (const uid of this.#lastMessage.keys()) if (!pendingUids.has(uid)) this.#lastMessage.delete(uid);
    if (pending.length === 0) return undefined;
    const live = (n: KubeObject) => n.metadata.deletionTimestamp === undefined;
    const byName = (a: KubeObject, b: KubeObject) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
    let allNodes: KubeObject[] | undefined;
    const everyNode = () => {
      allNodes ??= api.list(R.nodes).filter(live).sort(byName);
      return allNodes;
    };
    // Usage per node, from the pods bound to it, computed when a node is first considered in this pass.
    const usage = new Map<string, { requests: Record<string, number>; count: number }>();
    const usageOf = (n: string) => {
      let u = usage.get(n);
      if (u === undefined) {
        u = nodeUsage(api.list(R.pods, { fieldSelector: `spec.nodeName=${n}` }));
        usage.set(n, u);
      }
      return u;
    };
    for (const pod of pending) {
      const candidates = this.#candidates(pod);
      let decision = schedulePod(pod, candidates ?? everyNode(), usageOf);
      // Nothing fits: the message counts the reasons over every node, as the real scheduler's.
      if (decision.node === undefined && candidates !== undefined) decision = schedulePod(pod, everyNode(), usageOf);
      if (decision.node !== undefined) {
        await this.#bind(pod, decision.node);
        const u = usageOf(decision.node);
        for (const [k, v] of Object.entries(podRequests(specOf(pod)))) u.requests[k] = (u.requests[k] ?? 0) + v;
        u.count++;
      } else {
        await this.#markUnschedulable(pod, decision.message);
      }
    }
    return undefined;
  }

  /**
   * The live nodes whose labels meet the pod's nodeSelector / required node affinity pairs (`nodeLabelChoices`),
   * sorted by name, from the cache's label index; undefined when the pod's constraints do not narrow the nodes.
   * Every node the pod fits is among them.
   */
  #candidates(pod: KubeObject): KubeObject[] | undefined {
    const choices = nodeLabelChoices(specOf(pod));
    if (choices === undefined) return undefined;
    const found = new Map<string, KubeObject>();
    for (const selector of choices) {
      for (const n of this.#ctx.api.listSelected(R.nodes, undefined, selector)) {
        if (n.metadata.deletionTimestamp === undefined) found.set(n.metadata.name ?? "", n);
      }
    }
    return [...found.values()].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  }

  async #bind(pod: KubeObject, nodeName: string): Promise<void> {
    const { api } = this.#ctx;
    const { namespace, name } = pod.metadata;
    try {
      await api.patch(R.pods, namespace, name ?? "", "merge", {
        metadata: { resourceVersion: pod.metadata.resourceVersion },
        spec: { nodeName },
      });
    } catch (error) {
      if (isReason(error, "NotFound") || isReason(error, "Conflict")) return; // next pass decides again
      throw error;
    }
    const now = timestamp(this.#ctx.now());
    const bound = api.get(R.pods, namespace, name ?? "");
    if (bound === undefined) return;
    const conditions = asObjArray(statusOf(bound).conditions).filter((c) => c.type !== "PodScheduled");
    conditions.unshift({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: now });
    await api.patch(R.pods, namespace, name ?? "", "merge", { status: { conditions } }, { subresource: "status" });
    this.#lastMessage.delete(pod.metadata.uid ?? "");
    this.#ctx.events.record(bound, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${nodeName}`, {
      component: "default-scheduler",
    });
  }

  async #markUnschedulable(pod: KubeObject, message: string): Promise<void> {
    const { api } = this.#ctx;
    const uid = pod.metadata.uid ?? "";
    const existing = asObjArray(statusOf(pod).conditions);
    const current = existing.find((c) => c.type === "PodScheduled");
    if (current?.status === "False" && current.message === message && this.#lastMessage.get(uid) === message) return;
    const conditions: Obj[] = existing.filter((c) => c.type !== "PodScheduled");
    conditions.unshift({
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message,
      lastProbeTime: null,
      lastTransitionTime:
        current?.status === "False"
          ? (current.lastTransitionTime ?? timestamp(this.#ctx.now()))
          : timestamp(this.#ctx.now()),
    });
    const status: Obj = { conditions };
    if (statusOf(pod).phase === undefined) status.phase = "Pending";
    if (statusOf(pod).qosClass === undefined) status.qosClass = qosClass(specOf(pod));
    try {
      await api.patch(
        R.pods,
        pod.metadata.namespace,
        pod.metadata.name ?? "",
        "merge",
        { status },
        { subresource: "status" },
      );
    } catch (error) {
      if (isReason(error, "NotFound")) return;
      throw error;
    }
    if (this.#lastMessage.get(uid) !== message) {
      this.#lastMessage.set(uid, message);
      this.#ctx.events.record(pod, "Warning", "FailedScheduling", message, { component: "default-scheduler" });
    }
  }

  async #collectPodsOf(nodeName: string): Promise<void> {
    const { api } = this.#ctx;
    if (api.get(R.nodes, undefined, nodeName) !== undefined) return;
    for (const pod of api.list(R.pods, { fieldSelector: `spec.nodeName=${nodeName}` })) {
      if (str(specOf(pod).nodeName) !== nodeName) continue;
      try {
        await api.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? "", { gracePeriodSeconds: 0 });
      } catch (error) {
        if (!isReason(error, "NotFound")) throw error;
      }
    }
  }
}

/** The QoS class of a pod spec (Guaranteed, Burstable, BestEffort), as the API server computes it. */
export function qosClass(spec: Obj): string {
  const containers = [...asObjArray(spec.containers), ...asObjArray(spec.initContainers)];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = c.resources as { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined;
    const requests = res?.requests ?? {};
    const limits = res?.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const r of ["cpu", "memory"]) {
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * Node health: a node with an injected NodeNotReady fault reports `Ready=False` (as when its kubelet stops posting
 * status) until the fault is removed, when it is Ready again. The kubelet then reports its pods unready.
 */
import type { SimContext } from "../shared/context.ts";
import { conditionStatus, mergeConditions, statusOf } from "../shared/objects.ts";
import type { HandlerResult } from "../shared/queue.ts";
import { R } from "../shared/resources.ts";

const DEFAULT_MESSAGE =
  "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";

/** Reconciles node Ready conditions against the node faults, by node name. */
export class NodeHealthController {
  readonly #ctx: SimContext;
  /** Nodes this controller turned NotReady. */
  readonly #downed = new Set<string>();

  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  async handle(name: string): Promise<HandlerResult> {
    const { api, events } = this.#ctx;
    const node = api.get(R.nodes, undefined, name);
    if (node === undefined) {
      this.#downed.delete(name);
      return undefined;
    }
    const fault = this.#ctx.faults.nodeFault(name);
    const ready = conditionStatus(node, "Ready");
    const now = this.#ctx.nowIso();
    let next: { status: string; reason: string; message: string } | undefined;
    if (fault !== undefined && ready !== "False") {
      next = { status: "False", reason: "KubeletNotReady", message: fault.message ?? DEFAULT_MESSAGE };
      this.#downed.add(name);
      events.record(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`, {
        component: "node-controller",
      });
    } else if (fault === undefined && this.#downed.has(name)) {
      next = { status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" };
      this.#downed.delete(name);
      events.record(node, "Normal", "NodeReady", `Node ${name} status is now: NodeReady`, {
        component: "kubelet",
        host: name,
      });
    }
    if (next === undefined) return undefined;
    const conditions = mergeConditions(
      statusOf(node).conditions,
      [{ type: "Ready", ...next, lastHeartbeatTime: now }],
      now,
    );
    await api.patch(R.nodes, undefined, name, "merge", { status: { conditions } }, { subresource: "status" });
    return undefined;
  }
}

/**
 * The simulated cloud provider + Karpenter lifecycle: a NodeClaim is launched (or fails to), its Node registers and
 * becomes Ready, and deleting the NodeClaim deletes the Node before the termination finalizer is released.
 */
import type { KubeObject } from "../../store/api.ts";
import { ensureNodeLease } from "../node-agent/heartbeats.ts";
import type { SimContext } from "../shared/context.ts";
import {
  buildNode,
  claimCondition,
  findSku,
  initialClaimConditions,
  instanceTypeOf,
  launchFailure,
  nodeNameFor,
  providerIdFor,
  readyNodeStatus,
  skuCapacity,
  TERMINATION_FINALIZER,
} from "./nodes.ts";
import { asObj, conditionStatus, isReason, mergeConditions, type Obj, statusOf, str } from "../shared/objects.ts";
import type { HandlerResult } from "../shared/queue.ts";
import { R } from "../shared/resources.ts";

/** Reconciles one NodeClaim by name. */
export class NodeClaimController {
  readonly #ctx: SimContext;
  /** When each NodeClaim (by uid) was first seen, for the launch/registration delays. */
  readonly #firstSeen = new Map<string, number>();
  /** NodeClaim name → node name, for claims whose Node we created. */
  readonly #nodes = new Map<string, string>();
  #nodeIndex = 0;

  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  /** The NodeClaim that owns a node (by our bookkeeping), for routing Node events. */
  claimOfNode(nodeName: string): string | undefined {
    for (const [claim, node] of this.#nodes) if (node === nodeName) return claim;
    return undefined;
  }

  async handle(name: string): Promise<HandlerResult> {
    const { api } = this.#ctx;
    const nc = api.get(R.nodeclaims, undefined, name);
    if (nc === undefined) {
      await this.#deleteNodeOf(name);
      this.#nodes.delete(name);
      return undefined;
    }
    if (nc.metadata.deletionTimestamp !== undefined) return await this.#terminate(nc);
    if (!(nc.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) {
      await api.patch(R.nodeclaims, undefined, name, "merge", {
        metadata: {
          finalizers: [...(nc.metadata.finalizers ?? []), TERMINATION_FINALIZER],
          resourceVersion: nc.metadata.resourceVersion,
        },
      });
      return undefined; // the write brings us back
    }
    const uid = nc.metadata.uid ?? name;
    const start = this.#firstSeen.get(uid) ?? Date.now();
    this.#firstSeen.set(uid, start);
    const elapsed = Date.now() - start;
    const generation = nc.metadata.generation ?? 1;
    const status = statusOf(nc);

    if (status.conditions === undefined) {
      await this.#writeStatus(nc, {}, initialClaimConditions(generation));
      return undefined;
    }
    const launched = conditionStatus(nc, "Launched");
    if (launched === "False") return undefined; // terminal, as Kaito expects
    const instanceType = instanceTypeOf(nc) ?? "";
    if (launched !== "True") {
      const failure = launchFailure(nc, this.#ctx.options.skus, this.#ctx.faults.nodeClaimFault(name, instanceType));
      if (failure !== undefined) {
        await this.#writeStatus(nc, {}, [
          claimCondition("Launched", "False", failure.reason, failure.message, generation),
        ]);
        const insufficient = failure.message.includes("all requested instance types were unavailable");
        this.#ctx.events.record(
          nc,
          "Warning",
          insufficient ? "InsufficientCapacityError" : "LaunchFailed",
          `NodeClaim ${name} event: ${failure.message}`,
          { component: "karpenter" },
        );
        return undefined;
      }
      const wait = this.#ctx.options.launchDelayMs - elapsed;
      if (wait > 0) return { requeueAfterMs: wait };
      const sku = findSku(this.#ctx.options.skus, instanceType);
      if (sku === undefined) return undefined;
      const capacity = skuCapacity(sku);
      await this.#writeStatus(
        nc,
        {
          providerID: providerIdFor(name, this.#ctx.options.clusterName),
          imageID:
            "/CommunityGalleries/AKSUbuntu-38d80f77-467a-481f-a8d4-09b6d4220bd2/images/2204gen2containerd/versions/202501.12.0",
          capacity,
          allocatable: { ...capacity },
        },
        [claimCondition("Launched", "True", "Launched", "", generation)],
      );
      this.#ctx.events.record(nc, "Normal", "Launched", `Status condition transitioned, Type: Launched, Status: True`, {
        component: "karpenter",
      });
      return undefined;
    }

    const sku = findSku(this.#ctx.options.skus, instanceType);
    if (sku === undefined) return undefined;
    const nodeName = str(status.nodeName) ?? nodeNameFor(name);
    if (conditionStatus(nc, "Registered") !== "True") {
      const wait = this.#ctx.options.nodeDelayMs - elapsed;
      if (wait > 0) return { requeueAfterMs: wait };
      await this.#ensureNode(nc, sku, nodeName);
      await this.#writeStatus(nc, { nodeName }, [claimCondition("Registered", "True", "Registered", "", generation)]);
      return undefined;
    }
    const node = api.get(R.nodes, undefined, nodeName);
    if (node === undefined) {
      // The Node was deleted behind Karpenter's back: the NodeClaim goes too.
      if (this.#nodes.get(name) === nodeName) await api.delete(R.nodeclaims, undefined, name);
      return undefined;
    }
    this.#nodes.set(name, nodeName);
    if (conditionStatus(nc, "Initialized") !== "True") {
      if (conditionStatus(node, "Ready") !== "True") return { requeueAfterMs: 50 };
      await this.#writeStatus(nc, {}, [claimCondition("Initialized", "True", "Initialized", "", generation)]);
      return undefined;
    }
    if (conditionStatus(nc, "Ready") !== "True") {
      await this.#writeStatus(nc, {}, [claimCondition("Ready", "True", "Ready", "", generation)]);
    }
    return await this.#advertiseGpus(node, sku, elapsed);
  }

  /** The device plugin's part: GPU capacity appears `gpuCapacityDelayMs` after the node registered. */
  async #advertiseGpus(
    node: KubeObject,
    sku: NonNullable<ReturnType<typeof findSku>>,
    elapsed: number,
  ): Promise<HandlerResult> {
    const delay = this.#ctx.options.gpuCapacityDelayMs;
    const resource = sku.gpuResourceName ?? "nvidia.com/gpu";
    if (delay <= 0 || sku.gpuCount <= 0) return undefined;
    if (asObj(statusOf(node).capacity)[resource] !== undefined) return undefined;
    const wait = this.#ctx.options.nodeDelayMs + delay - elapsed;
    if (wait > 0) return { requeueAfterMs: wait };
    const count = String(sku.gpuCount);
    await this.#ctx.api.patch(
      R.nodes,
      undefined,
      node.metadata.name ?? "",
      "merge",
      { status: { capacity: { [resource]: count }, allocatable: { [resource]: count } } },
      { subresource: "status" },
    );
    return undefined;
  }

  async #ensureNode(nc: KubeObject, sku: NonNullable<ReturnType<typeof findSku>>, nodeName: string): Promise<void> {
    const { api } = this.#ctx;
    const name = nc.metadata.name ?? "";
    this.#nodes.set(name, nodeName);
    const plan = {
      nodeClaim: nc,
      sku,
      nodeName,
      providerID: providerIdFor(name, this.#ctx.options.clusterName),
      index: this.#nodeIndex++,
      now: this.#ctx.nowIso(),
      kubeletPort: this.#ctx.kubeletPort,
    };
    let node = api.get(R.nodes, undefined, nodeName);
    if (node === undefined) {
      try {
        const status = readyNodeStatus(plan, this.#ctx.options.gpuCapacityDelayMs <= 0);
        node = await api.create(R.nodes, { ...buildNode(plan), status });
        if (node.status === undefined) {
          node = await api.patch(R.nodes, undefined, nodeName, "merge", { status }, { subresource: "status" });
        }
      } catch (error) {
        if (!isReason(error, "AlreadyExists")) throw error;
        node = api.get(R.nodes, undefined, nodeName);
      }
      if (node !== undefined) {
        await ensureNodeLease(this.#ctx.api, node, this.#ctx.now());
        this.#ctx.events.record(node, "Normal", "Starting", "Starting kubelet.", {
          component: "kubelet",
          host: nodeName,
        });
        this.#ctx.events.record(node, "Normal", "NodeReady", `Node ${nodeName} status is now: NodeReady`, {
          component: "kubelet",
          host: nodeName,
        });
        this.#ctx.events.record(
          node,
          "Normal",
          "RegisteredNode",
          `Node ${nodeName} event: Registered Node ${nodeName} in Controller`,
          {
            component: "node-controller",
          },
        );
      }
    }
    if (node !== undefined && conditionStatus(node, "Ready") !== "True") {
      const status = readyNodeStatus(plan, this.#ctx.options.gpuCapacityDelayMs <= 0);
      await api.patch(R.nodes, undefined, nodeName, "merge", { status }, { subresource: "status" });
      this.#ctx.events.record(node, "Normal", "NodeReady", `Node ${nodeName} status is now: NodeReady`, {
        component: "kubelet",
        host: nodeName,
      });
    }
  }

  async #terminate(nc: KubeObject): Promise<HandlerResult> {
    const { api } = this.#ctx;
    const name = nc.metadata.name ?? "";
    const nodeName = str(statusOf(nc).nodeName) ?? this.#nodes.get(name);
    if (nodeName !== undefined) {
      const node = api.get(R.nodes, undefined, nodeName);
      if (node !== undefined) {
        if (node.metadata.deletionTimestamp === undefined) {
          try {
            await api.delete(R.nodes, undefined, nodeName);
          } catch (error) {
            if (!isReason(error, "NotFound")) throw error;
          }
        }
        if (api.get(R.nodes, undefined, nodeName) !== undefined) return { requeueAfterMs: 50 };
      }
    }
    this.#nodes.delete(name);
    this.#firstSeen.delete(nc.metadata.uid ?? name);
    const finalizers = nc.metadata.finalizers ?? [];
    if (finalizers.includes(TERMINATION_FINALIZER)) {
      await api.patch(R.nodeclaims, undefined, name, "merge", {
        metadata: {
          finalizers: finalizers.filter((f) => f !== TERMINATION_FINALIZER),
          resourceVersion: nc.metadata.resourceVersion,
        },
      });
    }
    return undefined;
  }

  async #deleteNodeOf(name: string): Promise<void> {
    const nodeName = this.#nodes.get(name);
    if (nodeName === undefined) return;
    try {
      await this.#ctx.api.delete(R.nodes, undefined, nodeName);
    } catch (error) {
      if (!isReason(error, "NotFound")) throw error;
    }
  }

  async #writeStatus(nc: KubeObject, fields: Obj, conditions: Obj[]): Promise<void> {
    const status = statusOf(nc);
    const merged = mergeConditions(status.conditions, conditions, this.#ctx.nowIso());
    await this.#ctx.api.patch(
      R.nodeclaims,
      undefined,
      nc.metadata.name ?? "",
      "merge",
      { metadata: { resourceVersion: nc.metadata.resourceVersion }, status: { ...asObj(fields), conditions: merged } },
      { subresource: "status" },
    );
  }
}

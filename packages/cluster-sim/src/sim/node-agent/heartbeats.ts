/**
 * The kubelet's heartbeats for every simulated node: the node's Lease in `kube-node-lease` is renewed every
 * `leaseRenewMs` (the kubelet renews every 10 s a Lease of 40 s), and the `lastHeartbeatTime` of the node's
 * conditions is refreshed every `nodeStatusMs`. On a real control plane this keeps the node-lifecycle controller from
 * marking the nodes NotReady and tainting them `node.kubernetes.io/unreachable`.
 */
import type { KubeObject } from "../../store/api.ts";
import type { SimApi } from "../api/types.ts";
import { asObjArray, errorReason, type Obj, statusOf } from "../shared/objects.ts";
import { R } from "../shared/resources.ts";

/** Namespace of the node Leases. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";
/** `leaseDurationSeconds` of a node Lease, as the kubelet writes it. */
export const NODE_LEASE_SECONDS = 40;

/** `MicroTime` as the API writes it: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace("Z", "000Z");
}

/** The Lease a node's kubelet keeps in `kube-node-lease` (owned by the Node, so it goes with it). */
export function nodeLease(node: KubeObject, now: Date): KubeObject {
  const name = node.metadata.name ?? "";
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid ?? "" }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: NODE_LEASE_SECONDS, renewTime: microTime(now) },
  };
}

/** The node's conditions with `lastHeartbeatTime` set to `now` (statuses and transition times unchanged). */
export function heartbeatConditions(node: KubeObject, now: string): Obj[] {
  return asObjArray(statusOf(node).conditions).map((c) => ({ ...c, lastHeartbeatTime: now }));
}

/** Creates the node's Lease unless it exists; false when leases are not served (the node works without one). */
export async function ensureNodeLease(api: SimApi, node: KubeObject, now: Date): Promise<boolean> {
  try {
    await api.create(R.leases, nodeLease(node, now));
    return true;
  } catch (error) {
    return errorReason(error) === "AlreadyExists";
  }
}

/** What {@link NodeHeartbeats} needs. */
export interface HeartbeatOptions {
  api: SimApi;
  now: () => Date;
  nowIso: () => string;
  /** The nodes to keep alive (the simulated ones that are not being deleted). */
  nodes: () => KubeObject[];
  leaseRenewMs: number;
  nodeStatusMs: number;
  onError: (error: unknown, where: string) => void;
}

/** Timers renewing Leases and node status heartbeats; {@link stop} ends them. */
export class NodeHeartbeats {
  readonly #o: HeartbeatOptions;
  readonly #timers: NodeJS.Timeout[] = [];
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
  }

  /** Starts both timers (an interval of 0 turns that heartbeat off). */
  start(): void {
    const every = (ms: number, beat: () => Promise<void>) => {
      if (ms <= 0) return;
      const timer = setInterval(() => {
        if (this.#stopped || this.#running !== undefined) return;
        this.#running = beat().finally(() => {
          this.#running = undefined;
        });
      }, ms);
      timer.unref?.();
      this.#timers.push(timer);
    };
    every(this.#o.leaseRenewMs, () => this.renewLeases());
    every(this.#o.nodeStatusMs, () => this.postNodeStatus());
  }

  /** Renews (or recreates) the Lease of every node once. */
  async renewLeases(): Promise<void> {
    const { api, now, onError } = this.#o;
    for (const node of this.#o.nodes()) {
      if (this.#stopped) return;
      const name = node.metadata.name ?? "";
      try {
        await api.patch(R.leases, NODE_LEASE_NAMESPACE, name, "merge", {
          spec: { holderIdentity: name, leaseDurationSeconds: NODE_LEASE_SECONDS, renewTime: microTime(now()) },
        });
      } catch (error) {
        const reason = errorReason(error);
        if (reason === "NotFound") await ensureNodeLease(api, node, now());
        else onError(error, `node heartbeat: renewing Lease ${NODE_LEASE_NAMESPACE}/${name}`);
      }
    }
  }

  /** Refreshes the `lastHeartbeatTime` of every node's conditions once. */
  async postNodeStatus(): Promise<void> {
    const { api, nowIso, onError } = this.#o;
    for (const node of this.#o.nodes()) {
      if (this.#stopped) return;
      const name = node.metadata.name ?? "";
      const conditions = heartbeatConditions(node, nowIso());
      if (conditions.length === 0) continue;
      try {
        await api.patch(
          R.nodes,
          undefined,
          name,
          "merge",
          { metadata: { resourceVersion: node.metadata.resourceVersion }, status: { conditions } },
          { subresource: "status" },
        );
      } catch (error) {
        // A conflict means someone else just wrote the node: the next beat uses the newer object.
        const reason = errorReason(error);
        if (reason !== "Conflict" && reason !== "NotFound") onError(error, `node heartbeat: status of Node ${name}`);
      }
    }
  }

  /** Stops the timers and waits for a beat in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers.length = 0;
    await this.#running;
  }
}

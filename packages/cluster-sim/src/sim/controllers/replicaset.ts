/** ReplicaSet controller: keeps `spec.replicas` active pods and reports replicas/ready/available. */
import type { KubeObject } from "../../store/api.ts";
import type { SimContext } from "../shared/context.ts";
import {
  isPodReady,
  isPodTerminal,
  isReason,
  jsonEqual,
  num,
  type Obj,
  specOf,
  statusOf,
  str,
} from "../shared/objects.ts";
import type { HandlerResult } from "../shared/queue.ts";
import { R } from "../shared/resources.ts";
import { listControlled, podFromTemplate } from "../shared/templates.ts";

/** True for pods that count toward a controller's replicas (not finished, not being deleted). */
export function isActivePod(pod: KubeObject): boolean {
  return !isPodTerminal(pod) && pod.metadata.deletionTimestamp === undefined;
}

/** Which active pods to delete first when scaling down: unscheduled, then not ready, then newest. */
export function scaleDownOrder(pods: readonly KubeObject[]): KubeObject[] {
  const rank = (p: KubeObject) => (str(specOf(p).nodeName) === undefined ? 0 : isPodReady(p) ? 2 : 1);
  return [...pods].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "") ||
      (b.metadata.name ?? "").localeCompare(a.metadata.name ?? ""),
  );
}

/** Reconciles ReplicaSets by `ns/name`. */
export class ReplicaSetController {
  readonly #ctx: SimContext;
  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  async handle(key: string): Promise<HandlerResult> {
    const [namespace, name] = key.split("/") as [string, string];
    const { api, events } = this.#ctx;
    const rs = api.get(R.replicasets, namespace, name);
    if (rs === undefined || rs.metadata.deletionTimestamp !== undefined) return undefined;
    const spec = specOf(rs);
    const replicas = num(spec.replicas) ?? 1;
    const pods = listControlled(api, R.pods, rs);
    const active = pods.filter(isActivePod);
    const diff = replicas - active.length;
    if (diff > 0) {
      for (let i = 0; i < diff; i++) {
        const pod = await api.create(
          R.pods,
          podFromTemplate(spec.template, rs, { namespace, generateName: `${name}-` }),
        );
        active.push(pod);
        events.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`, {
          component: "replicaset-controller",
        });
      }
    } else if (diff < 0) {
      for (const pod of scaleDownOrder(active).slice(0, -diff)) {
        try {
          await api.delete(R.pods, namespace, pod.metadata.name ?? "");
        } catch (error) {
          if (!isReason(error, "NotFound")) throw error;
        }
        events.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`, {
          component: "replicaset-controller",
        });
      }
    }
    const current = diff < 0 ? scaleDownOrder(active).slice(-diff) : active;
    const ready = current.filter(isPodReady).length;
    const status: Obj = {
      replicas: current.length,
      fullyLabeledReplicas: current.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    const old = statusOf(rs);
    if (!Object.entries(status).every(([k, v]) => jsonEqual(v, old[k]))) {
      await api.patch(R.replicasets, namespace, name, "merge", { status }, { subresource: "status" });
    }
    return undefined;
  }
}

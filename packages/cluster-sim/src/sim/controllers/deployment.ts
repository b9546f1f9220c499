/**
 * Deployment controller: one ReplicaSet per pod template (`pod-template-hash`), rolling updates within
 * maxSurge/maxUnavailable (or Recreate), revision annotations, status and the Available/Progressing conditions.
 */
import type { KubeObject } from "../../store/api.ts";
import type { SimContext } from "../shared/context.ts";
import { templateHash } from "../shared/hash.ts";
import {
  asObj,
  asStringRecord,
  clone,
  controllerRef,
  jsonEqual,
  mergeConditions,
  num,
  type Obj,
  specOf,
  statusOf,
} from "../shared/objects.ts";
import type { HandlerResult } from "../shared/queue.ts";
import { R } from "../shared/resources.ts";
import { listControlled } from "../shared/templates.ts";

const HASH_LABEL = "pod-template-hash";
const REVISION = "deployment.kubernetes.io/revision";

/** Resolves an int-or-percent against `total` (percent rounded up or down). */
export function intOrPercent(value: unknown, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (m === null) return Number.parseInt(String(v), 10) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** The template of a Deployment without the hash label, as hashed. */
function hashOf(deployment: KubeObject): string {
  return templateHash(specOf(deployment).template);
}

function replicasOf(o: KubeObject): number {
  return num(specOf(o).replicas) ?? 0;
}

/** Reconciles Deployments by `ns/name`. */
export class DeploymentController {
  readonly #ctx: SimContext;
  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  async handle(key: string): Promise<HandlerResult> {
    const [namespace, name] = key.split("/") as [string, string];
    const { api } = this.#ctx;
    const d = api.get(R.deployments, namespace, name);
    if (d === undefined || d.metadata.deletionTimestamp !== undefined) return undefined;
    const spec = specOf(d);
    const replicas = num(spec.replicas) ?? 1;
    const hash = hashOf(d);
    const all = listControlled(api, R.replicasets, d);
    let newRS = all.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const old = all.filter((rs) => rs !== newRS);
    const maxRevision = Math.max(0, ...all.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
    let created = false;
    if (newRS === undefined) {
      newRS = await this.#createReplicaSet(d, hash, maxRevision + 1, old.length === 0 ? replicas : 0);
      created = true;
    } else if (Number(newRS.metadata.annotations?.[REVISION] ?? 0) < maxRevision) {
      newRS = await api.patch(R.replicasets, namespace, newRS.metadata.name ?? "", "merge", {
        metadata: { annotations: { [REVISION]: String(maxRevision + 1) } },
      });
    }
    const revision = newRS.metadata.annotations?.[REVISION] ?? "1";
    if (d.metadata.annotations?.[REVISION] !== revision) {
      await api.patch(R.deployments, namespace, name, "merge", { metadata: { annotations: { [REVISION]: revision } } });
    }
    if (spec.paused !== true) await this.#scale(d, newRS, old, replicas);
    await this.#writeStatus(d, newRS, listControlled(api, R.replicasets, d), replicas, created);
    return undefined;
  }

  async #createReplicaSet(d: KubeObject, hash: string, revision: number, replicas: number): Promise<KubeObject> {
    const spec = specOf(d);
    const template = clone(asObj(spec.template));
    const tmeta = asObj(template.metadata);
    tmeta.labels = { ...asStringRecord(tmeta.labels), [HASH_LABEL]: hash };
    template.metadata = tmeta;
    const selector = clone(asObj(spec.selector));
    selector.matchLabels = { ...asStringRecord(selector.matchLabels), [HASH_LABEL]: hash };
    const name = `${d.metadata.name}-${hash}`;
    const rs = await this.#ctx.api.create(R.replicasets, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        ...(d.metadata.namespace === undefined ? {} : { namespace: d.metadata.namespace }),
        labels: { ...asStringRecord(tmeta.labels) },
        annotations: {
          [REVISION]: String(revision),
          "deployment.kubernetes.io/desired-replicas": String(num(spec.replicas) ?? 1),
          "deployment.kubernetes.io/max-replicas": String(num(spec.replicas) ?? 1),
        },
        ownerReferences: [controllerRef(d)],
      },
      spec: { replicas, minReadySeconds: num(spec.minReadySeconds) ?? 0, selector, template },
    });
    if (replicas > 0) this.#scaledEvent(d, name, 0, replicas);
    return rs;
  }

  #scaledEvent(d: KubeObject, rs: string, from: number, to: number): void {
    this.#ctx.events.record(
      d,
      "Normal",
      "ScalingReplicaSet",
      `Scaled ${to > from ? "up" : "down"} replica set ${rs} from ${from} to ${to}`,
      { component: "deployment-controller" },
    );
  }

  async #setReplicas(d: KubeObject, rs: KubeObject, to: number): Promise<void> {
    const from = replicasOf(rs);
    if (from === to) return;
    await this.#ctx.api.patch(R.replicasets, rs.metadata.namespace, rs.metadata.name ?? "", "merge", {
      spec: { replicas: to },
      metadata: { annotations: { "deployment.kubernetes.io/desired-replicas": String(num(specOf(d).replicas) ?? 1) } },
    });
    this.#scaledEvent(d, rs.metadata.name ?? "", from, to);
  }

  async #scale(d: KubeObject, newRS: KubeObject, old: KubeObject[], replicas: number): Promise<void> {
    const strategy = asObj(specOf(d).strategy);
    if (strategy.type === "Recreate") {
      for (const rs of old) await this.#setReplicas(d, rs, 0);
      const oldPods = old.reduce((n, rs) => n + (num(statusOf(rs).replicas) ?? 0), 0);
      if (oldPods === 0) await this.#setReplicas(d, newRS, replicas);
      return;
    }
    const rolling = asObj(strategy.rollingUpdate);
    const maxSurge = intOrPercent(rolling.maxSurge, replicas, true, "25%");
    let maxUnavailable = intOrPercent(rolling.maxUnavailable, replicas, false, "25%");
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const total = replicasOf(newRS) + old.reduce((n, rs) => n + replicasOf(rs), 0);
    // Scale up the new ReplicaSet within the surge budget.
    const room = replicas + maxSurge - total;
    let newReplicas = replicasOf(newRS);
    if (newReplicas > replicas) newReplicas = replicas;
    else if (room > 0) newReplicas = Math.min(replicas, newReplicas + room);
    if (old.every((rs) => replicasOf(rs) === 0)) newReplicas = replicas;
    await this.#setReplicas(d, newRS, newReplicas);
    // Scale down old ReplicaSets while keeping the minimum available.
    const minAvailable = replicas - maxUnavailable;
    const newUnavailable = Math.max(0, newReplicas - (num(statusOf(newRS).availableReplicas) ?? 0));
    const allPods = newReplicas + old.reduce((n, rs) => n + replicasOf(rs), 0);
    let budget = allPods - minAvailable - newUnavailable;
    // Unavailable old pods can always go.
    const sorted = [...old].sort((a, b) =>
      (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
    );
    for (const rs of sorted) {
      const unavailable = Math.max(0, replicasOf(rs) - (num(statusOf(rs).availableReplicas) ?? 0));
      if (unavailable > 0) await this.#setReplicas(d, rs, replicasOf(rs) - unavailable);
      const cur = replicasOf(rs) - unavailable;
      const cut = Math.min(cur, Math.max(0, budget));
      if (cut > 0) {
        await this.#setReplicas(d, rs, cur - cut);
        budget -= cut;
      }
    }
  }

  async #writeStatus(
    d: KubeObject,
    newRS: KubeObject,
    all: KubeObject[],
    replicas: number,
    created: boolean,
  ): Promise<void> {
    const sum = (field: string) => all.reduce((n, rs) => n + (num(statusOf(rs)[field]) ?? 0), 0);
    const fresh = all.find((rs) => rs.metadata.uid === newRS.metadata.uid) ?? newRS;
    const available = sum("availableReplicas");
    const totalReplicas = sum("replicas");
    const updated = num(statusOf(fresh).replicas) ?? 0;
    const strategy = asObj(specOf(d).strategy);
    const maxUnavailable =
      strategy.type === "Recreate"
        ? 0
        : intOrPercent(asObj(strategy.rollingUpdate).maxUnavailable, replicas, false, "25%");
    const now = this.#ctx.nowIso();
    const rsName = fresh.metadata.name ?? "";
    const complete =
      updated === replicas && totalReplicas === replicas && (num(statusOf(fresh).availableReplicas) ?? 0) === replicas;
    const availableOk = available >= replicas - maxUnavailable;
    const conditions = mergeConditions(
      statusOf(d).conditions,
      [
        {
          type: "Available",
          status: availableOk ? "True" : "False",
          reason: availableOk ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          message: availableOk
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
          lastUpdateTime: now,
        },
        {
          type: "Progressing",
          status: "True",
          reason: complete ? "NewReplicaSetAvailable" : created ? "NewReplicaSetCreated" : "ReplicaSetUpdated",
          message: complete
            ? `ReplicaSet "${rsName}" has successfully progressed.`
            : created
              ? `Created new replica set "${rsName}"`
              : `ReplicaSet "${rsName}" is progressing.`,
          lastUpdateTime: now,
        },
      ],
      now,
    );
    const status: Obj = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: totalReplicas,
      updatedReplicas: updated,
      readyReplicas: sum("readyReplicas"),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available),
      conditions,
    };
    const old = statusOf(d);
    const same = Object.entries(status).every(([k, v]) =>
      k === "conditions" ? conditionsEqual(v, old[k]) : jsonEqual(v, old[k]),
    );
    if (!same) {
      await this.#ctx.api.patch(
        R.deployments,
        d.metadata.namespace,
        d.metadata.name ?? "",
        "merge",
        { status },
        {
          subresource: "status",
        },
      );
    }
  }
}

function conditionsEqual(a: unknown, b: unknown): boolean {
  const strip = (v: unknown) =>
    (Array.isArray(v) ? v : []).map((c) => {
      const { lastUpdateTime: _u, lastTransitionTime: _t, ...rest } = asObj(c);
      return rest;
    });
  return jsonEqual(strip(a), strip(b));
}

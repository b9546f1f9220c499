/**
 * StatefulSet controller: ControllerRevisions per pod template, pods `<name>-<i>` with the StatefulSet labels,
 * OrderedReady/Parallel management, rolling updates, and the status the real controller reports.
 */
import type { KubeObject } from "../../store/api.ts";
import type { SimContext } from "../shared/context.ts";
import { templateHash } from "../shared/hash.ts";
import {
  asObj,
  asObjArray,
  asStringRecord,
  clone,
  controllerRef,
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
import { planStatefulSet, type StsPodView, statefulSetCounts } from "./statefulset-plan.ts";
import { listControlled, ordinalOf, podFromTemplate } from "../shared/templates.ts";

/** Label of a pod's (and ControllerRevision's) revision. */
export const REVISION_LABEL = "controller-revision-hash";

/** The ControllerRevision data of a template, as the StatefulSet controller stores it. */
export function revisionData(template: unknown): Obj {
  return { spec: { template: { ...asObj(clone(template)), $patch: "replace" } } };
}

/** Reconciles StatefulSets by `ns/name`. */
export class StatefulSetController {
  readonly #ctx: SimContext;
  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  async handle(key: string): Promise<HandlerResult> {
    const [namespace, name] = key.split("/") as [string, string];
    const { api, events } = this.#ctx;
    const sts = api.get(R.statefulsets, namespace, name);
    if (sts === undefined || sts.metadata.deletionTimestamp !== undefined) return undefined;
    const spec = specOf(sts);
    const replicas = num(spec.replicas) ?? 1;
    const collisionCount = num(statusOf(sts).collisionCount) ?? 0;
    const data = revisionData(spec.template);
    const hash = templateHash(data, collisionCount);
    const updateRevision = `${name}-${hash}`;
    let revisions = listControlled(api, R.controllerrevisions, sts);
    const maxRevision = Math.max(0, ...revisions.map((r) => num(r.revision) ?? 0));
    const existing = revisions.find((r) => r.metadata.name === updateRevision);
    if (existing === undefined) {
      const tmeta = asObj(asObj(spec.template).metadata);
      await api.create(R.controllerrevisions, {
        apiVersion: "apps/v1",
        kind: "ControllerRevision",
        metadata: {
          name: updateRevision,
          namespace,
          labels: { ...asStringRecord(tmeta.labels), "controller.kubernetes.io/hash": hash },
          ownerReferences: [controllerRef(sts)],
        },
        data,
        revision: maxRevision + 1,
      });
      revisions = listControlled(api, R.controllerrevisions, sts);
    } else if ((num(existing.revision) ?? 0) < maxRevision) {
      await api.update(R.controllerrevisions, { ...existing, revision: maxRevision + 1 });
    }
    const storedCurrent = str(statusOf(sts).currentRevision);
    const currentRevision =
      storedCurrent !== undefined && revisions.some((r) => r.metadata.name === storedCurrent)
        ? storedCurrent
        : updateRevision;

    const pods = listControlled(api, R.pods, sts);
    const views: StsPodView[] = [];
    for (const p of pods) {
      const ordinal = ordinalOf(name, p.metadata.name ?? "");
      if (ordinal < 0) continue;
      views.push({
        ordinal,
        name: p.metadata.name ?? "",
        revision: p.metadata.labels?.[REVISION_LABEL] ?? "",
        ready: statusOf(p).phase === "Running" && isPodReady(p),
        terminating: p.metadata.deletionTimestamp !== undefined,
        finished: isPodTerminal(p),
      });
    }
    const strategy = asObj(spec.updateStrategy);
    const plan = planStatefulSet({
      setName: name,
      replicas,
      podManagementPolicy: spec.podManagementPolicy === "Parallel" ? "Parallel" : "OrderedReady",
      updateStrategy: strategy.type === "OnDelete" ? "OnDelete" : "RollingUpdate",
      partition: num(asObj(strategy.rollingUpdate).partition) ?? 0,
      currentRevision,
      updateRevision,
      pods: views,
    });
    for (const c of plan.create) {
      const revision = revisions.find((r) => r.metadata.name === c.revision);
      const template = asObj(asObj(asObj(revision?.data).spec).template);
      const { $patch: _ignored, ...tmpl } = Object.keys(template).length > 0 ? template : asObj(spec.template);
      const pod = podFromTemplate(tmpl, sts, {
        namespace,
        name: c.name,
        labels: {
          [REVISION_LABEL]: c.revision,
          "statefulset.kubernetes.io/pod-name": c.name,
          "apps.kubernetes.io/pod-index": String(c.ordinal),
        },
      });
      const podSpec = asObj(pod.spec);
      podSpec.hostname = c.name;
      if (str(spec.serviceName)) podSpec.subdomain = str(spec.serviceName);
      const claims = asObjArray(spec.volumeClaimTemplates);
      if (claims.length > 0) {
        const volumes = asObjArray(podSpec.volumes);
        for (const claim of claims) {
          const claimName = str(asObj(claim.metadata).name) ?? "";
          if (volumes.some((v) => v.name === claimName)) continue;
          volumes.push({ name: claimName, persistentVolumeClaim: { claimName: `${claimName}-${c.name}` } });
        }
        podSpec.volumes = volumes;
      }
      try {
        await api.create(R.pods, pod);
        events.record(sts, "Normal", "SuccessfulCreate", `create Pod ${c.name} in StatefulSet ${name} successful`, {
          component: "statefulset-controller",
        });
      } catch (error) {
        if (!isReason(error, "AlreadyExists")) throw error;
      }
    }
    for (const podName of plan.delete) {
      try {
        await api.delete(R.pods, namespace, podName);
        events.record(sts, "Normal", "SuccessfulDelete", `delete Pod ${podName} in StatefulSet ${name} successful`, {
          component: "statefulset-controller",
        });
      } catch (error) {
        if (!isReason(error, "NotFound")) throw error;
      }
    }
    await this.#writeStatus(sts, views, replicas, currentRevision, updateRevision, strategy.type !== "OnDelete");
    await this.#prune(sts, revisions, views, currentRevision, updateRevision);
    return undefined;
  }

  async #writeStatus(
    sts: KubeObject,
    views: StsPodView[],
    replicas: number,
    currentRevision: string,
    updateRevision: string,
    rolling: boolean,
  ): Promise<void> {
    const counts = statefulSetCounts(views, currentRevision, updateRevision);
    let current = currentRevision;
    let currentReplicas = counts.currentReplicas;
    if (
      rolling &&
      counts.updatedReplicas === replicas &&
      counts.readyReplicas === replicas &&
      counts.replicas === replicas
    ) {
      current = updateRevision;
      currentReplicas = counts.updatedReplicas;
    }
    const status: Obj = {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: counts.replicas,
      readyReplicas: counts.readyReplicas,
      availableReplicas: counts.readyReplicas,
      currentReplicas,
      updatedReplicas: counts.updatedReplicas,
      currentRevision: current,
      updateRevision,
      collisionCount: num(statusOf(sts).collisionCount) ?? 0,
    };
    const old = statusOf(sts);
    if (Object.entries(status).every(([k, v]) => jsonEqual(v, old[k]))) return;
    await this.#ctx.api.patch(
      R.statefulsets,
      sts.metadata.namespace,
      sts.metadata.name ?? "",
      "merge",
      { status },
      {
        subresource: "status",
      },
    );
  }

  async #prune(
    sts: KubeObject,
    revisions: KubeObject[],
    views: StsPodView[],
    current: string,
    update: string,
  ): Promise<void> {
    const limit = num(specOf(sts).revisionHistoryLimit) ?? 10;
    const live = new Set([current, update, ...views.map((v) => v.revision)]);
    const removable = revisions
      .filter((r) => !live.has(r.metadata.name ?? ""))
      .sort((a, b) => (num(a.revision) ?? 0) - (num(b.revision) ?? 0));
    for (const r of removable.slice(0, Math.max(0, removable.length - limit))) {
      try {
        await this.#ctx.api.delete(R.controllerrevisions, r.metadata.namespace, r.metadata.name ?? "");
      } catch (error) {
        if (!isReason(error, "NotFound")) throw error;
      }
    }
  }
}

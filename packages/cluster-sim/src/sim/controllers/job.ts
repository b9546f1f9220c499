/** Job controller: runs {@link planJob} against the Job's pods and writes the result through the store. */
import type { KubeObject } from "../../store/api.ts";
import type { SimContext } from "../shared/context.ts";
import { type JobPodView, planJob } from "./job-plan.ts";
import {
  asObj,
  asObjArray,
  isPodReady,
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

/** Reconciles Jobs by `ns/name`. */
export class JobController {
  readonly #ctx: SimContext;
  /** Job uid → pod uids already counted, and when the last failure was seen. */
  readonly #tracking = new Map<string, { counted: Set<string>; lastFailureAt: number | undefined }>();

  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  async handle(key: string): Promise<HandlerResult> {
    const [namespace, name] = key.split("/") as [string, string];
    const { api, events } = this.#ctx;
    const job = api.get(R.jobs, namespace, name);
    if (job === undefined) {
      const live = new Set(api.list(R.jobs).map((j) => j.metadata.uid));
      for (const [uid] of this.#tracking) if (!live.has(uid)) this.#tracking.delete(uid);
      return undefined;
    }
    if (job.metadata.deletionTimestamp !== undefined) return undefined;
    const uid = job.metadata.uid ?? "";
    const tracking = this.#tracking.get(uid) ?? { counted: new Set<string>(), lastFailureAt: undefined };
    this.#tracking.set(uid, tracking);
    const spec = specOf(job);
    const template = asObj(spec.template);
    const pods = listControlled(api, R.pods, job);
    const views: JobPodView[] = pods.map((p) => ({
      name: p.metadata.name ?? "",
      uid: p.metadata.uid ?? "",
      phase: str(statusOf(p).phase) ?? "Pending",
      ready: isPodReady(p),
      terminating: p.metadata.deletionTimestamp !== undefined,
      restarts: asObjArray(statusOf(p).containerStatuses).reduce((n, c) => n + (num(c.restartCount) ?? 0), 0),
    }));
    const plan = planJob({
      spec: {
        parallelism: num(spec.parallelism),
        completions: num(spec.completions),
        backoffLimit: num(spec.backoffLimit),
        activeDeadlineSeconds: num(spec.activeDeadlineSeconds),
        suspend: spec.suspend === true,
        restartPolicy: str(asObj(template.spec).restartPolicy),
      },
      status: statusOf(job),
      pods: views,
      counted: tracking.counted,
      now: this.#ctx.now(),
      backoffMs: this.#ctx.options.backoffMs,
      maxBackoffMs: this.#ctx.options.maxBackoffMs,
      lastFailureAt: tracking.lastFailureAt,
    });
    for (const podUid of plan.newlyCounted) {
      tracking.counted.add(podUid);
      if (views.find((v) => v.uid === podUid)?.phase === "Failed") tracking.lastFailureAt = Date.now();
    }
    for (let i = 0; i < plan.create; i++) {
      const pod = await api.create(
        R.pods,
        podFromTemplate(template, job, { namespace, generateName: `${name}-`, labels: jobPodLabels(job) }),
      );
      events.record(job, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`, {
        component: "job-controller",
      });
    }
    for (const podName of plan.delete) {
      try {
        await api.delete(R.pods, namespace, podName);
        events.record(job, "Normal", "SuccessfulDelete", `Deleted pod: ${podName}`, { component: "job-controller" });
      } catch (error) {
        if (!isReason(error, "NotFound")) throw error;
      }
    }
    await this.#writeStatus(job, plan.status);
    if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs };
    return undefined;
  }

  async #writeStatus(job: KubeObject, status: Obj): Promise<void> {
    const old = statusOf(job);
    const wasFinished = asObjArray(old.conditions).some(
      (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    );
    if (Object.entries(status).every(([k, v]) => jsonEqual(v, old[k]))) return;
    await this.#ctx.api.patch(
      R.jobs,
      job.metadata.namespace,
      job.metadata.name ?? "",
      "merge",
      { status },
      {
        subresource: "status",
      },
    );
    const done = asObjArray(status.conditions).find(
      (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    );
    if (done !== undefined && !wasFinished) {
      if (done.type === "Complete") {
        this.#ctx.events.record(job, "Normal", "Completed", "Job completed", { component: "job-controller" });
      } else {
        this.#ctx.events.record(job, "Warning", String(done.reason), String(done.message), {
          component: "job-controller",
        });
      }
    }
  }
}

/** The labels the Job controller (through API defaulting) puts on a Job's pods. */
export function jobPodLabels(job: KubeObject): Record<string, string> {
  const uid = job.metadata.uid ?? "";
  const name = job.metadata.name ?? "";
  return {
    "batch.kubernetes.io/controller-uid": uid,
    "batch.kubernetes.io/job-name": name,
    "controller-uid": uid,
    "job-name": name,
  };
}

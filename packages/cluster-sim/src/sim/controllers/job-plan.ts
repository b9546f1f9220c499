/**
 * Pure Job decisions (NonIndexed completion mode), as Kubernetes 1.32 computes them: counts, how many pods to
 * create or remove, back-off after failures, and the terminal conditions — `FailureTarget`/`SuccessCriteriaMet`
 * first, then `Failed`/`Complete` once no pod is active.
 */
import type { Obj } from "../shared/objects.ts";

/** A Job pod as the planner sees it. */
export interface JobPodView {
  name: string;
  uid: string;
  phase: string;
  ready: boolean;
  terminating: boolean;
  /** Sum of container restarts (counts as failures for `restartPolicy: OnFailure`). */
  restarts: number;
}

/** The inputs of {@link planJob}. */
export interface JobPlanInput {
  spec: {
    parallelism?: number | undefined;
    completions?: number | undefined;
    backoffLimit?: number | undefined;
    activeDeadlineSeconds?: number | undefined;
    suspend?: boolean | undefined;
    restartPolicy?: string | undefined;
  };
  /** The Job's current status. */
  status: Obj;
  pods: readonly JobPodView[];
  /** uids of finished pods already included in `status.succeeded`/`status.failed`. */
  counted: ReadonlySet<string>;
  now: Date;
  /** First back-off before replacing a failed pod (doubles per failure). */
  backoffMs: number;
  maxBackoffMs: number;
  /** When the last pod failure was seen (ms since epoch), for the back-off. */
  lastFailureAt: number | undefined;
}

/** What to do. */
export interface JobPlan {
  status: Obj;
  create: number;
  delete: string[];
  /** uids newly counted into succeeded/failed. */
  newlyCounted: string[];
  requeueAfterMs?: number;
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function cond(type: string, reason: string, message: string, now: string): Obj {
  return { type, status: "True", reason, message, lastProbeTime: now, lastTransitionTime: now };
}

/** Decides one Job reconcile. */
export function planJob(input: JobPlanInput): JobPlan {
  const { spec, status, pods, counted } = input;
  const now = iso(input.now);
  const parallelism = Math.max(0, spec.parallelism ?? 1);
  const completions = spec.completions === undefined ? undefined : Math.max(0, spec.completions);
  const backoffLimit = Math.max(0, spec.backoffLimit ?? 6);
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as Obj[];
  const has = (type: string) => conditions.some((c) => c.type === type && c.status === "True");
  const newlyCounted: string[] = [];
  let succeeded = typeof status.succeeded === "number" ? status.succeeded : 0;
  let failed = typeof status.failed === "number" ? status.failed : 0;
  for (const p of pods) {
    if (counted.has(p.uid)) continue;
    if (p.phase === "Succeeded") {
      succeeded++;
      newlyCounted.push(p.uid);
    } else if (p.phase === "Failed") {
      failed++;
      newlyCounted.push(p.uid);
    }
  }
  const active = pods.filter((p) => p.phase !== "Succeeded" && p.phase !== "Failed" && !p.terminating);
  const terminating = pods.filter((p) => p.terminating && p.phase !== "Succeeded" && p.phase !== "Failed").length;
  const restarts = spec.restartPolicy === "OnFailure" ? active.reduce((n, p) => n + p.restarts, 0) : 0;
  const next: Obj = {
    ...status,
    active: active.length,
    ready: active.filter((p) => p.ready).length,
    succeeded,
    failed,
    terminating,
    uncountedTerminatedPods: {},
  };
  if (next.startTime === undefined && spec.suspend !== true) next.startTime = now;
  const plan: JobPlan = { status: next, create: 0, delete: [], newlyCounted };
  const conds = [...conditions];
  const finished = has("Complete") || has("Failed");
  if (finished) {
    plan.delete = active.map((p) => p.name);
    return plan;
  }
  // Failure: backoff limit or deadline.
  let failureTarget = conditions.find((c) => c.type === "FailureTarget" && c.status === "True");
  let successTarget = conditions.find((c) => c.type === "SuccessCriteriaMet" && c.status === "True");
  if (failureTarget === undefined && successTarget === undefined) {
    const startMs = typeof next.startTime === "string" ? Date.parse(next.startTime) : input.now.getTime();
    if (failed + restarts > backoffLimit) {
      failureTarget = cond("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
    } else if (
      spec.activeDeadlineSeconds !== undefined &&
      input.now.getTime() - startMs >= spec.activeDeadlineSeconds * 1000
    ) {
      failureTarget = cond("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline", now);
    } else if (
      (completions !== undefined && succeeded >= completions) ||
      (completions === undefined && succeeded > 0 && active.length === 0)
    ) {
      successTarget = cond(
        "SuccessCriteriaMet",
        "CompletionsReached",
        "Reached expected number of succeeded pods",
        now,
      );
    }
    if (failureTarget !== undefined) conds.push(failureTarget);
    if (successTarget !== undefined) conds.push(successTarget);
  }
  if (failureTarget !== undefined || successTarget !== undefined) {
    plan.delete = active.map((p) => p.name);
    if (active.length === 0 && terminating === 0) {
      if (failureTarget !== undefined) {
        conds.push(cond("Failed", String(failureTarget.reason), String(failureTarget.message), now));
      } else if (successTarget !== undefined) {
        conds.push(cond("Complete", String(successTarget.reason), String(successTarget.message), now));
        next.completionTime = now;
      }
    }
    next.conditions = conds;
    return plan;
  }
  if (conds.length > 0) next.conditions = conds;
  // Keep the wanted number of pods active.
  let want = spec.suspend === true ? 0 : parallelism;
  if (completions !== undefined) want = Math.min(want, Math.max(0, completions - succeeded));
  else if (succeeded > 0) want = Math.min(want, active.length);
  if (active.length > want) {
    plan.delete = active.slice(want).map((p) => p.name);
  } else if (active.length < want) {
    if (failed > 0 && input.lastFailureAt !== undefined) {
      const delay = Math.min(input.backoffMs * 2 ** (failed - 1), input.maxBackoffMs);
      const wait = input.lastFailureAt + delay - input.now.getTime();
      if (wait > 0) {
        plan.requeueAfterMs = wait;
        return plan;
      }
    }
    plan.create = want - active.length;
  }
  return plan;
}

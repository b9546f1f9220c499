/**
 * `status.state` derivation, as Kaito's controller computes it (compat §1.4).
 */
import { ConditionReason, ConditionType, WorkspaceState } from "../constants/index.ts";
import type { Condition } from "../schema/common.ts";
import { getCondition, isConditionTrue } from "./conditions.ts";

/** What the state derivation reads from a Workspace. */
export interface StateInput {
  readonly tuning?: unknown;
  readonly inference?: unknown;
  readonly status?:
    | { readonly state?: string | undefined; readonly conditions?: readonly Condition[] | undefined }
    | undefined;
}

/** The tuning Job as observed, when the caller has it (otherwise the conditions are read). */
export interface ObservedTuningJob {
  readonly failed?: boolean;
  readonly succeeded?: boolean;
  readonly started?: boolean;
}

/**
 * Derive `status.state`.
 * - Tuning: `Failed` when the job failed, else `Succeeded` when it succeeded, else `Running` when it started, else
 *   `Pending`. Without an observed job, failure is JobStarted/WorkspaceSucceeded with a failed reason, success is
 *   `WorkspaceSucceeded=True`, started is `JobStarted=True`.
 * - Inference: `Ready` when InferenceReady and WorkspaceSucceeded are True; a benchmark failure gives `NotReady`;
 *   otherwise `NotReady` when the state was already `Ready`/`NotReady`, else `Pending`.
 */
export function deriveWorkspaceState(ws: StateInput, job?: ObservedTuningJob): WorkspaceState {
  const conditions = ws.status?.conditions;
  if (ws.tuning !== undefined && ws.tuning !== null) {
    const jobStarted = getCondition(conditions, ConditionType.JobStarted);
    const succeeded = getCondition(conditions, ConditionType.WorkspaceSucceeded);
    const failed =
      job?.failed ??
      (jobStarted?.reason === ConditionReason.TuningJobStatusFailed ||
        (succeeded?.status === "False" && succeeded.reason === ConditionReason.WorkspaceFailed));
    if (failed) return WorkspaceState.Failed;
    if (job?.succeeded ?? succeeded?.status === "True") return WorkspaceState.Succeeded;
    if (job?.started ?? jobStarted?.status === "True") return WorkspaceState.Running;
    return WorkspaceState.Pending;
  }
  if (
    isConditionTrue(conditions, ConditionType.InferenceReady) &&
    isConditionTrue(conditions, ConditionType.WorkspaceSucceeded)
  ) {
    return WorkspaceState.Ready;
  }
  const succeeded = getCondition(conditions, ConditionType.WorkspaceSucceeded);
  const benchmark = getCondition(conditions, ConditionType.BenchmarkCompleted);
  if (
    succeeded?.reason === ConditionReason.BenchmarkFailed ||
    (benchmark?.status === "False" && benchmark.reason === ConditionReason.BenchmarkFailed)
  ) {
    return WorkspaceState.NotReady;
  }
  const prev = ws.status?.state;
  if (prev === WorkspaceState.Ready || prev === WorkspaceState.NotReady) return WorkspaceState.NotReady;
  return WorkspaceState.Pending;
}

/**
 * The condition updates of each step (compat §1.4) as pure functions of what the pass observed, with Kaito's types,
 * reasons and (where it has them) messages; and the reasons kaito-ts gives to Workspaces that cannot be served.
 */
import {
  ConditionReason,
  ConditionType,
  type ConditionUpdate,
  WORKSPACE_SUCCEEDED_MESSAGE,
} from "@kaito-ts/workspace-types";
import type { ReadinessReport } from "@kaito-ts/node-provisioner";
import { isReconcilerError, type ReconcilerErrorCode } from "../errors.ts";
import type { PodFailure } from "./pod-failures.ts";
import {
  TUNING_PROGRESS_CONDITION,
  type TuningProgress,
  TuningProgressReason,
  progressMessage,
} from "./tuning-progress.ts";
import type { JobFacts } from "./workload.ts";

const T = "True" as const;
const F = "False" as const;

/** Kaito's message of `InferenceReady=True`. */
export const INFERENCE_READY_MESSAGE = "Inference has been deployed successfully";

/** `NodeClaimReady`, `NodesReady` and `ResourceReady` from the provisioner's readiness report. */
export function resourceConditions(report: ReadinessReport): ConditionUpdate[] {
  const out: ConditionUpdate[] = [];
  if (report.nodeClaims !== undefined) {
    out.push({
      type: ConditionType.NodeClaimReady,
      status: report.nodeClaims.ready ? T : F,
      reason: report.nodeClaims.reason,
      message: report.nodeClaims.message,
    });
  }
  out.push({
    type: ConditionType.NodesReady,
    status: report.nodes.ready ? T : F,
    reason: report.nodes.reason,
    message: report.nodes.message,
  });
  if (report.ready) {
    out.push({
      type: ConditionType.ResourceReady,
      status: T,
      reason: ConditionReason.ResourceStatusSuccess,
      message: "workspace resource is ready",
    });
  } else {
    // Kaito copies the reason and message of the failing NodeClaim/Node check, so the real cause is visible here.
    const failing = report.nodeClaims !== undefined && !report.nodeClaims.ready ? report.nodeClaims : report.nodes;
    out.push({ type: ConditionType.ResourceReady, status: F, reason: failing.reason, message: failing.message });
  }
  return out;
}

/** `WorkspaceSucceeded=False workspacePending` with what the Workspace waits for. */
export function pending(message: string): ConditionUpdate {
  return { type: ConditionType.WorkspaceSucceeded, status: F, reason: ConditionReason.WorkspacePending, message };
}

/** `WorkspaceSucceeded=True`. */
export function succeeded(): ConditionUpdate {
  return {
    type: ConditionType.WorkspaceSucceeded,
    status: T,
    reason: ConditionReason.WorkspaceSucceeded,
    message: WORKSPACE_SUCCEEDED_MESSAGE,
  };
}

/** What the inference workload's state says. */
export interface InferenceFacts {
  readonly replicas: number;
  readonly readyReplicas: number;
  /** The StatefulSet controller has seen the latest spec and every pod runs it. */
  readonly rolledOut: boolean;
  readonly failure: PodFailure | undefined;
}

/** `InferenceReady` and `WorkspaceSucceeded` for inference; a classified pod failure always wins over readiness. */
export function inferenceConditions(f: InferenceFacts): ConditionUpdate[] {
  if (f.failure !== undefined) {
    return [
      { type: ConditionType.InferenceReady, status: F, reason: f.failure.reason, message: f.failure.message },
      {
        type: ConditionType.WorkspaceSucceeded,
        status: F,
        reason: ConditionReason.WorkspaceFailed,
        message: f.failure.message,
      },
    ];
  }
  if (f.replicas > 0 && f.readyReplicas >= f.replicas && f.rolledOut) {
    return [
      {
        type: ConditionType.InferenceReady,
        status: T,
        reason: ConditionReason.InferenceStatusSuccess,
        message: INFERENCE_READY_MESSAGE,
      },
      succeeded(),
    ];
  }
  const msg = `inference workload is not ready: ${f.readyReplicas}/${f.replicas} replicas ready${f.rolledOut ? "" : " (rolling out the new revision)"}`;
  return [
    { type: ConditionType.InferenceReady, status: F, reason: ConditionReason.InferenceStatusPending, message: msg },
    pending(msg),
  ];
}

/** `JobStarted` and `WorkspaceSucceeded` for tuning. */
export function tuningConditions(job: JobFacts | undefined, podFailure: PodFailure | undefined): ConditionUpdate[] {
  if (job === undefined) {
    const msg = "waiting for the tuning Job to be created";
    return [
      { type: ConditionType.JobStarted, status: F, reason: ConditionReason.TuningJobStatusPending, message: msg },
      pending(msg),
    ];
  }
  if (job.failed) {
    const msg = `tuning Job failed: ${job.failureMessage ?? "Failed"}${podFailure !== undefined ? `; ${podFailure.message}` : ""}`;
    return [
      { type: ConditionType.JobStarted, status: F, reason: ConditionReason.TuningJobStatusFailed, message: msg },
      { type: ConditionType.WorkspaceSucceeded, status: F, reason: ConditionReason.WorkspaceFailed, message: msg },
    ];
  }
  if (job.succeeded) {
    return [
      {
        type: ConditionType.JobStarted,
        status: T,
        reason: ConditionReason.TuningJobStatusStarted,
        message: "tuning Job has started",
      },
      succeeded(),
    ];
  }
  if (job.started) {
    const retries =
      job.failedPods > 0 ? ` (${job.failedPods} failed pod${job.failedPods === 1 ? "" : "s"} so far, retrying)` : "";
    const msg = `tuning Job is running${retries}`;
    return [
      {
        type: ConditionType.JobStarted,
        status: T,
        reason: ConditionReason.TuningJobStatusStarted,
        message: "tuning Job has started",
      },
      pending(msg),
    ];
  }
  const msg = `tuning Job is waiting for its pod${podFailure !== undefined ? `: ${podFailure.message}` : ""}`;
  return [
    { type: ConditionType.JobStarted, status: F, reason: ConditionReason.TuningJobStatusPending, message: msg },
    pending(msg),
  ];
}

/** The `TuningProgress` condition (kaito-ts): what the trainer last reported. */
export function tuningProgressCondition(p: TuningProgress | undefined): ConditionUpdate {
  const msg = p !== undefined ? progressMessage(p) : undefined;
  if (p === undefined || msg === undefined) {
    return {
      type: TUNING_PROGRESS_CONDITION,
      status: "Unknown",
      reason: TuningProgressReason.Waiting,
      message: "the trainer has not reported progress yet (loading the model or the data)",
    };
  }
  return {
    type: TUNING_PROGRESS_CONDITION,
    status: T,
    reason: p.completed ? TuningProgressReason.Completed : TuningProgressReason.InProgress,
    message: msg,
  };
}

/** `WorkspaceDeleting=True`. */
export function deletingCondition(): ConditionUpdate {
  return {
    type: ConditionType.WorkspaceDeleting,
    status: T,
    reason: ConditionReason.WorkspaceDeleted,
    message: "workspace is being deleted",
  };
}

/**
 * Reasons of a Workspace that passed admission but cannot be served (kaito-ts; Kaito only logs these). Each is also
 * the reason of the Warning event.
 */
export const InvalidWorkspaceReason = {
  UnsupportedPreset: "UnsupportedPreset",
  UnsupportedInstanceType: "UnsupportedInstanceType",
  NodeEstimateFailed: "NodeEstimateFailed",
  UnsupportedRuntime: "UnsupportedRuntime",
  PresetNotTunable: "PresetNotTunable",
  InvalidTuningConfig: "InvalidTuningConfig",
  InvalidInferenceConfig: "InvalidInferenceConfig",
  SecretNotFound: "SecretNotFound",
  RevisionConflict: "RevisionConflict",
  InvalidWorkspace: "InvalidWorkspace",
} as const;

const BAD_INPUT: Partial<Record<ReconcilerErrorCode, { reason: string; condition: string }>> = {
  UNKNOWN_PRESET: { reason: InvalidWorkspaceReason.UnsupportedPreset, condition: ConditionType.WorkspaceSucceeded },
  UNKNOWN_INSTANCE_TYPE: {
    reason: InvalidWorkspaceReason.UnsupportedInstanceType,
    condition: ConditionType.ResourceReady,
  },
  NODE_ESTIMATE_FAILED: { reason: InvalidWorkspaceReason.NodeEstimateFailed, condition: ConditionType.ResourceReady },
  UNSUPPORTED_RUNTIME: { reason: InvalidWorkspaceReason.UnsupportedRuntime, condition: ConditionType.InferenceReady },
  PRESET_NOT_TUNABLE: { reason: InvalidWorkspaceReason.PresetNotTunable, condition: ConditionType.JobStarted },
  TUNING_CONFIG_INVALID: { reason: InvalidWorkspaceReason.InvalidTuningConfig, condition: ConditionType.JobStarted },
  INFERENCE_CONFIG_INVALID: {
    reason: InvalidWorkspaceReason.InvalidInferenceConfig,
    condition: ConditionType.InferenceReady,
  },
  SECRET_NOT_FOUND: { reason: InvalidWorkspaceReason.SecretNotFound, condition: ConditionType.JobStarted },
  REVISION_CONFLICT: { reason: InvalidWorkspaceReason.RevisionConflict, condition: ConditionType.WorkspaceSucceeded },
  INVALID_WORKSPACE: { reason: InvalidWorkspaceReason.InvalidWorkspace, condition: ConditionType.WorkspaceSucceeded },
};

/** The bad-input classification of an error, or `undefined` for a transient one (API errors, timeouts). */
export function badInput(e: unknown): { reason: string; condition: string; message: string } | undefined {
  if (!isReconcilerError(e)) return undefined;
  const m = BAD_INPUT[e.code];
  return m === undefined ? undefined : { ...m, message: e.message };
}

/** The conditions of a bad-input failure: the step's condition and `WorkspaceSucceeded`, both False. */
export function badInputConditions(b: { reason: string; condition: string; message: string }): ConditionUpdate[] {
  const out: ConditionUpdate[] = [{ type: b.condition, status: F, reason: b.reason, message: b.message }];
  if (b.condition !== ConditionType.WorkspaceSucceeded) {
    out.push({
      type: ConditionType.WorkspaceSucceeded,
      status: F,
      reason: ConditionReason.WorkspaceFailed,
      message: b.message,
    });
  }
  return out;
}

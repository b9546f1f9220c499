/**
 * The Workspace reconcile state machine: pure decisions (conditions, pod failure classification, workload updates,
 * tuning progress) and the thin I/O pass that applies them.
 * @packageDocumentation
 */
export {
  badInput,
  badInputConditions,
  deletingCondition,
  INFERENCE_READY_MESSAGE,
  type InferenceFacts,
  InvalidWorkspaceReason,
  inferenceConditions,
  pending,
  resourceConditions,
  succeeded,
  tuningConditions,
  tuningProgressCondition,
} from "./conditions.ts";
export {
  type ContainerStateLike,
  type ContainerStatusLike,
  type ClassifyOptions,
  classifyPod,
  classifyPods,
  MAX_FAILURE_MESSAGE,
  type NodeLike,
  type PodFailure,
  type PodLike,
} from "./pod-failures.ts";
export { type CachedObjectPortOptions, cachedObjectPort, type PortResource } from "./port.ts";
export {
  byoGpuFromNodes,
  type LogReader,
  WORKSPACE_INDEX,
  type WorkspaceCaches,
  WorkspaceReconciler,
  type WorkspaceReconcilerOptions,
} from "./reconciler.ts";
export {
  namespacedLabelIndex,
  type SetupWorkspaceControllerOptions,
  setupWorkspaceController,
  type WorkspaceControllerSetup,
  workspaceChanged,
} from "./setup.ts";
export {
  computeStatus,
  type StatusInput,
  statusChanged,
  statusPatch,
  type WorkspaceStatusFields,
} from "./status.ts";
export {
  formatDuration,
  parseTrainerLog,
  progressMessage,
  TUNING_PROGRESS_CONDITION,
  type TuningProgress,
  TuningProgressReason,
  tuningProgressStatus,
} from "./tuning-progress.ts";
export { decideJob, type JobAction, type JobFacts, jobFacts, revisionOf, statefulSetUpdate } from "./workload.ts";

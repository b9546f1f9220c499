/**
 * The builders: pure functions from a Workspace (+ the preset catalog, + {@link BuildOptions}, + what the caller
 * observed in the cluster) to the exact Kubernetes objects Kaito creates for it (kaito-compat §1.5, §2.2–§2.6, §6, §7).
 * No I/O: the reconciler reads the cluster, calls these, and writes what they return.
 *
 * Public API (the state machine and `kaito plan` call these; names are stable):
 * - `resolveBuildOptions(input?)` → {@link BuildOptions} (Kaito chart defaults, `DEFAULT_BUILD_OPTIONS`).
 * - `toBuildWorkspace(ws)` → the v1beta1 internal form (accepts v1alpha1; applies CRD defaults).
 * - `workspaceRuntime(ws, options)` → `"vllm" | "transformers"` (`kaito.sh/runtime`, the `vLLM` gate).
 * - `computeWorkspaceHash(ws)` → Kaito's `workspace.kaito.io/hash` (sha256 hex).
 * - `planRevision(ws, existingRevisions)` → `RevisionPlan` `{hash, name, revision, create?, delete, annotations}`:
 *   the ControllerRevision `<ws>-<hash5>` to create, the old ones to delete (history ≤ 10), and the
 *   `workspace.kaito.io/hash` / `workspace.kaito.io/revision` annotations to write on the Workspace.
 * - `computeTargetNodeCount(ws, options, {maxModelLen?, gpu?})` → `status.targetNodeCount`.
 * - `buildInferenceServices(ws, options)` → `{service, headless}`.
 * - `buildInferenceStatefulSet(ws, context, options)` → `V1StatefulSet` (preset or template Workspaces).
 * - `resolveTuningConfig(ws, userConfigMap?)` → `{configMapName, create?, outputDir}` (template copy or the user's).
 * - `buildTuningJob(ws, context, options)` → `V1Job`.
 * - `buildWorkspaceObjects(ws, context, options)` → every object at once, in creation order (golden tests, `kaito plan`).
 * - inputs read from the cluster: `inferenceMaxModelLen(ws, configMap)` (`vllm.max-model-len`, checked),
 *   `resolveGpuConfig(ws, options, byoGpu)` (GPUs per node: SKU table, BYO node labels, MIG slice).
 * - helpers: `ownerReferenceFor(ws)`, `workspaceSelectorLabels(ws)`, `workspaceNodeLabels(ws)`, `servedModelName`.
 *
 * `context` ({@link BuildContext}) is what the reconciler observed: the revision number, `targetNodeCount`, whether the
 * NVMe storage class exists, BYO GPU details, the user's inference/tuning ConfigMaps.
 * Errors are `ReconcilerError`s with the builder codes (`UNKNOWN_PRESET`, `UNKNOWN_INSTANCE_TYPE`,
 * `NODE_ESTIMATE_FAILED`, `UNSUPPORTED_RUNTIME`, `PRESET_NOT_TUNABLE`, `TUNING_CONFIG_INVALID`,
 * `INFERENCE_CONFIG_INVALID`, `REVISION_CONFLICT`, `INVALID_WORKSPACE`).
 *
 * @packageDocumentation
 */
export {
  computeWorkspaceHash,
  MAX_REVISION_HISTORY,
  planRevision,
  type RevisionPlan,
  revisionDataJson,
  revisionName,
  workspaceHashInput,
} from "../revision/index.ts";
export {
  DATA_DOWNLOADER_SCRIPT,
  normalizeImageReference,
  PULLER_SCRIPT,
  PUSHER_SCRIPT,
  TUNING_SENTINEL_FILE,
} from "./helper-containers.ts";
export {
  INFERENCE_PORT,
  KV_EVENTS_PORT,
  RAY_PORT,
  rayLeaderAddress,
  servedModelName,
  transformersCommand,
  tuningCommand,
  vllmCommand,
} from "./commands.ts";
export { type BuildContext, LOCAL_NVME_STORAGE_CLASS } from "./context.ts";
export { type ByoGpu, type GpuConfig, NVIDIA_GPU_RESOURCE, resolveGpuConfig } from "./gpu.ts";
export { buildInferenceStatefulSet, POD_INDEX_LABEL } from "./inference.ts";
export { computeTargetNodeCount, type TargetNodeCountInput } from "./node-count.ts";
export {
  type BuildOptions,
  type BuildOptionsInput,
  baseImage,
  DEFAULT_BUILD_OPTIONS,
  DEFAULT_HELPER_IMAGES,
  DEFAULT_PRESET_REGISTRY,
  DEFAULT_PUSHER_IMAGE,
  type FeatureGates,
  type HelperImages,
  type NodeProvisionerMode,
  resolveBuildOptions,
} from "./options.ts";
export { buildWorkspaceObjects, type WorkspaceObject, type WorkspaceObjectsInput, type WorkspacePlan } from "./plan.ts";
export { inferenceMaxModelLen, requireWorkspacePreset } from "./preset.ts";
export { readinessTimeoutSeconds } from "./probes.ts";
export { buildInferenceServices, type InferenceServices, POD_NAME_LABEL } from "./services.ts";
export {
  DEFAULT_TUNING_OUTPUT_DIR,
  resolveTuningConfig,
  type TuningConfigResolution,
  trainingOutputDir,
  tuningMethod,
} from "./tuning-config.ts";
export { buildTuningJob } from "./tuning-job.ts";
export {
  type BuildWorkspace,
  ownerReferenceFor,
  toBuildWorkspace,
  workspaceNodeLabels,
  workspaceRuntime,
  workspaceSelectorLabels,
} from "./workspace.ts";

/**
 * Names of the Kaito Workspace API: group/version/kind, the finalizer, annotations, labels, condition types,
 * condition reasons and workspace states — as `as const` objects with typed unions (compat §1.4–§1.5).
 * @packageDocumentation
 */

/** API group of Kaito's resources. */
export const KAITO_GROUP = "kaito.sh";
/** Kind of the Workspace resource. */
export const WORKSPACE_KIND = "Workspace";
/** Kind of a Workspace list. */
export const WORKSPACE_LIST_KIND = "WorkspaceList";
/** Plural resource name. */
export const WORKSPACE_PLURAL = "workspaces";
/** Singular resource name. */
export const WORKSPACE_SINGULAR = "workspace";
/** Short names of the Workspace resource (`kubectl get wk`). */
export const WORKSPACE_SHORT_NAMES = ["wk", "wks"] as const;
/** Categories of the Workspace resource (`kubectl get workspace` category in Kaito's CRD). */
export const WORKSPACE_CATEGORIES = ["workspace"] as const;

/** The served Workspace versions, oldest first. */
export const WorkspaceVersion = {
  V1alpha1: "v1alpha1",
  V1beta1: "v1beta1",
} as const;
/** `v1alpha1` or `v1beta1`. */
export type WorkspaceVersion = (typeof WorkspaceVersion)[keyof typeof WorkspaceVersion];

/** The full `apiVersion` strings. */
export const WorkspaceApiVersions = {
  V1alpha1: "kaito.sh/v1alpha1",
  V1beta1: "kaito.sh/v1beta1",
} as const;

/** The storage (and preferred) version. */
export const WORKSPACE_STORAGE_VERSION = WorkspaceVersion.V1beta1;

/** Finalizer Kaito puts on every Workspace. */
export const WORKSPACE_FINALIZER = "workspace.finalizer.kaito.sh";

/** Annotations a user may set on a Workspace (compat §1.5). */
export const WorkspaceAnnotation = {
  /** `vllm` (default) or `transformers`. */
  Runtime: "kaito.sh/runtime",
  /** Exactly `"True"` makes the inference Service a LoadBalancer. */
  EnableLoadBalancer: "kaito.sh/enablelb",
  /** Presence (any value) downgrades GPU-memory admission errors to warnings. */
  BypassResourceChecks: "kaito.sh/bypass-resource-checks",
  /** `ubuntu` or `azurelinux` (Kaito trims and lower-cases the value); copied onto NodeClaims. */
  NodeImageFamily: "kaito.sh/node-image-family",
  /** Karpenter provisioner only: the node class to use. */
  NodeClassName: "kaito.sh/node-class-name",
  /** `"true"` disables the post-load benchmark. */
  DisableBenchmark: "kaito.sh/disable-benchmark",
  /** `balanced` (default), `interactivity` or `throughput`. */
  PerformanceMode: "kaito.sh/performance-mode",
  /** `"true"` or `"false"`: serve weights from the node's local disk. */
  UseLocalWeights: "kaito.sh/use-local-weights",
} as const;
/** An annotation key a user may set on a Workspace. */
export type WorkspaceAnnotation = (typeof WorkspaceAnnotation)[keyof typeof WorkspaceAnnotation];

/** Annotations Kaito writes (Workspace, StatefulSet, Job, NodeClaim). */
export const KaitoWrittenAnnotation = {
  /** sha256 of the resource+inference+tuning JSON. */
  WorkspaceHash: "workspace.kaito.io/hash",
  /** The integer revision. */
  WorkspaceRevision: "workspace.kaito.io/revision",
  /** On NodeClaims: Karpenter must not disrupt the node. */
  KarpenterDoNotDisrupt: "karpenter.sh/do-not-disrupt",
} as const;
/** An annotation Kaito writes. */
export type KaitoWrittenAnnotation = (typeof KaitoWrittenAnnotation)[keyof typeof KaitoWrittenAnnotation];

/** Labels Kaito writes on NodeClaims, nodes, pods and revisions. */
export const KaitoLabel = {
  Workspace: "kaito.sh/workspace",
  WorkspaceNamespace: "kaito.sh/workspacenamespace",
  RAGEngine: "kaito.sh/ragengine",
  RAGEngineNamespace: "kaito.sh/ragengine-namespace",
  /** On ControllerRevisions. */
  WorkspaceName: "workspace.kaito.io/name",
  InferenceSetCreatedBy: "inferenceset.kaito.sh/created-by",
  KarpenterWorkspaceName: "karpenter.kaito.sh/workspace-name",
  KarpenterWorkspaceNamespace: "karpenter.kaito.sh/workspace-namespace",
  KarpenterInferenceSet: "karpenter.kaito.sh/inferenceset",
  KarpenterInferenceSetNamespace: "karpenter.kaito.sh/inferenceset-namespace",
  /** Value `kaito` (NodePool path). */
  KarpenterManagedBy: "karpenter.kaito.sh/managed-by",
  /** Value `kaito` on NodeClaims: a fake pool so Karpenter core never scales it. */
  KarpenterNodePool: "karpenter.sh/nodepool",
  /** Kaito writes `accelerator=nvidia` on GPU nodes. */
  Accelerator: "accelerator",
} as const;
/** A label Kaito writes. */
export type KaitoLabel = (typeof KaitoLabel)[keyof typeof KaitoLabel];

/** Node labels the BYO rules read (NVIDIA GPU feature discovery). */
export const NodeLabel = {
  InstanceType: "node.kubernetes.io/instance-type",
  GpuProduct: "nvidia.com/gpu.product",
  GpuCount: "nvidia.com/gpu.count",
  /** MiB per GPU. */
  GpuMemory: "nvidia.com/gpu.memory",
  OS: "kubernetes.io/os",
  Arch: "kubernetes.io/arch",
  AzureSkuName: "karpenter.azure.com/sku-name",
  AwsInstanceGpuCount: "karpenter.k8s.aws/instance-gpu-count",
} as const;
/** A node label the tools read. */
export type NodeLabel = (typeof NodeLabel)[keyof typeof NodeLabel];

/**
 * Label keys Kaito treats as its own: dropped from a user's `labelSelector.matchLabels`; a selector made only of
 * these is rejected.
 */
export const RESERVED_SELECTOR_LABEL_KEYS: readonly string[] = [
  KaitoLabel.Workspace,
  KaitoLabel.WorkspaceNamespace,
  KaitoLabel.RAGEngine,
  KaitoLabel.RAGEngineNamespace,
  KaitoLabel.WorkspaceName,
  KaitoLabel.InferenceSetCreatedBy,
  KaitoLabel.KarpenterWorkspaceName,
  KaitoLabel.KarpenterWorkspaceNamespace,
  KaitoLabel.KarpenterInferenceSet,
  KaitoLabel.KarpenterInferenceSetNamespace,
  KaitoLabel.KarpenterManagedBy,
];

/** Values of `kaito.sh/runtime`. */
export const RuntimeValue = { VLLM: "vllm", Transformers: "transformers" } as const;
/** Values of `kaito.sh/node-image-family` (lower case; Kaito compares the annotation trimmed and lower-cased). */
export const NodeImageFamilyValue = { Ubuntu: "ubuntu", AzureLinux: "azurelinux" } as const;
/** Values of `kaito.sh/performance-mode`. */
export const PerformanceModeValue = {
  Balanced: "balanced",
  Interactivity: "interactivity",
  Throughput: "throughput",
} as const;
/** A `kaito.sh/performance-mode` value. */
export type PerformanceModeValue = (typeof PerformanceModeValue)[keyof typeof PerformanceModeValue];
/** The `kaito.sh/enablelb` value that turns the Service into a LoadBalancer (exact, case-sensitive). */
export const ENABLE_LB_VALUE = "True";

/** Condition types of a Workspace (HEAD). */
export const ConditionType = {
  NodeClaimReady: "NodeClaimReady",
  NodesReady: "NodesReady",
  ResourceReady: "ResourceReady",
  InferenceReady: "InferenceReady",
  JobStarted: "JobStarted",
  WorkspaceSucceeded: "WorkspaceSucceeded",
  BenchmarkCompleted: "BenchmarkCompleted",
  ModelMirrorReady: "ModelMirrorReady",
  WorkspaceDeleting: "WorkspaceDeleting",
} as const;
/** A current Workspace condition type. */
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Condition types of classic releases a tool may still meet. */
export const LegacyConditionType = {
  /** v0.1–v0.3, before NodeClaims. */
  MachineReady: "MachineReady",
  /** Renamed to `WorkspaceSucceeded` in v0.3/v0.4; the seed document's column. */
  WorkspaceReady: "WorkspaceReady",
} as const;
/** A legacy condition type. */
export type LegacyConditionType = (typeof LegacyConditionType)[keyof typeof LegacyConditionType];
/** Any condition type, current or legacy. */
export type AnyConditionType = ConditionType | LegacyConditionType;

/** Condition reasons Kaito sets (HEAD). */
export const ConditionReason = {
  NodeClaimsReady: "NodeClaimsReady",
  NodeClaimNotReady: "NodeClaimNotReady",
  AwaitingReconciliation: "AwaitingReconciliation",
  NodesReady: "NodesReady",
  NodeNotReady: "NodeNotReady",
  NodePluginsNotReady: "NodePluginsNotReady",
  ResourceStatusSuccess: "workspaceResourceStatusSuccess",
  ResourceStatusNotReady: "workspaceResourceStatusNotReady",
  ModelMirrorNotReady: "ModelMirrorNotReady",
  InferenceStatusSuccess: "WorkspaceInferenceStatusSuccess",
  InferenceStatusPending: "WorkspaceInferenceStatusPending",
  ContainerOOMKilled: "ContainerOOMKilled",
  ImagePullError: "ImagePullError",
  ContainerStartError: "ContainerStartError",
  ContainerCrashLoopBackOff: "ContainerCrashLoopBackOff",
  PodEvicted: "PodEvicted",
  NodeDiskPressure: "NodeDiskPressure",
  NodeMemoryPressure: "NodeMemoryPressure",
  Unschedulable: "Unschedulable",
  SASTokenFetchFailed: "SASTokenFetchFailed",
  ModelMirrorCreateFailed: "ModelMirrorCreateFailed",
  TuningJobStatusStarted: "WorkspaceTuningJobStatusStarted",
  TuningJobStatusPending: "WorkspaceTuningJobStatusPending",
  TuningJobStatusFailed: "WorkspaceTuningJobStatusFailed",
  WorkspaceSucceeded: "workspaceSucceeded",
  WorkspacePending: "workspacePending",
  WorkspaceFailed: "workspaceFailed",
  BenchmarkCompleted: "BenchmarkCompleted",
  BenchmarkFailed: "BenchmarkFailed",
  ModelMirrorReady: "ModelMirrorReady",
  ModelMirrorPending: "ModelMirrorPending",
  WorkspaceDeleted: "workspaceDeleted",
} as const;
/** A reason Kaito sets at HEAD. */
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

/** Reasons of classic releases. */
export const LegacyConditionReason = {
  CreateNodeClaimPending: "CreateNodeClaimPending",
  NodeClaimFailedCreation: "nodeClaimFailedCreation",
  CheckNodeClaimStatusFailed: "checkNodeClaimStatusFailed",
  InstallNodePluginsSuccess: "installNodePluginsSuccess",
  ResourceStatusFailed: "workspaceResourceStatusFailed",
  InferenceStatusFailed: "WorkspaceInferenceStatusFailed",
} as const;
/** A classic reason. */
export type LegacyConditionReason = (typeof LegacyConditionReason)[keyof typeof LegacyConditionReason];

/** The message Kaito puts on `WorkspaceSucceeded=True`. */
export const WORKSPACE_SUCCEEDED_MESSAGE = "workspace succeeds";

/** Prefix of the suffix appended to condition messages when the reconcile pass returned an error. */
export const LAST_RECONCILE_ERROR_SUFFIX = " (last reconcile error: ";

/** Values of `status.state` (HEAD). */
export const WorkspaceState = {
  Pending: "Pending",
  Ready: "Ready",
  NotReady: "NotReady",
  Running: "Running",
  Succeeded: "Succeeded",
  Failed: "Failed",
} as const;
/** A `status.state` value. */
export type WorkspaceState = (typeof WorkspaceState)[keyof typeof WorkspaceState];

/** Tuning methods. */
export const TuningMethodValue = { LoRA: "lora", QLoRA: "qlora" } as const;

/** The default tuning ConfigMap templates (release namespace). */
export const DefaultTuningTemplate = {
  lora: "lora-params-template",
  qlora: "qlora-params-template",
} as const;

/** ConfigMap keys Kaito reads. */
export const ConfigMapKey = {
  InferenceConfig: "inference_config.yaml",
  TrainingConfig: "training_config.yaml",
} as const;

/** Maximum number of adapters of one Workspace. */
export const MAX_ADAPTERS = 10;

/** Event reasons Kaito emits about NodeClaims (compat §3.1). */
export const KaitoEventReason = {
  NodeClaimCreated: "NodeClaimCreated",
  NodeClaimCreationFailed: "NodeClaimCreationFailed",
} as const;
/** A Kaito event reason. */
export type KaitoEventReason = (typeof KaitoEventReason)[keyof typeof KaitoEventReason];

/** Labels, annotations and values Kaito writes on the NodeClaims it creates (compat §3.1). */
export const NodeClaimDefaults = {
  /** Value of `karpenter.sh/nodepool`: a fake pool so Karpenter core never scales the claim. */
  NodePool: "kaito",
  /** The taint on every Kaito GPU node: `sku=gpu:NoSchedule`. */
  TaintKey: "sku",
  TaintValue: "gpu",
  TaintEffect: "NoSchedule",
  /** Azure node class reference. */
  AzureNodeClassGroup: "kaito.sh",
  AzureNodeClassKind: "KaitoNodeClass",
  /** AWS node class reference. */
  AwsNodeClassGroup: "karpenter.k8s.aws",
  AwsNodeClassKind: "EC2NodeClass",
  NodeClassName: "default",
  /** Storage request for templates and tuning, when no preset says otherwise. */
  DefaultStorageRequest: "1024Gi",
} as const;

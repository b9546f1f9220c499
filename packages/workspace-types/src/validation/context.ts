/**
 * What validation needs to know about the world beyond the Workspace object itself.
 *
 * `@kaito-ts/workspace-types` imports no other package of ours: rules that need presets, SKUs or cluster state
 * read them through these small interfaces. `@kaito-ts/preset-catalog` provides a ready implementation of
 * {@link PresetLookup} and {@link SkuLookup} (`catalogValidationLookups()`); the operator provides
 * {@link ClusterLookup} from its informer cache. All lookups are synchronous: they read caches, never the network.
 *
 * @packageDocumentation
 */

/** The cloud the operator runs in (Kaito's `CLOUD_PROVIDER`). */
export type Cloud = "azure" | "aws" | "arc";

/** The inference runtime (`kaito.sh/runtime` annotation). */
export type RuntimeName = "vllm" | "transformers";

/** The tuning methods Kaito supports. */
export type TuningMethod = "lora" | "qlora";

/** What validation needs to know about one preset model. */
export interface PresetInfo {
  /** Canonical preset name, e.g. `phi-3-mini-4k-instruct` (legacy short name) or the HF id for catalog-only models. */
  readonly name: string;
  /** Hugging Face repository id, e.g. `microsoft/Phi-3-mini-4k-instruct`. */
  readonly huggingFaceId: string;
  /** Size of the model weights in GiB (catalog `modelFileSize`), when known. */
  readonly weightsGiB?: number;
  /** Maximum context length in tokens (catalog `modelTokenLimit`), when known. */
  readonly contextLimit?: number;
  /** The preset has a transformers-runtime command (Kaito's "TF" column). */
  readonly supportsTransformers: boolean;
  /** The model may be served across several nodes. */
  readonly supportsDistributedInference: boolean;
  /** vLLM may load LoRA adapters for this model (`--enable-lora`). */
  readonly loraAllowedInVllm: boolean;
  /** Weights are downloaded at run time from Hugging Face rather than baked into an image. */
  readonly downloadAtRuntime: boolean;
  /** Downloading the weights needs a Hugging Face token (`modelAccessSecret`). */
  readonly downloadAuthRequired: boolean;
  /** The preset is deprecated; Kaito rejects new Workspaces that use it. */
  readonly deprecated: boolean;
  /** The tuning methods this preset supports; empty when it cannot be tuned. */
  readonly tuningMethods: readonly TuningMethod[];
}

/**
 * Result of resolving a preset name.
 * - `preset`: a known preset (by legacy name, alias or HF id, case-insensitively).
 * - `huggingface`: an `org/model` string that is not in the catalog; Kaito accepts it as a "best effort" model.
 * - `unknown`: neither.
 */
export type PresetResolution =
  | { readonly kind: "preset"; readonly preset: PresetInfo }
  | { readonly kind: "huggingface"; readonly huggingFaceId: string }
  | { readonly kind: "unknown"; readonly suggestions: readonly string[] };

/** Preset lookups used by the inference and tuning rules. */
export interface PresetLookup {
  /** Resolve a preset name as Kaito does (case-insensitive legacy names, aliases, HF ids). */
  resolvePreset(name: string): PresetResolution;
  /**
   * Optional: names of the presets that can be tuned (non-empty `tuningMethods`), for hints. When absent, the
   * tunable presets of Kaito's current catalog are named.
   */
  tunablePresets?(): readonly string[];
}

/** What validation needs to know about one instance type. */
export interface SkuInfo {
  /** Canonical name, e.g. `Standard_NC24ads_A100_v4`. */
  readonly name: string;
  readonly cloud: Cloud;
  /** GPUs per node. */
  readonly gpuCount: number;
  /** GPU model, e.g. `A100`, `V100`. */
  readonly gpuModel: string;
  /** Total GPU memory per node in GiB. */
  readonly totalGpuMemoryGiB: number;
  /** CUDA compute capability (e.g. 8.0), when NVIDIA. */
  readonly computeCapability?: number;
  /** The GPU computes in bfloat16 natively (compute capability >= 8.0). */
  readonly supportsBf16: boolean;
  /** The node has local NVMe disks. */
  readonly nvme: boolean;
  /** Dropped from Kaito's current table but still usable (e.g. `Standard_NC6s_v3`). */
  readonly classic: boolean;
}

/** SKU lookups used by the resource rules. */
export interface SkuLookup {
  /** Case-insensitive lookup in the table of `cloud`. */
  getSku(name: string, cloud: Cloud): SkuInfo | undefined;
}

/** A GPU-memory fit problem found by {@link FitChecker}. */
export interface FitIssue {
  /** `error` is rejected; `warning` is reported only (e.g. when `kaito.sh/bypass-resource-checks` is set). */
  readonly severity: "error" | "warning";
  /** Kaito's wording where it has one. */
  readonly message: string;
}

/** GPU capacity of the nodes a Workspace will run on: from a SKU (auto-provisioning) or from node labels (BYO). */
export interface NodeGpuCapacity {
  readonly gpuCount: number;
  /** Total GPU memory of one node, in GiB. */
  readonly totalGpuMemoryGiB: number;
}

/**
 * The admission GPU-memory fit check (Kaito §5.2), implemented by `@kaito-ts/preset-catalog`. Validation calls it
 * for the transformers runtime with auto-provisioned nodes and for BYO nodes. Memory shortfalls it reports are
 * errors, or warnings when `bypassResourceChecks` is set. Validation applies the one rule the bypass cannot silence
 * itself (`TRANSFORMERS_MULTI_NODE`: the transformers runtime with a distributed-capable model larger than one node),
 * so an issue with Kaito's wording for that rule ("Multi-node distributed inference is not supported with
 * Huggingface Transformers runtime") is reported once, as an error, whatever its severity here.
 */
export interface FitChecker {
  checkFit(input: {
    readonly preset: PresetInfo;
    readonly node: NodeGpuCapacity;
    readonly nodeCount: number;
    readonly runtime: RuntimeName;
    readonly bypassResourceChecks: boolean;
  }): readonly FitIssue[];
}

/** A node as the BYO rules see it. */
export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A ConfigMap as the config rules see it. */
export interface ConfigMapInfo {
  readonly data: Readonly<Record<string, string>>;
}

/** Cluster state, read from a cache. */
export interface ClusterLookup {
  /** Nodes whose labels include every `matchLabels` entry. */
  listNodes(matchLabels: Readonly<Record<string, string>>): readonly NodeInfo[];
  /** A ConfigMap by namespace and name, or `undefined` when it does not exist. */
  getConfigMap(namespace: string, name: string): ConfigMapInfo | undefined;
}

/** The default tuning templates (`lora-params-template`, `qlora-params-template`). */
export interface TuningTemplateLookup {
  /** The `training_config.yaml` text of the default template for `method`. */
  trainingConfigYaml(method: TuningMethod): string;
}

/**
 * Everything `validateWorkspace` and `validateWorkspaceUpdate` may consult. Only the first three fields are
 * required; a rule whose lookup is absent is skipped (and says so in no error).
 */
export interface ValidationContext {
  /** Default `azure` (Kaito chart default). */
  readonly cloud: Cloud;
  /** Node auto-provisioning on (default) or off (`disableNodeAutoProvisioning`, BYO nodes). */
  readonly nodeAutoProvisioning: boolean;
  /** Runtime used when the Workspace has no `kaito.sh/runtime` annotation; `vllm` by default. */
  readonly defaultRuntime: RuntimeName;
  /** Namespace of the Workspace when the object has none (as the API server would default it). */
  readonly namespace?: string;
  /** Namespace where Kaito's default tuning templates live (the release namespace). */
  readonly releaseNamespace?: string;
  /**
   * Optional: the node classes the Karpenter provisioner was started with (`--karpenter-node-classes`); when set,
   * a `kaito.sh/node-class-name` annotation must name one of them.
   */
  readonly karpenterNodeClasses?: readonly string[];
  readonly presets?: PresetLookup;
  readonly skus?: SkuLookup;
  readonly fit?: FitChecker;
  readonly cluster?: ClusterLookup;
  readonly tuningTemplates?: TuningTemplateLookup;
}

/**
 * The shapes of the compiled catalog: presets, SKUs, tuning templates and runtime defaults.
 *
 * @packageDocumentation
 */
import type { Cloud, RuntimeName, SkuInfo, TuningMethod } from "@kaito-ts/workspace-types";

export type { Cloud, RuntimeName, TuningMethod };

/** Whether a listed preset can be used by name. */
export type PresetAvailability =
  /** Resolvable by its legacy name, aliases and HF id. */
  | "available"
  /**
   * Still listed by Kaito (e.g. `falcon-7b` in `supported_models.yaml`) but without an alias, so Kaito's webhook answers
   * "Unsupported inference preset name". Kept for the classic requirements and for helpful errors.
   */
  | "unresolvable";

/** Where the architecture numbers of a preset come from. */
export type ArchitectureSource =
  /** Kaito's `model_catalog.yaml`. */
  | "kaito-model-catalog"
  /** The model's public Hugging Face `config.json` (the model is not in Kaito's catalog). */
  | "public-config";

/** Transformer architecture numbers, enough to compute the KV-cache size per token. */
export interface ModelArchitecture {
  /** Hugging Face architecture class, e.g. `Phi3ForCausalLM`. */
  readonly class: string;
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  /** Explicit head dimension; when absent it is `hiddenSize / numAttentionHeads` (integer division, as Kaito). */
  readonly headDim?: number;
  /** Multi-head latent attention (DeepSeek V3 style): the compressed KV rank. */
  readonly kvLoraRank?: number;
  /** Multi-head latent attention: the decoupled RoPE head dimension. */
  readonly qkRopeHeadDim?: number;
  /** Quantization of the checkpoint (`fp8`, `mxfp4`, `compressed-tensors`, …), when quantized. */
  readonly quantization?: string;
  readonly source: ArchitectureSource;
}

/** Tuning requirements of the classic releases (v0.4.6 `model.go`). */
export interface ClassicTuningRequirements {
  /** Total GPU memory of the node needed for LoRA tuning, GiB. */
  readonly totalGpuMemoryGiB: number;
  /** GPU memory needed on each GPU, GiB. */
  readonly perGpuMemoryGiB: number;
  /** Total GPU memory needed for QLoRA when the classic release stated it separately, GiB. */
  readonly qloraTotalGpuMemoryGiB?: number;
}

/** The requirements the classic releases (v0.4.6, v0.9.4 additions) stated per preset. */
export interface ClassicRequirements {
  /** Disk size, e.g. `80Gi`. */
  readonly diskStorage: string;
  /** GPU count requirement. */
  readonly gpuCount: number;
  /** Total GPU memory for inference, GiB (v0.9.4 additions: the weights size). */
  readonly totalGpuMemoryGiB: number;
  /** Per-GPU memory for inference, GiB (`0` = no per-GPU requirement); absent where the release gave none. */
  readonly perGpuMemoryGiB?: number;
  /** The classic vLLM `--dtype`. */
  readonly vllmDtype?: string;
  /** Classic tuning requirements; absent when the preset could not be tuned. */
  readonly tuning?: ClassicTuningRequirements;
}

/** Tuning support of a preset. */
export interface PresetTuning {
  /** The methods the preset can be tuned with. */
  readonly methods: readonly TuningMethod[];
  /** LoRA target modules the tuning container passes (`DEFAULT_TARGET_MODULES`), when Kaito sets them. */
  readonly targetModules?: readonly string[];
  /** Known issues. */
  readonly notes?: string;
}

/** Default command-line parameters per runtime; `""` marks a bare flag (e.g. `trust-remote-code`). */
export interface PresetRuntimeParams {
  readonly vllm: Readonly<Record<string, string>>;
  /** Present only when the preset has a transformers-runtime entry. */
  readonly transformers?: Readonly<Record<string, string>>;
}

/** One preset model of the catalog. */
export interface Preset {
  /** Kaito's legacy short name, e.g. `phi-3-mini-4k-instruct` (the name a Workspace uses). */
  readonly name: string;
  /** The data file family, e.g. `phi`. */
  readonly family: string;
  /** Hugging Face repository id, e.g. `microsoft/Phi-3-mini-4k-instruct`. */
  readonly huggingFaceId: string;
  /** Further names that resolve to this preset. */
  readonly aliases: readonly string[];
  /** Hugging Face commit the preset is pinned to, when known. */
  readonly revision?: string;
  readonly availability: PresetAvailability;
  /** Kaito rejects new Workspaces that use a deprecated preset. */
  readonly deprecated: boolean;
  /** Size of the safetensors weights in GiB (catalog `modelFileSize`), when known. */
  readonly weightsGiB?: number;
  /** Maximum context length in tokens. */
  readonly contextLimit: number;
  readonly architecture?: ModelArchitecture;
  /** Inference runtimes that can serve the preset. */
  readonly runtimes: readonly RuntimeName[];
  /** The preset may be served across several nodes (vLLM with Ray). */
  readonly distributedInference: boolean;
  /** vLLM may load LoRA adapters for this model (`--enable-lora`). */
  readonly loraInVllm: boolean;
  /** `downloadAtRuntime` of Kaito's `supported_models.yaml`: no weights image; weights come from Hugging Face. */
  readonly downloadAtRuntime: boolean;
  /** Downloading the weights needs a Hugging Face token (gated model). */
  readonly downloadAuthRequired: boolean;
  /** Preset image (weights artifact) name and tag: `<registry>/<name>:<tag>`. */
  readonly image: { readonly name: string; readonly tag: string };
  readonly runtimeParams: PresetRuntimeParams;
  /** Tuning support; absent when the preset cannot be tuned. */
  readonly tuning?: PresetTuning;
  readonly classicRequirements?: ClassicRequirements;
  readonly notes?: string;
}

/** Who makes the accelerator. */
export type GpuVendor = "nvidia" | "amd" | "aws-neuron";

/** One instance type (SKU) of a cloud's table. */
export interface Sku extends SkuInfo {
  readonly vendor: GpuVendor;
  /** Memory of one GPU in GiB (`totalGpuMemoryGiB / gpuCount`). */
  readonly gpuMemoryPerGpuGiB: number;
}

/** A default tuning ConfigMap (`lora-params-template`, `qlora-params-template`). */
export interface TuningTemplate {
  readonly method: TuningMethod;
  /** ConfigMap name in the release namespace. */
  readonly configMapName: string;
  /** The ConfigMap key, always `training_config.yaml`. */
  readonly key: "training_config.yaml";
  /** The `training_config.yaml` text. */
  readonly trainingConfigYaml: string;
}

/** Runtime-wide defaults (the `base` image, vLLM and transformers defaults). */
export interface RuntimeDefaults {
  readonly base: {
    readonly imageName: string;
    readonly tag: string;
    readonly runtimeVersions: { readonly vllm: string; readonly transformers: string };
  };
  readonly vllm: {
    readonly baseCommand: string;
    readonly defaultParams: Readonly<Record<string, string>>;
    readonly gpuMemoryUtilization: {
      readonly default: number;
      readonly byGpuModel: Readonly<Record<string, number>>;
    };
  };
  readonly transformers: {
    readonly baseCommand: string;
    readonly mainFile: string;
    readonly acceleratorParams: Readonly<Record<string, string>>;
  };
}

/** The whole compiled catalog. */
export interface CatalogData {
  readonly presets: readonly Preset[];
  readonly skus: readonly Sku[];
  readonly tuningTemplates: readonly TuningTemplate[];
  readonly runtime: RuntimeDefaults;
}

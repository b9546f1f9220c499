/**
 * A small in-test fake of the validation lookups: a few presets, a few SKUs, the two default tuning templates
 * (compat §6.4), an in-memory cluster, and a fit checker with Kaito's admission arithmetic (§5.2).
 */
import type {
  ConfigMapInfo,
  FitChecker,
  NodeInfo,
  PresetInfo,
  PresetLookup,
  PresetResolution,
  SkuInfo,
  SkuLookup,
  TuningTemplateLookup,
  ValidationContext,
} from "../../src/index.ts";

function preset(p: Partial<PresetInfo> & Pick<PresetInfo, "name" | "huggingFaceId">): PresetInfo {
  return {
    supportsTransformers: true,
    supportsDistributedInference: false,
    loraAllowedInVllm: true,
    downloadAtRuntime: false,
    downloadAuthRequired: false,
    deprecated: false,
    tuningMethods: ["lora", "qlora"],
    ...p,
  };
}

export const PRESETS: readonly PresetInfo[] = [
  preset({
    name: "phi-3-mini-4k-instruct",
    huggingFaceId: "microsoft/Phi-3-mini-4k-instruct",
    weightsGiB: 7.12,
    contextLimit: 4096,
  }),
  preset({
    name: "phi-3-mini-128k-instruct",
    huggingFaceId: "microsoft/Phi-3-mini-128k-instruct",
    weightsGiB: 7.12,
    contextLimit: 131072,
  }),
  preset({
    name: "phi-4-mini-instruct",
    huggingFaceId: "microsoft/Phi-4-mini-instruct",
    weightsGiB: 7.15,
    contextLimit: 131072,
    supportsTransformers: false,
  }),
  preset({ name: "phi-2", huggingFaceId: "microsoft/phi-2", deprecated: true }),
  preset({
    name: "falcon-7b",
    huggingFaceId: "tiiuae/falcon-7b",
    weightsGiB: 14,
    loraAllowedInVllm: false,
    tuningMethods: [],
  }),
  preset({
    name: "llama-3.1-8b-instruct",
    huggingFaceId: "meta-llama/Llama-3.1-8B-Instruct",
    weightsGiB: 14.96,
    contextLimit: 131072,
    downloadAtRuntime: true,
    downloadAuthRequired: true,
    tuningMethods: [],
  }),
  preset({
    name: "gemma-3-4b-instruct",
    huggingFaceId: "google/gemma-3-4b-it",
    weightsGiB: 8.01,
    contextLimit: 131072,
    downloadAtRuntime: true,
    tuningMethods: [],
  }),
  preset({
    name: "llama-3.3-70b-instruct",
    huggingFaceId: "meta-llama/Llama-3.3-70B-Instruct",
    weightsGiB: 131.42,
    contextLimit: 131072,
    downloadAtRuntime: true,
    supportsDistributedInference: true,
    tuningMethods: [],
  }),
  preset({ name: "qwen-lora-only", huggingFaceId: "example/qwen-lora-only", tuningMethods: ["lora"] }),
];

export const fakePresets: PresetLookup = {
  resolvePreset(name: string): PresetResolution {
    const lower = name.toLowerCase();
    const p = PRESETS.find((x) => x.name === lower || x.huggingFaceId.toLowerCase() === lower);
    if (p) return { kind: "preset", preset: p };
    if (/^[^/\s]+\/[^/\s]+$/.test(name)) return { kind: "huggingface", huggingFaceId: name };
    const suggestions = PRESETS.filter((x) => x.name.startsWith(lower.slice(0, 5))).map((x) => x.name);
    return { kind: "unknown", suggestions };
  },
  tunablePresets: () => PRESETS.filter((p) => p.tuningMethods.length > 0).map((p) => p.name),
};

function sku(s: Partial<SkuInfo> & Pick<SkuInfo, "name" | "gpuCount" | "gpuModel" | "totalGpuMemoryGiB">): SkuInfo {
  return { cloud: "azure", supportsBf16: true, nvme: true, classic: false, computeCapability: 8, ...s };
}

export const SKUS: readonly SkuInfo[] = [
  sku({ name: "Standard_NC24ads_A100_v4", gpuCount: 1, gpuModel: "A100", totalGpuMemoryGiB: 80 }),
  sku({ name: "Standard_NC96ads_A100_v4", gpuCount: 4, gpuModel: "A100", totalGpuMemoryGiB: 320 }),
  sku({ name: "Standard_NV6ads_A10_v5", gpuCount: 1, gpuModel: "A10", totalGpuMemoryGiB: 4, nvme: false }),
  sku({
    name: "Standard_NV36ads_A10_v5",
    gpuCount: 1,
    gpuModel: "A10",
    totalGpuMemoryGiB: 24,
    nvme: false,
    computeCapability: 8.6,
  }),
  sku({
    name: "Standard_NC6s_v3",
    gpuCount: 1,
    gpuModel: "V100",
    totalGpuMemoryGiB: 16,
    supportsBf16: false,
    classic: true,
    nvme: false,
    computeCapability: 7,
  }),
  sku({ name: "g5.xlarge", cloud: "aws", gpuCount: 1, gpuModel: "A10G", totalGpuMemoryGiB: 24 }),
];

export const fakeSkus: SkuLookup = {
  getSku(name, cloud) {
    return SKUS.find((s) => s.cloud === cloud && s.name.toLowerCase() === name.toLowerCase());
  },
};

/** Admission fit (compat §5.2): nodes × node GPU memory ≥ weights; transformers cannot go multi-node. */
export const fakeFit: FitChecker = {
  checkFit({ preset: p, node, nodeCount, runtime, bypassResourceChecks }) {
    const weights = p.weightsGiB;
    if (weights === undefined) return [];
    const issues: { severity: "error" | "warning"; message: string }[] = [];
    if (runtime === "transformers" && weights > node.totalGpuMemoryGiB && p.supportsDistributedInference) {
      issues.push({
        severity: "error",
        message: "Multi-node distributed inference is not supported with Huggingface Transformers runtime",
      });
      return issues;
    }
    const total = nodeCount * node.totalGpuMemoryGiB;
    if (total < weights) {
      issues.push({
        severity: bypassResourceChecks ? "warning" : "error",
        message: `Insufficient total GPU memory: ${total}Gi < ${weights}Gi needed by ${p.name}`,
      });
    }
    return issues;
  },
};

/** The default templates' YAML (compat §6.4). */
export const QLORA_TEMPLATE = `training_config:
  ModelConfig:
    torch_dtype: "bfloat16"
    local_files_only: true
    device_map: "auto"
  QuantizationConfig:
    load_in_4bit: true
    bnb_4bit_quant_type: "nf4"
    bnb_4bit_compute_dtype: "bfloat16"
    bnb_4bit_use_double_quant: true
  LoraConfig:
    r: 8
    lora_alpha: 8
    lora_dropout: 0.0
  TrainingArguments:
    output_dir: "/mnt/results"
    ddp_find_unused_parameters: false
    save_strategy: "no"
    per_device_train_batch_size: 1
  DataCollator:
    mlm: true
  DatasetConfig:
    shuffle_dataset: true
    train_test_split: 1
`;

export const LORA_TEMPLATE = QLORA_TEMPLATE.replace(
  / {2}QuantizationConfig:\n( {4}.*\n)+?(?= {2}LoraConfig)/,
  "  QuantizationConfig:\n    load_in_4bit: false\n",
);

export const fakeTemplates: TuningTemplateLookup = {
  trainingConfigYaml: (method) => (method === "qlora" ? QLORA_TEMPLATE : LORA_TEMPLATE),
};

/** An in-memory cluster: ConfigMaps by "ns/name", nodes with labels. */
export function fakeCluster(init: { configMaps?: Record<string, Record<string, string>>; nodes?: NodeInfo[] } = {}) {
  const configMaps = new Map<string, ConfigMapInfo>(
    Object.entries(init.configMaps ?? {}).map(([k, data]) => [k, { data }]),
  );
  const nodes = init.nodes ?? [];
  return {
    listNodes(matchLabels: Readonly<Record<string, string>>) {
      return nodes.filter((n) => Object.entries(matchLabels).every(([k, v]) => n.labels[k] === v));
    },
    getConfigMap(namespace: string, name: string) {
      return configMaps.get(`${namespace}/${name}`);
    },
  };
}

/** A full context with every lookup (Azure, NAP on, vLLM). */
export function fullContext(overrides: Partial<ValidationContext> = {}): Partial<ValidationContext> {
  return {
    presets: fakePresets,
    skus: fakeSkus,
    fit: fakeFit,
    tuningTemplates: fakeTemplates,
    cluster: fakeCluster(),
    ...overrides,
  };
}

/**
 * Bad input for every CREATE rule of Kaito's webhook (compat §1.6, §1.7), plus the rules kaito-ts adds: one row per
 * rule, with the expected path and code, in both API versions where the rule applies to both.
 */
import { describe, expect, it } from "vitest";
import type { ValidationCode, ValidationContext } from "../../src/index.ts";
import { VALIDATION_CODES, validateWorkspace } from "../../src/index.ts";
import {
  adapter,
  type ApiVersion,
  expectIssue,
  expectValid,
  inferenceWs,
  type Obj,
  tuningWs,
  VERSIONS,
} from "./builders.ts";
import { fakeCluster, fullContext } from "./fake-context.ts";

interface Row {
  readonly rule: string;
  readonly base: "inference" | "tuning";
  readonly versions?: readonly ApiVersion[];
  readonly ctx?: Partial<ValidationContext>;
  readonly mutate: (ws: Obj) => void;
  readonly code: ValidationCode;
  readonly path: string;
  readonly severity?: "error" | "warning";
  readonly message?: RegExp;
  readonly hint?: RegExp;
}

const BETA: readonly ApiVersion[] = ["kaito.sh/v1beta1"];
const ALPHA: readonly ApiVersion[] = ["kaito.sh/v1alpha1"];
const NO_NAP = { nodeAutoProvisioning: false } as const;
const TF = "kaito.sh/runtime";

function byoNodes(labels: Record<string, string>[]) {
  return labels.map((l, i) => ({ name: `gpu-node-${i}`, labels: { apps: "phi-3", ...l } }));
}
const V100_LABELS = {
  "nvidia.com/gpu.product": "Tesla-V100",
  "nvidia.com/gpu.count": "1",
  "nvidia.com/gpu.memory": "16384",
};
const A100_LABELS = {
  "nvidia.com/gpu.product": "NVIDIA-A100",
  "nvidia.com/gpu.count": "1",
  "nvidia.com/gpu.memory": "81920",
};
const T4_SMALL = { "nvidia.com/gpu.product": "Tesla-T4", "nvidia.com/gpu.count": "1", "nvidia.com/gpu.memory": "4096" };

function byoInference(ws: Obj): void {
  delete ws.resource.instanceType;
}

const tuningConfigMap = (yaml: string) =>
  fakeCluster({ configMaps: { "default/my-tuning": { "training_config.yaml": yaml } } });
const inferenceConfigMap = (data: Record<string, string>) => fakeCluster({ configMaps: { "default/my-infer": data } });

const ROWS: readonly Row[] = [
  // ---- metadata
  {
    rule: "name not a DNS-1123 label (uppercase)",
    base: "inference",
    mutate: (w) => {
      w.metadata.name = "Workspace_Phi";
    },
    code: "NAME_INVALID",
    path: "metadata.name",
  },
  {
    rule: "name not a DNS-1123 label (dots)",
    base: "tuning",
    mutate: (w) => {
      w.metadata.name = "ws.phi3";
    },
    code: "NAME_INVALID",
    path: "metadata.name",
  },
  {
    rule: "name longer than 63",
    base: "inference",
    mutate: (w) => {
      w.metadata.name = "a".repeat(64);
    },
    code: "NAME_INVALID",
    path: "metadata.name",
  },
  // ---- shape
  {
    rule: "neither inference nor tuning",
    base: "inference",
    mutate: (w) => {
      delete w.inference;
    },
    code: "INFERENCE_TUNING_EXACTLY_ONE",
    path: "spec",
  },
  {
    rule: "both inference and tuning",
    base: "inference",
    mutate: (w) => {
      w.tuning = tuningWs().tuning;
    },
    code: "INFERENCE_TUNING_EXACTLY_ONE",
    path: "spec.tuning",
  },
  // ---- resource
  {
    rule: "NAP on, instanceType empty",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      delete w.resource.instanceType;
    },
    code: "INSTANCE_TYPE_REQUIRED",
    path: "spec.resource.instanceType",
  },
  {
    rule: "NAP on, instanceType empty string (v1alpha1 too)",
    base: "tuning",
    mutate: (w) => {
      w.resource.instanceType = "";
    },
    code: "INSTANCE_TYPE_REQUIRED",
    path: "spec.resource.instanceType",
  },
  {
    rule: "NAP off, instanceType set",
    base: "inference",
    ctx: NO_NAP,
    mutate: () => {},
    code: "INSTANCE_TYPE_FORBIDDEN",
    path: "spec.resource.instanceType",
  },
  {
    rule: "labelSelector not convertible (NotIn)",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector = { matchExpressions: [{ key: "apps", operator: "NotIn", values: ["x"] }] };
    },
    code: "LABEL_SELECTOR_INVALID",
    path: "spec.resource.labelSelector.matchExpressions[0]",
  },
  {
    rule: "labelSelector In with two values",
    base: "tuning",
    mutate: (w) => {
      w.resource.labelSelector = { matchExpressions: [{ key: "apps", operator: "In", values: ["x", "y"] }] };
    },
    code: "LABEL_SELECTOR_INVALID",
    path: "spec.resource.labelSelector.matchExpressions[0]",
  },
  {
    rule: "labelSelector only reserved keys",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector = { matchLabels: { "kaito.sh/workspace": "x" } };
    },
    code: "LABEL_SELECTOR_ONLY_RESERVED",
    path: "spec.resource.labelSelector.matchLabels",
  },
  {
    rule: "invalid kaito.sh/node-image-family",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/node-image-family": "windows" };
    },
    code: "ANNOTATION_INVALID_VALUE",
    path: 'metadata.annotations["kaito.sh/node-image-family"]',
  },
  {
    rule: "invalid kaito.sh/performance-mode",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/performance-mode": "fast" };
    },
    code: "ANNOTATION_INVALID_VALUE",
    path: 'metadata.annotations["kaito.sh/performance-mode"]',
  },
  {
    rule: "kaito.sh/performance-mode compared exactly in v1beta1",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/performance-mode": "Throughput" };
    },
    code: "ANNOTATION_INVALID_VALUE",
    path: 'metadata.annotations["kaito.sh/performance-mode"]',
    hint: /Write "throughput"/,
  },
  {
    rule: "invalid kaito.sh/use-local-weights",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/use-local-weights": "yes" };
    },
    code: "ANNOTATION_INVALID_VALUE",
    path: 'metadata.annotations["kaito.sh/use-local-weights"]',
  },
  // ---- inference shape and presets
  {
    rule: "inference with neither preset nor template",
    base: "inference",
    mutate: (w) => {
      w.inference = {};
    },
    code: "INFERENCE_PRESET_TEMPLATE_EXACTLY_ONE",
    path: "spec.inference",
  },
  {
    rule: "inference with both preset and template",
    base: "inference",
    mutate: (w) => {
      w.inference.template = { spec: { containers: [] } };
    },
    code: "INFERENCE_PRESET_TEMPLATE_EXACTLY_ONE",
    path: "spec.inference",
  },
  {
    rule: "unknown preset",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.name = "phi-3-mini-4k";
    },
    code: "PRESET_UNSUPPORTED",
    path: "spec.inference.preset.name",
    message: /^Unsupported inference preset name phi-3-mini-4k$/,
    hint: /phi-3-mini-4k-instruct/,
  },
  {
    rule: "deprecated preset",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.name = "phi-2";
    },
    code: "PRESET_DEPRECATED",
    path: "spec.inference.preset.name",
    message: /^Model phi-2 is deprecated/,
  },
  {
    rule: "transformers runtime without TF command",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.inference.preset.name = "phi-4-mini-instruct";
    },
    code: "RUNTIME_UNSUPPORTED_BY_PRESET",
    path: "spec.inference.preset.name",
  },
  {
    rule: "vLLM + adapters on a preset with LoRA disallowed",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.name = "falcon-7b";
      w.inference.adapters = [adapter("a1")];
    },
    code: "ADAPTERS_UNSUPPORTED_BY_PRESET",
    path: "spec.inference.adapters",
  },
  {
    rule: "vLLM + adapter strength",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("a1", { strength: "0.5" })];
    },
    code: "ADAPTER_STRENGTH_VLLM",
    path: "spec.inference.adapters[0].strength",
    message: /^vLLM does not support adapter strength$/,
  },
  {
    rule: "modelAccessSecret missing for a gated preset",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.inference.preset.name = "llama-3.1-8b-instruct";
    },
    code: "MODEL_ACCESS_SECRET_REQUIRED",
    path: "spec.inference.preset.presetOptions.modelAccessSecret",
  },
  {
    rule: "modelAccessSecret for a preset not downloaded at run time",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.inference.preset.presetOptions = { modelAccessSecret: "hf-token" };
    },
    code: "MODEL_ACCESS_SECRET_UNNEEDED",
    path: "spec.inference.preset.presetOptions.modelAccessSecret",
    severity: "warning",
    message: /has no effect/,
  },
  {
    rule: "more than 10 adapters",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = Array.from({ length: 11 }, (_, i) => adapter(`a${i}`));
    },
    code: "ADAPTERS_TOO_MANY",
    path: "spec.inference.adapters",
  },
  {
    rule: "duplicate adapter names",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("a1"), adapter("a1")];
    },
    code: "ADAPTER_NAME_DUPLICATE",
    path: "spec.inference.adapters[1].source.name",
  },
  // ---- adapter rules Kaito runs only on update: errors on create too where the pod could never run (names become
  // container/volume names; strength is parsed by the runtime), warnings otherwise (see the warnings below)
  {
    rule: "adapter without source (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{}];
    },
    code: "ADAPTER_SOURCE_MISSING",
    path: "spec.inference.adapters[0].source",
  },
  {
    rule: "adapter without name (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { image: "reg.io/a:1" } }];
    },
    code: "ADAPTER_SOURCE_MISSING",
    path: "spec.inference.adapters[0].source.name",
  },
  {
    rule: "adapter name not a DNS-1123 subdomain (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("My_Adapter")];
    },
    code: "ADAPTER_NAME_INVALID",
    path: "spec.inference.adapters[0].source.name",
  },
  {
    rule: "adapter strength not a number (create)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.inference.adapters = [adapter("a1", { strength: "strong" })];
    },
    code: "ADAPTER_STRENGTH_INVALID",
    path: "spec.inference.adapters[0].strength",
  },
  {
    rule: "adapter image not parseable",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1", image: "Reg.io/Adapters/A1:1" } }];
    },
    code: "IMAGE_REFERENCE_INVALID",
    path: "spec.inference.adapters[0].source.image",
  },
  // ---- inference config
  {
    rule: "inference ConfigMap missing",
    base: "inference",
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "INFERENCE_CONFIG_NOT_FOUND",
    path: "spec.inference.config",
  },
  {
    rule: "inference ConfigMap without inference_config.yaml",
    base: "inference",
    ctx: { cluster: inferenceConfigMap({ "config.yaml": "" }) },
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "INFERENCE_CONFIG_KEY_MISSING",
    path: "spec.inference.config",
  },
  {
    rule: "inference config invalid YAML",
    base: "inference",
    ctx: { cluster: inferenceConfigMap({ "inference_config.yaml": "vllm: [" }) },
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "INFERENCE_CONFIG_INVALID_YAML",
    path: "spec.inference.config",
  },
  {
    rule: "vllm.max-model-len not an integer",
    base: "inference",
    ctx: { cluster: inferenceConfigMap({ "inference_config.yaml": "vllm:\n  max-model-len: lots" }) },
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "INFERENCE_CONFIG_MAX_MODEL_LEN",
    path: "spec.inference.config",
  },
  {
    rule: "vllm.max-model-len above the model limit",
    base: "inference",
    ctx: { cluster: inferenceConfigMap({ "inference_config.yaml": "vllm:\n  max-model-len: 8192" }) },
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "INFERENCE_CONFIG_MAX_MODEL_LEN",
    path: "spec.inference.config",
    message: /4096/,
  },
  // ---- SKU / memory (NAP on)
  {
    rule: "partition with NAP on",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.resource.partition = { mode: "mig", profile: "1g.10gb", count: 1 };
    },
    code: "PARTITION_REQUIRES_BYO",
    path: "spec.resource.partition",
  },
  {
    rule: "SKU not in the cloud's table",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "Standard_E8s_v5";
    },
    code: "SKU_UNSUPPORTED",
    path: "spec.resource.instanceType",
    message: /^Unsupported instance type Standard_E8s_v5$/,
  },
  {
    rule: "SKU not in the AWS table",
    base: "inference",
    ctx: { cloud: "aws" },
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC24ads_A100_v4";
    },
    code: "SKU_UNSUPPORTED",
    path: "spec.resource.instanceType",
  },
  {
    rule: "transformers runtime: model larger than the nodes",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.resource.instanceType = "Standard_NV6ads_A10_v5";
    },
    code: "MODEL_FIT",
    path: "spec.resource.instanceType",
  },
  {
    rule: "transformers runtime: multi-node not supported",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.inference.preset = { name: "llama-3.3-70b-instruct" };
      if (w.apiVersion === "kaito.sh/v1beta1") w.inference.preset.presetOptions = { modelAccessSecret: "hf-token" };
    },
    code: "TRANSFORMERS_MULTI_NODE",
    path: "spec.resource.instanceType",
    message: /^Multi-node distributed inference is not supported with Huggingface Transformers runtime$/,
  },
  {
    rule: "transformers runtime: multi-node not supported, even with bypass-resource-checks",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers", "kaito.sh/bypass-resource-checks": "true" };
      w.resource.count = 2; // 2 × 80Gi hold the 131Gi model: only the one-node rule remains
      w.inference.preset = { name: "llama-3.3-70b-instruct" };
      if (w.apiVersion === "kaito.sh/v1beta1") w.inference.preset.presetOptions = { modelAccessSecret: "hf-token" };
    },
    code: "TRANSFORMERS_MULTI_NODE",
    path: "spec.resource.instanceType",
    hint: /bypass-resource-checks does not lift this rule/,
  },
  {
    rule: "BYO, transformers runtime: multi-node not supported, even with bypass-resource-checks",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([A100_LABELS, A100_LABELS]) }) },
    mutate: (w) => {
      byoInference(w);
      w.metadata.annotations = { [TF]: "transformers", "kaito.sh/bypass-resource-checks": "" };
      w.inference.preset = { name: "llama-3.3-70b-instruct" };
      if (w.apiVersion === "kaito.sh/v1beta1") w.inference.preset.presetOptions = { modelAccessSecret: "hf-token" };
    },
    code: "TRANSFORMERS_MULTI_NODE",
    path: "spec.resource.labelSelector",
  },
  // ---- SKU / memory (BYO)
  {
    rule: "BYO: no node matches the selector",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster() },
    mutate: byoInference,
    code: "BYO_NO_NODES",
    path: "spec.resource.labelSelector",
  },
  {
    rule: "BYO: node without GPU labels",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([{}]) }) },
    mutate: byoInference,
    code: "BYO_NODE_GPU_LABELS_MISSING",
    path: "spec.resource.labelSelector",
  },
  {
    rule: "BYO: nodes not uniform",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([V100_LABELS, A100_LABELS]) }) },
    mutate: byoInference,
    code: "BYO_NODES_NOT_UNIFORM",
    path: "spec.resource.labelSelector",
  },
  {
    rule: "BYO: model larger than the nodes",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([T4_SMALL]) }) },
    mutate: byoInference,
    code: "MODEL_FIT",
    path: "spec.resource.labelSelector",
  },
  // ---- tuning
  {
    rule: "tuning method not lora/qlora",
    base: "tuning",
    mutate: (w) => {
      w.tuning.method = "sft";
    },
    code: "TUNING_METHOD_INVALID",
    path: "spec.tuning.method",
  },
  {
    rule: "tuning method missing",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning.method;
    },
    code: "TUNING_METHOD_INVALID",
    path: "spec.tuning.method",
  },
  {
    rule: "user tuning ConfigMap not found",
    base: "tuning",
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_NOT_FOUND",
    path: "spec.tuning.config",
  },
  {
    rule: "default tuning template not found",
    base: "tuning",
    ctx: {
      tuningTemplates: {
        trainingConfigYaml: () => {
          throw new Error("not found");
        },
      },
    },
    mutate: () => {},
    code: "TUNING_CONFIG_NOT_FOUND",
    path: "spec.tuning.config",
  },
  {
    rule: "tuning ConfigMap without training_config.yaml",
    base: "tuning",
    ctx: { cluster: fakeCluster({ configMaps: { "default/my-tuning": { "x.yaml": "" } } }) },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_KEY_MISSING",
    path: "spec.tuning.config",
  },
  {
    rule: "training_config not a map",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config: [1, 2]") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_NOT_MAP",
    path: "spec.tuning.config",
  },
  {
    rule: "unknown training_config section",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  QuantizationConfig: {load_in_4bit: true}\n  Optimizer: {}") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_UNKNOWN_SECTION",
    path: "spec.tuning.config",
    message: /Optimizer/,
  },
  {
    rule: "load_in_4bit not a bool",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  QuantizationConfig: {load_in_4bit: 'yes'}") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_QUANTIZATION_TYPE",
    path: "spec.tuning.config",
  },
  {
    rule: "load_in_4bit and load_in_8bit both true",
    base: "tuning",
    ctx: {
      cluster: tuningConfigMap("training_config:\n  QuantizationConfig: {load_in_4bit: true, load_in_8bit: true}"),
    },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_QUANTIZATION_BOTH",
    path: "spec.tuning.config",
  },
  {
    rule: "lora with 4-bit loading",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  QuantizationConfig: {load_in_4bit: true}") },
    mutate: (w) => {
      w.tuning.method = "lora";
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_LORA_QUANTIZED",
    path: "spec.tuning.config",
  },
  {
    rule: "qlora without quantization",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  LoraConfig: {r: 8}") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_QLORA_UNQUANTIZED",
    path: "spec.tuning.config",
  },
  {
    rule: "output_dir outside /mnt",
    base: "tuning",
    ctx: {
      cluster: tuningConfigMap(
        "training_config:\n  QuantizationConfig: {load_in_4bit: true}\n  TrainingArguments: {output_dir: /mnt/../root}",
      ),
    },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_OUTPUT_DIR",
    path: "spec.tuning.config",
  },
  {
    rule: "input with no source",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input = {};
    },
    code: "TUNING_INPUT_EXACTLY_ONE",
    path: "spec.tuning.input",
  },
  {
    rule: "input with two sources",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.image = "reg.io/data:1";
    },
    code: "TUNING_INPUT_EXACTLY_ONE",
    path: "spec.tuning.input",
  },
  {
    rule: "input URL not http(s)",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.tuning.input.urls = ["ftp://example.com/data.csv"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input URL to localhost",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.tuning.input.urls = ["https://example.com/ok.csv", "http://localhost:8000/data.csv"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[1]",
  },
  {
    rule: "input URL to cloud metadata",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.tuning.input.urls = ["http://169.254.169.254/metadata/identity"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input URL to a private IP",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.tuning.input.urls = ["http://10.0.0.5/data.csv"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input URL to loopback in decimal form (Go does not read it as an IP: Kaito accepts)",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.tuning.input.urls = ["http://2130706433/data.csv"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
    severity: "warning",
    message: /Kaito's webhook accepts this URL/,
  },
  {
    rule: "input URL to a metadata host only kaito-ts knows",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.tuning.input.urls = ["http://metadata.azure.com/metadata/instance"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
    severity: "warning",
  },
  {
    rule: "input URL to IPv4-mapped IPv6 loopback",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.tuning.input.urls = ["http://[::ffff:127.0.0.1]/data.csv"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input image not parseable",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input = { image: "Reg.io/Data:latest" };
    },
    code: "IMAGE_REFERENCE_INVALID",
    path: "spec.tuning.input.image",
  },
  {
    rule: "output with no destination",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output = {};
    },
    code: "TUNING_OUTPUT_EXACTLY_ONE",
    path: "spec.tuning.output",
  },
  {
    rule: "output with image and volume",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.volumeSource = { emptyDir: {} };
    },
    code: "TUNING_OUTPUT_EXACTLY_ONE",
    path: "spec.tuning.output",
  },
  {
    rule: "output image without imagePushSecret",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning.output.imagePushSecret;
    },
    code: "OUTPUT_PUSH_SECRET_REQUIRED",
    path: "spec.tuning.output.imagePushSecret",
  },
  {
    rule: "output image not parseable",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.image = "localhost:5000/Tuning/Phi:0.0.1";
    },
    code: "IMAGE_REFERENCE_INVALID",
    path: "spec.tuning.output.image",
    message: /repository name must be lowercase \("Tuning", "Phi"\)/,
  },
  {
    rule: "tuning preset missing",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning.preset;
    },
    code: "TUNING_PRESET_REQUIRED",
    path: "spec.tuning.preset",
  },
  {
    rule: "tuning preset unknown",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "phi-9";
    },
    code: "PRESET_UNSUPPORTED",
    path: "spec.tuning.preset.name",
    message: /^Unsupported tuning preset name phi-9$/,
  },
  {
    rule: "tuning resource.count > 1",
    base: "tuning",
    mutate: (w) => {
      w.resource.count = 2;
    },
    code: "TUNING_COUNT",
    path: "spec.resource.count",
  },
  {
    rule: "tuning with partition",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.resource.partition = { mode: "mig" };
    },
    code: "TUNING_PARTITION",
    path: "spec.resource.partition",
  },
  // ---- gaps closed / beyond Kaito
  {
    rule: "tuning a preset that cannot be tuned",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "falcon-7b";
    },
    code: "TUNING_PRESET_NOT_TUNABLE",
    path: "spec.tuning.preset.name",
    hint: /phi-3-mini-4k-instruct/,
  },
  {
    rule: "tuning a best-effort Hugging Face model",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "someorg/some-model";
    },
    code: "TUNING_PRESET_NOT_TUNABLE",
    path: "spec.tuning.preset.name",
  },
  {
    rule: "tuning method the preset does not support",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "qwen-lora-only";
    },
    code: "TUNING_METHOD_UNSUPPORTED_BY_PRESET",
    path: "spec.tuning.method",
    severity: "warning",
  },
  {
    rule: "imagePushSecret not a Secret name",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.imagePushSecret = "My_Secret";
    },
    code: "SECRET_NAME_INVALID",
    path: "spec.tuning.output.imagePushSecret",
  },
  {
    rule: "input imagePullSecrets not a Secret name",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input = { image: "reg.io/data:1", imagePullSecrets: ["ok-secret", "Bad Secret"] };
    },
    code: "SECRET_NAME_INVALID",
    path: "spec.tuning.input.imagePullSecrets[1]",
  },
  {
    rule: "presetOptions.imagePullSecrets not a Secret name",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.presetOptions = { imagePullSecrets: ["-bad"] };
    },
    code: "SECRET_NAME_INVALID",
    path: "spec.inference.preset.presetOptions.imagePullSecrets[0]",
    severity: "warning",
  },
  {
    rule: "adapter imagePullSecrets not a Secret name",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1", image: "reg.io/a:1", imagePullSecrets: ["UPPER"] } }];
    },
    code: "SECRET_NAME_INVALID",
    path: "spec.inference.adapters[0].source.imagePullSecrets[0]",
  },
  {
    rule: "modelAccessSecret not a Secret name",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.inference.preset = { name: "llama-3.1-8b-instruct", presetOptions: { modelAccessSecret: "HF_TOKEN_SECRET" } };
    },
    code: "SECRET_NAME_INVALID",
    path: "spec.inference.preset.presetOptions.modelAccessSecret",
  },
  {
    rule: "training_config.yaml not valid YAML",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  LoraConfig: {r: 8\n") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "TUNING_CONFIG_INVALID_YAML",
    path: "spec.tuning.config",
    message: /line \d+, column \d+/,
  },
  {
    rule: "v1alpha1 accessMode private without an image",
    base: "inference",
    versions: ["kaito.sh/v1alpha1"],
    mutate: (w) => {
      w.inference.preset.accessMode = "private";
    },
    code: "PRIVATE_PRESET_IMAGE_REQUIRED",
    path: "spec.inference.preset.presetOptions.image",
  },
  {
    rule: "kaito.sh/node-class-name not one of the operator's node classes",
    base: "inference",
    ctx: { karpenterNodeClasses: ["default", "gpu"] },
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/node-class-name": "other" };
    },
    code: "ANNOTATION_INVALID_VALUE",
    path: 'metadata.annotations["kaito.sh/node-class-name"]',
    hint: /default, gpu/,
  },
  // ---- warnings
  {
    rule: "v1alpha1 does not check kaito.sh/performance-mode (accepted, valid values named)",
    base: "inference",
    versions: ALPHA,
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/performance-mode": "fast" };
    },
    code: "ANNOTATION_INVALID_VALUE",
    path: 'metadata.annotations["kaito.sh/performance-mode"]',
    severity: "warning",
    message: /"balanced", "interactivity", "throughput"/,
  },
  {
    rule: "v1alpha1 does not check kaito.sh/use-local-weights",
    base: "inference",
    versions: ALPHA,
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/use-local-weights": "yes" };
    },
    code: "ANNOTATION_INVALID_VALUE",
    path: 'metadata.annotations["kaito.sh/use-local-weights"]',
    severity: "warning",
    message: /"true", "false"/,
  },
  {
    rule: "unknown kaito.sh/runtime is ignored (Kaito serves with the default runtime)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "tgi" };
    },
    code: "ANNOTATION_INEFFECTIVE",
    path: 'metadata.annotations["kaito.sh/runtime"]',
    severity: "warning",
    message: /serves the model with vllm/,
  },
  {
    rule: "kaito.sh/runtime compared exactly: Transformers is ignored",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "Transformers" };
      w.resource.instanceType = "Standard_NV6ads_A10_v5"; // would not fit with transformers: vLLM runs no fit check
    },
    code: "ANNOTATION_INEFFECTIVE",
    path: 'metadata.annotations["kaito.sh/runtime"]',
    severity: "warning",
    hint: /Write "transformers"/,
  },
  {
    rule: "gated preset without modelAccessSecret, weights from the node's disk",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/use-local-weights": "true" };
      w.inference.preset.name = "llama-3.1-8b-instruct";
    },
    code: "MODEL_ACCESS_SECRET_REQUIRED",
    path: "spec.inference.preset.presetOptions.modelAccessSecret",
    severity: "warning",
  },
  {
    rule: "adapter with neither image nor volume (create: Kaito accepts, update rejects)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1" } }];
    },
    code: "ADAPTER_SOURCE_KIND",
    path: "spec.inference.adapters[0].source",
    severity: "warning",
    message: /rejects every later update/,
  },
  {
    rule: "adapter with image and volume (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1", image: "reg.io/a:1", volumeSource: { emptyDir: {} } } }];
    },
    code: "ADAPTER_SOURCE_KIND",
    path: "spec.inference.adapters[0].source",
    severity: "warning",
    message: /found both/,
  },
  {
    rule: "adapter with URLs (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [
        { source: { name: "a1", urls: ["https://example.com/a.safetensors"], image: "reg.io/a:1" } },
      ];
    },
    code: "ADAPTER_URLS_UNSUPPORTED",
    path: "spec.inference.adapters[0].source.urls",
    severity: "warning",
  },
  {
    rule: "adapter strength above 1 (create: the runtime applies it)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.inference.adapters = [adapter("a1", { strength: "1.5" })];
    },
    code: "ADAPTER_STRENGTH_INVALID",
    path: "spec.inference.adapters[0].strength",
    severity: "warning",
  },
  {
    rule: "vLLM + adapter strength with a pod template (Kaito checks presets only)",
    base: "inference",
    mutate: (w) => {
      w.inference = { template: { spec: { containers: [] } }, adapters: [adapter("a1", { strength: "0.5" })] };
    },
    code: "ADAPTER_STRENGTH_VLLM",
    path: "spec.inference.adapters[0].strength",
    severity: "warning",
  },
  {
    rule: "adapter volume name that makes an invalid volume name",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "my.adapter", volumeSource: { emptyDir: {} } } }];
    },
    code: "ADAPTER_NAME_CONTAINER",
    path: "spec.inference.adapters[0].source.name",
    severity: "warning",
    message: /adapter-volume-my\.adapter/,
  },
  {
    rule: "deprecated presetOptions.image not parseable (current Kaito ignores it)",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.presetOptions = { image: "Reg.io/Kaito-Phi-3:0.2.0" };
    },
    code: "IMAGE_REFERENCE_INVALID",
    path: "spec.inference.preset.presetOptions.image",
    severity: "warning",
  },
  {
    rule: "a placeholder in a field whose problem is a warning gets the hint on that warning",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.presetOptions = { imagePullSecrets: ["PULL_SECRET_HERE"] };
    },
    code: "SECRET_NAME_INVALID",
    path: "spec.inference.preset.presetOptions.imagePullSecrets[0]",
    severity: "warning",
    hint: /placeholder/,
  },
  {
    rule: "v1alpha1 has no input URL safety rules: private IP",
    base: "tuning",
    versions: ALPHA,
    mutate: (w) => {
      w.tuning.input.urls = ["http://10.0.0.5/data.csv"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
    severity: "warning",
    message: /v1alpha1 does not check input URLs/,
  },
  {
    rule: "v1alpha1 has no input URL safety rules: not http(s)",
    base: "tuning",
    versions: ALPHA,
    mutate: (w) => {
      w.tuning.input.urls = ["ftp://example.com/data.csv"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
    severity: "warning",
  },
  {
    rule: "BYO tuning without an instance type cannot get a Job",
    base: "tuning",
    versions: BETA,
    ctx: NO_NAP,
    mutate: (w) => {
      delete w.resource.instanceType;
    },
    code: "TUNING_BYO_UNSUPPORTED",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "tuning on an unlisted Standard_N* SKU",
    base: "tuning",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC999_future";
    },
    code: "SKU_UNVALIDATED",
    path: "spec.resource.instanceType",
    severity: "warning",
    message: /cannot create the Job/,
  },
  {
    rule: "adapter name that makes an invalid container name",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("my.adapter")];
    },
    code: "ADAPTER_NAME_CONTAINER",
    path: "spec.inference.adapters[0].source.name",
    severity: "warning",
  },
  {
    rule: "v1beta1 accessMode private without an image has no effect",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.inference.preset.accessMode = "private";
    },
    code: "DEPRECATED_FIELD",
    path: "spec.inference.preset.presetOptions.image",
    severity: "warning",
  },
  {
    rule: "bf16 template on a GPU without bf16",
    base: "tuning",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC6s_v3";
    },
    code: "BF16_UNSUPPORTED",
    path: "spec.resource.instanceType",
    severity: "warning",
    hint: /float16.*A100\/H100/,
  },
  {
    rule: "bf16 in a user ConfigMap on a GPU without bf16",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  ModelConfig: {torch_dtype: bfloat16}") },
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC6s_v3";
      w.tuning.method = "lora";
      w.tuning.config = "my-tuning";
    },
    code: "BF16_UNSUPPORTED",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "classic SKU",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC6s_v3";
    },
    code: "SKU_CLASSIC",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "Azure Standard_N* not in the table is accepted unvalidated",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC999_future";
    },
    code: "SKU_UNVALIDATED",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "Azure standard_n* in lower case is accepted unvalidated too",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "standard_nc999_future";
    },
    code: "SKU_UNVALIDATED",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "deprecated resource.preferredNodes",
    base: "inference",
    mutate: (w) => {
      w.resource.preferredNodes = ["node-1"];
    },
    code: "DEPRECATED_FIELD",
    path: "spec.resource.preferredNodes",
    severity: "warning",
  },
  {
    rule: "deprecated preset.accessMode",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.accessMode = "public";
    },
    code: "DEPRECATED_FIELD",
    path: "spec.inference.preset.accessMode",
    severity: "warning",
  },
  {
    rule: "deprecated presetOptions.image",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.presetOptions = { image: "reg.io/kaito-phi-3:0.2.0" };
    },
    code: "DEPRECATED_FIELD",
    path: "spec.inference.preset.presetOptions.image",
    severity: "warning",
  },
  {
    rule: "deprecated resource.count in v1beta1",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.resource.count = 1;
    },
    code: "DEPRECATED_FIELD",
    path: "spec.resource.count",
    severity: "warning",
  },
  {
    rule: "bypass-resource-checks downgrades the fit error",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers", "kaito.sh/bypass-resource-checks": "" };
      w.resource.instanceType = "Standard_NV6ads_A10_v5";
    },
    code: "MODEL_FIT",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "reserved selector keys are dropped",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector.matchLabels["kaito.sh/workspace"] = "x";
    },
    code: "LABEL_SELECTOR_RESERVED_DROPPED",
    path: "spec.resource.labelSelector.matchLabels",
    severity: "warning",
  },
  {
    rule: "best-effort Hugging Face model",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.name = "someorg/some-model";
    },
    code: "PRESET_BEST_EFFORT",
    path: "spec.inference.preset.name",
    severity: "warning",
  },
  {
    rule: "kaito.sh/enablelb other than True",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/enablelb": "true" };
    },
    code: "ANNOTATION_INEFFECTIVE",
    path: 'metadata.annotations["kaito.sh/enablelb"]',
    severity: "warning",
  },
  {
    rule: "tuning method in mixed case",
    base: "tuning",
    mutate: (w) => {
      w.tuning.method = "QLoRA";
    },
    code: "TUNING_METHOD_CASE",
    path: "spec.tuning.method",
    severity: "warning",
  },
  {
    rule: "unknown field",
    base: "tuning",
    mutate: (w) => {
      w.tuning.outputs = {};
    },
    code: "UNKNOWN_FIELD",
    path: "spec.tuning.outputs",
    severity: "warning",
  },
  {
    rule: "placeholder in an otherwise valid value",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector.matchLabels.apps = "APP_NAME_HERE";
    },
    code: "PLACEHOLDER_VALUE",
    path: "spec.resource.labelSelector.matchLabels.apps",
    severity: "warning",
  },
];

describe("create rules (compat §1.6): one row per rule", () => {
  for (const row of ROWS) {
    for (const version of row.versions ?? VERSIONS) {
      it(`${row.rule} [${version.split("/")[1]}] → ${row.severity ?? "error"} ${row.code} at ${row.path}`, () => {
        const ws = row.base === "inference" ? inferenceWs(version) : tuningWs(version);
        row.mutate(ws);
        const r = validateWorkspace(ws, fullContext(row.ctx));
        const issue = expectIssue(r, row.code, row.path, row.severity ?? "error");
        expect(issue.message.length).toBeGreaterThan(0);
        if (row.message) expect(issue.message).toMatch(row.message);
        if (row.hint) expect(issue.hint ?? "").toMatch(row.hint);
        if ((row.severity ?? "error") === "warning") expectValid(r);
        // one issue per field: a placeholder hint joins the issue at its path instead of a second warning
        if (row.code !== "PLACEHOLDER_VALUE") {
          expect(r.warnings.filter((w) => w.code === "PLACEHOLDER_VALUE" && w.path === row.path)).toEqual([]);
        }
      });
    }
  }
});

/** Workspaces Kaito accepts without a word: kaito-ts must accept them with no error and no warning. */
interface AcceptRow {
  readonly rule: string;
  readonly base: "inference" | "tuning";
  readonly versions?: readonly ApiVersion[];
  readonly ctx?: Partial<ValidationContext>;
  readonly mutate: (ws: Obj) => void;
}

const ACCEPT_ROWS: readonly AcceptRow[] = [
  {
    rule: "kaito.sh/node-image-family: AzureLinux (Kaito compares without regard to case)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/node-image-family": "AzureLinux" };
    },
  },
  {
    rule: "kaito.sh/node-image-family with surrounding blanks and capitals (Kaito trims)",
    base: "tuning",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/node-image-family": " Ubuntu " };
    },
  },
  {
    rule: "a listed SKU written in lower case (SKU lookup is case-insensitive)",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "standard_nc24ads_a100_v4";
    },
  },
  {
    rule: "transformers runtime, a distributed-capable model that fits one node",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.resource.instanceType = "Standard_NC96ads_A100_v4"; // 320Gi ≥ 131.42Gi
      w.inference.preset = { name: "llama-3.3-70b-instruct" };
      if (w.apiVersion === "kaito.sh/v1beta1") w.inference.preset.presetOptions = { modelAccessSecret: "hf-token" };
    },
  },
  {
    rule: "vLLM, a distributed-capable model larger than one node (the node estimator spreads it)",
    base: "inference",
    mutate: (w) => {
      w.inference.preset = { name: "llama-3.3-70b-instruct" };
      if (w.apiVersion === "kaito.sh/v1beta1") w.inference.preset.presetOptions = { modelAccessSecret: "hf-token" };
    },
  },
  {
    rule: "input URL with scheme and host in capitals (Kaito compares them without regard to case)",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.urls = ["HTTPS://HuggingFace.CO/datasets/x/resolve/main/train.parquet"];
    },
  },
  {
    rule: "every valid annotation value",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = {
        "kaito.sh/performance-mode": "interactivity",
        "kaito.sh/use-local-weights": "false",
        [TF]: "vllm",
        "kaito.sh/enablelb": "True",
        "kaito.sh/disable-benchmark": "true",
        "kaito.sh/node-image-family": "azurelinux",
      };
    },
  },
];

describe("accepted as Kaito accepts them (compat §1.5–§1.7, §5.1): no error, no warning", () => {
  for (const row of ACCEPT_ROWS) {
    for (const version of row.versions ?? VERSIONS) {
      it(`${row.rule} [${version.split("/")[1]}]`, () => {
        const ws = row.base === "inference" ? inferenceWs(version) : tuningWs(version);
        row.mutate(ws);
        const r = validateWorkspace(ws, fullContext(row.ctx));
        expectValid(r);
        expect(r.warnings).toEqual([]);
      });
    }
  }
});

describe("valid bases", () => {
  for (const version of VERSIONS) {
    it(`inference and tuning bases are valid without warnings [${version}]`, () => {
      for (const ws of [inferenceWs(version), tuningWs(version)]) {
        const r = validateWorkspace(ws, fullContext());
        expectValid(r);
        expect(r.warnings).toEqual([]);
      }
    });
  }

  it("BYO with uniform labelled nodes that fit is valid", () => {
    const ws = inferenceWs();
    delete ws.resource.instanceType;
    const r = validateWorkspace(
      ws,
      fullContext({ ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([A100_LABELS, A100_LABELS]) }) }),
    );
    expectValid(r);
  });

  it("a user ConfigMap in float16 on a V100 gives no bf16 warning", () => {
    const ws = tuningWs();
    ws.resource.instanceType = "Standard_NC6s_v3";
    ws.tuning.config = "my-tuning";
    const yaml =
      "training_config:\n  ModelConfig: {torch_dtype: float16}\n  QuantizationConfig: {load_in_4bit: true, bnb_4bit_compute_dtype: float16}";
    const r = validateWorkspace(ws, fullContext({ cluster: tuningConfigMap(yaml) }));
    expectValid(r);
    expect(r.warnings.map((w) => w.code)).not.toContain("BF16_UNSUPPORTED");
  });

  it("vLLM + NAP runs no GPU-memory check (the node estimator sizes instead)", () => {
    const ws = inferenceWs();
    ws.resource.instanceType = "Standard_NV6ads_A10_v5";
    expectValid(validateWorkspace(ws, fullContext()));
  });

  it("a rule whose lookup is absent is skipped", () => {
    const ws = inferenceWs();
    ws.inference.preset.name = "no-such-preset";
    ws.resource.instanceType = "Standard_E8s_v5";
    ws.inference.config = "missing";
    expectValid(validateWorkspace(ws, {}));
    expectValid(validateWorkspace(ws));
  });
});

describe("structure", () => {
  it.each([
    [{ apiVersion: "kaito.sh/v1", kind: "Workspace" }, "INVALID_API_VERSION", "apiVersion"],
    [{ kind: "Workspace" }, "INVALID_API_VERSION", "apiVersion"],
    [{ apiVersion: "kaito.sh/v1beta1", kind: "Deployment" }, "INVALID_KIND", "kind"],
    ["just a string", "INVALID_STRUCTURE", ""],
    [null, "INVALID_STRUCTURE", ""],
  ] as const)("%j → %s at %s", (obj, code, path) => {
    expectIssue(validateWorkspace(obj), code, path);
  });

  it("reports wrong types with spec paths and still runs the content rules", () => {
    const ws = tuningWs();
    ws.resource.count = "two";
    ws.tuning.output.image = "Bad/Image";
    const r = validateWorkspace(ws, fullContext());
    expectIssue(r, "INVALID_STRUCTURE", "spec.resource.count");
    expectIssue(r, "IMAGE_REFERENCE_INVALID", "spec.tuning.output.image");
  });

  it("reports a missing labelSelector", () => {
    const ws = inferenceWs();
    delete ws.resource.labelSelector;
    expectIssue(validateWorkspace(ws), "INVALID_STRUCTURE", "spec.resource.labelSelector");
  });

  it("hints that partition exists only in v1beta1", () => {
    const ws = inferenceWs("kaito.sh/v1alpha1");
    ws.resource.partition = { mode: "mig" };
    const w = expectIssue(validateWorkspace(ws), "UNKNOWN_FIELD", "spec.resource.partition", "warning");
    expect(w.hint).toMatch(/v1beta1/);
  });

  it("applies CRD defaults first (v1alpha1 instanceType default satisfies NAP)", () => {
    const ws = inferenceWs("kaito.sh/v1alpha1");
    delete ws.resource.instanceType;
    expectValid(validateWorkspace(ws, fullContext()));
  });

  it("does not report defaulted fields as deprecated or forbidden", () => {
    const ws = inferenceWs("kaito.sh/v1alpha1");
    delete ws.resource.instanceType;
    const r = validateWorkspace(
      ws,
      fullContext({ ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([A100_LABELS]) }) }),
    );
    expectValid(r);
    expect(r.warnings).toEqual([]);
  });
});

describe("messages never leak URL credentials", () => {
  it("redacts the query of a rejected URL", () => {
    const ws = tuningWs();
    ws.tuning.input.urls = ["http://10.0.0.5/data.csv?sig=SECRETSIG&se=2030"];
    const r = validateWorkspace(ws, fullContext());
    const e = expectIssue(r, "INPUT_URL_INVALID", "spec.tuning.input.urls[0]");
    expect(e.message).not.toContain("SECRETSIG");
  });
});

describe("rule coverage", () => {
  it("every rule id has a bad-input row (create table here; structure and update rules in their own tables)", () => {
    const elsewhere: readonly ValidationCode[] = [
      "INVALID_API_VERSION",
      "INVALID_KIND",
      "INVALID_STRUCTURE",
      "UPDATE_MODE_CHANGED",
      "FIELD_IMMUTABLE",
      "TEMPLATE_TOGGLED",
    ];
    const covered = new Set<ValidationCode>([...ROWS.map((r) => r.code), ...elsewhere]);
    expect(VALIDATION_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });
});

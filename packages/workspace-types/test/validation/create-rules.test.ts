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
    code: "name-invalid",
    path: "metadata.name",
  },
  {
    rule: "name not a DNS-1123 label (dots)",
    base: "tuning",
    mutate: (w) => {
      w.metadata.name = "ws.phi3";
    },
    code: "name-invalid",
    path: "metadata.name",
  },
  {
    rule: "name longer than 63",
    base: "inference",
    mutate: (w) => {
      w.metadata.name = "a".repeat(64);
    },
    code: "name-invalid",
    path: "metadata.name",
  },
  // ---- shape
  {
    rule: "neither inference nor tuning",
    base: "inference",
    mutate: (w) => {
      delete w.inference;
    },
    code: "inference-tuning-exactly-one",
    path: "spec",
  },
  {
    rule: "both inference and tuning",
    base: "inference",
    mutate: (w) => {
      w.tuning = tuningWs().tuning;
    },
    code: "inference-tuning-exactly-one",
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
    code: "instance-type-required",
    path: "spec.resource.instanceType",
  },
  {
    rule: "NAP on, instanceType empty string (v1alpha1 too)",
    base: "tuning",
    mutate: (w) => {
      w.resource.instanceType = "";
    },
    code: "instance-type-required",
    path: "spec.resource.instanceType",
  },
  {
    rule: "NAP off, instanceType set",
    base: "inference",
    ctx: NO_NAP,
    mutate: () => {},
    code: "instance-type-forbidden",
    path: "spec.resource.instanceType",
  },
  {
    rule: "labelSelector not convertible (NotIn)",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector = { matchExpressions: [{ key: "apps", operator: "NotIn", values: ["x"] }] };
    },
    code: "label-selector-invalid",
    path: "spec.resource.labelSelector.matchExpressions[0]",
  },
  {
    rule: "labelSelector In with two values",
    base: "tuning",
    mutate: (w) => {
      w.resource.labelSelector = { matchExpressions: [{ key: "apps", operator: "In", values: ["x", "y"] }] };
    },
    code: "label-selector-invalid",
    path: "spec.resource.labelSelector.matchExpressions[0]",
  },
  {
    rule: "labelSelector only reserved keys",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector = { matchLabels: { "kaito.sh/workspace": "x" } };
    },
    code: "label-selector-only-reserved",
    path: "spec.resource.labelSelector.matchLabels",
  },
  {
    rule: "invalid kaito.sh/node-image-family",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/node-image-family": "windows" };
    },
    code: "annotation-invalid-value",
    path: 'metadata.annotations["kaito.sh/node-image-family"]',
  },
  {
    rule: "invalid kaito.sh/performance-mode (v1alpha1 too: gap closed)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/performance-mode": "fast" };
    },
    code: "annotation-invalid-value",
    path: 'metadata.annotations["kaito.sh/performance-mode"]',
  },
  {
    rule: "invalid kaito.sh/use-local-weights (v1alpha1 too: gap closed)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/use-local-weights": "yes" };
    },
    code: "annotation-invalid-value",
    path: 'metadata.annotations["kaito.sh/use-local-weights"]',
  },
  {
    rule: "invalid kaito.sh/runtime",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "tgi" };
    },
    code: "annotation-invalid-value",
    path: 'metadata.annotations["kaito.sh/runtime"]',
  },
  // ---- inference shape and presets
  {
    rule: "inference with neither preset nor template",
    base: "inference",
    mutate: (w) => {
      w.inference = {};
    },
    code: "inference-preset-template-exactly-one",
    path: "spec.inference",
  },
  {
    rule: "inference with both preset and template",
    base: "inference",
    mutate: (w) => {
      w.inference.template = { spec: { containers: [] } };
    },
    code: "inference-preset-template-exactly-one",
    path: "spec.inference",
  },
  {
    rule: "unknown preset",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.name = "phi-3-mini-4k";
    },
    code: "preset-unsupported",
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
    code: "preset-deprecated",
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
    code: "runtime-unsupported-by-preset",
    path: "spec.inference.preset.name",
  },
  {
    rule: "vLLM + adapters on a preset with LoRA disallowed",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.name = "falcon-7b";
      w.inference.adapters = [adapter("a1")];
    },
    code: "adapters-unsupported-by-preset",
    path: "spec.inference.adapters",
  },
  {
    rule: "vLLM + adapter strength",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("a1", { strength: "0.5" })];
    },
    code: "adapter-strength-vllm",
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
    code: "model-access-secret-required",
    path: "spec.inference.preset.presetOptions.modelAccessSecret",
  },
  {
    rule: "modelAccessSecret for a preset not downloaded at run time",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.inference.preset.presetOptions = { modelAccessSecret: "hf-token" };
    },
    code: "model-access-secret-unneeded",
    path: "spec.inference.preset.presetOptions.modelAccessSecret",
  },
  {
    rule: "more than 10 adapters",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = Array.from({ length: 11 }, (_, i) => adapter(`a${i}`));
    },
    code: "adapters-too-many",
    path: "spec.inference.adapters",
  },
  {
    rule: "duplicate adapter names",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("a1"), adapter("a1")];
    },
    code: "adapter-name-duplicate",
    path: "spec.inference.adapters[1].source.name",
  },
  // ---- adapter rules Kaito runs only on update: on create too (gap closed)
  {
    rule: "adapter without source (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{}];
    },
    code: "adapter-source-missing",
    path: "spec.inference.adapters[0].source",
  },
  {
    rule: "adapter without name (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { image: "reg.io/a:1" } }];
    },
    code: "adapter-source-missing",
    path: "spec.inference.adapters[0].source.name",
  },
  {
    rule: "adapter name not a DNS-1123 subdomain (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("My_Adapter")];
    },
    code: "adapter-name-invalid",
    path: "spec.inference.adapters[0].source.name",
  },
  {
    rule: "adapter with neither image nor volume (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1" } }];
    },
    code: "adapter-source-kind",
    path: "spec.inference.adapters[0].source",
  },
  {
    rule: "adapter with URLs (create)",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [
        { source: { name: "a1", urls: ["https://example.com/a.safetensors"], image: "reg.io/a:1" } },
      ];
    },
    code: "adapter-urls-unsupported",
    path: "spec.inference.adapters[0].source.urls",
  },
  {
    rule: "adapter strength above 1 (create)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.inference.adapters = [adapter("a1", { strength: "1.5" })];
    },
    code: "adapter-strength-invalid",
    path: "spec.inference.adapters[0].strength",
  },
  {
    rule: "adapter strength not a number (create)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.inference.adapters = [adapter("a1", { strength: "strong" })];
    },
    code: "adapter-strength-invalid",
    path: "spec.inference.adapters[0].strength",
  },
  {
    rule: "adapter image not parseable",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1", image: "Reg.io/Adapters/A1:1" } }];
    },
    code: "image-reference-invalid",
    path: "spec.inference.adapters[0].source.image",
  },
  // ---- inference config
  {
    rule: "inference ConfigMap missing",
    base: "inference",
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "inference-config-not-found",
    path: "spec.inference.config",
  },
  {
    rule: "inference ConfigMap without inference_config.yaml",
    base: "inference",
    ctx: { cluster: inferenceConfigMap({ "config.yaml": "" }) },
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "inference-config-key-missing",
    path: "spec.inference.config",
  },
  {
    rule: "inference config invalid YAML",
    base: "inference",
    ctx: { cluster: inferenceConfigMap({ "inference_config.yaml": "vllm: [" }) },
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "inference-config-invalid-yaml",
    path: "spec.inference.config",
  },
  {
    rule: "vllm.max-model-len not an integer",
    base: "inference",
    ctx: { cluster: inferenceConfigMap({ "inference_config.yaml": "vllm:\n  max-model-len: lots" }) },
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "inference-config-max-model-len",
    path: "spec.inference.config",
  },
  {
    rule: "vllm.max-model-len above the model limit",
    base: "inference",
    ctx: { cluster: inferenceConfigMap({ "inference_config.yaml": "vllm:\n  max-model-len: 8192" }) },
    mutate: (w) => {
      w.inference.config = "my-infer";
    },
    code: "inference-config-max-model-len",
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
    code: "partition-requires-byo",
    path: "spec.resource.partition",
  },
  {
    rule: "SKU not in the cloud's table",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "Standard_E8s_v5";
    },
    code: "sku-unsupported",
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
    code: "sku-unsupported",
    path: "spec.resource.instanceType",
  },
  {
    rule: "transformers runtime: model larger than the nodes",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.resource.instanceType = "Standard_NV6ads_A10_v5";
    },
    code: "model-fit",
    path: "spec.resource.instanceType",
  },
  {
    rule: "transformers runtime: multi-node not supported",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.metadata.annotations = { [TF]: "transformers" };
      w.inference.preset = { name: "llama-3.3-70b-instruct", presetOptions: { modelAccessSecret: "hf-token" } };
    },
    code: "model-fit",
    path: "spec.resource.instanceType",
    message: /Multi-node distributed inference is not supported with Huggingface Transformers runtime/,
  },
  // ---- SKU / memory (BYO)
  {
    rule: "BYO: no node matches the selector",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster() },
    mutate: byoInference,
    code: "byo-no-nodes",
    path: "spec.resource.labelSelector",
  },
  {
    rule: "BYO: node without GPU labels",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([{}]) }) },
    mutate: byoInference,
    code: "byo-node-gpu-labels-missing",
    path: "spec.resource.labelSelector",
  },
  {
    rule: "BYO: nodes not uniform",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([V100_LABELS, A100_LABELS]) }) },
    mutate: byoInference,
    code: "byo-nodes-not-uniform",
    path: "spec.resource.labelSelector",
  },
  {
    rule: "BYO: model larger than the nodes",
    base: "inference",
    ctx: { ...NO_NAP, cluster: fakeCluster({ nodes: byoNodes([T4_SMALL]) }) },
    mutate: byoInference,
    code: "model-fit",
    path: "spec.resource.labelSelector",
  },
  // ---- tuning
  {
    rule: "tuning method not lora/qlora",
    base: "tuning",
    mutate: (w) => {
      w.tuning.method = "sft";
    },
    code: "tuning-method-invalid",
    path: "spec.tuning.method",
  },
  {
    rule: "tuning method missing",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning.method;
    },
    code: "tuning-method-invalid",
    path: "spec.tuning.method",
  },
  {
    rule: "user tuning ConfigMap not found",
    base: "tuning",
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "tuning-config-not-found",
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
    code: "tuning-config-not-found",
    path: "spec.tuning.config",
  },
  {
    rule: "tuning ConfigMap without training_config.yaml",
    base: "tuning",
    ctx: { cluster: fakeCluster({ configMaps: { "default/my-tuning": { "x.yaml": "" } } }) },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "tuning-config-key-missing",
    path: "spec.tuning.config",
  },
  {
    rule: "training_config not a map",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config: [1, 2]") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "tuning-config-not-map",
    path: "spec.tuning.config",
  },
  {
    rule: "unknown training_config section",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  QuantizationConfig: {load_in_4bit: true}\n  Optimizer: {}") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "tuning-config-unknown-section",
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
    code: "tuning-config-quantization-type",
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
    code: "tuning-config-quantization-both",
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
    code: "tuning-config-lora-quantized",
    path: "spec.tuning.config",
  },
  {
    rule: "qlora without quantization",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  LoraConfig: {r: 8}") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "tuning-config-qlora-unquantized",
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
    code: "tuning-config-output-dir",
    path: "spec.tuning.config",
  },
  {
    rule: "input with no source",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input = {};
    },
    code: "tuning-input-exactly-one",
    path: "spec.tuning.input",
  },
  {
    rule: "input with two sources",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.image = "reg.io/data:1";
    },
    code: "tuning-input-exactly-one",
    path: "spec.tuning.input",
  },
  {
    rule: "input URL not http(s) (v1alpha1 too: gap closed)",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.urls = ["ftp://example.com/data.csv"];
    },
    code: "input-url-invalid",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input URL to localhost",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.urls = ["https://example.com/ok.csv", "http://localhost:8000/data.csv"];
    },
    code: "input-url-invalid",
    path: "spec.tuning.input.urls[1]",
  },
  {
    rule: "input URL to cloud metadata",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.urls = ["http://169.254.169.254/metadata/identity"];
    },
    code: "input-url-invalid",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input URL to a private IP",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.urls = ["http://10.0.0.5/data.csv"];
    },
    code: "input-url-invalid",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input URL to loopback in decimal form",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.urls = ["http://2130706433/data.csv"];
    },
    code: "input-url-invalid",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input URL to IPv4-mapped IPv6 loopback",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.urls = ["http://[::ffff:127.0.0.1]/data.csv"];
    },
    code: "input-url-invalid",
    path: "spec.tuning.input.urls[0]",
  },
  {
    rule: "input image not parseable",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input = { image: "Reg.io/Data:latest" };
    },
    code: "image-reference-invalid",
    path: "spec.tuning.input.image",
  },
  {
    rule: "output with no destination",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output = {};
    },
    code: "tuning-output-exactly-one",
    path: "spec.tuning.output",
  },
  {
    rule: "output with image and volume",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.volumeSource = { emptyDir: {} };
    },
    code: "tuning-output-exactly-one",
    path: "spec.tuning.output",
  },
  {
    rule: "output image without imagePushSecret",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning.output.imagePushSecret;
    },
    code: "output-push-secret-required",
    path: "spec.tuning.output.imagePushSecret",
  },
  {
    rule: "output image not parseable",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.image = "localhost:5000/Tuning/Phi:0.0.1";
    },
    code: "image-reference-invalid",
    path: "spec.tuning.output.image",
    message: /repository name must be lowercase \("Tuning", "Phi"\)/,
  },
  {
    rule: "tuning preset missing",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning.preset;
    },
    code: "tuning-preset-required",
    path: "spec.tuning.preset",
  },
  {
    rule: "tuning preset unknown",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "phi-9";
    },
    code: "preset-unsupported",
    path: "spec.tuning.preset.name",
    message: /^Unsupported tuning preset name phi-9$/,
  },
  {
    rule: "tuning resource.count > 1",
    base: "tuning",
    mutate: (w) => {
      w.resource.count = 2;
    },
    code: "tuning-count",
    path: "spec.resource.count",
  },
  {
    rule: "tuning with partition",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      w.resource.partition = { mode: "mig" };
    },
    code: "tuning-partition",
    path: "spec.resource.partition",
  },
  // ---- gaps closed / beyond Kaito
  {
    rule: "tuning a preset that cannot be tuned",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "falcon-7b";
    },
    code: "tuning-preset-not-tunable",
    path: "spec.tuning.preset.name",
    hint: /phi-3-mini-4k-instruct/,
  },
  {
    rule: "tuning a best-effort Hugging Face model",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "someorg/some-model";
    },
    code: "tuning-preset-not-tunable",
    path: "spec.tuning.preset.name",
  },
  {
    rule: "tuning method the preset does not support",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "qwen-lora-only";
    },
    code: "tuning-method-unsupported-by-preset",
    path: "spec.tuning.method",
  },
  {
    rule: "imagePushSecret not a Secret name",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.imagePushSecret = "My_Secret";
    },
    code: "secret-name-invalid",
    path: "spec.tuning.output.imagePushSecret",
  },
  {
    rule: "input imagePullSecrets not a Secret name",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input = { image: "reg.io/data:1", imagePullSecrets: ["ok-secret", "Bad Secret"] };
    },
    code: "secret-name-invalid",
    path: "spec.tuning.input.imagePullSecrets[1]",
  },
  {
    rule: "presetOptions.imagePullSecrets not a Secret name",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.presetOptions = { imagePullSecrets: ["-bad"] };
    },
    code: "secret-name-invalid",
    path: "spec.inference.preset.presetOptions.imagePullSecrets[0]",
  },
  {
    rule: "adapter imagePullSecrets not a Secret name",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1", image: "reg.io/a:1", imagePullSecrets: ["UPPER"] } }];
    },
    code: "secret-name-invalid",
    path: "spec.inference.adapters[0].source.imagePullSecrets[0]",
  },
  {
    rule: "modelAccessSecret not a Secret name",
    base: "inference",
    versions: BETA,
    mutate: (w) => {
      w.inference.preset = { name: "llama-3.1-8b-instruct", presetOptions: { modelAccessSecret: "HF_TOKEN_SECRET" } };
    },
    code: "secret-name-invalid",
    path: "spec.inference.preset.presetOptions.modelAccessSecret",
  },
  {
    rule: "training_config.yaml not valid YAML",
    base: "tuning",
    ctx: { cluster: tuningConfigMap("training_config:\n  LoraConfig: {r: 8\n") },
    mutate: (w) => {
      w.tuning.config = "my-tuning";
    },
    code: "tuning-config-invalid-yaml",
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
    code: "private-preset-image-required",
    path: "spec.inference.preset.presetOptions.image",
  },
  {
    rule: "kaito.sh/node-class-name not one of the operator's node classes",
    base: "inference",
    ctx: { karpenterNodeClasses: ["default", "gpu"] },
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/node-class-name": "other" };
    },
    code: "annotation-invalid-value",
    path: 'metadata.annotations["kaito.sh/node-class-name"]',
    hint: /default, gpu/,
  },
  // ---- warnings
  {
    rule: "BYO tuning without an instance type cannot get a Job",
    base: "tuning",
    versions: BETA,
    ctx: NO_NAP,
    mutate: (w) => {
      delete w.resource.instanceType;
    },
    code: "tuning-byo-unsupported",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "tuning on an unlisted Standard_N* SKU",
    base: "tuning",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC999_future";
    },
    code: "sku-unvalidated",
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
    code: "adapter-name-container",
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
    code: "deprecated-field",
    path: "spec.inference.preset.presetOptions.image",
    severity: "warning",
  },
  {
    rule: "bf16 template on a GPU without bf16",
    base: "tuning",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC6s_v3";
    },
    code: "bf16-unsupported",
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
    code: "bf16-unsupported",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "classic SKU",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC6s_v3";
    },
    code: "sku-classic",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "Azure Standard_N* not in the table is accepted unvalidated",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC999_future";
    },
    code: "sku-unvalidated",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "deprecated resource.preferredNodes",
    base: "inference",
    mutate: (w) => {
      w.resource.preferredNodes = ["node-1"];
    },
    code: "deprecated-field",
    path: "spec.resource.preferredNodes",
    severity: "warning",
  },
  {
    rule: "deprecated preset.accessMode",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.accessMode = "public";
    },
    code: "deprecated-field",
    path: "spec.inference.preset.accessMode",
    severity: "warning",
  },
  {
    rule: "deprecated presetOptions.image",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.presetOptions = { image: "reg.io/kaito-phi-3:0.2.0" };
    },
    code: "deprecated-field",
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
    code: "deprecated-field",
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
    code: "model-fit",
    path: "spec.resource.instanceType",
    severity: "warning",
  },
  {
    rule: "reserved selector keys are dropped",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector.matchLabels["kaito.sh/workspace"] = "x";
    },
    code: "label-selector-reserved-dropped",
    path: "spec.resource.labelSelector.matchLabels",
    severity: "warning",
  },
  {
    rule: "best-effort Hugging Face model",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.name = "someorg/some-model";
    },
    code: "preset-best-effort",
    path: "spec.inference.preset.name",
    severity: "warning",
  },
  {
    rule: "kaito.sh/enablelb other than True",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/enablelb": "true" };
    },
    code: "annotation-ineffective",
    path: 'metadata.annotations["kaito.sh/enablelb"]',
    severity: "warning",
  },
  {
    rule: "tuning method in mixed case",
    base: "tuning",
    mutate: (w) => {
      w.tuning.method = "QLoRA";
    },
    code: "tuning-method-case",
    path: "spec.tuning.method",
    severity: "warning",
  },
  {
    rule: "unknown field",
    base: "tuning",
    mutate: (w) => {
      w.tuning.outputs = {};
    },
    code: "unknown-field",
    path: "spec.tuning.outputs",
    severity: "warning",
  },
  {
    rule: "placeholder in an otherwise valid value",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector.matchLabels.apps = "APP_NAME_HERE";
    },
    code: "placeholder-value",
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
    expect(r.warnings.map((w) => w.code)).not.toContain("bf16-unsupported");
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
    [{ apiVersion: "kaito.sh/v1", kind: "Workspace" }, "invalid-api-version", "apiVersion"],
    [{ kind: "Workspace" }, "invalid-api-version", "apiVersion"],
    [{ apiVersion: "kaito.sh/v1beta1", kind: "Deployment" }, "invalid-kind", "kind"],
    ["just a string", "invalid-structure", ""],
    [null, "invalid-structure", ""],
  ] as const)("%j → %s at %s", (obj, code, path) => {
    expectIssue(validateWorkspace(obj), code, path);
  });

  it("reports wrong types with spec paths and still runs the content rules", () => {
    const ws = tuningWs();
    ws.resource.count = "two";
    ws.tuning.output.image = "Bad/Image";
    const r = validateWorkspace(ws, fullContext());
    expectIssue(r, "invalid-structure", "spec.resource.count");
    expectIssue(r, "image-reference-invalid", "spec.tuning.output.image");
  });

  it("reports a missing labelSelector", () => {
    const ws = inferenceWs();
    delete ws.resource.labelSelector;
    expectIssue(validateWorkspace(ws), "invalid-structure", "spec.resource.labelSelector");
  });

  it("hints that partition exists only in v1beta1", () => {
    const ws = inferenceWs("kaito.sh/v1alpha1");
    ws.resource.partition = { mode: "mig" };
    const w = expectIssue(validateWorkspace(ws), "unknown-field", "spec.resource.partition", "warning");
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
    const e = expectIssue(r, "input-url-invalid", "spec.tuning.input.urls[0]");
    expect(e.message).not.toContain("SECRETSIG");
  });
});

describe("rule coverage", () => {
  it("every rule id has a bad-input row (create table here; structure and update rules in their own tables)", () => {
    const elsewhere: readonly ValidationCode[] = [
      "invalid-api-version",
      "invalid-kind",
      "invalid-structure",
      "update-mode-changed",
      "field-immutable",
      "template-toggled",
    ];
    const covered = new Set<ValidationCode>([...ROWS.map((r) => r.code), ...elsewhere]);
    expect(VALIDATION_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });
});

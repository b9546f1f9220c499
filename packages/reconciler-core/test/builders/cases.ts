/**
 * The representative Workspaces of the golden tests: the repository's examples plus the shapes the examples do not
 * cover (multi-node vLLM, transformers with adapter strengths, NVMe weights, LoadBalancer, AWS, volume tuning I/O).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { WorkspaceInput } from "@kaito-ts/workspace-types";
import { parseAllDocuments } from "yaml";
import type { BuildOptionsInput, ByoGpu, WorkspaceObjectsInput } from "../../src/index.ts";

/** One golden case. */
export interface GoldenCase {
  readonly workspace: WorkspaceInput;
  readonly observed: WorkspaceObjectsInput;
  readonly options: BuildOptionsInput;
}

const EXAMPLES = fileURLToPath(new URL("../../../../examples/", import.meta.url));

type Doc = { kind?: string; metadata?: { name?: string; labels?: Record<string, string>; uid?: string } } & Record<
  string,
  unknown
>;

/** An example file: the Workspace, its ConfigMaps (as observed ConfigMaps) and its Nodes (as BYO GPU details). */
function example(path: string, uid: string, options: BuildOptionsInput = {}): GoldenCase {
  const docs = parseAllDocuments(readFileSync(`${EXAMPLES}${path}`, "utf8")).map((d) => d.toJS() as Doc);
  const ws = docs.find((d) => d.kind === "Workspace") as unknown as WorkspaceInput;
  ws.metadata.uid = uid;
  const configMap = docs.find((d) => d.kind === "ConfigMap") as V1ConfigMap | undefined;
  const node = docs.find((d) => d.kind === "Node");
  const observed: { -readonly [K in keyof WorkspaceObjectsInput]: WorkspaceObjectsInput[K] } = {};
  if (configMap !== undefined) {
    if (ws.tuning !== undefined) observed.tuningConfigMap = configMap;
    else observed.inferenceConfigMap = configMap;
  }
  if (node?.metadata?.labels !== undefined) observed.byoGpu = byoGpuFromLabels(node.metadata.labels);
  return { workspace: ws, observed, options };
}

/** GPU details from NVIDIA GPU-feature-discovery labels (memory is MiB per GPU). */
export function byoGpuFromLabels(labels: Record<string, string>): ByoGpu {
  const count = Number(labels["nvidia.com/gpu.count"]);
  const mib = Number(labels["nvidia.com/gpu.memory"]);
  const product = labels["nvidia.com/gpu.product"];
  return {
    gpuCount: count,
    totalGpuMemoryGiB: Math.round((count * mib) / 1024),
    ...(product !== undefined ? { product } : {}),
  };
}

function ws(
  name: string,
  body: Omit<WorkspaceInput, "apiVersion" | "kind" | "metadata">,
  annotations?: Record<string, string>,
): WorkspaceInput {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: {
      name,
      namespace: "team-a",
      uid: `00000000-0000-0000-0000-${name.length.toString().padStart(12, "0")}`,
      ...(annotations !== undefined ? { annotations } : {}),
    },
    ...body,
  } as WorkspaceInput;
}

const configMap = (name: string, key: string, text: string): V1ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "team-a" },
  data: { [key]: text },
});

/** Every golden case by name; `test/builders/golden/<name>.yaml` holds its objects. */
export const GOLDEN_CASES: Readonly<Record<string, () => GoldenCase>> = {
  "example-phi-3-mini": () =>
    example("inference/kaito_workspace_phi_3_mini.yaml", "9f6c1c1e-0000-4000-8000-000000000001"),
  "example-phi-3-with-adapters": () =>
    example("inference/kaito_workspace_phi_3_with_adapters.yaml", "9f6c1c1e-0000-4000-8000-000000000002"),
  "example-template": () => example("inference/kaito_workspace_template.yaml", "9f6c1c1e-0000-4000-8000-000000000003"),
  "example-byo": () =>
    example("byo/kaito_workspace_byo.yaml", "9f6c1c1e-0000-4000-8000-000000000004", { nodeProvisioner: "byo" }),
  "example-tuning-lora-configmap": () =>
    example("fine-tuning/kaito_workspace_tuning_lora_configmap.yaml", "9f6c1c1e-0000-4000-8000-000000000005"),
  "example-tuning-image-volume": () =>
    example("fine-tuning/kaito_workspace_tuning_image_volume.yaml", "9f6c1c1e-0000-4000-8000-000000000006"),
  "example-tuning-seed-localhost": () =>
    example("fine-tuning/kaito_workspace_tuning_phi_3_local.yaml", "9f6c1c1e-0000-4000-8000-000000000007"),
  "vllm-nvme-data-parallel": () => ({
    workspace: ws("phi-4-h100", {
      resource: { instanceType: "Standard_NC80adis_H100_v5", labelSelector: { matchLabels: { apps: "phi-4" } } },
      inference: { preset: { name: "phi-4" } },
    }),
    observed: { nvmeStorageClass: true },
    options: {},
  }),
  "vllm-multi-node-llama-70b": () => ({
    workspace: ws("llama-70b", {
      resource: { instanceType: "Standard_NV36ads_A10_v5", labelSelector: { matchLabels: { apps: "llama" } } },
      inference: { preset: { name: "llama-3.3-70b-instruct", presetOptions: { modelAccessSecret: "hf-token" } } },
    }),
    observed: {},
    options: {},
  }),
  "transformers-adapter-strength": () => ({
    workspace: ws(
      "mistral-tf",
      {
        resource: {
          count: 1,
          instanceType: "Standard_NC24ads_A100_v4",
          labelSelector: { matchLabels: { apps: "mistral" } },
        },
        inference: {
          preset: { name: "mistral-7b-instruct" },
          config: "mistral-infer",
          adapters: [
            { source: { name: "support", image: "registry.example.com/adapters/support:1.0" }, strength: "0.6" },
            {
              source: { name: "legal", volumeSource: { persistentVolumeClaim: { claimName: "legal-adapter" } } },
              strength: "0.3",
            },
          ],
        },
      },
      { "kaito.sh/runtime": "transformers" },
    ),
    observed: {
      inferenceConfigMap: configMap("mistral-infer", "inference_config.yaml", "vllm:\n  max-model-len: 4096\n"),
    },
    options: {},
  }),
  "vllm-enablelb-config": () => ({
    workspace: ws(
      "qwen-lb",
      {
        resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "qwen" } } },
        inference: { preset: { name: "deepseek-r1-distill-qwen-14b" }, config: "qwen-infer" },
      },
      {
        "kaito.sh/enablelb": "True",
        "kaito.sh/performance-mode": "throughput",
        "kaito.sh/disable-benchmark": "true",
      },
    ),
    observed: {
      inferenceConfigMap: configMap("qwen-infer", "inference_config.yaml", "vllm:\n  max-model-len: 16384\n"),
    },
    options: {},
  }),
  "vllm-aws-gpt-oss": () => ({
    workspace: ws("gpt-oss", {
      resource: { instanceType: "g6.12xlarge", labelSelector: { matchLabels: { apps: "gpt-oss" } } },
      inference: { preset: { name: "gpt-oss-20b" } },
    }),
    observed: {},
    options: { cloud: "aws", nodeProvisioner: "karpenter" },
  }),
  "tuning-qlora-volume-io": () => ({
    workspace: ws("qwen-qlora", {
      resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "qwen-tune" } } },
      tuning: {
        preset: { name: "qwen2.5-coder-7b-instruct" },
        method: "qlora",
        input: { name: "code", volumeSource: { persistentVolumeClaim: { claimName: "datasets" } } },
        output: { volumeSource: { persistentVolumeClaim: { claimName: "adapters" } } },
      },
    }),
    observed: {},
    options: {},
  }),
};

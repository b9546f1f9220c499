/**
 * The benchmark's workload: a deterministic mix of valid and invalid Workspaces generated in memory, and a
 * validation context with small preset and SKU lookups. Shared by `validate.bench.ts` and profiling drivers.
 */
import type { PresetInfo, PresetLookup, SkuInfo, SkuLookup, ValidationContext } from "../src/index.ts";

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRESETS = [
  "phi-3-mini-4k-instruct",
  "phi-3-mini-128k-instruct",
  "mistral-7b-instruct",
  "qwen2.5-coder-7b-instruct",
];

export function makeWorkspace(i: number, r: () => number): Record<string, unknown> {
  const apiVersion = r() < 0.5 ? "kaito.sh/v1alpha1" : "kaito.sh/v1beta1";
  const preset = PRESETS[i % PRESETS.length] as string;
  const base: Record<string, unknown> = {
    apiVersion,
    kind: "Workspace",
    metadata: {
      name: `ws-${i}`,
      namespace: "default",
      annotations: { "kaito.sh/runtime": r() < 0.8 ? "vllm" : "transformers" },
    },
    resource: {
      instanceType: r() < 0.7 ? "Standard_NC24ads_A100_v4" : "Standard_NC6s_v3",
      labelSelector: { matchLabels: { app: `app-${i % 50}` } },
    },
  };
  const kind = r();
  if (kind < 0.35) base.inference = { preset: { name: preset } };
  else if (kind < 0.5)
    base.inference = {
      preset: { name: preset },
      adapters: [{ source: { name: "adapter-a", image: "registry.example.com/adapters/a:0.0.1" } }],
    };
  else if (kind < 0.6)
    base.inference = {
      template: {
        spec: { containers: [{ name: "c", image: "ghcr.io/example/llm:1.0", ports: [{ containerPort: 5000 }] }] },
      },
    };
  else if (kind < 0.8)
    base.tuning = {
      preset: { name: preset },
      method: r() < 0.5 ? "lora" : "qlora",
      input: {
        urls: ["https://huggingface.co/datasets/philschmid/dolly-15k-oai-style/resolve/main/data/train.parquet"],
      },
      output: { image: `registry.example.com/adapters/ws-${i}:0.0.1`, imagePushSecret: "push-secret" },
    };
  else
    base.tuning = {
      preset: { name: preset },
      method: "qlora",
      input: { image: "registry.example.com/datasets/dolly:1.0" },
      output: { volumeSource: { persistentVolumeClaim: { claimName: "results" } } },
    };
  // about a third are invalid, in different ways
  const bad = r();
  if (bad < 0.05) (base.resource as Record<string, unknown>).count = "two";
  else if (bad < 0.1)
    base.inference = { preset: { name: preset } }; // may add both inference and tuning
  else if (bad < 0.15 && base.tuning)
    base.tuning = {
      ...(base.tuning as object),
      output: { image: "ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1" },
    };
  else if (bad < 0.2 && base.tuning)
    base.tuning = { ...(base.tuning as object), input: { urls: ["http://169.254.169.254/latest"] } };
  else if (bad < 0.25) (base.metadata as Record<string, unknown>).name = `WS_${i}.bad`;
  else if (bad < 0.3) (base.resource as Record<string, unknown>).instancetype = "typo";
  else if (bad < 0.33) delete base.resource;
  return base;
}

const preset = (name: string): PresetInfo => ({
  name,
  huggingFaceId: `org/${name}`,
  weightsGiB: 8,
  contextLimit: 4096,
  supportsTransformers: true,
  supportsDistributedInference: false,
  loraAllowedInVllm: true,
  downloadAtRuntime: true,
  downloadAuthRequired: false,
  deprecated: false,
  tuningMethods: ["lora", "qlora"],
});
const presetTable = new Map(PRESETS.map((p) => [p, preset(p)]));
const presets: PresetLookup = {
  resolvePreset(name) {
    const p = presetTable.get(name.toLowerCase());
    if (p) return { kind: "preset", preset: p };
    return name.includes("/") ? { kind: "huggingface", huggingFaceId: name } : { kind: "unknown", suggestions: [] };
  },
};
const skuTable: Record<string, SkuInfo> = {
  standard_nc24ads_a100_v4: {
    name: "Standard_NC24ads_A100_v4",
    cloud: "azure",
    gpuCount: 1,
    gpuModel: "A100",
    totalGpuMemoryGiB: 80,
    computeCapability: 8,
    supportsBf16: true,
    nvme: true,
    classic: false,
  },
  standard_nc6s_v3: {
    name: "Standard_NC6s_v3",
    cloud: "azure",
    gpuCount: 1,
    gpuModel: "V100",
    totalGpuMemoryGiB: 16,
    computeCapability: 7,
    supportsBf16: false,
    nvme: false,
    classic: true,
  },
};
const skus: SkuLookup = { getSku: (name) => skuTable[name.toLowerCase()] };
export const catalogCtx: Partial<ValidationContext> = { presets, skus };

/** `count` Workspaces from the fixed seed (the same objects in every run). */
export function makeWorkspaces(count: number, seed = 42): Record<string, unknown>[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => makeWorkspace(i, r));
}

import { describe, expect, it } from "vitest";
import {
  getPreset,
  getSku,
  isPresetCatalogError,
  listPresets,
  listSkus,
  requirePreset,
  requireSku,
  runtimeDefaults,
  tuningTemplate,
} from "../src/index.ts";

describe("getPreset", () => {
  it("finds presets by legacy name, case-insensitively and ignoring blanks", () => {
    expect(getPreset("phi-3-mini-4k-instruct")?.huggingFaceId).toBe("microsoft/Phi-3-mini-4k-instruct");
    expect(getPreset("  PHI-3-Mini-4K-Instruct ")?.name).toBe("phi-3-mini-4k-instruct");
  });

  it("finds presets by Hugging Face id in any case", () => {
    expect(getPreset("meta-llama/Llama-3.3-70B-Instruct")?.name).toBe("llama-3.3-70b-instruct");
    expect(getPreset("GOOGLE/GEMMA-3-4B-IT")?.name).toBe("gemma-3-4b-instruct");
    expect(getPreset("mistralai/Ministral-3-8B-Instruct-2512")?.name).toBe("ministral-3-8b-instruct");
  });

  it("returns undefined for unknown names and served names Kaito does not accept", () => {
    expect(getPreset("phi-5")).toBeUndefined();
    expect(getPreset("gemma-3-4b-it")).toBeUndefined();
    expect(getPreset("")).toBeUndefined();
  });

  it("keeps the numbers of compat §4.2", () => {
    const p = getPreset("phi-3-mini-4k-instruct");
    expect(p).toMatchObject({
      weightsGiB: 7.12,
      contextLimit: 4096,
      image: { name: "kaito-phi-3-mini-4k-instruct", tag: "0.2.0" },
      runtimes: ["vllm", "transformers"],
      tuning: { methods: ["lora", "qlora"] },
      architecture: { class: "Phi3ForCausalLM", hiddenSize: 3072, numHiddenLayers: 32, numKeyValueHeads: 32 },
      classicRequirements: { diskStorage: "80Gi", gpuCount: 1, totalGpuMemoryGiB: 9 },
    });
    expect(p?.tuning?.targetModules).toEqual([
      "k_proj",
      "q_proj",
      "v_proj",
      "o_proj",
      "gate_proj",
      "down_proj",
      "up_proj",
    ]);
    expect(getPreset("deepseek-r1-0528")).toMatchObject({
      weightsGiB: 641.3,
      contextLimit: 163840,
      distributedInference: true,
    });
    expect(getPreset("gpt-oss-20b")?.image.tag).toBe("0.0.2");
    expect(getPreset("llama-3.1-8b-instruct")).toMatchObject({ downloadAtRuntime: true, downloadAuthRequired: true });
  });

  it("marks the falcon presets unresolvable and phi-2 deprecated", () => {
    for (const name of ["falcon-7b", "falcon-7b-instruct", "falcon-40b", "falcon-40b-instruct"]) {
      expect(getPreset(name)?.availability).toBe("unresolvable");
    }
    expect(getPreset("falcon-40b")?.classicRequirements).toMatchObject({
      gpuCount: 2,
      totalGpuMemoryGiB: 90,
      diskStorage: "280Gi",
    });
    expect(getPreset("phi-2")).toMatchObject({ deprecated: true, availability: "available" });
  });

  it("models the runtime gaps of §4.2", () => {
    expect(getPreset("phi-4-mini-instruct")?.runtimes).toEqual(["vllm"]);
    expect(getPreset("mistral-large-3-675b-instruct")?.runtimes).toEqual(["vllm"]);
    expect(getPreset("mistral-7b")?.tuning?.notes).toMatch(/broken at HEAD/);
    expect(getPreset("falcon-7b")?.loraInVllm).toBe(false);
  });

  it("requirePreset throws UNKNOWN_PRESET naming the input", () => {
    expect(() => requirePreset("nope-1b")).toThrowError(/Unknown preset "nope-1b"/);
    try {
      requirePreset("nope-1b");
    } catch (e) {
      expect(isPresetCatalogError(e) && e.code).toBe("UNKNOWN_PRESET");
    }
  });
});

describe("listPresets", () => {
  it("lists the 25 legacy names Kaito resolves by default (no falcon, no phi-2)", () => {
    const names = listPresets().map((p) => p.name);
    expect(names).toHaveLength(25);
    expect(names).not.toContain("falcon-7b");
    expect(names).not.toContain("phi-2");
    expect(listPresets({ includeUnavailable: true, includeDeprecated: true })).toHaveLength(30);
  });

  it("filters by runtime, tunability, family and distribution", () => {
    expect(listPresets({ runtime: "transformers" }).map((p) => p.name)).not.toContain("phi-4-mini-instruct");
    expect(listPresets({ tunable: true }).map((p) => p.name)).toEqual([
      "mistral-7b",
      "phi-4",
      "phi-4-mini-instruct",
      "phi-3-mini-4k-instruct",
      "phi-3-mini-128k-instruct",
      "phi-3-medium-4k-instruct",
      "phi-3-medium-128k-instruct",
      "phi-3.5-mini-instruct",
      "qwen2.5-coder-7b-instruct",
      "qwen2.5-coder-32b-instruct",
    ]);
    expect(listPresets({ tuningMethod: "qlora", family: "qwen" })).toHaveLength(2);
    expect(
      listPresets({ distributedInference: true })
        .map((p) => p.name)
        .sort(),
    ).toEqual(["deepseek-r1-0528", "deepseek-v3-0324", "llama-3.3-70b-instruct", "mistral-large-3-675b-instruct"]);
  });

  it("filters by what fits one node of a cloud or SKU", () => {
    const arc = listPresets({ fitsCloud: "arc" }).map((p) => p.name);
    expect(arc).toContain("phi-3-mini-4k-instruct");
    expect(arc).not.toContain("llama-3.3-70b-instruct");
    const a10 = listPresets({ fitsSku: "standard_nv36ads_a10_v5" }).map((p) => p.name);
    expect(a10).toContain("llama-3.1-8b-instruct");
    expect(a10).not.toContain("phi-4");
    expect(listPresets({ fitsSku: "Standard_NV36ads_A10_v5", maxNodes: 9 }).map((p) => p.name)).toContain(
      "llama-3.3-70b-instruct",
    );
    expect(() => listPresets({ fitsSku: "Standard_X" })).toThrowError(/Unknown instance type "Standard_X"/);
  });
});

describe("SKUs", () => {
  it("finds SKUs case-insensitively, in one cloud or in all", () => {
    expect(getSku("standard_nc24ads_a100_v4")?.name).toBe("Standard_NC24ads_A100_v4");
    expect(getSku("STANDARD_NC24ADS_A100_V4", "azure")?.totalGpuMemoryGiB).toBe(80);
    expect(getSku("Standard_NC24ads_A100_v4", "aws")).toBeUndefined();
    expect(getSku("P4D.24XLARGE")).toMatchObject({
      cloud: "aws",
      gpuCount: 8,
      totalGpuMemoryGiB: 320,
      gpuMemoryPerGpuGiB: 40,
    });
    expect(getSku("Standard_NC8_A16", "arc")).toMatchObject({ gpuModel: "A16", totalGpuMemoryGiB: 16 });
  });

  it("keeps the seed's classic Standard_NC6s_v3: V100 16GB, compute capability 7.0, no bf16", () => {
    expect(getSku("Standard_NC6s_v3", "azure")).toEqual({
      name: "Standard_NC6s_v3",
      cloud: "azure",
      gpuCount: 1,
      gpuModel: "V100",
      vendor: "nvidia",
      totalGpuMemoryGiB: 16,
      gpuMemoryPerGpuGiB: 16,
      computeCapability: 7,
      supportsBf16: false,
      nvme: false,
      classic: true,
    });
  });

  it("derives bf16 from compute capability and flags NVMe", () => {
    expect(getSku("Standard_NV36ads_A10_v5")).toMatchObject({
      computeCapability: 8.6,
      supportsBf16: true,
      nvme: false,
    });
    expect(getSku("Standard_ND96isr_H200_v5")).toMatchObject({
      supportsBf16: true,
      nvme: true,
      totalGpuMemoryGiB: 1128,
    });
    expect(getSku("Standard_NC4as_T4_v3")).toMatchObject({ supportsBf16: false, classic: true });
    expect(getSku("Standard_NG32ads_V620_v1")).toMatchObject({ vendor: "amd", supportsBf16: false });
    expect(getSku("Standard_NG32ads_V620_v1")?.computeCapability).toBeUndefined();
    expect(getSku("trn1.32xlarge")).toMatchObject({ vendor: "aws-neuron", supportsBf16: true, gpuCount: 16 });
  });

  it("lists classic SKUs only when asked", () => {
    const current = listSkus({ cloud: "azure" });
    expect(current.every((s) => !s.classic && s.cloud === "azure")).toBe(true);
    expect(current).toHaveLength(14);
    expect(current.filter((s) => s.vendor === "nvidia").every((s) => (s.computeCapability ?? 0) >= 8)).toBe(true);
    const all = listSkus({ cloud: "azure", includeClassic: true });
    expect(all.map((s) => s.name)).toContain("Standard_NC6s_v3");
    expect(
      listSkus({ cloud: "arc", includeClassic: true })
        .filter((s) => s.classic)
        .map((s) => s.name),
    ).toEqual(["Standard_NK6", "Standard_NK12"]);
    expect(listSkus({ cloud: "aws" })).toHaveLength(35);
  });

  it("requireSku throws UNKNOWN_SKU naming the cloud", () => {
    expect(() => requireSku("Standard_NC6s_v3", "aws")).toThrowError(/not in the aws table/);
  });
});

describe("tuning templates and runtime defaults", () => {
  it("gives the ConfigMap name and training_config.yaml text per method", () => {
    const q = tuningTemplate("qlora");
    expect(q.configMapName).toBe("qlora-params-template");
    expect(q.key).toBe("training_config.yaml");
    expect(q.trainingConfigYaml).toContain("load_in_4bit: true");
    expect(q.trainingConfigYaml).toContain('bnb_4bit_compute_dtype: "bfloat16"');
    expect(q.trainingConfigYaml).toContain('output_dir: "/mnt/results"');
    const l = tuningTemplate("lora");
    expect(l.configMapName).toBe("lora-params-template");
    expect(l.trainingConfigYaml).toContain("load_in_4bit: false");
    expect(() => tuningTemplate("full" as "lora")).toThrowError(/Unknown tuning method "full"/);
  });

  it("exposes the base image and vLLM defaults", () => {
    const d = runtimeDefaults();
    expect(d.base.tag).toBe("0.5.0");
    expect(d.vllm.gpuMemoryUtilization).toEqual({ default: 0.84, byGpuModel: { A10: 0.82 } });
    expect(d.transformers.acceleratorParams).toEqual({
      num_processes: "1",
      num_machines: "1",
      machine_rank: "0",
      gpu_ids: "all",
    });
  });
});

describe("immutability", () => {
  it("the shared tables are frozen", () => {
    const p = getPreset("phi-4");
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p?.runtimeParams.vllm)).toBe(true);
    expect(() => {
      (getSku("Standard_NC6s_v3") as { gpuCount: number }).gpuCount = 8;
    }).toThrow(TypeError);
  });
});

import type { ValidationContext } from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import { catalogValidationLookups, TRANSFORMERS_MULTI_NODE_MESSAGE } from "../src/index.ts";

const lookups = catalogValidationLookups();

describe("catalogValidationLookups", () => {
  it("plugs into a ValidationContext", () => {
    const ctx: ValidationContext = { cloud: "azure", nodeAutoProvisioning: true, defaultRuntime: "vllm", ...lookups };
    expect(ctx.presets).toBe(lookups.presets);
    expect(catalogValidationLookups()).toBe(lookups);
  });

  it("resolves legacy names, HF ids and case variants to the preset", () => {
    for (const name of ["phi-3-mini-128k-instruct", "PHI-3-MINI-128K-INSTRUCT", "microsoft/phi-3-mini-128k-instruct"]) {
      const r = lookups.presets.resolvePreset(name);
      expect(r.kind).toBe("preset");
      if (r.kind === "preset") expect(r.preset.name).toBe("phi-3-mini-128k-instruct");
    }
    const r = lookups.presets.resolvePreset("phi-3-mini-128k-instruct");
    expect(r).toEqual({
      kind: "preset",
      preset: {
        name: "phi-3-mini-128k-instruct",
        huggingFaceId: "microsoft/Phi-3-mini-128k-instruct",
        weightsGiB: 7.12,
        contextLimit: 131072,
        supportsTransformers: true,
        supportsDistributedInference: false,
        loraAllowedInVllm: true,
        downloadAtRuntime: true,
        downloadAuthRequired: false,
        deprecated: false,
        tuningMethods: ["lora", "qlora"],
      },
    });
  });

  it("reports deprecation and gating through the preset info", () => {
    const phi2 = lookups.presets.resolvePreset("phi-2");
    expect(phi2.kind === "preset" && phi2.preset.deprecated).toBe(true);
    const llama = lookups.presets.resolvePreset("llama-3.1-8b-instruct");
    expect(llama.kind === "preset" && llama.preset.downloadAuthRequired).toBe(true);
    const mini = lookups.presets.resolvePreset("phi-4-mini-instruct");
    expect(mini.kind === "preset" && mini.preset.supportsTransformers).toBe(false);
  });

  it("names the tunable presets for hints", () => {
    expect(lookups.presets.tunablePresets?.()).toEqual([
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
  });

  it("treats any other org/model as a Hugging Face model", () => {
    expect(lookups.presets.resolvePreset("Qwen/Qwen3-8B-AWQ")).toEqual({
      kind: "huggingface",
      huggingFaceId: "Qwen/Qwen3-8B-AWQ",
    });
    expect(lookups.presets.resolvePreset("tiiuae/falcon-7b")).toEqual({
      kind: "huggingface",
      huggingFaceId: "tiiuae/falcon-7b",
    });
  });

  it("answers unknown with up to three close names", () => {
    expect(lookups.presets.resolvePreset("phi-3-mini-4k")).toEqual({
      kind: "unknown",
      suggestions: ["phi-3-mini-4k-instruct"],
    });
    const lama = lookups.presets.resolvePreset("lama-3.1-8b-instruct");
    expect(lama.kind === "unknown" && lama.suggestions[0]).toBe("llama-3.1-8b-instruct");
    const phi = lookups.presets.resolvePreset("phi-3");
    expect(phi.kind).toBe("unknown");
    if (phi.kind === "unknown") expect(phi.suggestions.length).toBeLessThanOrEqual(3);
    expect(lookups.presets.resolvePreset("totally-unrelated-name-xyz")).toEqual({ kind: "unknown", suggestions: [] });
    expect(lookups.presets.resolvePreset("")).toEqual({ kind: "unknown", suggestions: [] });
  });

  it("answers falcon names as unsupported, pointing at the HF id Kaito still accepts", () => {
    const r = lookups.presets.resolvePreset("falcon-7b");
    expect(r.kind).toBe("unknown");
    if (r.kind === "unknown") expect(r.suggestions[0]).toBe("tiiuae/falcon-7b");
  });

  it("looks SKUs up per cloud, case-insensitively, classic ones flagged", () => {
    expect(lookups.skus.getSku("standard_nc6s_v3", "azure")).toMatchObject({
      name: "Standard_NC6s_v3",
      gpuModel: "V100",
      computeCapability: 7,
      supportsBf16: false,
      classic: true,
    });
    expect(lookups.skus.getSku("Standard_NC6s_v3", "aws")).toBeUndefined();
    expect(lookups.skus.getSku("G5.XLARGE", "aws")?.classic).toBe(false);
  });

  it("checks fit with PresetInfo and node capacity", () => {
    const r = lookups.presets.resolvePreset("llama-3.3-70b-instruct");
    if (r.kind !== "preset") throw new Error("expected a preset");
    const issues = lookups.fit.checkFit({
      preset: r.preset,
      node: { gpuCount: 1, totalGpuMemoryGiB: 80 },
      nodeCount: 2,
      runtime: "transformers",
      bypassResourceChecks: true,
    });
    expect(issues).toEqual([{ severity: "error", message: TRANSFORMERS_MULTI_NODE_MESSAGE }]);
  });

  it("serves the default tuning templates", () => {
    expect(lookups.tuningTemplates.trainingConfigYaml("qlora")).toMatch(/^training_config:\n/);
    expect(lookups.tuningTemplates.trainingConfigYaml("lora")).toContain("load_in_4bit: false");
  });
});

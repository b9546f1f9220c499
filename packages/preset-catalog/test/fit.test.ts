import { describe, expect, it } from "vitest";
import { checkFit, checkFitClassic, getPreset, type Preset, TRANSFORMERS_MULTI_NODE_MESSAGE } from "../src/index.ts";

describe("checkFit (admission GPU-memory check)", () => {
  it("phi-3-mini on the seed's Standard_NC6s_v3 fits", () => {
    expect(checkFit({ preset: "phi-3-mini-128k-instruct", node: "Standard_NC6s_v3", runtime: "transformers" })).toEqual(
      {
        fits: true,
        issues: [],
      },
    );
  });

  it("phi-4 on one V100 fails the total and the per-node check", () => {
    const v = checkFit({ preset: "phi-4", node: "Standard_NC6s_v3", runtime: "transformers" });
    expect(v.fits).toBe(false);
    expect(v.issues.map((i) => i.message)).toEqual([
      "Insufficient total GPU memory: Instance type Standard_NC6s_v3 has a total of 16Gi (1 node(s) × 16Gi), but preset phi-4 requires at least 27.31Gi",
      "Insufficient GPU memory per node: preset phi-4 requires 27.31Gi total GPU memory but each node only provides 16Gi (1 GPUs × 16Gi). This model does not support multi-node distributed inference, so each replica must fit on a single node",
    ]);
  });

  it("count × SKU memory is what the total check compares", () => {
    const two = checkFit({ preset: "phi-4", node: "Standard_NC6s_v3", nodeCount: 2, runtime: "transformers" });
    expect(two.issues.map((i) => i.message.split(":")[0])).toEqual(["Insufficient GPU memory per node"]);
    const ok = checkFit({ preset: "phi-4", node: "Standard_NC24ads_A100_v4", runtime: "transformers" });
    expect(ok.fits).toBe(true);
  });

  it("bypass-resource-checks turns memory shortfalls into warnings", () => {
    const v = checkFit({
      preset: "phi-4",
      node: "Standard_NC6s_v3",
      runtime: "transformers",
      bypassResourceChecks: true,
    });
    expect(v.fits).toBe(true);
    expect(v.issues.map((i) => i.severity)).toEqual(["warning", "warning"]);
  });

  it("transformers cannot run a distributed model larger than one node, bypass or not", () => {
    for (const bypass of [false, true]) {
      const v = checkFit({
        preset: "llama-3.3-70b-instruct",
        node: "Standard_NC24ads_A100_v4",
        nodeCount: 2,
        runtime: "transformers",
        bypassResourceChecks: bypass,
      });
      expect(v.fits).toBe(false);
      expect(v.issues).toEqual([{ severity: "error", message: TRANSFORMERS_MULTI_NODE_MESSAGE }]);
    }
  });

  it("vLLM may spread a distributed model over BYO nodes when their total is enough", () => {
    const v = checkFit({
      preset: "llama-3.3-70b-instruct",
      node: { gpuCount: 1, totalGpuMemoryGiB: 80 },
      nodeCount: 2,
    });
    expect(v).toEqual({ fits: true, issues: [] });
    const short = checkFit({
      preset: "llama-3.3-70b-instruct",
      node: { gpuCount: 1, totalGpuMemoryGiB: 40 },
      nodeCount: 2,
    });
    expect(short.issues[0]?.message).toMatch(/^Insufficient total GPU memory: The nodes have a total of 80Gi/);
  });

  it("skips models without a weights size and unknown SKUs, as Kaito does", () => {
    const hf = {
      name: "org/model",
      huggingFaceId: "org/model",
      supportsTransformers: true,
      supportsDistributedInference: true,
      loraAllowedInVllm: true,
      downloadAtRuntime: true,
      downloadAuthRequired: false,
      deprecated: false,
      tuningMethods: [],
    } as const;
    expect(checkFit({ preset: hf, node: "Standard_NC6s_v3" }).issues).toEqual([]);
    expect(checkFit({ preset: "phi-4", node: "Standard_ND40rs_v2" }).issues).toEqual([]);
  });

  it("rejects a node count below 1", () => {
    expect(() => checkFit({ preset: "phi-4", node: "Standard_NC6s_v3", nodeCount: 0 })).toThrowError(/nodeCount/);
  });
});

describe("checkFitClassic (v0.4.6 three-error check)", () => {
  it("falcon-40b on one A100 is short of GPUs and total memory", () => {
    const v = checkFitClassic({ preset: "falcon-40b", sku: "Standard_NC24ads_A100_v4" });
    expect(v.fits).toBe(false);
    expect(v.issues.map((i) => i.message)).toEqual([
      "Insufficient number of GPUs: Instance type Standard_NC24ads_A100_v4 provides 1, but preset falcon-40b requires at least 2",
      "Insufficient total GPU memory: Instance type Standard_NC24ads_A100_v4 has a total of 80Gi, but preset falcon-40b requires at least 90Gi",
    ]);
    expect(checkFitClassic({ preset: "falcon-40b", sku: "Standard_NC24ads_A100_v4", nodeCount: 2 }).fits).toBe(true);
  });

  it("reports per-GPU memory separately", () => {
    const base = getPreset("falcon-7b") as Preset;
    const preset: Preset = {
      ...base,
      classicRequirements: { diskStorage: "90Gi", gpuCount: 1, totalGpuMemoryGiB: 14, perGpuMemoryGiB: 20 },
    };
    const v = checkFitClassic({ preset, sku: "Standard_NC6s_v3", bypassResourceChecks: true });
    expect(v.fits).toBe(true);
    expect(v.issues).toEqual([
      {
        severity: "warning",
        message:
          "Insufficient per GPU memory: Instance type Standard_NC6s_v3 has a per GPU memory of 16Gi, but preset falcon-7b requires at least 20Gi",
      },
    ]);
  });

  it("phi-3-mini fits the seed's V100 classically; unknown SKUs are skipped", () => {
    expect(checkFitClassic({ preset: "phi-3-mini-128k-instruct", sku: "Standard_NC6s_v3" })).toEqual({
      fits: true,
      issues: [],
    });
    expect(checkFitClassic({ preset: "falcon-40b", sku: "Standard_Unknown" }).issues).toEqual([]);
  });
});

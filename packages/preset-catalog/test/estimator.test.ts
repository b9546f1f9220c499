import { describe, expect, it } from "vitest";
import {
  bytesPerToken,
  diskStorageRequirement,
  estimateNodeCount,
  isPresetCatalogError,
  type PresetCatalogErrorCode,
} from "../src/index.ts";

function codeOf(fn: () => unknown): PresetCatalogErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (isPresetCatalogError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe("bytesPerToken", () => {
  it("is 2 × layers × kvHeads × headDim × 2 with headDim = hidden / heads", () => {
    expect(bytesPerToken("phi-3-mini-4k-instruct")).toBe(2 * 32 * 32 * 96 * 2); // 393216
    expect(bytesPerToken("llama-3.3-70b-instruct")).toBe(327680);
    expect(bytesPerToken("qwen2.5-coder-7b-instruct")).toBe(2 * 28 * 4 * 128 * 2);
    expect(bytesPerToken("falcon-7b")).toBe(2 * 32 * 1 * 64 * 2);
  });

  it("uses the explicit head dimension where the catalog states one", () => {
    expect(bytesPerToken("gemma-3-4b-instruct")).toBe(2 * 34 * 4 * 256 * 2);
    expect(bytesPerToken("gpt-oss-120b")).toBe(2 * 36 * 8 * 64 * 2);
  });

  it("uses the latent size for multi-head latent attention (DeepSeek V3)", () => {
    expect(bytesPerToken("deepseek-r1-0528")).toBe((512 + 64) * 61 * 2); // 70272
  });
});

describe("diskStorageRequirement", () => {
  it("is weights + 80Gi truncated to whole GiB", () => {
    expect(diskStorageRequirement("phi-3-mini-4k-instruct")).toBe("87Gi");
    expect(diskStorageRequirement("llama-3.3-70b-instruct")).toBe("211Gi");
    expect(diskStorageRequirement("deepseek-v3-0324")).toBe("721Gi");
  });

  it("falls back to the classic disk requirement without a weights size", () => {
    expect(diskStorageRequirement("falcon-40b")).toBe("280Gi");
    expect(diskStorageRequirement("phi-2")).toBe("80Gi");
  });
});

describe("estimateNodeCount (Kaito's vLLM node estimator)", () => {
  it("phi-3-mini-4k on Standard_NC24ads_A100_v4 → 1 node", () => {
    const e = estimateNodeCount({ preset: "phi-3-mini-4k-instruct", sku: "Standard_NC24ads_A100_v4" });
    expect(e).toMatchObject({ nodes: 1, minGpus: 1, gpusPerNode: 1, perGpuGiB: 80, maxModelLen: 2048 });
    expect(e.availableGiB).toBeCloseTo(67.2, 10);
    expect(e.reserveGiB).toBeCloseTo(2.3 + 0.75, 10);
    expect(e.usableGiB).toBeCloseTo((67.2 - 3.05) / 1.05, 10);
  });

  it("llama-3.3-70b on Standard_NV36ads_A10_v5 → 9 nodes", () => {
    const e = estimateNodeCount({ preset: "llama-3.3-70b-instruct", sku: "Standard_NV36ads_A10_v5" });
    expect(e.nodes).toBe(9);
    expect(e.minGpus).toBe(9);
    expect(e.reserveGiB).toBeCloseTo(2.925, 10);
  });

  it("a 70B model on single-GPU SKUs needs several nodes", () => {
    const on = (sku: string) => estimateNodeCount({ preset: "llama-3.3-70b-instruct", sku }).nodes;
    expect(on("Standard_NC24ads_A100_v4")).toBe(3);
    expect(on("Standard_NC40ads_H100_v5")).toBe(2);
    expect(on("g6.xlarge")).toBe(9);
    expect(on("Standard_NV72ads_A10_v5")).toBe(5);
    expect(on("Standard_NC96ads_A100_v4")).toBe(1);
  });

  it("DeepSeek-R1 needs two 8×H100 nodes but one 8×H200 node", () => {
    expect(estimateNodeCount({ preset: "deepseek-r1-0528", sku: "Standard_ND96isr_H100_v5" }).nodes).toBe(2);
    expect(estimateNodeCount({ preset: "deepseek-r1-0528", sku: "Standard_ND96isr_H200_v5" })).toMatchObject({
      nodes: 1,
      minGpus: 6,
    });
  });

  it("honours an explicit max-model-len", () => {
    const short = estimateNodeCount({ preset: "llama-3.3-70b-instruct", sku: "Standard_NC24ads_A100_v4" });
    const long = estimateNodeCount({
      preset: "llama-3.3-70b-instruct",
      sku: "Standard_NC24ads_A100_v4",
      maxModelLen: 131072,
    });
    expect(long.reserveGiB).toBeCloseTo(2.3 + 40, 10);
    expect(long.nodes).toBeGreaterThan(short.nodes);
    expect(long.nodes).toBe(6); // usable (67.2 − 42.3) / 1.05 = 23.71 GiB per GPU; 134.05 / 23.71 → 6 GPUs
  });

  it("sizes BYO nodes from their GPU capacity", () => {
    const e = estimateNodeCount({ preset: "phi-4", sku: { gpuCount: 2, totalGpuMemoryGiB: 48 } });
    expect(e).toMatchObject({ nodes: 1, gpusPerNode: 2, perGpuGiB: 24 });
  });

  it("fails when available memory does not exceed the reserve", () => {
    expect(
      codeOf(() =>
        estimateNodeCount({ preset: "phi-3-mini-128k-instruct", sku: "Standard_NV36ads_A10_v5", maxModelLen: 131072 }),
      ),
    ).toBe("GPU_TOO_SMALL");
    expect(() =>
      estimateNodeCount({ preset: "phi-3-mini-4k-instruct", sku: { gpuCount: 1, totalGpuMemoryGiB: 2 } }),
    ).toThrowError(/too small for phi-3-mini-4k-instruct.*does not exceed the 3.05 GiB reserve/);
  });

  it("fails when a model that cannot be distributed needs more than one node", () => {
    expect(
      codeOf(() => estimateNodeCount({ preset: "qwen2.5-coder-32b-instruct", sku: "Standard_NV36ads_A10_v5" })),
    ).toBe("NOT_DISTRIBUTED");
    expect(() => estimateNodeCount({ preset: "phi-4", sku: "Standard_NV36ads_A10_v5" })).toThrowError(
      /phi-4 needs 2 nodes of instance type Standard_NV36ads_A10_v5/,
    );
  });

  it("rejects bad input with typed errors", () => {
    expect(codeOf(() => estimateNodeCount({ preset: "phi-2", sku: "Standard_NC24ads_A100_v4" }))).toBe(
      "MISSING_PRESET_DATA",
    );
    expect(codeOf(() => estimateNodeCount({ preset: "nope", sku: "Standard_NC24ads_A100_v4" }))).toBe("UNKNOWN_PRESET");
    expect(codeOf(() => estimateNodeCount({ preset: "phi-4", sku: "Standard_NC1" }))).toBe("UNKNOWN_SKU");
    expect(codeOf(() => estimateNodeCount({ preset: "phi-4", sku: "Standard_NC24ads_A100_v4", maxModelLen: 0 }))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(codeOf(() => estimateNodeCount({ preset: "phi-4", sku: { gpuCount: 0, totalGpuMemoryGiB: 80 } }))).toBe(
      "INVALID_ARGUMENT",
    );
  });
});

import { describe, expect, it } from "vitest";
import { recommendSkus, type SkuRecommendation, tuningRequirement } from "../src/index.ts";

const names = (rs: readonly SkuRecommendation[]) => rs.map((r) => r.sku.name);

function expectSmallestFirst(rs: readonly SkuRecommendation[]): void {
  for (let i = 1; i < rs.length; i++) {
    const a = rs[i - 1];
    const b = rs[i];
    if (a === undefined || b === undefined) continue;
    const key = (r: SkuRecommendation) => [r.nodes, r.totalGpuMemoryGiB, r.totalGpus] as const;
    const [an, am, ag] = key(a);
    const [bn, bm, bg] = key(b);
    expect(an < bn || (an === bn && (am < bm || (am === bm && ag <= bg)))).toBe(true);
  }
}

describe("recommendSkus for inference", () => {
  it("phi-3-mini on Azure: the single A10 first, every current NVIDIA SKU fits", () => {
    const rs = recommendSkus("phi-3-mini-4k-instruct", { cloud: "azure", purpose: "inference" });
    expect(rs[0]).toMatchObject({ nodes: 1, totalGpus: 1, totalGpuMemoryGiB: 24 });
    expect(rs[0]?.sku.name).toBe("Standard_NV36ads_A10_v5");
    expect(rs).toHaveLength(12); // 14 current Azure SKUs minus the two AMD V620
    expect(names(rs)).not.toContain("Standard_NG32ads_V620_v1");
    expect(names(rs)).not.toContain("Standard_NC6s_v3");
    expectSmallestFirst(rs);
  });

  it("llama-3.3-70b on Azure: fewest nodes first, then least GPU memory", () => {
    const rs = recommendSkus("llama-3.3-70b-instruct", { cloud: "azure", purpose: "inference" });
    expect(rs.slice(0, 3).map((r) => [r.sku.name, r.nodes, r.totalGpuMemoryGiB])).toEqual([
      ["Standard_NC80adis_H100_v5", 1, 188],
      ["Standard_NC96ads_A100_v4", 1, 320],
      ["Standard_ND96asr_A100_v4", 1, 320],
    ]);
    expect(rs.at(-1)).toMatchObject({ nodes: 9, totalGpuMemoryGiB: 216 });
    expect(rs.at(-1)?.sku.name).toBe("Standard_NV36ads_A10_v5");
    expectSmallestFirst(rs);
    expect(
      names(recommendSkus("llama-3.3-70b-instruct", { cloud: "azure", purpose: "inference", maxNodes: 1 })),
    ).toEqual([
      "Standard_NC80adis_H100_v5",
      "Standard_NC96ads_A100_v4",
      "Standard_ND96asr_A100_v4",
      "Standard_ND96amsr_A100_v4",
      "Standard_ND96isr_H100_v5",
      "Standard_ND96isr_H200_v5",
    ]);
  });

  it("leaves out SKUs where a non-distributed model would need several nodes", () => {
    const rs = recommendSkus("qwen2.5-coder-32b-instruct", { cloud: "aws", purpose: "inference" });
    expect(rs.every((r) => r.nodes === 1)).toBe(true);
    expect(names(rs)).not.toContain("g5.xlarge");
    expect(rs[0]?.sku.name).toBe("g6.12xlarge"); // 4 × L4, first of the 96 GiB ties in table order
  });

  it("classic SKUs come only when asked, with a bf16 warning", () => {
    const rs = recommendSkus("phi-3-mini-4k-instruct", { cloud: "azure", purpose: "inference", includeClassic: true });
    const v100 = rs.find((r) => r.sku.name === "Standard_NC6s_v3");
    expect(v100?.warnings).toEqual(["V100 (compute capability 7) has no bf16: serve with --dtype float16"]);
    expect(rs.find((r) => r.sku.name === "Standard_NV36ads_A10_v5")?.warnings).toEqual([]);
  });

  it("returns nothing when no SKU of the cloud can hold a model that cannot be distributed", () => {
    expect(recommendSkus("qwen2.5-coder-32b-instruct", { cloud: "arc", purpose: "inference" })).toEqual([]);
    // A distributed model spreads over many small nodes instead.
    const ds = recommendSkus("deepseek-r1-0528", { cloud: "arc", purpose: "inference" });
    expect(ds.every((r) => r.nodes > 1)).toBe(true);
  });
});

describe("recommendSkus for tuning", () => {
  it("lora uses the classic requirement (phi-3-mini: 72 GiB per GPU)", () => {
    expect(tuningRequirement("phi-3-mini-128k-instruct", "lora")).toEqual({
      method: "lora",
      perGpuMemoryGiB: 72,
      totalGpuMemoryGiB: 72,
      source: "classic",
    });
    const rs = recommendSkus("phi-3-mini-128k-instruct", { cloud: "azure", purpose: "tuning", method: "lora" });
    expect(rs[0]?.sku.name).toBe("Standard_NC24ads_A100_v4");
    expect(names(rs)).not.toContain("Standard_NV36ads_A10_v5");
    expect(names(rs)).not.toContain("Standard_ND96asr_A100_v4"); // 40 GiB per GPU
    expect(rs.every((r) => r.nodes === 1)).toBe(true);
    expectSmallestFirst(rs);
  });

  it("qlora needs less memory than lora: more SKUs fit, smaller first", () => {
    const q = tuningRequirement("phi-3-mini-128k-instruct", "qlora");
    expect(q).toMatchObject({ source: "rule-of-thumb", perGpuMemoryGiB: 8.49, totalGpuMemoryGiB: 8.49 });
    const lora = names(
      recommendSkus("phi-3-mini-128k-instruct", { cloud: "azure", purpose: "tuning", method: "lora" }),
    );
    const qlora = recommendSkus("phi-3-mini-128k-instruct", { cloud: "azure", purpose: "tuning", method: "qlora" });
    expect(qlora[0]?.sku.name).toBe("Standard_NV36ads_A10_v5");
    expect(names(qlora)).toEqual(expect.arrayContaining(lora));
    expect(qlora.length).toBeGreaterThan(lora.length);
  });

  it("the seed's qlora on Standard_NC6s_v3 fits among classic SKUs, with the bf16 warning", () => {
    const rs = recommendSkus("phi-3-mini-128k-instruct", {
      cloud: "azure",
      purpose: "tuning",
      method: "qlora",
      includeClassic: true,
    });
    const v100 = rs.find((r) => r.sku.name === "Standard_NC6s_v3");
    expect(v100?.warnings).toEqual([
      "V100 (compute capability 7) has no bf16 while the default tuning templates compute in bfloat16",
    ]);
    expect(rs[0]?.totalGpuMemoryGiB).toBe(16);
  });

  it("uses a classic QLoRA figure where one was stated, and caps the rule of thumb by LoRA", () => {
    expect(tuningRequirement("falcon-7b", "qlora")).toMatchObject({ totalGpuMemoryGiB: 16, source: "classic" });
    expect(tuningRequirement("qwen2.5-coder-32b-instruct", "lora")).toMatchObject({
      perGpuMemoryGiB: 70,
      totalGpuMemoryGiB: 140,
    });
    expect(tuningRequirement("qwen2.5-coder-32b-instruct", "qlora").perGpuMemoryGiB).toBeCloseTo(27.36, 2);
  });

  it("defaults the method to the preset's first one and rejects untunable presets", () => {
    const byDefault = recommendSkus("phi-4", { cloud: "azure", purpose: "tuning" });
    expect(names(byDefault)).toEqual(
      names(recommendSkus("phi-4", { cloud: "azure", purpose: "tuning", method: "lora" })),
    );
    expect(() =>
      recommendSkus("llama-3.1-8b-instruct", { cloud: "azure", purpose: "tuning", method: "qlora" }),
    ).toThrowError("Preset llama-3.1-8b-instruct cannot be tuned with qlora (supported: none)");
  });
});

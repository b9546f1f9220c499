import { describe, expect, it } from "vitest";
import { vllmParallelism } from "../src/index.ts";

describe("vllmParallelism", () => {
  it("replicates a small model on every GPU of one node (data parallel)", () => {
    expect(vllmParallelism({ preset: "phi-3-mini-4k-instruct", sku: "Standard_NC96ads_A100_v4" })).toEqual({
      tensorParallelSize: 1,
      dataParallelSize: 4,
      gpuMemoryUtilization: "0.84",
      maxModelLen: "auto",
      args: {
        "data-parallel-size": "4",
        "tensor-parallel-size": "1",
        "gpu-memory-utilization": "0.84",
        "max-model-len": "auto",
      },
    });
  });

  it("shards a model of half a GPU or more over the node's GPUs (tensor parallel)", () => {
    const p = vllmParallelism({ preset: "llama-3.3-70b-instruct", sku: "Standard_NC96ads_A100_v4" });
    expect(p.tensorParallelSize).toBe(4);
    expect(p.dataParallelSize).toBeUndefined();
    // 14.19 GiB on 24 GiB L4s is more than half a GPU → tensor parallel over 4.
    expect(
      vllmParallelism({ preset: "qwen2.5-coder-7b-instruct", sku: "g6.12xlarge" }).args["tensor-parallel-size"],
    ).toBe("4");
  });

  it("uses one GPU without data parallelism on single-GPU SKUs; 0.82 on the A10 only", () => {
    const a10 = vllmParallelism({ preset: "phi-3-mini-4k-instruct", sku: "Standard_NV36ads_A10_v5" });
    expect(a10).toMatchObject({ tensorParallelSize: 1, gpuMemoryUtilization: "0.82" });
    expect(a10.dataParallelSize).toBeUndefined();
    expect(vllmParallelism({ preset: "phi-3-mini-4k-instruct", sku: "g5.xlarge" }).gpuMemoryUtilization).toBe("0.84");
  });

  it("adds pipeline parallelism over nodes with the ray backend", () => {
    const p = vllmParallelism({ preset: "llama-3.3-70b-instruct", sku: "Standard_NV36ads_A10_v5", nodes: 9 });
    expect(p).toMatchObject({
      tensorParallelSize: 1,
      pipelineParallelSize: 9,
      distributedExecutorBackend: "ray",
      gpuMemoryUtilization: "0.82",
    });
    expect(p.args).toEqual({
      "tensor-parallel-size": "1",
      "pipeline-parallel-size": "9",
      "distributed-executor-backend": "ray",
      "gpu-memory-utilization": "0.82",
      "max-model-len": "auto",
    });
    const h100 = vllmParallelism({ preset: "deepseek-r1-0528", sku: "Standard_ND96isr_H100_v5", nodes: 2 });
    expect(h100).toMatchObject({ tensorParallelSize: 8, pipelineParallelSize: 2 });
  });

  it("never uses data parallelism across nodes", () => {
    const p = vllmParallelism({ preset: "phi-3-mini-4k-instruct", sku: "Standard_NC96ads_A100_v4", nodes: 2 });
    expect(p.dataParallelSize).toBeUndefined();
    expect(p).toMatchObject({ tensorParallelSize: 4, pipelineParallelSize: 2 });
  });

  it("rejects a node count below 1 and unknown names", () => {
    expect(() => vllmParallelism({ preset: "phi-4", sku: "Standard_NC24ads_A100_v4", nodes: 0 })).toThrowError(/nodes/);
    expect(() => vllmParallelism({ preset: "phi-4", sku: "nope" })).toThrowError(/Unknown instance type "nope"/);
  });
});

import { describe, expect, it } from "vitest";
import { createByoProvisioner, gpuConfigFromNodes } from "../src/byo/index.ts";
import { memoryObjectPort } from "../src/testing/index.ts";
import { node, workspace } from "./helpers/fixtures.ts";

const GFD = {
  "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB",
  "nvidia.com/gpu.count": "2",
  "nvidia.com/gpu.memory": "81920",
  "nvidia.com/cuda.compute.major": "8",
  "nvidia.com/cuda.compute.minor": "0",
};
const byoWs = () => workspace({ instanceType: "", uid: "", matchLabels: { pool: "gpu" } });

describe("gpuConfigFromNodes (compat §1.6)", () => {
  it("reads product, count, memory and compute capability", () => {
    const r = gpuConfigFromNodes([node("a", { pool: "gpu", ...GFD }), node("b", { pool: "gpu", ...GFD })]);
    expect(r).toEqual({
      ok: true,
      config: {
        product: "NVIDIA-A100-SXM4-80GB",
        gpuCount: 2,
        gpuMemoryMiB: 81920,
        totalGpuMemoryGiB: 160,
        computeCapability: "8.0",
        nodes: ["a", "b"],
      },
    });
  });
  const rows = [
    { what: "no nodes", nodes: [], reason: "NoNodes", text: "no node matches resource.labelSelector" },
    {
      what: "a label missing",
      nodes: [node("a", { ...GFD, "nvidia.com/gpu.memory": "" })],
      reason: "GpuLabelsMissing",
      text: "node a lacks nvidia.com/gpu.memory",
    },
    {
      what: "a count that is not a number",
      nodes: [node("a", { ...GFD, "nvidia.com/gpu.count": "two" })],
      reason: "GpuLabelsInvalid",
      text: "nvidia.com/gpu.count=two",
    },
    {
      what: "nodes that differ",
      nodes: [node("a", GFD), node("b", { ...GFD, "nvidia.com/gpu.count": "4" })],
      reason: "NodesNotUniform",
      text: "a has 2× NVIDIA-A100-SXM4-80GB (81920 MiB), b has 4×",
    },
  ] as const;
  it.each(rows)("$what → $reason", ({ nodes, reason, text }) => {
    const r = gpuConfigFromNodes(nodes);
    expect(r).toMatchObject({ ok: false, reason });
    expect(!r.ok && r.message).toContain(text);
  });
});

describe("ByoNodeProvisioner", () => {
  it("creates nothing, is ready with enough Ready GPU nodes, and releases nothing", async () => {
    const port = memoryObjectPort();
    port.put(node("gpu-1", { pool: "gpu", ...GFD }));
    port.put(node("gpu-2", { pool: "gpu", ...GFD }));
    port.put(node("cpu-1", { pool: "cpu" }, { gpus: 0 }));
    const p = createByoProvisioner({ port });
    const req = { workspace: byoWs(), targetNodeCount: 2 };
    expect(await p.provision(req)).toMatchObject({ created: [], existing: ["gpu-1", "gpu-2"] });
    const r = await p.readiness(req);
    expect(r).toMatchObject({ ready: true, nodeClaims: undefined });
    expect(r.nodes.reason).toBe("NodesReady");
    expect(r.workerNodes).toEqual(["gpu-1", "gpu-2"]);
    expect(await p.release({ name: "phi", namespace: "default" })).toEqual({
      done: true,
      deleting: [],
      remaining: [],
      events: [],
    });
    expect(port.writes).toEqual([]);
    expect(await p.gpuConfig(req)).toMatchObject({ ok: true, config: { gpuCount: 2, totalGpuMemoryGiB: 160 } });
  });

  it.each([
    {
      what: "too few ready nodes",
      opts: { ready: false },
      reason: "NodeNotReady",
      text: "1 of 2 ready nodes selected by pool=gpu; not ready: gpu-2",
    },
    { what: "no GPU capacity", opts: { gpus: 0 }, reason: "NodePluginsNotReady", text: "gpu-2 advertise none" },
  ])("is not ready with $what", async ({ opts, reason, text }) => {
    const port = memoryObjectPort();
    port.put(node("gpu-1", { pool: "gpu", ...GFD }));
    port.put(node("gpu-2", { pool: "gpu", ...GFD }, opts));
    const r = await createByoProvisioner({ port }).readiness({ workspace: byoWs(), targetNodeCount: 2 });
    expect(r).toMatchObject({ ready: false, reason });
    expect(r.message).toContain(text);
  });

  it("rejects a missing port", () => {
    expect(() => createByoProvisioner({} as never)).toThrow(/port must be a KubernetesObjectPort/);
  });
});

import type { SimulationOptions } from "@kaito-ts/cluster-sim";
import type { KubeObject } from "../../src/index.ts";

/**
 * The inference fixtures of the end-to-end tests: the simulated inference server they map Kaito's `kaito-base` image
 * to (a Node process that answers every request, the probes' `/health` included, on the container's port 5000), the
 * simulation that runs it, and the Workspace.
 */
const SERVER = `require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT));`;

/** The process-runtime answer that runs the server for a pod, on the host port the simulation gave port 5000. */
export function inferenceServerProcess(ctx: { readonly ports: Readonly<Record<number, number>> }): {
  command: string[];
  env: Record<string, string>;
} {
  return { command: [process.execPath, "-e", SERVER], env: { PORT: String(ctx.ports[5000] ?? 0) } };
}

/** The A100 SKU of the end-to-end inference Workspaces (one GPU per node; phi-3 needs one node). */
export const INFERENCE_SKU = "Standard_NC24ads_A100_v4";

/**
 * The simulation of the inference end-to-end tests: {@link INFERENCE_SKU} nodes ready `nodeDelayMs` after their claim,
 * probes every 300 ms, and `kaito-base` pods running {@link inferenceServerProcess}.
 */
export function inferenceSimulation(nodeDelayMs: number): Partial<SimulationOptions> {
  return {
    skus: [{ name: INFERENCE_SKU, gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 }],
    nodeDelayMs,
    podDelays: { probeIntervalMs: 300 },
    processRuntime: { images: [{ image: "*/kaito-base:*", spawn: inferenceServerProcess }] },
  };
}

/** An inference Workspace of `preset` on one {@link INFERENCE_SKU} node, selecting its nodes by `apps: <name>`. */
export function inferenceWorkspace(name: string, preset = "phi-3-mini-4k-instruct"): KubeObject {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: "default" },
    resource: { instanceType: INFERENCE_SKU, labelSelector: { matchLabels: { apps: name } } },
    inference: { preset: { name: preset } },
  };
}

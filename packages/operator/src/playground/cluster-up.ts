import type { KubeObject } from "@kaito-ts/cluster-sim";
import { listSkus, type Sku } from "@kaito-ts/preset-catalog";
import { allCrds } from "@kaito-ts/workspace-types";
import type { CliIO } from "../cli/io.ts";
import { OperatorError } from "../errors.ts";
import { type ClusterSimModule, loadClusterSim } from "./cluster-sim-loader.ts";
import { workspaceAdmissionHook } from "./workspace-admission.ts";

/** Options of `kaito cluster up`. */
export interface ClusterUpOptions {
  readonly port: number;
  readonly kubeconfig?: string;
  readonly nodeDelayMs: number;
}

/** The node simulation's view of an instance type: what a GPU node of that SKU reports (GPU feature discovery labels). */
export function simulatedSku(sku: Sku) {
  const gpuProduct = `${sku.vendor === "nvidia" ? "NVIDIA" : sku.vendor.toUpperCase()}-${sku.gpuModel.replace(/\s+/g, "-")}`;
  return {
    name: sku.name,
    gpuCount: sku.gpuCount,
    gpuProduct,
    gpuMemoryMiB: Math.round(sku.gpuMemoryPerGpuGiB * 1024),
    accelerator: sku.vendor === "nvidia" ? "nvidia" : sku.vendor,
    ...(sku.computeCapability === undefined ? {} : { computeCapability: sku.computeCapability.toFixed(1) }),
  };
}

/**
 * `kaito cluster up`: a Kaito playground with no cloud and no Docker — cluster-sim with the Workspace and NodeClaim
 * CRDs, Kaito's Workspace admission rules, and GPU nodes simulated from the SKU tables. Prints how to point kubectl at it and runs until interrupted.
 * cluster-sim is loaded on demand by `load` (see {@link loadClusterSim}): a production install of the operator does
 * not have it.
 */
export async function runClusterUp(
  io: CliIO,
  options: ClusterUpOptions,
  load: () => Promise<ClusterSimModule> = () => loadClusterSim("kaito cluster up"),
): Promise<number> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    throw new OperatorError(
      "INVALID_USAGE",
      `--port ${options.port}: give a TCP port between 0 and 65535 (0 picks a free one)`,
    );
  if (!io.interrupted)
    throw new OperatorError(
      "UNSUPPORTED_ENVIRONMENT",
      "cluster up runs until interrupted, which this environment cannot do",
    );
  const { startCluster } = await load();
  const cluster = await startCluster({
    // The CRDs are plain JSON data: the same objects `kaito crds` prints.
    crds: allCrds.map((crd) => structuredClone(crd) as unknown as KubeObject),
    skus: listSkus({ includeClassic: true }).map(simulatedSku),
    nodeDelayMs: options.nodeDelayMs,
    port: options.port,
    ...(options.kubeconfig === undefined ? {} : { kubeconfigPath: options.kubeconfig }),
  });
  cluster.store.addAdmissionHook(
    workspaceAdmissionHook(cluster.store, { cloud: "azure", nodeAutoProvisioning: true, defaultRuntime: "vllm" }),
  );
  io.stdout(`cluster-sim is serving at ${cluster.url}\n`);
  io.stdout(`export KUBECONFIG=${cluster.kubeconfigPath}\n`);
  io.stdout(
    "then: kubectl apply -f examples/fine-tuning/kaito_workspace_tuning_phi_3_local.yaml && kubectl get workspace\n",
  );
  io.stdout("press Ctrl-C to stop\n");
  await io.interrupted();
  await cluster.stop();
  io.stdout("cluster-sim stopped\n");
  return 0;
}

/**
 * The two API servers the Workspace benchmark runs on, each with instant simulated GPU nodes: cluster-sim in this
 * process (its own scheduler, workload controllers and kubelet), and the real kube-apiserver + etcd +
 * kube-controller-manager + kube-scheduler of `@kaito-ts/envtest` with cluster-sim's cloud and kubelet attached
 * (`attachSimulation`). Unlike the integration tests' backends (`test/support/backends.ts`) there is no fault proxy
 * in the path: the measured clients talk to the API server directly.
 */
import { attachSimulation, installNodeClaimCrd, type SimulationOptions, startCluster } from "@kaito-ts/cluster-sim";
import { startControlPlane } from "@kaito-ts/envtest";
import { workspaceCrd } from "@kaito-ts/workspace-types";

/** The GPU SKU of the benchmark's Workspaces (one A100 per node; phi-3 needs one node). */
export const SKU = "Standard_NC24ads_A100_v4";

/** A started backend: a kubeconfig file for the measured process, and how to stop it. */
export interface BenchBackend {
  readonly name: BackendName;
  readonly kubeconfigPath: string;
  stop(): Promise<void>;
}

/** The backends, by name. */
export type BackendName = "cluster-sim" | "envtest";

/** Instant nodes and pods: NodeClaim → Ready Node at once, containers Ready as soon as they start. */
export const instantSimulation: Omit<SimulationOptions, "skus"> = {
  nodeDelayMs: 0,
  launchDelayMs: 0,
  podDelays: { pullMs: 0, readyMs: 0 },
};

const skus: SimulationOptions["skus"] = [
  { name: SKU, gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 },
];

/**
 * Node heartbeats: on cluster-sim nothing reads them (no node-lifecycle controller), so they are off. On the real
 * control plane the node Leases are renewed every 30 s (the node-lifecycle controller needs them; its grace period is
 * raised to 10 min below), and the node status is not refreshed every 10 s: a kubelet with Leases reports an
 * unchanged status only every 5 minutes (`nodeStatusReportFrequency`).
 */
const heartbeats = { "cluster-sim": false, envtest: { leaseRenewMs: 30_000, nodeStatusMs: 0 } } as const;

/** Start a fresh backend with the Workspace and NodeClaim CRDs and the simulation. */
export async function startBackend(
  name: BackendName,
  onError: (e: unknown, where: string) => void,
): Promise<BenchBackend> {
  if (name === "cluster-sim") {
    const cluster = await startCluster({
      skus,
      crds: [workspaceCrd as never],
      simulation: { ...instantSimulation, heartbeats: heartbeats[name], onError },
    });
    return { name, kubeconfigPath: cluster.kubeconfigPath, stop: () => cluster.stop() };
  }
  // The controller-manager's client defaults (20 qps, burst 30) would make the StatefulSet controller the bottleneck
  // of both sides alike and hide what the reconciler costs; a busy production control plane runs with more.
  const cp = await startControlPlane({
    controllers: true,
    // One ClusterIP per Workspace: envtest's default /24 holds 254.
    serviceClusterIPRange: "10.96.0.0/16",
    controllerManagerFlags: [
      "--kube-api-qps=200",
      "--kube-api-burst=400",
      "--concurrent-statefulset-syncs=10",
      // Hundreds of simulated kubelets share one loaded Node process; a late Lease renewal must not mark nodes
      // NotReady (and taint them) in the middle of the run.
      "--node-monitor-grace-period=10m",
    ],
  });
  try {
    await cp.installCRDs([workspaceCrd as never]);
    await installNodeClaimCrd(cp.kubeConfig);
    const sim = await attachSimulation(cp.kubeConfig, {
      skus,
      ...instantSimulation,
      heartbeats: heartbeats[name],
      onError,
    });
    return {
      name,
      kubeconfigPath: cp.kubeconfigPath,
      async stop() {
        await sim.stop();
        await cp.stop();
      },
    };
  } catch (e) {
    await cp.stop();
    throw e;
  }
}

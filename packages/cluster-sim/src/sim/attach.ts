/** `attachSimulation`: the simulated cloud and node agent as a client of any Kubernetes API server. */
import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterSimError } from "../errors/index.ts";
import { KubeApi } from "./api/kube-api.ts";
import { KubeletServer } from "./node-agent/kubelet-server.ts";
import { NODE_CONTROLLERS, resolveOptions, validateOptions } from "./shared/options.ts";
import type { AttachSimulationOptions, Simulation } from "./shared/types.ts";
import { cachedResources, runSimulation } from "./simulation.ts";

/**
 * Runs the simulation against the API server of `kubeConfig`'s current context (a real kube-apiserver, or another
 * cluster-sim): NodeClaims become Ready GPU Nodes with Leases and heartbeats, and the node agent runs the pods bound
 * to them (processes for mapped images, logs, probes, faults). By default only those two parts run — on a real control
 * plane kube-scheduler binds the pods and kube-controller-manager runs the workload, endpoint and garbage-collector
 * controllers; turn more on with `controllers`. The node agent is the kubelet of the nodes its cloud launched only
 * (`agentNodes: "simulated"`, by provider ID, which embeds `clusterName`); a second simulation on the same server
 * needs another `clusterName` and `controllers: { nodeClaims: false }`, as one cloud answers the NodeClaims. The caller
 * installs the NodeClaim CRD first (`installNodeClaimCrd(kubeConfig)`).
 *
 * Resolves once every watched resource was listed; rejects with a ClusterSimError when the server cannot be reached
 * or refuses the credentials (naming the server and the request).
 *
 * ```ts
 * const sim = await attachSimulation(kubeConfig, { skus: [{ name: "Standard_NC24ads_A100_v4", gpuCount: 1 }] });
 * // create NodeClaims and workloads with any client; sim.logs(ns, pod) reads a process's output
 * await sim.stop();
 * ```
 */
export async function attachSimulation(kubeConfig: KubeConfig, options: AttachSimulationOptions): Promise<Simulation> {
  validateOptions(options);
  const syncTimeoutMs = options.syncTimeoutMs ?? 30_000;
  if (!Number.isFinite(syncTimeoutMs) || syncTimeoutMs <= 0) {
    throw new ClusterSimError(
      "BadRequest",
      `invalid simulation option syncTimeoutMs: must be a number of milliseconds > 0, got ${JSON.stringify(options.syncTimeoutMs)} (fix the options passed to attachSimulation)`,
    );
  }
  const resolved = resolveOptions(options, NODE_CONTROLLERS, "simulated");
  const onError = options.onError ?? (() => {});
  const api = new KubeApi(kubeConfig, {
    resources: cachedResources(resolved.controllers),
    fieldManager: options.fieldManager ?? "kaito-sim",
    onError,
  });
  api.start();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ClusterSimError(
            "Timeout",
            `attachSimulation: the first list of the simulation's resources from ${api.server} took longer than ${syncTimeoutMs} ms (is the API server up? raise syncTimeoutMs for a slow one)`,
          ),
        ),
      syncTimeoutMs,
    );
  });
  try {
    await Promise.race([api.synced(), timeout]);
  } catch (error) {
    await api.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  let kubeletServer: { port: number; stop(): Promise<void> } | undefined;
  let simulation: Simulation | undefined;
  if (options.kubeletEndpoint === true) {
    const server = new KubeletServer((ns, pod, container, previous) =>
      simulation?.logs(ns, pod, container, { previous }),
    );
    try {
      kubeletServer = { port: await server.start(), stop: () => server.stop() };
    } catch (error) {
      await api.stop();
      throw error;
    }
  }
  simulation = runSimulation(api, options, resolved, kubeletServer);
  return simulation;
}

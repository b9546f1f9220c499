/**
 * The two API servers the integration tests run on: the real kube-apiserver + etcd of `@kaito-ts/envtest`, and
 * cluster-sim in process. One instance per test file; each starts WITHOUT the Workspace CRD so the file can see
 * `CRD_NOT_INSTALLED` first, then installs it.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { type Cluster, type KubeObject, type SimSku, startCluster } from "@kaito-ts/cluster-sim";
import { startControlPlane } from "@kaito-ts/envtest";
import { workspaceCrd } from "@kaito-ts/workspace-types";
import { KubeTransport } from "../../src/index.ts";

/** A running backend. */
export interface RunningBackend {
  readonly name: "envtest" | "cluster-sim";
  readonly kubeConfig: KubeConfig;
  readonly kubeconfigPath: string;
  /** Installs the Workspace CRD (and waits until it is served). */
  installWorkspaceCrd(): Promise<void>;
  /** A kubeconfig whose requests are refused by RBAC (envtest: a user without bindings; cluster-sim: injected 403s). */
  forbidden(): Promise<KubeConfig>;
  /** cluster-sim only: the in-process cluster (faults, simulation). */
  readonly cluster: Cluster | undefined;
  stop(): Promise<void>;
}

/** Starts the real control plane (no controllers). */
export async function startEnvtest(): Promise<RunningBackend> {
  const cp = await startControlPlane();
  return {
    name: "envtest",
    kubeConfig: cp.kubeConfig,
    kubeconfigPath: cp.kubeconfigPath,
    cluster: undefined,
    async installWorkspaceCrd() {
      await cp.installCRDs([structuredClone(workspaceCrd) as never]);
    },
    async forbidden() {
      return (await cp.kubeconfigFor({ user: "mallory", groups: ["nobody"] })).kubeConfig;
    },
    stop: () => cp.stop(),
  };
}

/** Starts cluster-sim; `skus` turns the simulation (nodes, kubelet, processes) on. */
export async function startClusterSim(options: { skus?: SimSku[] } = {}): Promise<RunningBackend> {
  const cluster = await startCluster(
    options.skus === undefined
      ? { simulation: false }
      : {
          skus: options.skus,
          nodeDelayMs: 50,
          simulation: { processRuntime: { images: [{ image: "sim/node:*" }] } },
        },
  );
  return {
    name: "cluster-sim",
    kubeConfig: cluster.kubeConfig,
    kubeconfigPath: cluster.kubeconfigPath,
    cluster,
    async installWorkspaceCrd() {
      const t = new KubeTransport(cluster.kubeConfig);
      await t.send(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        { verb: "create", what: "the Workspace CRD" },
        { method: "POST", body: structuredClone(workspaceCrd) as unknown as KubeObject },
      );
    },
    async forbidden() {
      // cluster-sim stores RBAC objects but does not enforce them: play the refusal the real server sends.
      cluster.faults.add({ resource: "workspaces.kaito.sh", status: 403, times: 1 });
      return cluster.kubeConfig;
    },
    stop: () => cluster.stop(),
  };
}

/** Poll a check until it returns a value (envtest's `eventually`). */
export { eventually } from "@kaito-ts/envtest";

/**
 * The two API servers the Workspace benchmark runs on, each with instant simulated GPU nodes: cluster-sim in this
 * process (its own scheduler, workload controllers and kubelet), and the real kube-apiserver + etcd +
 * kube-controller-manager + kube-scheduler of `@kaito-ts/envtest` with cluster-sim's cloud and kubelet attached
 * (`attachSimulation`). Unlike the integration tests' backends (`test/support/backends.ts`) there is no fault proxy
 * in the path: the measured clients talk to the API server directly.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attachSimulation, installNodeClaimCrd, type SimulationOptions, startCluster } from "@kaito-ts/cluster-sim";
import { type ControlPlane, startControlPlane } from "@kaito-ts/envtest";
import { workspaceCrd } from "@kaito-ts/workspace-types";
import { KubeRestClient, type ResourceType } from "../src/index.ts";

/** The GPU SKU of the benchmark's Workspaces (one A100 per node; phi-3 needs one node). */
export const SKU = "Standard_NC24ads_A100_v4";

/**
 * What a pod of the operator would be given: `KUBERNETES_SERVICE_HOST`/`_PORT` and a folder with the ServiceAccount's
 * `token` and the cluster's `ca.crt` (the reconciler side connects with reconciler-core's `inClusterAccess`, as the
 * operator does in a pod).
 */
export interface InClusterFiles {
  readonly env: { readonly KUBERNETES_SERVICE_HOST: string; readonly KUBERNETES_SERVICE_PORT: string };
  readonly serviceAccountDir: string;
}

/** A started backend: a kubeconfig file and in-cluster files for the measured process, and how to stop it. */
export interface BenchBackend {
  readonly name: BackendName;
  readonly kubeconfigPath: string;
  readonly inCluster: InClusterFiles;
  stop(): Promise<void>;
}

/** The bench's stand-in for the operator's ServiceAccount (bound to `cluster-admin`: the bench measures, RBAC is tested elsewhere). */
const SERVICE_ACCOUNT = { namespace: "default", name: "kaito-ts-bench" } as const;

/** Write `token` and `ca.crt` as Kubernetes mounts them into a pod; the folder is removed by the returned function. */
function writeInClusterFiles(url: string, token: string, caPem: string): InClusterFiles & { remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "kaito-ts-bench-sa-"));
  writeFileSync(join(dir, "token"), token, { mode: 0o600 });
  writeFileSync(join(dir, "ca.crt"), caPem);
  const u = new URL(url);
  return {
    env: { KUBERNETES_SERVICE_HOST: u.hostname, KUBERNETES_SERVICE_PORT: u.port || "443" },
    serviceAccountDir: dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A token of the bench's ServiceAccount, bound to `cluster-admin`, on the real control plane. */
async function serviceAccountToken(cp: ControlPlane): Promise<string> {
  const scoped = await cp.kubeconfigFor({ serviceAccount: SERVICE_ACCOUNT });
  const clusterRoleBindings: ResourceType = {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
  };
  await new KubeRestClient(cp.kubeConfig).create(clusterRoleBindings, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: SERVICE_ACCOUNT.name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", ...SERVICE_ACCOUNT }],
  });
  const token = scoped.kubeConfig.getCurrentUser()?.token;
  if (token === undefined) throw new Error(`envtest gave no token for ${SERVICE_ACCOUNT.name}`);
  return token;
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
      // HTTPS with a CA and a bearer token, as a pod reaches its API server.
      tls: true,
      skus,
      crds: [workspaceCrd as never],
      simulation: { ...instantSimulation, heartbeats: heartbeats[name], onError },
    });
    const files = writeInClusterFiles(cluster.url, cluster.token, cluster.caCert as string);
    return {
      name,
      kubeconfigPath: cluster.kubeconfigPath,
      inCluster: files,
      async stop() {
        await cluster.stop();
        files.remove();
      },
    };
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
    const files = writeInClusterFiles(cp.url, await serviceAccountToken(cp), cp.caCertificate);
    return {
      name,
      kubeconfigPath: cp.kubeconfigPath,
      inCluster: files,
      async stop() {
        await sim.stop();
        await cp.stop();
        files.remove();
      },
    };
  } catch (e) {
    await cp.stop();
    throw e;
  }
}

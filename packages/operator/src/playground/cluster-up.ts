import { copyFileSync } from "node:fs";
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
  /** Run on the real control plane of `@kaito-ts/envtest` instead of cluster-sim's API server. */
  readonly real?: boolean;
}

/** What `@kaito-ts/envtest` exports (an optional peer dependency, loaded for `cluster up --real` only). */
export type EnvtestModule = typeof import("@kaito-ts/envtest");

/** Loads `@kaito-ts/envtest` on demand, with a one-line `MISSING_DEPENDENCY` error when it is not installed. */
export async function loadEnvtest(
  importer: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<EnvtestModule> {
  const specifier = "@kaito-ts/envtest";
  try {
    return (await importer(specifier)) as EnvtestModule;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const missing =
      (code === "ERR_MODULE_NOT_FOUND" || /Cannot find (?:package|module)/.test(String(message))) &&
      String(message).includes(`'${specifier}'`);
    if (!missing) throw error;
    throw new OperatorError(
      "MISSING_DEPENDENCY",
      `kaito cluster up --real needs ${specifier}, an optional dependency of @kaito-ts/operator: install it next to the operator (npm install ${specifier}) and run again`,
      { cause: error },
    );
  }
}

/**
 * `kaito cluster up --real`: the same playground on a real control plane — kube-apiserver, etcd,
 * kube-controller-manager and kube-scheduler from `@kaito-ts/envtest`, Kaito's CRDs installed, and cluster-sim's
 * simulated cloud and kubelet attached over HTTP (NodeClaims become GPU nodes; their pods run). Kaito's admission
 * webhook is not registered (that is the operator's job), so invalid Workspaces are only checked by the CRD schema.
 * When the binaries are not built, prints one line saying how to build them and returns 2.
 */
export async function runRealClusterUp(
  io: CliIO,
  options: ClusterUpOptions,
  interrupted: () => Promise<void>,
  load: () => Promise<ClusterSimModule>,
  loadPlane: () => Promise<EnvtestModule>,
): Promise<number> {
  const envtest = await loadPlane();
  const missing = (() => {
    try {
      return envtest.resolveBinaries().missing.filter((b) => b !== "oras" && b !== "kubectl");
    } catch {
      return ["etcd", "kube-apiserver"];
    }
  })();
  if (missing.length > 0) {
    io.stderr(
      `cluster up --real needs the control-plane binaries (missing: ${missing.join(", ")}): build them with npx --yes pnpm@12.21.0 test-deps (needs Go ≥ 1.26), or set KAITO_TS_BIN_DIR\n`,
    );
    return 2;
  }
  const { attachSimulation } = await load();
  const plane = await envtest.startControlPlane({
    controllers: true,
    ...(options.port !== 0 ? { apiServerPort: options.port } : {}),
  });
  try {
    await plane.installCRDs(allCrds.map((crd) => structuredClone(crd) as never));
    const sim = await attachSimulation(plane.kubeConfig, {
      skus: listSkus({ includeClassic: true }).map(simulatedSku),
      nodeDelayMs: options.nodeDelayMs,
    });
    let kubeconfig = plane.kubeconfigPath;
    if (options.kubeconfig !== undefined) {
      copyFileSync(plane.kubeconfigPath, options.kubeconfig);
      kubeconfig = options.kubeconfig;
    }
    io.stdout(
      `a real control plane (kube-apiserver, etcd, controller-manager, scheduler) is serving at ${plane.url}\n`,
    );
    io.stdout(`export KUBECONFIG=${kubeconfig}\n`);
    io.stdout("GPU nodes are simulated (cluster-sim attached); Kaito's admission webhook is not registered here\n");
    io.stdout("press Ctrl-C to stop\n");
    await interrupted();
    await sim.stop();
  } finally {
    await plane.stop();
  }
  io.stdout("control plane stopped\n");
  return 0;
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
  loadPlane: () => Promise<EnvtestModule> = () => loadEnvtest(),
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
  if (options.real === true) return runRealClusterUp(io, options, io.interrupted, load, loadPlane);
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

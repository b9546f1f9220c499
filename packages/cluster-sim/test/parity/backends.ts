/**
 * The two API servers the parity suite judges: cluster-sim (in process, over HTTP) and the real kube-apiserver + etcd
 * (+ kube-controller-manager and kube-scheduler) from `@kaito-ts/envtest`. A test file runs its cases on each with
 * {@link describeBackends}: one instance per backend per file, so the start-up is paid once.
 */
import { type ControlPlane, startControlPlane } from "@kaito-ts/envtest";
import { CoreV1Api, type KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe } from "vitest";
import {
  attachSimulation,
  type Cluster,
  installNodeClaimCrd,
  type KubeObject,
  type SimSku,
  type Simulation,
  type SimulationOptions,
  startCluster,
} from "../../src/index.ts";
import { eventually, type Kubectl, kubectlFor } from "../clients/kubectl-runner.ts";

/** Which API server. */
export type BackendName = "cluster-sim" | "kube-apiserver";

/** What a test file asks of its backend. */
export interface BackendOptions {
  /** CRDs installed (and Established) before the tests run. */
  readonly crds?: readonly KubeObject[];
  /**
   * The controllers a real cluster runs (garbage collector, namespace finaliser, Deployment → ReplicaSet, the default
   * ServiceAccount, the scheduler): kube-controller-manager + kube-scheduler on the real server, the simulation's
   * controllers on cluster-sim (its store collects garbage and finalises namespaces either way).
   */
  readonly controllers?: boolean;
  /**
   * Simulated GPU nodes and the kubelet that runs their pods (needs `controllers`): cluster-sim's own simulation, or
   * on the real server the same simulation attached as a client (`attachSimulation`), next to the real scheduler and
   * controllers.
   */
  readonly simulation?: {
    readonly skus: SimSku[];
    readonly nodeDelayMs?: number;
    readonly processRuntime?: SimulationOptions["processRuntime"];
  };
  /** Extra kube-apiserver flags (real server only). */
  readonly apiServerFlags?: readonly string[];
  /** Extra kube-controller-manager flags (real server only). */
  readonly controllerManagerFlags?: readonly string[];
}

/** A started backend. */
export interface RunningBackend {
  readonly name: BackendName;
  /** The API server's URL. */
  readonly url: string;
  /** A kubeconfig file with admin credentials. */
  readonly kubeconfigPath: string;
  /** The same credentials for client-node. */
  readonly kubeConfig: KubeConfig;
  /** The real kubectl (same version as the real API server) bound to this backend, with its own cache. */
  readonly kubectl: Kubectl;
  /** client-node's generic API. */
  readonly objects: KubernetesObjectApi;
  /** The in-process cluster (cluster-sim only; tests must not need it for what they assert). */
  readonly cluster?: Cluster;
  /** The running simulation (with the `simulation` option). */
  readonly simulation?: Simulation;
  /** The control plane (real server only). */
  readonly controlPlane?: ControlPlane;
  stop(): Promise<void>;
}

/** A backend the suite can start. */
export interface Backend {
  readonly name: BackendName;
  start(options?: BackendOptions): Promise<RunningBackend>;
}

async function ensureDefaultServiceAccount(kubeConfig: KubeConfig): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const exists = await core.readNamespacedServiceAccount({ name: "default", namespace: "default" }).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await core
      .createNamespacedServiceAccount({ namespace: "default", body: { metadata: { name: "default" } } })
      .catch((e: unknown) => {
        // the serviceaccount controller may have made it in between
        if ((e as { code?: number }).code !== 409) throw e;
      });
  }
}

/**
 * Creates CRDs with `kubectl create` and waits until they are Established. (Not envtest's `installCRDs`: it sends
 * them through client-node's typed ApiextensionsV1Api, whose serializer drops `enum`, `default` and the
 * `x-kubernetes-*` keys of plain-object schemas — see FIDELITY.md, "Found on the way".)
 */
async function installCrdsWithKubectl(kubeconfigPath: string, crds: readonly KubeObject[]): Promise<void> {
  const kubectl = kubectlFor(kubeconfigPath);
  await kubectl.ok(["create", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: crds }),
  });
  await kubectl.ok([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...crds.map((c) => `crd/${c.metadata.name ?? ""}`),
  ]);
}

/** cluster-sim in this process, over HTTP. */
export const clusterSimBackend: Backend = {
  name: "cluster-sim",
  async start(options = {}) {
    const sim = options.simulation;
    const cluster = await startCluster({
      crds: [...(options.crds ?? [])],
      simulation:
        options.controllers === true
          ? { ...(sim?.processRuntime ? { processRuntime: sim.processRuntime } : {}) }
          : false,
      ...(sim ? { skus: sim.skus, nodeDelayMs: sim.nodeDelayMs ?? 20 } : {}),
      bookmarkIntervalMs: 1000,
    });
    return {
      name: "cluster-sim",
      url: cluster.url,
      kubeconfigPath: cluster.kubeconfigPath,
      kubeConfig: cluster.kubeConfig,
      kubectl: kubectlFor(cluster.kubeconfigPath),
      objects: KubernetesObjectApi.makeApiClient(cluster.kubeConfig),
      cluster,
      ...(cluster.simulation ? { simulation: cluster.simulation } : {}),
      stop: () => cluster.stop(),
    };
  },
};

/** etcd + kube-apiserver (+ kube-controller-manager, kube-scheduler) v1.37 from `@kaito-ts/envtest`. */
export const kubeApiServerBackend: Backend = {
  name: "kube-apiserver",
  async start(options = {}) {
    const controlPlane = await startControlPlane({
      controllers: options.controllers === true,
      ...(options.controllerManagerFlags ? { controllerManagerFlags: options.controllerManagerFlags } : {}),
      ...(options.apiServerFlags ? { apiServerFlags: options.apiServerFlags } : {}),
    });
    try {
      if (options.crds && options.crds.length > 0)
        await installCrdsWithKubectl(controlPlane.kubeconfigPath, options.crds);
      // Pods need the namespace's default ServiceAccount (made by the serviceaccount controller when it runs).
      if (options.controllers === true) {
        const core = controlPlane.kubeConfig.makeApiClient(CoreV1Api);
        await eventually(
          () => core.readNamespacedServiceAccount({ name: "default", namespace: "default" }).then(() => true),
          60_000,
          "the default ServiceAccount",
        );
      } else await ensureDefaultServiceAccount(controlPlane.kubeConfig);
    } catch (e) {
      await controlPlane.stop();
      throw e;
    }
    let simulation: Simulation | undefined;
    if (options.simulation) {
      try {
        await installNodeClaimCrd(controlPlane.kubeConfig);
        simulation = await attachSimulation(controlPlane.kubeConfig, {
          skus: options.simulation.skus,
          nodeDelayMs: options.simulation.nodeDelayMs ?? 20,
          ...(options.simulation.processRuntime ? { processRuntime: options.simulation.processRuntime } : {}),
          heartbeats: { leaseRenewMs: 2000, nodeStatusMs: 5000 },
          // the node agent serves the kubelet's /containerLogs, so `kubectl logs` works through the real API server
          kubeletEndpoint: true,
        });
      } catch (e) {
        await controlPlane.stop();
        throw e;
      }
    }
    return {
      name: "kube-apiserver",
      url: controlPlane.url,
      kubeconfigPath: controlPlane.kubeconfigPath,
      kubeConfig: controlPlane.kubeConfig,
      kubectl: kubectlFor(controlPlane.kubeconfigPath),
      objects: KubernetesObjectApi.makeApiClient(controlPlane.kubeConfig),
      controlPlane,
      ...(simulation ? { simulation } : {}),
      async stop() {
        await simulation?.stop();
        await controlPlane.stop();
      },
    };
  },
};

/** Both backends, in the order the suite runs them. */
export const backends: readonly Backend[] = [clusterSimBackend, kubeApiServerBackend];

/**
 * `describe.each` over both backends with one started instance per backend for the whole block: `body` gets a getter
 * of the running backend (valid inside tests and hooks).
 */
export function describeBackends(
  title: string,
  options: BackendOptions,
  body: (backend: () => RunningBackend) => void,
): void {
  describe.each(backends.map((b) => ({ backend: b, name: b.name })))(`${title} — $name`, ({ backend }) => {
    let running: RunningBackend | undefined;
    beforeAll(async () => {
      running = await backend.start(options);
    }, 180_000);
    afterAll(async () => {
      await running?.stop();
    });
    body(() => {
      if (running === undefined) throw new Error(`the ${backend.name} backend did not start`);
      return running;
    });
  });
}

/**
 * Observations recorded per backend for a cross-backend comparison at the end of a file: `record(key, value)` in each
 * backend's test, then `agreement()` lists the keys whose values differ.
 */
export class Observations {
  private readonly values = new Map<string, Map<BackendName, unknown>>();

  record(backend: BackendName, key: string, value: unknown): void {
    let perBackend = this.values.get(key);
    if (perBackend === undefined) {
      perBackend = new Map();
      this.values.set(key, perBackend);
    }
    perBackend.set(backend, value);
  }

  /** Every key with both backends' values, for `expect(...).toEqual(...)` with a readable diff. */
  pairs(): Record<string, { "cluster-sim": unknown; "kube-apiserver": unknown }> {
    const out: Record<string, { "cluster-sim": unknown; "kube-apiserver": unknown }> = {};
    for (const [key, per] of this.values)
      out[key] = { "cluster-sim": per.get("cluster-sim"), "kube-apiserver": per.get("kube-apiserver") };
    return out;
  }

  /** The same keys with the cluster-sim value replaced by the real server's: what {@link pairs} must equal. */
  expected(): Record<string, { "cluster-sim": unknown; "kube-apiserver": unknown }> {
    const out: Record<string, { "cluster-sim": unknown; "kube-apiserver": unknown }> = {};
    for (const [key, per] of this.values)
      out[key] = { "cluster-sim": per.get("kube-apiserver"), "kube-apiserver": per.get("kube-apiserver") };
    return out;
  }

  /** How many keys were recorded by both backends. */
  complete(): number {
    return [...this.values.values()].filter((per) => per.size === 2).length;
  }
}

/**
 * The API servers the integration tests run against. Every integration `describe` is a `describe.each(backends)`:
 * `cluster-sim` (in process), and the real kube-apiserver + etcd of `@kaito-ts/envtest` (with kube-controller-manager
 * and kube-scheduler when the simulation is asked for). On the real server, faults go through a fault proxy
 * (`fault-proxy.ts`) and the GPU nodes and kubelet come from cluster-sim's `attachSimulation`.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import {
  attachSimulation,
  installNodeClaimCrd,
  type NodeClaimFaultRule,
  type PodFaultRule,
  type SimulationOptions,
  startCluster,
} from "@kaito-ts/cluster-sim";
import { startControlPlane } from "@kaito-ts/envtest";
import { startFaultProxy } from "./fault-proxy.ts";

/** Fault controls every backend offers. */
export interface BackendFaults {
  /** Drop the retained watch history of a resource: watches from older resourceVersions get 410. */
  compact(resource: string): void;
  /** Remove every rule and compaction mark. */
  clear(): void;
  /** End the open watch streams of a resource now. */
  dropWatches(resource: string): void;
  /** Answer matching requests with `status` (`times` times, or until removed); returns the remover. */
  fail(rule: {
    verb: "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";
    resource: string;
    status: number;
    times?: number;
  }): () => void;
  /** Delay matching requests; returns the remover. */
  delay(rule: {
    verb: "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";
    resource: string;
    ms: number;
    times?: number;
  }): () => void;
}

/** Faults of the simulated cloud and kubelet (NodeClaim launches, pods). */
export interface SimulationFaults {
  addPodFault(rule: PodFaultRule): string;
  addNodeClaimFault(rule: NodeClaimFaultRule): string;
  remove(id: string): boolean;
}

/** A started backend. */
export interface RunningBackend {
  readonly kubeConfig: KubeConfig;
  readonly faults: BackendFaults;
  /** Present when started with `simulation`. */
  readonly sim: SimulationFaults | undefined;
  /** Requests of a client (User-Agent product) by verb and `plural.group[/subresource]` since the start. */
  requests(verb: string, resource: string, client: string): number;
  /**
   * Container logs of simulated nodes when the API server cannot fetch them (a real kube-apiserver asks the kubelet,
   * which the simulated node agent does not serve); `undefined` when `pods/log` works.
   */
  readonly podLogs:
    | ((namespace: string, pod: string, container: string, tailLines: number) => Promise<string>)
    | undefined;
  stop(): Promise<void>;
}

/** What to start. */
export interface BackendStartOptions {
  readonly crds?: readonly object[];
  /** Run cluster-sim's node, scheduler, workload and kubelet simulation against the API server. */
  readonly simulation?: Partial<SimulationOptions>;
}

/** A backend the integration tests are parameterised over. */
export interface Backend {
  readonly name: string;
  start(opts?: BackendStartOptions): Promise<RunningBackend>;
}

const clusterSim: Backend = {
  name: "cluster-sim",
  async start(opts = {}) {
    const cluster = await startCluster({
      simulation: opts.simulation === undefined ? false : opts.simulation,
      crds: [...(opts.crds ?? [])] as never[],
    });
    const simulation = cluster.simulation;
    return {
      kubeConfig: cluster.kubeConfig,
      podLogs: undefined,
      requests: (verb, resource, client) => cluster.counters.get({ verb: verb as never, resource, client }),
      sim:
        simulation === undefined || simulation === null
          ? undefined
          : {
              addPodFault: (r) => simulation.faults.addPodFault(r),
              addNodeClaimFault: (r) => simulation.faults.addNodeClaimFault(r),
              remove: (id) => simulation.faults.remove(id),
            },
      faults: {
        compact: (r) => cluster.faults.compact(r),
        clear: () => cluster.faults.clear(),
        dropWatches: (r) => cluster.faults.dropWatches(r),
        fail: (r) =>
          cluster.faults.add({
            verb: r.verb,
            resource: r.resource,
            status: r.status,
            ...(r.times !== undefined ? { times: r.times } : {}),
          }),
        delay: (r) =>
          cluster.faults.add({
            verb: r.verb,
            resource: r.resource,
            latencyMs: r.ms,
            ...(r.times !== undefined ? { times: r.times } : {}),
          }),
      },
      stop: () => cluster.stop(),
    };
  },
};

const envtest: Backend = {
  name: "envtest",
  async start(opts = {}) {
    const withSim = opts.simulation !== undefined;
    const cp = await startControlPlane({ controllers: withSim });
    try {
      if ((opts.crds ?? []).length > 0) await cp.installCRDs([...(opts.crds ?? [])] as never);
      let simulation: Awaited<ReturnType<typeof attachSimulation>> | undefined;
      if (withSim) {
        await installNodeClaimCrd(cp.kubeConfig);
        simulation = await attachSimulation(cp.kubeConfig, { skus: [], ...opts.simulation } as never);
      }
      const proxy = await startFaultProxy(cp.kubeConfig);
      const sim = simulation;
      return {
        kubeConfig: proxy.kubeConfig,
        faults: proxy,
        requests: (verb, resource, client) => proxy.count(verb, resource, client),
        podLogs:
          sim === undefined
            ? undefined
            : async (ns, pod, container, tailLines) =>
                (sim.logs(ns, pod, container) ?? "")
                  .split("\n")
                  .slice(-tailLines - 1)
                  .join("\n"),
        sim:
          sim === undefined
            ? undefined
            : {
                addPodFault: (r) => sim.faults.addPodFault(r),
                addNodeClaimFault: (r) => sim.faults.addNodeClaimFault(r),
                remove: (id) => sim.faults.remove(id),
              },
        async stop() {
          await sim?.stop();
          await proxy.stop();
          await cp.stop();
        },
      };
    } catch (e) {
      await cp.stop();
      throw e;
    }
  },
};

/** Every backend; `describe.each(backends)`. Set `KAITO_TS_BACKENDS=cluster-sim` (or `envtest`) to run one. */
export const backends: readonly Backend[] = [clusterSim, envtest].filter(
  (b) => process.env.KAITO_TS_BACKENDS === undefined || process.env.KAITO_TS_BACKENDS.split(",").includes(b.name),
);

/** Poll a check until it returns a value (envtest's `eventually`, shared by every test of this package). */
export { eventually } from "@kaito-ts/envtest";

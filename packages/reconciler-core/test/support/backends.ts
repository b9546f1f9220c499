/**
 * The API servers the integration tests run against. Every integration `describe` is a `describe.each(backends)`:
 * `cluster-sim` today; the real kube-apiserver from `@kaito-ts/envtest` is added here when its `startControlPlane`
 * lands (its fault controls will go through a fault proxy in front of the real server).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import {
  type NodeClaimFaultRule,
  type PodFaultRule,
  type SimulationOptions,
  startCluster,
} from "@kaito-ts/cluster-sim";

/** Fault controls every backend offers. */
export interface BackendFaults {
  /** Drop the retained watch history of a resource: watches from older resourceVersions get 410. */
  compact(resource: string): void;
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

/** Every backend; `describe.each(backends)`. */
export const backends: readonly Backend[] = [clusterSim];

/** Poll `check` every 20 ms until it returns a value other than `undefined`/`false`; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The measured side: the Workspace controller as an operator runs it — a `Manager` with leader election, the
 * informer caches of `setupWorkspaceController`, the Karpenter provisioner of `@kaito-ts/node-provisioner` — counting
 * every request through the runtime's `onRequest` hook and every write and cache-bypassing read at the client the
 * controllers write with.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createKarpenterProvisioner } from "@kaito-ts/node-provisioner/karpenter";
import { KaitoLabel } from "@kaito-ts/workspace-types";
import {
  type ClusterAccess,
  type Informer,
  inClusterAccess,
  isReconcilerError,
  type KubeClient,
  Manager,
  Resources,
  setupWorkspaceController,
} from "@kaito-ts/reconciler-core";
import { writeKey } from "./minimum.ts";
import { isSucceeded, type MemoryReport, type SideStats, tally } from "./protocol.ts";

/** Counts of a run, filled as it goes. */
interface Counts {
  readonly requests: Record<string, number>;
  readonly writes: Record<string, number>;
  readonly directReads: Record<string, number>;
  readonly failures: Record<string, number>;
  readonly passes: Record<string, number>;
}

/**
 * Count the writes (by resource and subresource) and the direct reads of a client by wrapping its methods in place.
 * The informers read through the manager's other client (`readClient`), so every `get`/`list` seen here bypassed a
 * cache.
 */
function countCalls(client: KubeClient, counts: Counts): void {
  // A write the fencing refused (`NOT_LEADER`: the Lease is past its renew deadline) never reaches the API server:
  // it is counted apart, not as a write.
  const sent = <T>(key: string, call: () => Promise<T>): Promise<T> => {
    tally(counts.writes, key);
    return call().catch((e: unknown) => {
      if (isReconcilerError(e) && e.code === "NOT_LEADER") {
        tally(counts.writes, key, -1);
        tally(counts.failures, "refused locally (not leader)");
      }
      throw e;
    });
  };
  const c = {
    create: client.create.bind(client),
    replace: client.replace.bind(client),
    patch: client.patch.bind(client),
    delete: client.delete.bind(client),
    get: client.get.bind(client),
    list: client.list.bind(client),
  };
  client.create = (rt, obj, opts) => sent(writeKey("create", rt.resource), () => c.create(rt, obj, opts));
  client.replace = (rt, obj, opts) => sent(writeKey("update", rt.resource), () => c.replace(rt, obj, opts));
  client.patch = (rt, ns, name, type, body, opts) => {
    if (process.env.BENCH_TRACE === "1")
      console.error(`TRACE ${Date.now()} ${rt.resource} ${name} ${opts?.subresource ?? "-"} ${JSON.stringify(body)}`);
    return sent(writeKey("patch", rt.resource, opts?.subresource), () => c.patch(rt, ns, name, type, body, opts));
  };
  client.delete = (rt, ns, name, opts) => sent(writeKey("delete", rt.resource), () => c.delete(rt, ns, name, opts));
  client.get = (rt, ns, name) => {
    tally(counts.directReads, `get ${rt.resource}`);
    return c.get(rt, ns, name);
  };
  client.list = (rt, opts) => {
    tally(counts.directReads, `list ${rt.resource}`);
    return c.list(rt, opts);
  };
}

/** A running reconciler side. */
export interface RunningSide {
  /** Resolves with the figures once `target` Workspaces are `WorkspaceSucceeded=True`. */
  readonly done: Promise<SideStats>;
  /** Workspaces succeeded so far. */
  succeeded(): number;
  stop(): Promise<void>;
}

/** One operator replica: a manager with the Workspace controller, counting into `counts`. */
function replica(access: ClusterAccess, counts: Counts) {
  const mgr = new Manager({
    kubeConfig: access,
    leaderElection: { namespace: "default", name: "kaito-ts-bench" },
    client: {
      onRequest: (verb, resource, status) => {
        tally(counts.requests, `${verb} ${resource}`);
        if (status < 200 || status >= 300) tally(counts.failures, String(status));
      },
    },
    metrics: { reconcileDone: (_controller, result) => tally(counts.passes, result) },
  });
  countCalls(mgr.client, counts);
  const setup = setupWorkspaceController(mgr, { provisioner: (port) => createKarpenterProvisioner({ port }) });
  const informers: Record<string, Informer> = {
    ...Object.fromEntries(Object.values(setup.caches).map((i: Informer) => [i.resource.resource, i])),
    nodeclaims: mgr.informer(Resources.NodeClaim, { labelSelector: KaitoLabel.Workspace }),
  };
  return { mgr, setup, informers };
}

/**
 * Start the reconciler as in a pod (the ServiceAccount files in `serviceAccountDir`); resolves once its caches are
 * synced and it leads. A replica that loses its Lease stops (`Manager.done` rejects `NOT_LEADER`); as Kubernetes
 * restarts an operator pod that exited, the side then starts a new replica in the same process (counted in
 * `restarts`, its requests counted too).
 */
export async function startReconcilerSide(serviceAccountDir: string, target: number): Promise<RunningSide> {
  // As the operator in a pod: the ServiceAccount's token and CA, `KUBERNETES_SERVICE_HOST`/`_PORT`; client-node's
  // KubeConfig (and its generated API, ≈ 85 MB resident) is never loaded.
  const access = inClusterAccess({ serviceAccountDir });
  const counts: Counts = { requests: {}, writes: {}, directReads: {}, failures: {}, passes: {} };
  const t0 = Date.now();
  let current = replica(access, counts);
  let restarts = 0;
  let stopping = false;
  const watchLoss = (r: ReturnType<typeof replica>): void => {
    r.mgr.done.catch((e: unknown) => {
      if (stopping) return;
      restarts++;
      console.error(
        `    reconciler: replica stopped after ${((Date.now() - t0) / 1000).toFixed(0)} s (${e instanceof Error ? e.message : String(e)}); starting a new one`,
      );
      current = replica(access, counts);
      watchLoss(current);
      void current.mgr.start();
    });
  };
  watchLoss(current);
  await current.mgr.start();
  while (!(current.mgr.cachesSynced() && current.mgr.isLeader())) await new Promise((r) => setTimeout(r, 20));

  const peak = { heapUsed: 0, heapTotal: 0, external: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
    peak.external = Math.max(peak.external, m.external);
    return m;
  };
  const sampler = setInterval(sample, 1000);
  // How late the event loop runs timers: a loaded machine (or a blocking pass) shows here, and a Lease renewal that
  // comes later than the renew deadline (10 s) costs the replica its leadership.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const memoryReport = (): MemoryReport => {
    const m = sample();
    const caches: Record<string, { objects: number; jsonBytes: number }> = {};
    for (const [name, inf] of Object.entries(current.informers)) {
      const items = inf.list();
      caches[name] = { objects: items.length, jsonBytes: items.reduce((a, o) => a + JSON.stringify(o).length, 0) };
    }
    return { peak: { ...peak }, atDone: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal }, caches };
  };

  let succeeded = 0;
  const done = new Promise<SideStats>((resolve) => {
    const poll = setInterval(() => {
      succeeded = current.setup.caches.workspaces.list().filter(isSucceeded).length;
      if (succeeded < target) return;
      clearInterval(poll);
      clearInterval(sampler);
      loopDelay.disable();
      const doneAt = Date.now();
      resolve({
        doneAt,
        succeeded,
        ...counts,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        memory: memoryReport(),
        restarts,
        eventLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      });
    }, 50);
  });
  return {
    done,
    succeeded: () => succeeded,
    stop: () => {
      stopping = true;
      clearInterval(sampler);
      loopDelay.disable();
      return current.mgr.stop();
    },
  };
}

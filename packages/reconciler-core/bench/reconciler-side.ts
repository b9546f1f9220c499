/**
 * The measured side: the Workspace controller as an operator runs it — a `Manager` with leader election, the
 * informer caches of `setupWorkspaceController`, the Karpenter provisioner of `@kaito-ts/node-provisioner` — counting
 * every request through the runtime's `onRequest` hook and every write and cache-bypassing read at the client the
 * controllers write with.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { createKarpenterProvisioner } from "@kaito-ts/node-provisioner/karpenter";
import { type KubeClient, Manager, setupWorkspaceController } from "../src/index.ts";
import { writeKey } from "./minimum.ts";
import { isSucceeded, type SideStats, tally } from "./protocol.ts";

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
  const c = {
    create: client.create.bind(client),
    replace: client.replace.bind(client),
    patch: client.patch.bind(client),
    delete: client.delete.bind(client),
    get: client.get.bind(client),
    list: client.list.bind(client),
  };
  client.create = (rt, obj, opts) => {
    tally(counts.writes, writeKey("create", rt.resource));
    return c.create(rt, obj, opts);
  };
  client.replace = (rt, obj, opts) => {
    tally(counts.writes, writeKey("update", rt.resource));
    return c.replace(rt, obj, opts);
  };
  client.patch = (rt, ns, name, type, body, opts) => {
    tally(counts.writes, writeKey("patch", rt.resource, opts?.subresource));
    if (process.env.BENCH_TRACE === "1")
      console.error(`TRACE ${Date.now()} ${rt.resource} ${name} ${opts?.subresource ?? "-"} ${JSON.stringify(body)}`);
    return c.patch(rt, ns, name, type, body, opts);
  };
  client.delete = (rt, ns, name, opts) => {
    tally(counts.writes, writeKey("delete", rt.resource));
    return c.delete(rt, ns, name, opts);
  };
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

/** Start the reconciler against `kubeconfigPath`; resolves once its caches are synced and it leads. */
export async function startReconcilerSide(kubeconfigPath: string, target: number): Promise<RunningSide> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const counts: Counts = { requests: {}, writes: {}, directReads: {}, failures: {}, passes: {} };
  const mgr = new Manager({
    kubeConfig: kc,
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
  await mgr.start();
  while (!(mgr.cachesSynced() && mgr.isLeader())) await new Promise((r) => setTimeout(r, 20));

  let succeeded = 0;
  const done = new Promise<SideStats>((resolve) => {
    const poll = setInterval(() => {
      succeeded = setup.caches.workspaces.list().filter(isSucceeded).length;
      if (succeeded < target) return;
      clearInterval(poll);
      resolve({
        doneAt: Date.now(),
        succeeded,
        ...counts,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      });
    }, 50);
  });
  return { done, succeeded: () => succeeded, stop: () => mgr.stop() };
}

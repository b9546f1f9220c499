/**
 * The baseline: the minimal flow of `minimum.ts` issued directly with `@kubernetes/client-node` — the same objects
 * (built by the same builders), the same number of workers (5, the reconciler's default), and event-driven waits on
 * three client-node informers (Workspaces, NodeClaims, StatefulSets), so that a Workspace waiting for its node or
 * its pod holds no worker. What it leaves out is everything the reconciler adds on top: caches of pods, nodes,
 * services and revisions, level-triggered re-checks, pod failure classification, leader election.
 */
import { randomBytes } from "node:crypto";
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  AppsV1Api,
  type V1StatefulSet,
} from "@kubernetes/client-node";
import { nodeNameFor, type ReadinessReport, resolveNodeRequest } from "@kaito-ts/node-provisioner";
import { buildNodeClaim } from "@kaito-ts/node-provisioner/karpenter";
import { KaitoLabel, WORKSPACE_FINALIZER } from "@kaito-ts/workspace-types";
import {
  buildInferenceServices,
  buildInferenceStatefulSet,
  computeStatus,
  inferenceConditions,
  type KubeObject,
  pending,
  planRevision,
  resolveBuildOptions,
  resourceConditions,
  toBuildWorkspace,
  type WorkspaceStatusFields,
} from "@kaito-ts/reconciler-core";
import { writeKey } from "./minimum.ts";
import type { RunningSide } from "./reconciler-side.ts";
import { type SideStats, tally } from "./protocol.ts";

const WORKERS = 5;
const NS = "default";
const WS = { group: "kaito.sh", version: "v1beta1", plural: "workspaces" } as const;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

type Phase = "new" | "nodes" | "workload" | "done";
interface Flow {
  phase: Phase;
  status: WorkspaceStatusFields | undefined;
  claim: string;
}

const claimReady = (c: KubernetesObject | undefined): boolean =>
  (c as { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined)?.status?.conditions?.some(
    (x) => x.type === "Ready" && x.status === "True",
  ) === true;

const stsReady = (s: V1StatefulSet | undefined): boolean => (s?.status?.readyReplicas ?? 0) >= 1;

function readiness(ready: boolean, node: string | undefined): ReadinessReport {
  const claims = ready
    ? { ready, reason: "NodeClaimsReady", message: "all 1 NodeClaims are ready" }
    : { ready, reason: "NodeClaimNotReady", message: "0/1 NodeClaims ready" };
  const nodes = ready
    ? { ready, reason: "NodesReady", message: "all 1 nodes are ready" }
    : { ready, reason: "NodeNotReady", message: "0/1 nodes ready" };
  return { ...(ready ? nodes : claims), nodeClaims: claims, nodes, workerNodes: node ? [node] : [], events: [] };
}

/**
 * client-node 2.0.1 builds a new undici `Agent` — a new TLS connection — for every request to an HTTPS server
 * (`KubeConfig.createDispatcher` is not cached, unlike its `https.Agent`s). On the real API server that costs a
 * handshake per write and would make the baseline slower than client-node can be; keep one dispatcher per
 * KubeConfig, as reconciler-core's `KubeRestClient` does.
 */
function reuseConnections(kc: KubeConfig): void {
  const target = kc as unknown as { createDispatcher: (cluster: unknown, options: unknown) => unknown };
  const create = target.createDispatcher.bind(kc);
  let cached: unknown;
  target.createDispatcher = (cluster, options) => {
    cached ??= create(cluster, options);
    return cached;
  };
}

/** Start the baseline against `kubeconfigPath`; resolves once its informers have listed. */
export async function startBaselineSide(kubeconfigPath: string, target: number): Promise<RunningSide> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  reuseConnections(kc);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const options = resolveBuildOptions();
  const writes: Record<string, number> = {};
  const requests: Record<string, number> = {};
  const failures: Record<string, number> = {};
  const count = async <T>(verb: string, resource: string, sub: string | undefined, call: Promise<T>): Promise<T> => {
    tally(writes, writeKey(verb, resource, sub));
    tally(requests, `${verb} ${resource}`);
    try {
      return await call;
    } catch (e) {
      tally(failures, String((e as { code?: number }).code ?? 0));
      throw e;
    }
  };

  const list =
    <T extends KubernetesObject>(resource: string, fn: () => Promise<unknown>) =>
    async () => {
      tally(requests, `list ${resource}`);
      return (await fn()) as { items: T[]; metadata?: { resourceVersion?: string } } as never;
    };
  const workspaces = makeInformer<KubernetesObject>(
    kc,
    `/apis/kaito.sh/v1beta1/namespaces/${NS}/workspaces`,
    list("workspaces", () => custom.listNamespacedCustomObject({ ...WS, namespace: NS })),
  );
  const claims = makeInformer<KubernetesObject>(
    kc,
    "/apis/karpenter.sh/v1/nodeclaims",
    list("nodeclaims", () =>
      custom.listClusterCustomObject({
        group: "karpenter.sh",
        version: "v1",
        plural: "nodeclaims",
        labelSelector: KaitoLabel.Workspace,
      }),
    ),
    KaitoLabel.Workspace,
  );
  const statefulSets = makeInformer<V1StatefulSet>(
    kc,
    `/apis/apps/v1/namespaces/${NS}/statefulsets`,
    list("statefulsets", () => apps.listNamespacedStatefulSet({ namespace: NS })),
  );

  const flows = new Map<string, Flow>();
  const queue: string[] = [];
  const queued = new Set<string>();
  const busy = new Set<string>();
  let succeeded = 0;
  let resolveDone!: (s: SideStats) => void;
  const done = new Promise<SideStats>((r) => {
    resolveDone = r;
  });
  const waiting: Array<() => void> = [];
  const wake = () => waiting.shift()?.();
  let stopped = false;

  const enqueue = (name: string) => {
    if (queued.has(name)) return;
    queued.add(name);
    queue.push(name);
    wake();
  };

  // Events are written in the background, as client-go's recorder (and the reconciler's) does.
  const event = (ws: KubernetesObject, reason: string, message: string): void => {
    const now = new Date();
    count(
      "create",
      "events",
      undefined,
      core.createNamespacedEvent({
        namespace: NS,
        body: {
          metadata: { name: `${ws.metadata?.name}.${randomBytes(8).toString("hex")}`, namespace: NS },
          involvedObject: {
            apiVersion: "kaito.sh/v1beta1",
            kind: "Workspace",
            name: ws.metadata?.name ?? "",
            namespace: NS,
            uid: ws.metadata?.uid ?? "",
          },
          reason,
          message,
          type: "Normal",
          source: { component: "kaito-ts-bench" },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      }),
    ).catch(() => {}); // counted in `failures`
  };

  const writeStatus = async (
    raw: KubernetesObject,
    flow: Flow,
    updates: Parameters<typeof computeStatus>[0]["conditions"],
    extra: { targetNodeCount?: number; workerNodes?: string[] },
  ) => {
    const ws = raw as unknown as KubeObject;
    flow.status = computeStatus({
      workspace: { metadata: ws.metadata, inference: ws.inference, status: flow.status },
      conditions: updates,
      now: new Date(),
      ...extra,
    });
    await count(
      "patch",
      "workspaces",
      "status",
      custom.patchNamespacedCustomObjectStatus(
        { ...WS, namespace: NS, name: ws.metadata.name ?? "", body: { status: flow.status } },
        mergePatch,
      ),
    );
  };

  const step = async (name: string): Promise<void> => {
    const raw = workspaces.get(name, NS);
    const flow = flows.get(name);
    if (raw === undefined || flow === undefined) return;
    const ws = toBuildWorkspace(raw as never);
    if (flow.phase === "new") {
      const rev = planRevision(ws, []);
      await count(
        "patch",
        "workspaces",
        undefined,
        custom.patchNamespacedCustomObject(
          {
            ...WS,
            namespace: NS,
            name,
            body: { metadata: { finalizers: [WORKSPACE_FINALIZER], annotations: rev.annotations } },
          },
          mergePatch,
        ),
      );
      if (rev.create !== undefined)
        await count("create", "controllerrevisions", undefined, objects.create(rev.create as KubernetesObject));
      const uid = raw.metadata?.uid ?? "";
      const req = resolveNodeRequest({ workspace: ws, targetNodeCount: 1 }, { uid: true, instanceType: true });
      flow.claim = nodeNameFor(uid, 0);
      await count(
        "create",
        "nodeclaims",
        undefined,
        objects.create(buildNodeClaim(req, flow.claim, { cloud: "azure" }) as unknown as KubernetesObject),
      );
      event(raw, "NodeClaimCreated", `created NodeClaim ${flow.claim}`);
      await writeStatus(
        raw,
        flow,
        [...resourceConditions(readiness(false, undefined)), pending("waiting for GPU nodes")],
        {
          targetNodeCount: 1,
        },
      );
      flow.phase = "nodes";
      if (claimReady(claims.get(flow.claim))) enqueue(name);
      return;
    }
    if (flow.phase === "nodes") {
      const claim = claims.get(flow.claim);
      if (!claimReady(claim)) return;
      const revision = ws.metadata.annotations?.["workspace.kaito.io/revision"] ?? "1";
      const svcs = buildInferenceServices(ws, options);
      await count("create", "services", undefined, objects.create(svcs.service as KubernetesObject));
      await count("create", "services", undefined, objects.create(svcs.headless as KubernetesObject));
      const sts = buildInferenceStatefulSet(ws, { revision, targetNodeCount: 1, nvmeStorageClass: false }, options);
      await count("create", "statefulsets", undefined, objects.create(sts as KubernetesObject));
      event(raw, "StatefulSetCreated", `created StatefulSet ${name} (revision ${revision})`);
      const node = (claim as { status?: { nodeName?: string } }).status?.nodeName;
      await writeStatus(
        raw,
        flow,
        [
          ...resourceConditions(readiness(true, node)),
          ...inferenceConditions({ replicas: 1, readyReplicas: 0, rolledOut: true, failure: undefined }),
        ],
        node !== undefined ? { workerNodes: [node] } : {},
      );
      flow.phase = "workload";
      if (stsReady(statefulSets.get(name, NS))) enqueue(name);
      return;
    }
    if (flow.phase === "workload") {
      if (!stsReady(statefulSets.get(name, NS))) return;
      await writeStatus(
        raw,
        flow,
        inferenceConditions({ replicas: 1, readyReplicas: 1, rolledOut: true, failure: undefined }),
        {},
      );
      flow.phase = "done";
      succeeded++;
      if (succeeded >= target)
        resolveDone({
          doneAt: Date.now(),
          succeeded,
          requests,
          writes,
          directReads: {},
          failures,
          passes: {},
          maxRssBytes: process.resourceUsage().maxRSS * 1024,
        });
    }
  };

  const worker = async () => {
    while (!stopped) {
      const name = queue.find((n) => !busy.has(n));
      if (name === undefined) {
        await new Promise<void>((r) => waiting.push(r));
        continue;
      }
      queue.splice(queue.indexOf(name), 1);
      queued.delete(name);
      busy.add(name);
      try {
        await step(name);
      } catch (e) {
        // The minimal flow has no conflicts to expect; a failure is retried once the queue comes back to it.
        console.error(`baseline: ${name}: ${String(e)}`);
        setTimeout(() => enqueue(name), 200);
      } finally {
        busy.delete(name);
        if (queue.length > 0) wake();
      }
    }
  };

  workspaces.on("add", (ws) => {
    const name = ws.metadata?.name ?? "";
    if (!flows.has(name)) flows.set(name, { phase: "new", status: undefined, claim: "" });
    enqueue(name);
  });
  const onClaim = (c: KubernetesObject) => {
    const ws = c.metadata?.labels?.[KaitoLabel.Workspace];
    if (ws !== undefined && flows.get(ws)?.phase === "nodes" && claimReady(c)) enqueue(ws);
  };
  const onStatefulSet = (s: V1StatefulSet) => {
    const name = s.metadata?.name ?? "";
    if (flows.get(name)?.phase === "workload" && stsReady(s)) enqueue(name);
  };
  claims.on("add", onClaim);
  claims.on("update", onClaim);
  statefulSets.on("add", onStatefulSet);
  statefulSets.on("update", onStatefulSet);
  tally(requests, "watch (informers)", 3);
  // client-node's informer stops for good on any watch error other than a timeout or 410; restart it, as its
  // documentation tells users to (reconciler-core's Informer does this itself, with back-off).
  for (const [resource, inf] of [
    ["workspaces", workspaces],
    ["nodeclaims", claims],
    ["statefulsets", statefulSets],
  ] as const) {
    inf.on("error", () => {
      if (stopped) return;
      tally(requests, `watch restarts ${resource}`);
      setTimeout(() => {
        if (!stopped) inf.start().catch(() => {});
      }, 500);
    });
  }
  await Promise.all([workspaces.start(), claims.start(), statefulSets.start()]);
  for (let i = 0; i < WORKERS; i++) void worker();
  return {
    done,
    succeeded: () => succeeded,
    async stop() {
      stopped = true;
      for (const w of waiting.splice(0)) w();
      await Promise.all([workspaces.stop(), claims.stop(), statefulSets.stop()]);
    },
  };
}

/**
 * Wires the simulated cloud and kubelet to an API (cluster-sim's store, or a remote API server): one work queue per
 * controller, fed by the API's events (never writing inside the callback), and the handle with port resolution, logs
 * and faults.
 */
import type { ClusterStore, KubeObject, ResourceKey, StoreEvent } from "../store/api.ts";
import { ClusterSimError } from "../errors/index.ts";
import { StoreApi } from "./api/store-api.ts";
import type { SimApi } from "./api/types.ts";
import { NodeHeartbeats } from "./node-agent/heartbeats.ts";
import type { ResolvedOptions, SimContext } from "./shared/context.ts";
import type { HandlerResult } from "./shared/queue.ts";
import { DeploymentController } from "./controllers/deployment.ts";
import { EndpointsController, endpointSubsets, resolveTargetPort } from "./controllers/endpoints.ts";
import { EventRecorder } from "./shared/events.ts";
import { FaultRegistry } from "./shared/faults.ts";
import { JobController } from "./controllers/job.ts";
import { Kubelet } from "./node-agent/kubelet.ts";
import { NodeHealthController } from "./node-agent/node-health.ts";
import { NodeClaimController } from "./cloud/nodeclaim-controller.ts";
import { asObjArray, controllerOf, keyOf, num, type Obj, specOf, str, timestamp } from "./shared/objects.ts";
import { ALL_CONTROLLERS, resolveOptions, validateOptions } from "./shared/options.ts";
import { ProcessRuntime } from "./node-agent/process-runtime.ts";
import { WorkQueue } from "./shared/queue.ts";
import { ReplicaSetController } from "./controllers/replicaset.ts";
import { ServiceMembership } from "./controllers/service-membership.ts";
import { R, sameResource } from "./shared/resources.ts";
import { SCHEDULE_ALL, Scheduler } from "./controllers/scheduler.ts";
import { StatefulSetController } from "./controllers/statefulset.ts";
import type { SimControllers, SimEndpoint, Simulation, SimulationOptions } from "./shared/types.ts";

/** Resources the simulation reads through its cache, for the parts that run. */
export function cachedResources(controllers: Required<SimControllers>): ResourceKey[] {
  const out: ResourceKey[] = [R.pods, R.nodes, R.services];
  if (controllers.nodeClaims) out.push(R.nodeclaims);
  if (controllers.nodeAgent) out.push(R.configmaps, R.secrets);
  if (controllers.endpoints) out.push(R.endpoints);
  if (controllers.workloads) out.push(R.deployments, R.replicasets, R.statefulsets, R.controllerrevisions, R.jobs);
  return out;
}

/**
 * Starts the simulated cloud (NodeClaims → Nodes), scheduler, workload controllers, Service endpoints and kubelet
 * against cluster-sim's in-process store (`startCluster` does this). Every write goes through the store, as the real
 * components write through the API. `options.controllers` turns parts off (all on by default).
 */
export function createSimulation(backing: ClusterStore, options: SimulationOptions): Simulation {
  validateOptions(options);
  if (options.kubeletEndpoint === true) {
    throw new ClusterSimError(
      "BadRequest",
      "invalid simulation option kubeletEndpoint: only for attachSimulation (cluster-sim's own server serves pods/log from the simulation already)",
    );
  }
  const resolved = resolveOptions(options, ALL_CONTROLLERS);
  const api = new StoreApi(backing, cachedResources(resolved.controllers));
  api.start();
  return runSimulation(api, options, resolved);
}

/** Wires the controllers to `api` (already synced): one work queue per controller, fed by the API's events. */
export function runSimulation(
  api: SimApi,
  options: SimulationOptions,
  resolved: ResolvedOptions,
  kubeletServer?: { port: number; stop(): Promise<void> },
): Simulation {
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => {});
  let onFaultsChanged = () => {};
  const faults = new FaultRegistry(() => onFaultsChanged());
  for (const rule of options.faults?.nodeClaims ?? []) faults.addNodeClaimFault(rule);
  for (const rule of options.faults?.pods ?? []) faults.addPodFault(rule);
  for (const rule of options.faults?.nodes ?? []) faults.addNodeFault(rule);
  const ctx: SimContext = {
    api,
    now,
    nowIso: () => timestamp(now()),
    events: new EventRecorder(api, now),
    faults,
    options: resolved,
    onError,
    kubeletPort: kubeletServer?.port,
  };
  const on = resolved.controllers;
  const runtime = new ProcessRuntime(options.processRuntime);
  const nodeClaims = new NodeClaimController(ctx);
  const kubelet = new Kubelet(ctx, runtime);
  const queue = (enabled: boolean, name: string, handler: { handle(key: string): Promise<HandlerResult> }) =>
    enabled ? new WorkQueue(name, (k) => handler.handle(k), onError) : undefined;
  const q = {
    nodeClaims: queue(on.nodeClaims, "nodeclaims", nodeClaims),
    scheduler: queue(on.scheduler, "scheduler", new Scheduler(ctx)),
    kubelet: queue(on.nodeAgent, "kubelet", kubelet),
    nodeHealth: queue(on.nodeAgent, "node-health", new NodeHealthController(ctx)),
    replicaSets: queue(on.workloads, "replicasets", new ReplicaSetController(ctx)),
    deployments: queue(on.workloads, "deployments", new DeploymentController(ctx)),
    statefulSets: queue(on.workloads, "statefulsets", new StatefulSetController(ctx)),
    jobs: queue(on.workloads, "jobs", new JobController(ctx)),
    endpoints: queue(on.endpoints, "endpoints", new EndpointsController(ctx)),
  };
  onFaultsChanged = () => {
    for (const node of api.list(R.nodes)) q.nodeHealth?.add(node.metadata.name ?? "");
  };
  kubelet.setQueue((key) => q.kubelet?.add(key));
  const heartbeats =
    on.nodeAgent && (resolved.heartbeats.leaseRenewMs > 0 || resolved.heartbeats.nodeStatusMs > 0)
      ? new NodeHeartbeats({
          api,
          now,
          nowIso: ctx.nowIso,
          nodes: () =>
            api.list(R.nodes).filter((n) => n.metadata.deletionTimestamp === undefined && kubelet.servesNode(n)),
          leaseRenewMs: resolved.heartbeats.leaseRenewMs,
          nodeStatusMs: resolved.heartbeats.nodeStatusMs,
          onError,
        })
      : undefined;
  heartbeats?.start();

  const ownerQueue = (o: KubeObject) => {
    const ref = controllerOf(o);
    if (ref === undefined || o.metadata.namespace === undefined) return;
    const key = `${o.metadata.namespace}/${ref.name}`;
    if (ref.kind === "ReplicaSet") q.replicaSets?.add(key);
    else if (ref.kind === "StatefulSet") q.statefulSets?.add(key);
    else if (ref.kind === "Job") q.jobs?.add(key);
    else if (ref.kind === "Deployment") q.deployments?.add(key);
  };

  // Which Services a pod event concerns (only those selecting the pod, before or after the change).
  const memberships = new ServiceMembership();
  const route = (event: StoreEvent) => {
    const { resource, object: o } = event;
    if (sameResource(resource, R.pods)) {
      q.kubelet?.add(keyOf(o));
      // A pending pod needs a pass; a deleted or finished pod frees room for pending ones.
      const phase = str((o.status as Obj | undefined)?.phase);
      if (
        str(specOf(o).nodeName) === undefined ||
        event.type === "DELETED" ||
        phase === "Succeeded" ||
        phase === "Failed"
      ) {
        q.scheduler?.add(SCHEDULE_ALL);
      }
      ownerQueue(o);
      const endpoints = q.endpoints;
      if (endpoints !== undefined) for (const key of memberships.servicesForPod(event.type, o)) endpoints.add(key);
    } else if (sameResource(resource, R.nodes)) {
      q.scheduler?.add(SCHEDULE_ALL);
      q.nodeHealth?.add(o.metadata.name ?? "");
      if (event.type === "DELETED") q.scheduler?.add(`gc:${o.metadata.name ?? ""}`);
      else if (q.kubelet !== undefined) {
        for (const pod of api.list(R.pods, { fieldSelector: `spec.nodeName=${o.metadata.name ?? ""}` })) {
          q.kubelet.add(keyOf(pod));
        }
      }
      if (q.nodeClaims !== undefined) {
        const claim =
          o.metadata.ownerReferences?.find((r) => r.kind === "NodeClaim")?.name ??
          nodeClaims.claimOfNode(o.metadata.name ?? "");
        if (claim !== undefined) q.nodeClaims.add(claim);
      }
    } else if (sameResource(resource, R.nodeclaims)) q.nodeClaims?.add(o.metadata.name ?? "");
    else if (sameResource(resource, R.replicasets)) {
      q.replicaSets?.add(keyOf(o));
      ownerQueue(o);
    } else if (sameResource(resource, R.deployments)) q.deployments?.add(keyOf(o));
    else if (sameResource(resource, R.statefulsets)) q.statefulSets?.add(keyOf(o));
    else if (sameResource(resource, R.controllerrevisions)) ownerQueue(o);
    else if (sameResource(resource, R.jobs)) q.jobs?.add(keyOf(o));
    else if (sameResource(resource, R.services)) {
      memberships.serviceChanged(event.type, o);
      q.endpoints?.add(keyOf(o));
    } else if (sameResource(resource, R.endpoints)) q.endpoints?.add(keyOf(o));
  };
  const unsubscribe = api.subscribe((event) => {
    try {
      route(event);
    } catch (error) {
      onError(error, "simulation event routing");
    }
  });
  // Initial sync: everything already there.
  const cached = cachedResources(on);
  for (const resource of [
    R.nodeclaims,
    R.nodes,
    R.deployments,
    R.replicasets,
    R.statefulsets,
    R.jobs,
    R.services,
    R.pods,
  ]) {
    if (!cached.some((r) => sameResource(r, resource))) continue;
    for (const o of api.list(resource)) route({ type: "ADDED", resource, object: o });
  }

  const resolvePodPort = (pod: KubeObject, containerPort: number | string): SimEndpoint | undefined => {
    const port = runtime.resolvePort(pod.metadata.uid ?? "", containerPort);
    return port === undefined ? undefined : { host: "127.0.0.1", port };
  };

  let stopped = false;
  return {
    faults,
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      await heartbeats?.stop();
      await Promise.all(Object.values(q).map((queue) => queue?.stop()));
      await kubelet.stop();
      await runtime.stop(Math.min(ctx.options.killGraceMs, 1000));
      await ctx.events.flush();
      await api.stop();
      await kubeletServer?.stop();
    },
    resolvePod(namespace, name, port) {
      const pod = api.get(R.pods, namespace, name);
      if (pod === undefined) return undefined;
      const numeric = typeof port === "string" && /^\d+$/.test(port) ? Number(port) : port;
      return resolvePodPort(pod, numeric);
    },
    resolveService(namespace, name, port) {
      const svc = api.get(R.services, namespace, name);
      if (svc === undefined) return undefined;
      const spec = specOf(svc);
      const numeric = typeof port === "string" && /^\d+$/.test(port) ? Number(port) : port;
      const ports = asObjArray(spec.ports);
      const servicePort: Obj | undefined =
        ports.find((p) => (typeof numeric === "number" ? num(p.port) === numeric : p.name === numeric)) ??
        (ports.length === 0 && typeof numeric === "number" ? { port: numeric, targetPort: numeric } : undefined);
      if (servicePort === undefined) return undefined;
      const pods = api.list(R.pods, { namespace });
      const byName = new Map(pods.map((p) => [p.metadata.name ?? "", p]));
      const subsets = endpointSubsets(
        svc,
        pods.filter((p) => matchesService(svc, p)),
      );
      // Ready addresses first, then not-ready ones (a process may already listen before its probe passes).
      const candidates = [
        ...subsets.flatMap((s) => asObjArray(s.addresses)),
        ...subsets.flatMap((s) => asObjArray(s.notReadyAddresses)),
      ];
      for (const address of candidates) {
        const pod = byName.get(str((address.targetRef as Obj | undefined)?.name) ?? "");
        if (pod === undefined) continue;
        const target = resolveTargetPort(servicePort, pod);
        if (target === undefined) continue;
        const endpoint = resolvePodPort(pod, target);
        if (endpoint !== undefined) return endpoint;
      }
      return undefined;
    },
    logs(namespace, name, container, opts) {
      const pod = api.get(R.pods, namespace, name);
      const containerName = container ?? str(asObjArray(specOf(pod ?? emptyPod()).containers)[0]?.name);
      if (containerName === undefined) return undefined;
      const text = runtime.logs(`${namespace}/${name}/${containerName}`, opts?.previous === true);
      if (text !== undefined) return text;
      const known = [
        ...asObjArray(specOf(pod ?? emptyPod()).containers),
        ...asObjArray(specOf(pod ?? emptyPod()).initContainers),
      ];
      return known.some((c) => c.name === containerName) && opts?.previous !== true ? "" : undefined;
    },
  };
}

function emptyPod(): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: {} };
}

function matchesService(svc: KubeObject, pod: KubeObject): boolean {
  const selector = specOf(svc).selector;
  if (selector === null || typeof selector !== "object") return false;
  const entries = Object.entries(selector as Record<string, unknown>);
  return entries.length > 0 && entries.every(([k, v]) => pod.metadata.labels?.[k] === v);
}
